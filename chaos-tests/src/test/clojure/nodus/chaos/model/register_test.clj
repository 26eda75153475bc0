(ns nodus.chaos.model.register-test
  (:require [clojure.test :refer [deftest is testing]]
            [nodus.chaos.model :as model]
            [nodus.chaos.model.register :as register]))

(defn- steps
  "The model after each op in turn (stops being useful once inconsistent, which absorbs every step)."
  [& ops]
  (reduce model/step register/absent ops))

(defn- ok [f value] {:f f :type :ok :value value})
(defn- info [f value] {:f f :type :info :value value})

(deftest an-absent-key-reads-as-nil
  (is (not (model/inconsistent? (steps (ok :read {:value nil :revision nil})))))
  (is (model/inconsistent? (steps (ok :read {:value 1 :revision 1})))))

(deftest a-write-sets-value-and-revision
  (is (= (register/->Register 7 3 nil) (steps (ok :write {:value 7 :revision 3}))))
  (is (model/inconsistent? (steps (ok :write {:value 7 :revision 3}) (ok :write {:value 8 :revision 3})))))

(deftest a-read-must-match-value-and-revision
  (let [written (ok :write {:value 7 :revision 3})]
    (is (not (model/inconsistent? (steps written (ok :read {:value 7 :revision 3})))))
    (is (model/inconsistent? (steps written (ok :read {:value 7 :revision 4}))))
    (is (model/inconsistent? (steps written (ok :read {:value 8 :revision 3}))))))

(deftest an-unseen-revision-is-fixed-by-the-next-observation-above-the-floor
  (let [unseen [(ok :write {:value 1 :revision 3}) (info :write {:value 2})]]
    (is (= (register/->Register 2 nil 3) (apply steps unseen)))
    (testing "a read"
      (is (= (register/->Register 2 5 nil) (apply steps (conj unseen (ok :read {:value 2 :revision 5})))))
      (is (model/inconsistent? (apply steps (conj unseen (ok :read {:value 2 :revision 3}))))))
    (testing "a cas's expected revision"
      (is (= (register/->Register 9 6 nil)
             (apply steps (conj unseen (ok :cas {:expected 5 :value 9 :revision 6}))))))
    (testing "a later write need only be above the floor"
      (is (= (register/->Register 4 4 nil) (apply steps (conj unseen (ok :write {:value 4 :revision 4}))))))))

(deftest a-cas-applies-only-at-its-expected-revision
  (is (= (register/->Register 5 1 nil) (steps (ok :cas {:expected nil :value 5 :revision 1}))))
  (is (model/inconsistent? (steps (ok :write {:value 1 :revision 2}) (ok :cas {:expected 1 :value 5 :revision 3}))))
  (testing "with an unknown outcome it leaves the revision unseen"
    (is (= (register/->Register 5 nil 2)
           (steps (ok :write {:value 1 :revision 2}) (info :cas {:expected 2 :value 5}))))))

(deftest a-read-of-unknown-outcome-changes-nothing
  (is (= register/absent (steps (info :read {})))))
