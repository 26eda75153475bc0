(ns nodus.chaos.sim.event-log
  "A log that commits events while watchers receive them, lose their watch and re-list from a snapshot;
  and the mutations a checker must catch."
  (:require [clojure.test.check.generators :as gen]))

(defn- chooser [choices]
  (let [i (volatile! 0) choices (vec choices)]
    (fn [n] (let [c (get choices @i 0)] (vswap! i inc) (mod c n)))))

(defn run
  "One run of steps. Returns the checker's input: {:log :log-from :watchers :acknowledged}. Watchers receive every
  committed event in order until they re-list, which makes them skip to a snapshot of the latest revision;
  a new watch starts after the latest revision."
  [{:keys [start steps]} choices]
  (let [pick (chooser choices)]
    (loop [step 0
           log []
           acknowledged []
           ;; id -> {:from r :items [...] :at r}, :at being the revision the watcher has caught up to.
           watchers {0 {:from start :items [] :at (dec start)} 1 {:from start :items [] :at (dec start)}}]
      (let [latest (if (seq log) (:revision (peek log)) (dec start))]
        (if (>= step steps)
          {:log log
           :log-from start
           :acknowledged acknowledged
           :watchers (update-vals watchers #(dissoc % :at))}
          (let [id (pick (count watchers))
                {:keys [at]} (watchers id)]
            (case (pick 6)
              ;; Each committed command causes one event, which carries its request id.
              (0 1) (let [event {:revision (inc latest) :key (pick 3) :value (pick 10)
                                 :request-id (str "req-" (inc latest)) :kind :policy-upserted}]
                      (recur (inc step) (conj log event)
                             ;; Some writers time out, so not every revision is acknowledged.
                             (cond-> acknowledged (pos? (pick 4)) (conj (:revision event)))
                             watchers))
              (2 3) (recur (inc step) log acknowledged
                           (if (< at latest)
                             (-> watchers
                                 (update-in [id :items] conj (nth log (- (inc at) start)))
                                 (assoc-in [id :at] (inc at)))
                             watchers))
              4 (recur (inc step) log acknowledged
                       (-> watchers
                           (update-in [id :items] conj {:snapshot latest})
                           (assoc-in [id :at] latest)))
              5 (recur (inc step) log acknowledged
                       (assoc watchers (count watchers) {:from (inc latest) :items [] :at latest})))))))))

(def gen-run
  (gen/let [start (gen/choose 1 50)
            steps (gen/choose 0 120)
            choices (gen/vector (gen/choose 0 9999))]
    (run {:start start :steps steps} choices)))

(defn event-items
  "[watcher-id position] of every event item; with pred, of those for which (pred items position) holds."
  ([input] (event-items input (constantly true)))
  ([{:keys [watchers]} pred]
   (for [[id {:keys [items]}] watchers
         [position item] (map-indexed vector items)
         :when (and (contains? item :revision) (pred items position))]
     [id position])))

(defn followed-by-event?
  "The next item is an event, so a change at this position cannot hide behind a snapshot."
  [items position]
  (contains? (get items (inc position)) :revision))

(defn- remove-at [v i] (into (subvec v 0 i) (subvec v (inc i))))
(defn- insert-at [v i x] (into (conj (subvec v 0 i) x) (subvec v i)))

(defn mutate-event [input [id position]]
  (update-in input [:watchers id :items position :value] #(str "not " %)))

(defn duplicate-event [input [id position]]
  (update-in input [:watchers id :items] #(insert-at % (inc position) (% position))))

(defn swap-with-next [input [id position]]
  (update-in input [:watchers id :items]
             #(assoc % position (% (inc position)) (inc position) (% position))))

(defn drop-event [input [id position]]
  (update-in input [:watchers id :items] remove-at position))

(defn lose-acknowledged
  "The final log without the acknowledged revision r and everything after it, as after a failover to a
  replica that never had them."
  [input r]
  (update input :log (fn [log] (filterv #(< (:revision %) r) log))))

(defn reapplicable
  "Positions of log events that a later, not adjacent event follows: where reapply-request acts."
  [{:keys [log]}]
  (range 0 (- (count log) 2)))

(defn reapply-request
  "The run whose last event carries the request id of the event at position i, in the log and in every
  watcher's copy: as if the cluster had applied that command once more (a retry it failed to
  deduplicate)."
  [{:keys [log] :as input} i]
  (let [id (:request-id (log i))
        last-revision (:revision (peek log))
        relabel (fn [items] (mapv #(if (= last-revision (:revision %)) (assoc % :request-id id) %) items))]
    (-> input
        (update :log relabel)
        (update :watchers update-vals #(update % :items relabel)))))
