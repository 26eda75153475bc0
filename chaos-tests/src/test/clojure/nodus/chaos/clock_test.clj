(ns nodus.chaos.clock-test
  "A JVM under libfaketime as the controllers run (clock/env): its wall clock follows the offset
  file, also when the file changes while it runs, forward and back; its monotonic clock
  (System/nanoTime, which the controllers measure durations with) does not move; and its timed
  waits last as long as they ask."
  (:require [clojure.java.io :as io]
            [clojure.string :as str]
            [clojure.test :refer [deftest is testing]]
            [nodus.chaos.clock :as clock])
  (:import (java.io BufferedReader)
           (java.lang ProcessHandle)
           (java.nio.file Files)
           (java.nio.file.attribute FileAttribute)))

(def ^:private probe-source
  "For each line it reads, prints its wall clock and its monotonic clock, in milliseconds, and how
  long a timed wait of 200 ms took (the JVM waits on a condition variable of the monotonic clock)."
  (str "public class Probe { public static void main(String[] a) throws Exception {\n"
       "  var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));\n"
       "  Object lock = new Object();\n"
       "  while (in.readLine() != null) {\n"
       "    long before = System.nanoTime();\n"
       "    synchronized (lock) { lock.wait(200); }\n"
       "    long waited = (System.nanoTime() - before) / 1000000;\n"
       "    System.out.println(System.currentTimeMillis() + \" \" + System.nanoTime() / 1000000 + \" \" + waited);\n"
       "  }\n"
       "}}\n"))

(defn- java-command []
  (-> (ProcessHandle/current) .info .command (.orElse "java")))

(deftest a-jvm-follows-its-offset-file-on-the-wall-clock-only
  (let [dir (.toFile (Files/createTempDirectory "nodus-clock-test" (make-array FileAttribute 0)))
        source (io/file dir "Probe.java")
        offset (clock/offset-file dir "n1")
        _ (spit source probe-source)
        _ (clock/set-offset! offset 3600)
        p (-> (ProcessBuilder. ^java.util.List (concat ["env"] (clock/env offset) [(java-command) (str source)]))
              (.redirectError java.lang.ProcessBuilder$Redirect/INHERIT)
              (.start))
        out (BufferedReader. (io/reader (.getInputStream p)))
        in (io/writer (.getOutputStream p))
        ;; [seconds the probe's wall clock is off ours, the probe's monotonic ms minus ours, the
        ;; ms its wait of 200 ms took]
        sample (fn []
                 (.write in "\n")
                 (.flush in)
                 (let [[wall mono waited] (map #(Long/parseLong %) (str/split (.readLine out) #" "))]
                   [(Math/round (/ (- wall (System/currentTimeMillis)) 1000.0))
                    (- mono (quot (System/nanoTime) 1000000))
                    waited]))
        ;; The library reads the file again at most once a second.
        after-a-cache-period #(Thread/sleep 1500)]
    (try
      (let [[ahead mono-start waited] (sample)]
        (testing "a timed wait lasts as long as it asks (libfaketime 0.9.10 ended them at once)"
          (is (<= 190 waited 2000) (str "a wait of 200 ms took " waited " ms")))
        (testing "the offset the file held when the JVM started"
          (is (= 3600 ahead)))
        (clock/set-offset! offset -1800)
        (after-a-cache-period)
        (let [[behind mono-behind] (sample)]
          (testing "a step back while it runs"
            (is (= -1800 behind)))
          (clock/set-offset! offset 0)
          (after-a-cache-period)
          (let [[true-time mono-end] (sample)]
            (testing "back to the true time"
              (is (= 0 true-time)))
            (testing "the monotonic clock is the host's throughout (CLOCK_MONOTONIC is system-wide)"
              (doseq [m [mono-start mono-behind mono-end]]
                (is (< (Math/abs (long m)) 1000) (str "monotonic clock off by " m " ms")))))))
      (finally
        (.destroyForcibly p)
        (doseq [^java.io.File f (reverse (file-seq dir))] (.delete f))))))
