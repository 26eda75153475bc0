(ns nodus.chaos.sim.cluster-time
  "Leaders one after another stamp log entries, one acknowledged change each, with wall clocks that
  are off the true time and step while they lead; the cluster time of each entry is the product's
  own ClusterClock's. And the clocks a checker must catch: one that follows the leader's wall clock
  (as the controllers did before the cluster clock), and one whose leader's monotonic clock steps
  with its wall clock (a libfaketime that fakes CLOCK_MONOTONIC too)."
  (:require [clojure.test.check.generators :as gen])
  (:import (io.nodus.state ClusterClock)))

(defn- chooser [choices]
  (let [i (volatile! 0) choices (vec choices)]
    (fn [n] (let [c (get choices @i 0)] (vswap! i inc) (mod c n)))))

(def ^:private offsets
  "Wall clock offsets a leader may have, in ms: a day, an hour and ten minutes either way, a few
  seconds, none."
  [0 0 3000 -3000 600000 -600000 3600000 -1800000 86400000 -86400000])

(defn- stamp
  "The cluster time after an entry stamped with `wall` and `mono` (ms) in `term`, by `clock-kind`."
  [^ClusterClock clock clock-kind term wall mono]
  (case clock-kind
    :cluster (.advance clock (long term) (long wall) (long mono) true)
    ;; The cluster time is the stamping leader's wall clock.
    :leader-wall (ClusterClock. term mono wall)))

(defn run
  "The checker's input ({:history :log}) for `entries` entries led by `leaders` leaders in turn,
  each with a wall clock offset that steps to another one partway through its term.
  :clock-kind is :cluster (the product's clock), or :leader-wall; :fake-monotonic makes each
  leader's monotonic clock carry its wall offset too. :offsets fixes the leaders' offsets
  ([before after] per leader) instead of drawing them."
  [{:keys [entries leaders clock-kind fake-monotonic] fixed :offsets :or {clock-kind :cluster}} choices]
  (let [pick (chooser choices)
        plans (vec (for [l (range leaders)]
                     (or (get fixed l) [(offsets (pick (count offsets))) (offsets (pick (count offsets)))])))
        per-term (max 1 (quot entries leaders))]
    (loop [i 0
           now 1000000          ; the true time, ms
           clock ClusterClock/UNSET
           log []
           ops []]
      (if (>= i entries)
        {:log log
         ;; Invokes and completions in the order of their times, an invoke first at a tie.
         :history (vec (map-indexed #(assoc %2 :index %1)
                                    (sort-by (juxt :time #(if (= :invoke (:type %)) 0 1)) ops)))}
        (let [leader-of #(min (dec leaders) (quot % per-term))
              leader (leader-of i)
              term (inc leader)
              ;; An election between two leaders takes up to three seconds; entries come up to 50 ms apart.
              now (+ now (if (and (pos? i) (not= leader (leader-of (dec i)))) (pick 3000) (pick 50)))
              [before after] (plans leader)
              offset (if (< (- i (* leader per-term)) (quot per-term 2)) before after)
              ;; Several threads stamp entries: a reading may be a little older than the last one's.
              reading (- now (pick 3))
              wall (+ reading offset)
              mono (if fake-monotonic (+ reading offset) reading)
              clock (stamp clock clock-kind term wall mono)
              revision (inc i)
              invoke-at (- reading (pick 20))
              complete-at (+ now (pick 20))]
          (recur (inc i) now clock
                 (conj log {:revision revision :time-millis (.nowMillis clock)})
                 (conj ops
                       {:process i :type :invoke :f :write :value {:key 0 :value i} :time (* invoke-at 1000000)}
                       {:process i :type :ok :f :write :value {:key 0 :value i :revision revision}
                        :time (* complete-at 1000000)})))))))

(def gen-run
  "Runs of the product's clock: 1 to 60 entries under 1 to 4 leaders."
  (gen/let [entries (gen/choose 1 60)
            leaders (gen/choose 1 4)
            choices (gen/vector (gen/choose 0 9999))]
    (run {:entries entries :leaders leaders} choices)))
