(ns nodus.chaos.clock
  "Skewed wall clocks for the controllers, through libfaketime (Debian's faketime package): every
  controller runs with the library preloaded, and the library reads the controller's offset from a
  file of its own, which the nemesis rewrites while the controller runs. An offset is a whole
  number of seconds, forward or back; 0 is the true time.

  Only the wall clock moves. A stepped wall clock (NTP, an operator's settimeofday, a VM resumed
  after a pause) never moves CLOCK_MONOTONIC on a real host, and the controllers measure durations
  (Raft timeouts, gRPC deadlines, the cluster clock's advance) on the monotonic clock: faking it
  too would test a machine that cannot exist."
  (:require [clojure.java.io :as io])
  (:import (java.nio.file Files StandardCopyOption)))

(def library
  "The multi-threaded variant: the JVM reads the time from many threads at once."
  "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1")

(defn offset-file
  "The file that holds `node`'s offset, beside its log under the run's directory."
  ^java.io.File [dir node]
  (io/file dir node "clock-offset"))

(defn spec
  "An offset as libfaketime reads it: a signed number of seconds, relative to the true time."
  [seconds]
  (format "%+d" (long seconds)))

(defn set-offset!
  "Sets the offset in `file` to `seconds`. Written aside and renamed over it, so that the library,
  which reads the file at any moment, never sees a partial one."
  [^java.io.File file seconds]
  (io/make-parents file)
  (let [tmp (io/file (.getParentFile file) (str (.getName file) ".tmp"))]
    (spit tmp (str (spec seconds) "\n"))
    (Files/move (.toPath tmp) (.toPath file)
                (into-array StandardCopyOption [StandardCopyOption/ATOMIC_MOVE StandardCopyOption/REPLACE_EXISTING]))))

(defn env
  "The environment of a process whose wall clock follows the offset in `file`, as NAME=value
  strings for env(1). Throws when libfaketime is not installed: a run without it would inject clock
  faults that change nothing."
  [^java.io.File file]
  (when-not (.exists (io/file library))
    (throw (ex-info (str library " is missing: install Debian's faketime package (ops/lib/common.sh installs it)")
                    {:library library})))
  [(str "LD_PRELOAD=" library)
   (str "FAKETIME_TIMESTAMP_FILE=" (.getAbsolutePath file))
   ;; The file is read again at most once a second: the JVM reads the time thousands of times a
   ;; second, and an open and read for each would slow it down. A step so takes effect within 1 s.
   "FAKETIME_CACHE_DURATION=1"
   ;; See the namespace docstring: stepped wall clocks never move CLOCK_MONOTONIC.
   "FAKETIME_DONT_FAKE_MONOTONIC=1"
   ;; libfaketime 0.9.10 (Debian 12) turns the deadline of a wait on a CLOCK_MONOTONIC condition
   ;; variable into fake wall-clock time even when the monotonic clock is not faked, and then (the
   ;; "forced monotonic fix" it applies on glibc >= 2.30) back onto the real monotonic clock: the
   ;; deadline lands decades in the past, so every timed wait of the JVM (LockSupport.parkNanos,
   ;; Object.wait, each executor's timer) returns at once, its threads spin and Ratis never elects a
   ;; leader. Without the fix the deadline comes back unchanged, which is right for a monotonic
   ;; clock that is not faked; waits on CLOCK_REALTIME (RocksDB's) are still converted. Upstream
   ;; fixed the conversion after 0.9.10 (wolfcw/libfaketime pull request 503).
   "FAKETIME_FORCE_MONOTONIC_FIX=0"])
