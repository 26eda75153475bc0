(ns nodus.chaos.checker.identities
  "Checks the identity allocator: each label set holds one numeric identity while any endpoint has it,
  no identity serves two label sets at once, and a released identity rests for the quarantine before it
  can be allocated again (so that a packet still carrying it is never mistaken for the new holder's).

  Times are the events' :time-millis, the cluster time (io.nodus.state.ClusterClock) that the
  controllers measure the quarantine by, never a wall clock of theirs or of the test's: a check in
  another clock would judge a rule the controllers do not apply. That the cluster time cannot run
  ahead of real time, and so shorten the quarantine, is the cluster-time checker's to judge.

  Input:
    {:history           [op ...]   ; :create-endpoint {:endpoint n :labels L}
                                   ;   :ok {:endpoint n :labels L :identity id :revision r}
                                   ; :delete-endpoint {:endpoint n}  :ok {:revision r}
     :log               [event ...]; the final event log, in order; events used:
                                   ;   {:revision r :time-millis t :type :identity-allocated
                                   ;    :identity {:id i :labels L}}
                                   ;   {:revision r :time-millis t :type :identity-released :id i}
                                   ;   {:revision r :type :endpoint-created :endpoint {:name n :identity i}}
                                   ;   {:revision r :type :endpoint-deleted :name n :identity i}
     :quarantine-millis q}

  Violations:
    :answers-disagree             two :ok answers for one label set during one allocation of its
                                  identity (in the log) name different identities (a)
    :answer-outside-allocation    an answer's revision falls in no allocation of its label set (a)
    :answer-names-other-identity  an answer names another identity than its label set's allocation (a)
    :identity-held-twice          an identity allocated while it is allocated (b)
    :label-set-holds-two          a label set allocated a second identity while it holds one (b)
    :released-while-free          an identity released that was not allocated (b)
    :reallocated-in-quarantine    allocated again before its release time + quarantine (c)
    :answer-not-in-log            no endpoint-created (or -deleted) event at the answer's revision with
                                  its endpoint and identity (d)"
  (:require [nodus.chaos.checker :as checker]
            [nodus.chaos.history :as h]))

(defn- allocations
  "Walks the log's identity events. Returns the violations of (b) and (c), and for each label set its
  allocations {:identity i :from r :to r-or-nil} (:to is the release's revision; nil while held)."
  [log quarantine-millis]
  (reduce
   (fn [{:keys [held holder released-at] :as acc} {:keys [type revision time-millis] :as event}]
     (case type
       :identity-allocated
       (let [{:keys [id labels]} (:identity event)
             labels (set labels)
             violation (fn [kind & {:as more}] (merge {:kind kind :identity id :labels labels :event event} more))
             rest-until (some-> (released-at id) (+ quarantine-millis))]
         (-> acc
             (update :violations into
                     (cond-> []
                       (contains? held id) (conj (violation :identity-held-twice :held-by (held id)))
                       (contains? holder labels) (conj (violation :label-set-holds-two :holds (holder labels)))
                       (and rest-until (< time-millis rest-until))
                       (conj (violation :reallocated-in-quarantine
                                        :released-at (released-at id) :allowed-from rest-until))))
             (assoc-in [:held id] labels)
             (assoc-in [:holder labels] id)
             (update-in [:intervals labels] (fnil conj []) {:identity id :from revision :to nil})))

       :identity-released
       (let [id (:id event)]
         (if-let [labels (held id)]
           (-> acc
               (update :held dissoc id)
               (update :holder dissoc labels)
               (update-in [:intervals labels] (fn [xs] (assoc-in xs [(dec (count xs)) :to] revision)))
               (assoc-in [:released-at id] time-millis))
           (update acc :violations conj {:kind :released-while-free :identity id :event event})))

       acc))
   {:held {} :holder {} :released-at {} :intervals {} :violations []}
   log))

(defn- allocation-at
  "The allocation of labels in force at revision r: allocated at or before r, released after it."
  [intervals labels r]
  (some (fn [{:keys [from to] :as a}]
          (when (and (<= from r) (or (nil? to) (< r to))) a))
        (intervals labels)))

(defn- answer-violations
  "(a): answers for a label set agree while its identity stays allocated."
  [intervals answers]
  (let [placed (for [a answers
                     :let [labels (set (:labels a))]]
                 [labels (allocation-at intervals labels (:revision a)) a])]
    (concat
     (for [[labels allocation a] placed
           :when (nil? allocation)]
       {:kind :answer-outside-allocation :labels labels :answer (:op a)})
     (for [[labels allocation a] placed
           :when (and allocation (not= (:identity allocation) (:identity a)))]
       {:kind :answer-names-other-identity :labels labels :allocation allocation :answer (:op a)})
     (for [[[labels allocation] group] (group-by (juxt first second) placed)
           :when allocation
           :let [[first-answer & others] (map #(nth % 2) (sort-by (comp :revision #(nth % 2)) group))]
           other others
           :when (not= (:identity first-answer) (:identity other))]
       {:kind :answers-disagree :labels labels :allocation allocation
        :answers [(:op first-answer) (:op other)]}))))

(defn- logged-violations
  "(d): each answer matches an endpoint event at its revision."
  [log created deleted]
  (let [at (group-by :revision log)
        created? (fn [{:keys [endpoint identity revision]}]
                   (some #(and (= :endpoint-created (:type %))
                               (= endpoint (get-in % [:endpoint :name]))
                               (= identity (get-in % [:endpoint :identity])))
                         (at revision)))
        deleted? (fn [{:keys [endpoint revision]}]
                   (some #(and (= :endpoint-deleted (:type %)) (= endpoint (:name %)))
                         (at revision)))]
    (concat
     (for [a created :when (not (created? a))]
       {:kind :answer-not-in-log :answer (:op a) :logged (at (:revision a))})
     (for [a deleted :when (not (deleted? a))]
       {:kind :answer-not-in-log :answer (:op a) :logged (at (:revision a))}))))

(defn check
  [{:keys [history log quarantine-millis]}]
  (h/validate history)
  (let [{:keys [intervals violations]} (allocations log quarantine-millis)
        created (sort-by :revision (h/ok-answers history :create-endpoint))
        deleted (sort-by :revision (h/ok-answers history :delete-endpoint))]
    (checker/valid-result
     (concat violations
             (answer-violations intervals created)
             (logged-violations log created deleted))
     :answer-count (+ (count created) (count deleted)))))

(defn checker
  "A checker of the run's :history, :log and :quarantine-millis."
  []
  (fn [run] (check (select-keys run [:history :log :quarantine-millis]))))
