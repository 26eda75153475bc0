(ns nodus.chaos.checker.identities-test
  (:require [clojure.test :refer [deftest is]]
            [clojure.test.check.clojure-test :refer [defspec]]
            [clojure.test.check.generators :as gen]
            [clojure.test.check.properties :as prop]
            [nodus.chaos.checker.identities :as identities]
            [nodus.chaos.history :as h]
            [nodus.chaos.sim.identities :as sim]))

(def ^:private web #{"app=web"})
(def ^:private db #{"app=db"})

(defn- allocated [r t id labels]
  {:revision r :time-millis t :type :identity-allocated :identity {:id id :labels labels}})
(defn- released [r t id] {:revision r :time-millis t :type :identity-released :id id})
(defn- created [r t name id] {:revision r :time-millis t :type :endpoint-created :endpoint {:name name :identity id}})

(defn- create-op
  "An :ok create-endpoint pair."
  [p name labels id r]
  [{:process p :type :invoke :f :create-endpoint :value {:endpoint name :labels labels}}
   {:process p :type :ok :f :create-endpoint :value {:endpoint name :labels labels :identity id :revision r}}])

(defn- kinds [input]
  (map :kind (:violations (identities/check (merge {:history [] :quarantine-millis 100} input)))))

(deftest answers-that-match-the-log-pass
  (is (empty? (kinds {:history (h/index (concat (create-op 0 "a" web 256 2) (create-op 1 "b" web 256 3)))
                      :log [(allocated 1 0 256 web) (created 2 0 "a" 256) (created 3 0 "b" 256)]}))))

(deftest two-label-sets-never-hold-one-identity
  (is (= [:identity-held-twice] (kinds {:log [(allocated 1 0 256 web) (allocated 2 0 256 db)]}))))

(deftest a-released-identity-rests-for-the-quarantine
  (let [log [(allocated 1 0 256 web) (released 2 1000 256)]]
    (is (= [:reallocated-in-quarantine] (kinds {:log (conj log (allocated 3 1099 256 db))})))
    (is (empty? (kinds {:log (conj log (allocated 3 1100 256 db))})))))

(deftest answers-for-one-allocation-name-one-identity
  (is (some #{:answers-disagree}
            (kinds {:history (h/index (concat (create-op 0 "a" web 256 2) (create-op 1 "b" web 257 3)))
                    :log [(allocated 1 0 256 web) (created 2 0 "a" 256) (created 3 0 "b" 257)]}))))

(deftest an-answer-the-log-does-not-have-fails
  (is (= [:answer-not-in-log]
         (kinds {:history (h/index (create-op 0 "a" web 256 2))
                 :log [(allocated 1 0 256 web) (created 2 0 "other" 256)]}))))

(defspec runs-of-the-reference-allocator-pass 150
  (prop/for-all [input sim/gen-run]
    (true? (:valid? (identities/check input)))))

(defn- early-reuse?
  "Whether the log allocates an identity less than the quarantine after releasing it."
  [{:keys [log quarantine-millis]}]
  (:early (reduce (fn [{:keys [released-at] :as acc} e]
                    (case (:type e)
                      :identity-released (assoc-in acc [:released-at (:id e)] (:time-millis e))
                      :identity-allocated (let [t (released-at (get-in e [:identity :id]))]
                                            (cond-> acc
                                              (and t (< (:time-millis e) (+ t quarantine-millis)))
                                              (assoc :early true)))
                      acc))
                  {:released-at {}}
                  log)))

(defspec an-allocator-that-ignores-the-quarantine-fails-exactly-when-it-reuses-early 150
  (prop/for-all [input (gen/let [n (gen/choose 1 40)
                                 choices (gen/vector (gen/choose 0 9999))]
                         (sim/run {:threads 2 :op-count n :quarantine 0} choices))]
    (= (not (early-reuse? input)) (:valid? (identities/check input)))))

(defn- mutation-fails [positions mutate]
  (prop/for-all [[input position] (gen/let [input (gen/such-that #(seq (positions %)) sim/gen-run 200)
                                            position (gen/elements (positions input))]
                                    [input position])]
    (false? (:valid? (identities/check (mutate input position))))))

(defspec an-answer-naming-another-identity-fails 100
  (mutation-fails sim/ok-creations sim/mutate-answer))

(defspec a-lost-acknowledged-creation-fails 100
  (mutation-fails sim/ok-creations sim/lose-creation))

(defspec a-duplicated-allocation-event-fails 100
  (mutation-fails sim/allocations sim/duplicate-allocation))

(defspec a-release-reordered-before-its-allocation-fails 100
  (mutation-fails sim/released-allocations sim/release-before-allocation))
