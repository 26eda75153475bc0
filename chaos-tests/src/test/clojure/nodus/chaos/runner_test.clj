(ns nodus.chaos.runner-test
  "Runs of every workload (register, identities, IPAM, event log) on real controllers under kills,
  pauses, partitions of every shape, membership changes, skewed wall clocks and full disks: the
  register history must be linearizable, the identity and IPAM answers agree with the log and the
  final state, every watcher's stream be a gapless prefix of the log, no request be applied twice
  and the cluster time keep to real time; and the register checker must catch a controller that
  serves stale reads. NODUS_CHAOS_LONG=1 (ops/chaos --long) gives the runs minutes of faults, mixes
  of faults and a five-controller cluster; NODUS_CHAOS_SEED replays a run."
  (:require [clojure.java.io :as io]
            [clojure.test :refer [deftest is]]
            [nodus.chaos.runner :as runner]))

(def ^:private long-mode?
  (= "1" (System/getenv "NODUS_CHAOS_LONG")))

(defn- seed []
  (or (some-> (System/getenv "NODUS_CHAOS_SEED") Long/parseLong) (System/currentTimeMillis)))

(defn- run-valid [opts]
  (let [r (runner/run-chaos! (assoc opts :seed (seed)))]
    (println (slurp (io/file (:dir r) "summary.txt")))
    (is (true? (:valid? r)) (str "a checker found a violation (or could not decide), seed " (:seed r) "; see " (:dir r)))
    (is (> (:ops r) 100))))

(deftest every-workload-under-every-fault
  ;; The short run holds each fault 3 s (and is quiet 3 s between them), so that two rounds of all
  ;; six kinds fit in the two minutes.
  (run-valid (if long-mode?
               {:seconds 300 :workers {:register 10 :identities 3 :ipam 3} :key-count 5 :interval-ms 6000
                :faults #{:kill :pause :partition :membership :clock-skew :disk-full :mix}}
               {:seconds 120 :interval-ms 3000
                :faults #{:kill :pause :partition :membership :clock-skew :disk-full}})))

(deftest five-controllers-under-partitions-and-mixed-faults
  ;; Five members: minority/majority halves and bridges differ from isolating one node, and a
  ;; majority of full disks is three.
  (when long-mode?
    (run-valid {:seconds 300 :node-count 5 :workers {:register 10 :identities 3 :ipam 3} :key-count 5
                :interval-ms 6000 :faults #{:partition :mix :kill :clock-skew :disk-full}})))

(deftest stale-reads-from-a-partitioned-member-are-caught
  ;; The deliberate fault: members answer "linearizable" reads from their own replica. A member
  ;; cut off by a partition goes on serving the values it had, while the majority acknowledges
  ;; newer writes: the checker must find the history not linearizable.
  (let [seed (seed)
        r (runner/run-chaos! {:seed seed :seconds 30 :workers {:register 6} :faults #{:partition}
                              :controller-args ["--unsafe-local-reads"]})]
    (println (slurp (io/file (:dir r) "summary.txt")))
    (is (false? (get-in r [:results :register :valid?])) (str "stale reads went unnoticed, seed " seed "; see " (:dir r)))))
