(ns nodus.chaos.sim.register
  "A reference key-value store with a cluster-wide revision counter, the register workload run against
  it, and the mutations that must make a history non-linearizable."
  (:require [clojure.test.check.generators :as gen]
            [nodus.chaos.history :as h]
            [nodus.chaos.sim :as sim]))

(def empty-store {:revision 0 :keys {}})

(defn- apply-op [store {:keys [f value]} _time]
  (let [k (:key value)
        {current :value at :revision} (get-in store [:keys k])
        commit (fn [v]
                 (let [r (inc (:revision store))]
                   [(-> store (assoc :revision r) (assoc-in [:keys k] {:value v :revision r}))
                    {:type :ok :value {:key k :value v :revision r}}]))]
    (case f
      :read [store {:type :ok :value {:key k :value current :revision at}}]
      :write (commit (:value value))
      :cas (if (= (:expected value) at)
             (commit (:value value))
             [store {:type :fail}]))))

(def ^:private key-names [:a :b :c])

(defn- gen-op
  "Few keys and values, so that ops collide; a cas expects the revision the key has now half the time,
  like a client that just read it."
  [pick store]
  (let [k (key-names (pick (count key-names)))
        v (pick 4)]
    (case (pick 3)
      0 {:f :read :value {:key k}}
      1 {:f :write :value {:key k :value v}}
      2 {:f :cas :value {:key k
                         :expected (if (zero? (pick 2))
                                     (get-in store [:keys k :revision])
                                     (pick (inc (:revision store))))
                         :value v}})))

(defn run
  [opts choices]
  (sim/run (merge {:init empty-store :apply apply-op :gen-op gen-op} opts) choices))

(def gen-choices (gen/vector (gen/choose 0 9999)))

(def gen-sequential
  "Runs of one client that never crashes: each op completes before the next starts."
  (gen/let [n (gen/choose 0 30) choices gen-choices]
    (run {:threads 1 :op-count n} choices)))

(def gen-concurrent
  "Runs of several clients whose ops overlap, crash and land late."
  (gen/let [n (gen/choose 1 30)
            threads (gen/choose 2 5)
            info-percent (gen/elements [0 10 25])
            choices gen-choices]
    (run {:threads threads :op-count n :info-percent info-percent} choices)))

(defn ok-read-positions [history]
  (keep-indexed (fn [i op] (when (and (h/ok? op) (= :read (:f op))) i)) history))

(defn mutate-read
  "The history with the ok read at position i answering a value nobody ever wrote."
  [history i]
  (assoc-in history [i :value :value] ::never-written))

(defn lost-write-candidates
  "The acknowledged writes and cases that were the last to change their key: losing one is visible to a
  read after the run, which sees the key's revision go back."
  [{:keys [history applied]}]
  (let [changes (filter #(#{:write :cas} (get-in % [:invoke :f])) applied)
        last-per-key (vals (into {} (map (fn [a] [(get-in a [:invoke :value :key]) a])) changes))]
    (filter #(h/ok? (sim/completion-of history (:invoke %))) last-per-key)))

(defn lose-write
  "The history plus a read, after everything, of a store that lost the applied write a: it sees the key
  as it was before a."
  [history a]
  (let [k (get-in a [:invoke :value :key])
        {:keys [value revision]} (get-in a [:before :keys k])
        process (inc (reduce max 0 (map :process history)))
        time (inc (reduce max 0 (map :time history)))]
    (h/index (conj history
                   {:process process :type :invoke :f :read :value {:key k} :time time}
                   {:process process :type :ok :f :read :time (inc time)
                    :value {:key k :value value :revision revision}}))))
