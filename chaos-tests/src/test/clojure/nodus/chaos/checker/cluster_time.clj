(ns nodus.chaos.checker.cluster-time
  "Checks the cluster time that events carry against the test's own clock. The controllers stamp
  each event with the replicated cluster clock (io.nodus.state.ClusterClock), which the deduplication
  window and the identity quarantine read: it never goes back, and it advances by the leader's
  monotonic clock between the leader's own entries plus at most a tenth of that towards the leader's
  wall clock, nothing across a leader change. So whatever any leader's wall clock says, it gains at
  most 1.1 times the real time that passed, and a window or quarantine of d lasts at least d / 1.1
  of real time. The identities checker measures the quarantine in cluster time, as the controllers
  do; this checker ties cluster time to real time.

  Real time is the test's monotonic clock (the ops' :time, nanoseconds), which runs at the
  controllers' monotonic clocks' rate (one host). An acknowledged change's events were stamped
  after its invoke (the leader stamps an entry when the command reaches it) and before its
  completion, so for changes A and B with A's revision below B's, B's events may be at most
  max-rate × (B's completion - A's invoke) + slack later in cluster time than A's. The slack covers
  whole milliseconds: each leader term in between may round up by one.

  Input:
    {:history      [op ...]   ; changes whose :ok answer's :revision is that of an event their own
                              ; command caused (not reads: a read answers an older revision)
     :log          [event ...]; the final log, in order: {:revision r :time-millis t}
     :max-rate     1.1        ; optional
     :slack-millis 100}       ; optional

  Violations:
    :time-went-back  an event's time is below the one before it in the log
    :time-ran-ahead  the cluster time gained more between two acknowledged changes than real time
                     allows (names both ops, the gain and the real time between them)"
  (:require [nodus.chaos.checker :as checker]
            [nodus.chaos.history :as h]))

(defn- back-violations [log]
  (for [[before after] (partition 2 1 log)
        :when (< (:time-millis after) (:time-millis before))]
    {:kind :time-went-back :before before :after after}))

(defn- stamped
  "Each acknowledged change whose revision the log holds: {:revision :from :to :t}, :from and :to the
  real times (ms) between which its events were stamped, :t their cluster time."
  [history time-at]
  (for [[invoke completion] (h/pairs history)
        :when (and completion (h/ok? completion))
        :let [r (:revision (:value completion))
              t (time-at r)]
        :when t]
    {:revision r :from (/ (:time invoke) 1e6) :to (/ (:time completion) 1e6) :t t :op completion}))

(defn- ahead-violations
  "In revision order, each change against the earlier change that allows it the least:
  t_B - t_A <= rate (to_B - from_A) + slack  <=>  t_B - rate to_B <= min over A of (t_A - rate from_A) + slack."
  [changes rate slack]
  (loop [[b & more] (sort-by :revision changes)
         tightest nil                  ; the earlier change with the least t - rate from
         violations []]
    (if-not b
      violations
      (let [bound (fn [a] (- (:t a) (* rate (:from a))))
            v (when (and tightest (> (- (:t b) (* rate (:to b))) (+ (bound tightest) slack)))
                {:kind :time-ran-ahead
                 :from (:op tightest) :to (:op b)
                 :cluster-millis (- (:t b) (:t tightest))
                 :real-millis (Math/round (double (- (:to b) (:from tightest))))})]
        (recur more
               (if (or (nil? tightest) (< (bound b) (bound tightest))) b tightest)
               (cond-> violations v (conj v)))))))

(defn check
  [{:keys [history log max-rate slack-millis] :or {max-rate 1.1 slack-millis 100}}]
  (h/validate history)
  (let [time-at (into {} (map (juxt :revision :time-millis)) log)
        changes (stamped history time-at)]
    (checker/valid-result
     (concat (back-violations log)
             (ahead-violations changes max-rate slack-millis))
     :change-count (count changes)
     :log-length (count log))))

(defn checker
  "A checker of the run's :history (changes) and :log."
  []
  (fn [run] (check (select-keys run [:history :log]))))
