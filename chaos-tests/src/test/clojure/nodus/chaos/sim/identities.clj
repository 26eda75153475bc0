(ns nodus.chaos.sim.identities
  "A reference identity allocator behind the endpoint workload: a label set holds one identity while any
  endpoint has it; the last endpoint's deletion releases it, and a released identity rests for the
  quarantine before the lowest free one is handed out again. Every change is an event in its log."
  (:require [nodus.chaos.history :as h]
            [nodus.chaos.sim :as sim]))

(def quarantine-millis 5)
(def first-identity 256)

(def empty-allocator
  {:revision 0 :endpoints {} :identities {} :released {} :log []})

(defn- append [state time-millis event]
  (let [r (inc (:revision state))]
    [(-> state
         (assoc :revision r)
         (update :log conj (assoc event :revision r :time-millis time-millis)))
     r]))

(defn- free-identity
  "The lowest identity neither held nor resting."
  [{:keys [identities released]} now quarantine]
  (let [held (set (map :id (vals identities)))]
    (first (remove #(or (held %) (some-> (released %) (+ quarantine) (> now)))
                   (iterate inc first-identity)))))

(defn- create [state {:keys [endpoint labels]} now quarantine]
  (if (contains? (:endpoints state) endpoint)
    [state {:type :fail}]
    (let [held (get-in state [:identities labels])
          id (or (:id held) (free-identity state now quarantine))
          [state _] (if held
                      [state nil]
                      (append state now {:type :identity-allocated :identity {:id id :labels labels}}))
          [state r] (append state now {:type :endpoint-created :endpoint {:name endpoint :identity id}})]
      [(-> state
           (assoc-in [:endpoints endpoint] {:labels labels :identity id})
           (assoc-in [:identities labels] {:id id :refs (inc (:refs held 0))}))
       {:type :ok :value {:endpoint endpoint :labels labels :identity id :revision r}}])))

(defn- delete [state {:keys [endpoint]} now]
  (if-let [{:keys [labels identity]} (get-in state [:endpoints endpoint])]
    (let [[state r] (append state now {:type :endpoint-deleted :name endpoint :identity identity})
          refs (dec (get-in state [:identities labels :refs]))
          state (update state :endpoints dissoc endpoint)
          state (if (pos? refs)
                  (assoc-in state [:identities labels :refs] refs)
                  (-> (first (append state now {:type :identity-released :id identity}))
                      (update :identities dissoc labels)
                      (assoc-in [:released identity] now)))]
      [state {:type :ok :value {:revision r}}])
    [state {:type :fail}]))

(defn- apply-op
  "quarantine is a parameter so that a test can run an allocator that ignores it."
  [quarantine]
  (fn [state {:keys [f value]} time-nanos]
    (let [now (quot time-nanos 1000000)]
      (case f
        :create-endpoint (create state value now quarantine)
        :delete-endpoint (delete state value now)))))

(def ^:private label-sets [#{"app=web"} #{"app=db"} #{"app=web" "tier=front"}])

(defn- gen-op [pick _]
  (let [endpoint (str "ep-" (pick 6))]
    (if (< (pick 10) 6)
      {:f :create-endpoint :value {:endpoint endpoint :labels (label-sets (pick (count label-sets)))}}
      {:f :delete-endpoint :value {:endpoint endpoint}})))

(defn run
  "The checker's input for one run: {:history :log :quarantine-millis}."
  [{:keys [quarantine] :or {quarantine quarantine-millis} :as opts} choices]
  (let [{:keys [history state]} (sim/run (merge {:init empty-allocator :apply (apply-op quarantine) :gen-op gen-op}
                                                (dissoc opts :quarantine))
                                         choices)]
    {:history history :log (:log state) :quarantine-millis quarantine-millis}))

(def gen-run (sim/gen-client-run run))

(defn ok-creations
  "Positions of the :ok create-endpoint completions."
  [{:keys [history]}]
  (keep-indexed (fn [i op] (when (and (h/ok? op) (= :create-endpoint (:f op))) i)) history))

(defn mutate-answer
  "The run with the create answer at position i naming an identity nobody was allocated."
  [input i]
  (assoc-in input [:history i :value :identity] 99999))

(defn lose-creation
  "The run whose log lost the endpoint-created event answered at position i."
  [input i]
  (let [{:keys [endpoint revision]} (get-in input [:history i :value])]
    (update input :log (fn [log] (filterv #(not (and (= revision (:revision %))
                                                     (= :endpoint-created (:type %))
                                                     (= endpoint (get-in % [:endpoint :name]))))
                                          log)))))

(defn- positions-of [log type]
  (keep-indexed (fn [i e] (when (= type (:type e)) i)) log))

(defn allocations [input] (positions-of (:log input) :identity-allocated))

(defn duplicate-allocation
  "The run whose log repeats the allocation event at position i right after it."
  [input i]
  (update input :log (fn [log] (into (conj (subvec log 0 (inc i)) (log i)) (subvec log (inc i))))))

(defn released-allocations
  "Positions of allocations that the log later releases."
  [{:keys [log]}]
  (filter (fn [i] (some #(and (= :identity-released (:type %)) (= (get-in log [i :identity :id]) (:id %)))
                        (subvec log i)))
          (positions-of log :identity-allocated)))

(defn release-before-allocation
  "The run whose log moves the release of the identity allocated at position i to just before it."
  [input i]
  (update input :log
          (fn [log]
            (let [id (get-in log [i :identity :id])
                  j (some #(when (and (= :identity-released (:type (log %))) (= id (:id (log %)))) %)
                          (range i (count log)))
                  release (log j)
                  without (into (subvec log 0 j) (subvec log (inc j)))]
              (into (conj (subvec without 0 i) release) (subvec without i))))))
