(ns nodus.chaos.checker.ipam
  "Checks the address allocator: no two owners ever hold the same or overlapping prefixes, and what
  clients were told survives faults.

  Input:
    {:history [op ...]      ; :allocate {:owner o :pool p}  :ok {:owner o :pool p :cidr c :revision r}
                            ; :release  {:owner o}          :ok {:revision r}
     :final   {owner cidr}} ; the allocations read after every fault healed

  Violations:
    :overlapping-allocation  by revision, an :ok allocation overlaps a prefix another owner still held
                             (unless that owner had a release of unknown outcome in flight, which may
                             have freed it first)
    :lost-allocation         an owner's last :ok allocation, with no later :ok release and no release of
                             unknown outcome, is not in the final read with the same prefix
    :released-still-held     an owner whose last :ok op is a release, with no allocation of unknown
                             outcome, is in the final read
    :final-overlap           two owners share or overlap prefixes in the final read"
  (:require [nodus.chaos.checker :as checker]
            [nodus.chaos.cidr :as cidr]
            [nodus.chaos.history :as h]))

(defn- acknowledged
  "The :ok allocations and releases in revision order, each {:f :owner :revision :position ...}; the
  position (of the completion in the history) orders them against ops of unknown outcome."
  [history]
  (sort-by :revision
           (for [{:keys [invoke completion completion-position]} (h/positioned-pairs history)
                 :when (and completion (h/ok? completion) (#{:allocate :release} (:f invoke)))]
             (assoc (h/answer invoke completion)
                    :f (:f invoke) :op completion :position completion-position))))

(defn- uncertain
  "owner -> invoke positions of its ops of f whose outcome is unknown (:info, or never completed)."
  [history f]
  (reduce (fn [acc {:keys [invoke completion invoke-position]}]
            (if (and (= f (:f invoke)) (or (nil? completion) (h/info? completion)))
              (update acc (get-in invoke [:value :owner]) (fnil conj []) invoke-position)
              acc))
          {}
          (h/positioned-pairs history)))

(defn- overlap-violations
  "Replays the acknowledged ops in revision order, holding each owner's prefix until its :ok release."
  [acks maybe-released]
  (:violations
   (reduce
    (fn [{:keys [held] :as acc} {:keys [f owner cidr revision position op]}]
      (if (= :release f)
        (update acc :held dissoc owner)
        (let [prefix (cidr/parse cidr)
              ;; A release of unknown outcome invoked before this allocation was answered may have
              ;; taken effect before it.
              excused? (fn [other] (some #(< % position) (maybe-released other)))
              clashes (for [[other {held-prefix :prefix held-op :op}] held
                            :when (and (not= other owner)
                                       (cidr/overlap? prefix held-prefix)
                                       (not (excused? other)))]
                        {:kind :overlapping-allocation :revision revision
                         :owner owner :cidr cidr :allocation op
                         :other-owner other :other-cidr (:cidr held-prefix) :other-allocation held-op})]
          (-> acc
              (update :violations into clashes)
              (assoc-in [:held owner] {:prefix prefix :op op})))))
    {:held {} :violations []}
    acks)))

(defn- final-violations
  "What the final read must show of each owner's last acknowledged op."
  [acks maybe-released maybe-allocated final]
  (for [[owner ops] (group-by :owner acks)
        :let [{:keys [f cidr op]} (last ops)]   ; acks are in revision order
        violation (cond
                    (and (= :allocate f)
                         (empty? (maybe-released owner))
                         (not (cidr/same? cidr (final owner))))
                    [{:kind :lost-allocation :owner owner :expected cidr :actual (final owner) :allocation op}]

                    (and (= :release f)
                         (empty? (maybe-allocated owner))
                         (contains? final owner))
                    [{:kind :released-still-held :owner owner :actual (final owner) :release op}]

                    :else [])]
    violation))

(defn- final-overlaps
  "Overlapping prefixes in the final read: sorted by first address, each must start after the furthest
  end seen so far."
  [final]
  (->> final
       (map (fn [[owner c]] (assoc (cidr/parse c) :owner owner)))
       (sort-by :first)
       (reduce (fn [{:keys [widest] :as acc} p]
                 (cond-> (assoc acc :widest (if (or (nil? widest) (> (:last p) (:last widest))) p widest))
                   (and widest (<= (:first p) (:last widest)))
                   (update :violations conj {:kind :final-overlap
                                             :owners [(:owner widest) (:owner p)]
                                             :cidrs [(:cidr widest) (:cidr p)]})))
               {:widest nil :violations []})
       :violations))

(defn check
  [{:keys [history final]}]
  (h/validate history)
  (let [acks (acknowledged history)
        maybe-released (uncertain history :release)
        maybe-allocated (uncertain history :allocate)]
    (checker/valid-result
     (concat (overlap-violations acks maybe-released)
             (final-violations acks maybe-released maybe-allocated final)
             (final-overlaps final))
     :acknowledged-count (count acks)
     :final-count (count final))))

(defn checker
  "A checker of the run's :history and :final allocations (under :final-allocations in the run)."
  []
  (fn [run] (check {:history (:history run) :final (:final-allocations run)})))
