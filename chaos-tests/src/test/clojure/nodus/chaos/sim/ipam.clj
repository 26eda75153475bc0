(ns nodus.chaos.sim.ipam
  "A reference address allocator: each owner holds at most one /24 of the pool, the lowest free one;
  and the mutations its checker must catch."
  (:require [nodus.chaos.history :as h]
            [nodus.chaos.sim :as sim]))

(def pool-size 6)
(defn- block [j] (str "10.0." j ".0/24"))

(def empty-pool {:revision 0 :held {}})

(defn- apply-op [{:keys [revision held] :as state} {:keys [f value]} _time]
  (let [owner (:owner value)
        r (inc revision)]
    (case f
      :allocate (let [taken (set (vals held))
                      free (first (remove taken (map block (range pool-size))))]
                  (if (or (contains? held owner) (nil? free))
                    [state {:type :fail}]
                    [{:revision r :held (assoc held owner free)}
                     {:type :ok :value {:owner owner :pool (:pool value) :cidr free :revision r}}]))
      :release (if (contains? held owner)
                 [{:revision r :held (dissoc held owner)} {:type :ok :value {:revision r}}]
                 [state {:type :fail}]))))

(defn- gen-op [pick _]
  (let [owner (str "node-" (pick 5))]
    (if (< (pick 10) 6)
      {:f :allocate :value {:owner owner :pool "default"}}
      {:f :release :value {:owner owner}})))

(defn run
  "The checker's input for one run: {:history :final}."
  [opts choices]
  (let [{:keys [history state]} (sim/run (merge {:init empty-pool :apply apply-op :gen-op gen-op} opts) choices)]
    {:history history :final (:held state)}))

(def gen-run (sim/gen-client-run run))

(defn- ops-of [history owner f types]
  (filter #(and (= f (:f %)) (types (:type %)) (= owner (get-in % [:value :owner]))) history))

(defn surviving-owners
  "Owners whose last acknowledged op is an allocation that nothing of unknown outcome may have undone:
  the final read must show it."
  [{:keys [history final]}]
  (let [acks (sort-by (comp :revision second)
                      (for [[invoke completion] (h/pairs history)
                            :when (and completion (h/ok? completion))]
                        [invoke (h/answer invoke completion)]))
        last-ack (into {} (map (fn [[invoke a]] [(get-in invoke [:value :owner]) [(:f invoke) a]])) acks)]
    (for [[owner [f]] last-ack
          :when (and (= :allocate f)
                     (empty? (ops-of history owner :release #{:info}))
                     (contains? final owner))]
      owner)))

(defn move-final [input owner]
  (assoc-in input [:final owner] "10.9.9.0/24"))

(defn lose-final [input owner]
  (update input :final dissoc owner))

(defn concurrent-grants
  "Pairs of positions [a b] of :ok allocations where b's owner was granted a prefix while a's owner
  certainly still held its own: no :ok release of it between them, and no release of unknown outcome
  invoked before b was answered."
  [{:keys [history]}]
  (let [acked (filter (fn [[_ op]] (and (h/ok? op) (#{:allocate :release} (:f op))))
                      (map-indexed vector history))
        answer (fn [i] (h/answer (some (fn [[inv c]] (when (= i (:index c)) inv)) (h/pairs history)) (history i)))
        acks (sort-by :revision (map (fn [[i op]] (assoc (answer i) :f (:f op) :position i)) acked))]
    (for [[k a] (map-indexed vector acks)
          :when (= :allocate (:f a))
          b (drop (inc k) acks)
          :when (and (= :allocate (:f b)) (not= (:owner a) (:owner b)))
          :let [released-between (some #(and (= :release (:f %)) (= (:owner a) (:owner %))
                                              (< (:revision a) (:revision %) (:revision b)))
                                       acks)
                maybe-released (some #(and (= :invoke (:type %)) (= :release (:f %))
                                           (= (:owner a) (get-in % [:value :owner]))
                                           (< (:index %) (:position b))
                                           (not (h/ok? (sim/completion-of history %)))
                                           (not (h/fail? (sim/completion-of history %))))
                                     history)]
          :when (not (or released-between maybe-released))]
      [(:position a) (:position b)])))

(defn grant-twice
  "The run whose allocation answered at position b names the prefix answered at position a."
  [input [a b]]
  (assoc-in input [:history b :value :cidr] (get-in input [:history a :value :cidr])))
