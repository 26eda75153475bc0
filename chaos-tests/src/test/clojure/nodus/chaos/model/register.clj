(ns nodus.chaos.model.register
  "The register the workload reads and writes, one per key: a value and the revision of the write that
  set it. Revisions come from the cluster-wide log, so they grow across keys: per key, each write in the
  linearization has a larger revision than the one before, but not necessarily the next integer.

  Ops (the model sees one key's ops; :key is in every :value):
    {:f :write :value {:key k :value v}}              :ok answer {:key k :value v :revision r}
    {:f :read  :value {:key k}}                       :ok answer {:key k :value v :revision r}
                                                       (v and r nil: the key does not exist)
    {:f :cas   :value {:key k :expected r0 :value v}} :ok answer {:key k :value v :revision r}
                                                       (sets v iff the current revision is r0; an
                                                       :expected of nil or 0 means the key does not exist)

  A write or cas whose outcome is unknown (:info) may have taken effect with a revision nobody saw. The
  model then holds the value with an unknown revision and a floor, the last known revision: the unknown
  one is larger than the floor, and the next observation of it (a read, or a cas's :expected) fixes it."
  (:require [nodus.chaos.model :as model :refer [inconsistent]]))

;; revision is 0 while the key does not exist, nil while it is unknown (then floor is known).
(defrecord Register [value revision floor])

(def absent (->Register nil 0 nil))

(defn- observed-revision
  "A read or cas names the key's current revision; nil means the key does not exist, as revision 0 does."
  [r]
  (or r 0))

(defn- observe
  "The register after someone saw its current revision is r, or inconsistent."
  [{:keys [revision floor] :as reg} r]
  (cond
    (some? revision) (if (= r revision)
                       reg
                       (inconsistent (str "revision is " revision ", but " r " was seen")))
    (> r floor) (assoc reg :revision r :floor nil)
    :else (inconsistent (str "an unknown revision above " floor " was seen as " r))))

(defn- overwrite
  "The register after a write of v with the known revision r, which must be above the current one."
  [{:keys [revision floor] :as reg} v r]
  (let [bound (or revision floor)]
    (if (and (integer? r) (> r bound))
      (->Register v r nil)
      (inconsistent (str "write of revision " r " is not above " (if revision "revision " "floor ") bound)))))

(defn- overwrite-unseen
  "The register after a write of v whose revision nobody saw."
  [{:keys [revision floor]} v]
  (->Register v nil (or revision floor)))

(defn- step-register [reg {:keys [f type value]}]
  (let [ok? (= :ok type)]
    (case f
      :read (if-not ok?
              reg   ; an unanswered read changed nothing and showed nothing
              (let [seen (observe reg (observed-revision (:revision value)))]
                (cond (model/inconsistent? seen) seen
                      (= (:value value) (:value seen)) seen
                      :else (inconsistent (str "value is " (pr-str (:value seen)) ", but "
                                               (pr-str (:value value)) " was read")))))
      :write (if ok?
               (overwrite reg (:value value) (:revision value))
               (overwrite-unseen reg (:value value)))
      :cas (let [seen (observe reg (observed-revision (:expected value)))]
             (cond (model/inconsistent? seen) seen
                   ok? (overwrite seen (:value value) (:revision value))
                   :else (overwrite-unseen seen (:value value))))
      (throw (ex-info (str "Register model has no op " f) {:op value :f f})))))

(extend-type Register
  model/Model
  (step [reg op] (step-register reg op)))
