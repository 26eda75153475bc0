(ns nodus.chaos.runner-test
  "Short runs of the register, identities and event-log workloads with kills, pauses and
  partitions on real controllers: the register history must be linearizable, the identity answers
  agree with the log, and every watcher's stream be a gapless prefix of the log; and the register
  checker must catch a controller that serves stale reads."
  (:require [clojure.java.io :as io]
            [clojure.test :refer [deftest is]]
            [nodus.chaos.runner :as runner]))

(def ^:private long-mode?
  "ops/chaos --long: minutes of faults instead of seconds."
  (= "1" (System/getenv "NODUS_CHAOS_LONG")))

(defn- seed []
  (or (some-> (System/getenv "NODUS_CHAOS_SEED") Long/parseLong) (System/currentTimeMillis)))

(deftest register-workload-under-kills-pauses-and-partitions
  (let [seed (seed)
        r (runner/run-register! (if long-mode?
                                  {:seed seed :seconds 300 :concurrency 10 :key-count 5 :interval-ms 6000}
                                  {:seed seed :seconds 45 :concurrency 6 :key-count 3}))]
    (println (slurp (io/file (:dir r) "summary.txt")))
    (is (true? (:valid? r)) (str "not linearizable, seed " seed "; see " (:dir r)))
    (is (> (:ops r) 100))))

(deftest stale-reads-from-a-partitioned-member-are-caught
  ;; The deliberate fault: members answer "linearizable" reads from their own replica. A member
  ;; cut off by a partition goes on serving the values it had, while the majority acknowledges
  ;; newer writes: the checker must find the history not linearizable.
  (let [seed (seed)
        r (runner/run-register! {:seed seed :seconds 30 :concurrency 6 :key-count 3 :faults #{:partition}
                                 :controller-args ["--unsafe-local-reads"]})]
    (println (slurp (io/file (:dir r) "summary.txt")))
    (is (false? (get-in r [:results :register :valid?])) (str "stale reads went unnoticed, seed " seed "; see " (:dir r)))))
