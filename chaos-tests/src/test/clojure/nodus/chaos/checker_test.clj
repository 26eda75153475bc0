(ns nodus.chaos.checker-test
  (:require [clojure.test :refer [deftest is]]
            [nodus.chaos.checker :as checker]))

(defn- always [v] (fn [_] {:valid? v}))

(deftest compose-is-false-if-any-is-false
  (is (false? (:valid? ((checker/compose {:a (always true) :b (always :unknown) :c (always false)}) {})))))

(deftest compose-is-unknown-if-any-is-unknown-and-none-false
  (is (= :unknown (:valid? ((checker/compose {:a (always true) :b (always :unknown)}) {})))))

(deftest compose-is-true-when-all-are-true-and-keeps-each-result
  (let [result ((checker/compose {:a (always true) :b (fn [run] {:valid? true :saw (:x run)})}) {:x 1})]
    (is (true? (:valid? result)))
    (is (= {:a {:valid? true} :b {:valid? true :saw 1}} (:results result)))))

(deftest a-checker-that-throws-or-says-nothing-is-unknown-never-valid
  (let [result ((checker/compose {:boom (fn [_] (throw (ex-info "bad history" {:op 3})))
                                  :mute (fn [_] {})})
                {})]
    (is (= :unknown (:valid? result)))
    (is (= {:op 3} (get-in result [:results :boom :data])))
    (is (= :unknown (get-in result [:results :mute :valid?])))))

(deftest valid-result-counts-and-caps-violations
  (is (= {:valid? true :n 0} (checker/valid-result [] :n 0)))
  (let [r (checker/valid-result (range 60))]
    (is (false? (:valid? r)))
    (is (= 60 (:violation-count r)))
    (is (= 50 (count (:violations r))))))
