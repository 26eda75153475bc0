(ns nodus.chaos.checker.ipam-test
  (:require [clojure.test :refer [deftest is]]
            [clojure.test.check.clojure-test :refer [defspec]]
            [clojure.test.check.generators :as gen]
            [clojure.test.check.properties :as prop]
            [nodus.chaos.checker.ipam :as ipam]
            [nodus.chaos.history :as h]
            [nodus.chaos.sim.ipam :as sim]))

(defn- allocate [p owner cidr r]
  [{:process p :type :invoke :f :allocate :value {:owner owner :pool "default"}}
   {:process p :type :ok :f :allocate :value {:owner owner :pool "default" :cidr cidr :revision r}}])

(defn- release [p owner r]
  [{:process p :type :invoke :f :release :value {:owner owner}}
   {:process p :type :ok :f :release :value {:revision r}}])

(defn- kinds [history final]
  (map :kind (:violations (ipam/check {:history (h/index history) :final final}))))

(deftest a-prefix-may-pass-to-another-owner-once-released
  (is (empty? (kinds (concat (allocate 0 "a" "10.0.0.0/24" 1) (release 0 "a" 2) (allocate 1 "b" "10.0.0.0/24" 3))
                     {"b" "10.0.0.0/24"}))))

(deftest overlapping-prefixes-are-never-held-at-once
  (is (= [:overlapping-allocation :final-overlap]
         (kinds (concat (allocate 0 "a" "10.0.0.0/16" 1) (allocate 1 "b" "10.0.3.0/24" 2))
                {"a" "10.0.0.0/16" "b" "10.0.3.0/24"}))))

(deftest a-release-of-unknown-outcome-may-have-freed-the-prefix
  (is (empty? (kinds (concat (allocate 0 "a" "10.0.0.0/24" 1)
                             [{:process 0 :type :invoke :f :release :value {:owner "a"}}
                              {:process 0 :type :info :f :release :value {:owner "a"}}]
                             (allocate 1 "b" "10.0.0.0/24" 3))
                     {"b" "10.0.0.0/24"}))))

(deftest the-final-read-keeps-acknowledged-allocations-and-drops-released-ones
  (let [history (concat (allocate 0 "a" "10.0.0.0/24" 1) (allocate 1 "b" "10.0.1.0/24" 2) (release 1 "b" 3))]
    (is (= [:lost-allocation :released-still-held]
           (kinds history {"a" "10.0.7.0/24" "b" "10.0.1.0/24"})))))

(deftest the-final-read-has-no-overlaps
  (is (= [{:kind :final-overlap :owners ["a" "b"] :cidrs ["10.0.0.0/23" "10.0.1.0/24"]}]
         (:violations (ipam/check {:history [] :final {"a" "10.0.0.0/23" "b" "10.0.1.0/24"}})))))

(defspec runs-of-the-reference-allocator-pass 150
  (prop/for-all [input sim/gen-run]
    (true? (:valid? (ipam/check input)))))

(defn- mutation-fails [positions mutate]
  (prop/for-all [[input position] (gen/let [input (gen/such-that #(seq (positions %)) sim/gen-run 200)
                                            position (gen/elements (positions input))]
                                    [input position])]
    (false? (:valid? (ipam/check (mutate input position))))))

(defspec a-final-read-that-moved-an-allocation-fails 100
  (mutation-fails sim/surviving-owners sim/move-final))

(defspec a-lost-acknowledged-allocation-fails 100
  (mutation-fails sim/surviving-owners sim/lose-final))

(defspec a-prefix-granted-to-two-owners-at-once-fails 100
  (mutation-fails sim/concurrent-grants sim/grant-twice))
