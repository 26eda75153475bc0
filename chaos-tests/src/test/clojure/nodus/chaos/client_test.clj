(ns nodus.chaos.client-test
  "How a call's attempts decide its outcome: a refusal for the controller's own replica means the
  command was not ordered only when no earlier attempt of the call may have reached Raft."
  (:require [clojure.test :refer [deftest is testing]]
            [nodus.chaos.client :as client])
  (:import (io.nodus.raft.client ControlPlaneException ControlPlaneException$Reason)))

(defn- failure [reason code]
  (ControlPlaneException. reason code "test" nil))

(def ^:private storage (failure ControlPlaneException$Reason/UNAVAILABLE "storage_unavailable"))
(def ^:private not-ready (failure ControlPlaneException$Reason/UNAVAILABLE "replica_not_ready"))
(def ^:private unavailable (failure ControlPlaneException$Reason/UNAVAILABLE "unavailable"))
(def ^:private deadline (failure ControlPlaneException$Reason/DEADLINE_EXCEEDED "deadline_exceeded"))

(defn- calls
  "A call that answers each attempt from `outcomes` in turn (an exception is thrown); and its count."
  [outcomes]
  (let [left (atom outcomes) n (atom 0)]
    [(fn [] (swap! n inc)
       (let [o (first @left)]
         (swap! left rest)
         (if (instance? Throwable o) (throw o) o)))
     n]))

(deftest a-refusal-for-the-replica-orders-nothing
  (doseq [refusal [storage not-ready]]
    (let [[f n] (calls [refusal])
          r (client/attempts f)]
      (is (= {:error refusal :ordered? false} r))
      (testing "and is not retried at the same controller"
        (is (= 1 @n))))))

(deftest a-refusal-after-an-attempt-that-may-have-been-ordered-is-not-proof
  (let [[f n] (calls [unavailable storage])
        r (client/attempts f)]
    (is (= {:error storage :ordered? true} r))
    (is (= 2 @n))))

(deftest a-general-unavailable-is-retried-with-the-same-command
  (let [[f n] (calls [unavailable unavailable :accepted])]
    (is (= {:result :accepted} (client/attempts f)))
    (is (= 3 @n))))

(deftest a-timeout-may-have-been-ordered-and-ends-the-call
  (let [[f n] (calls [deadline :never])]
    (is (= {:error deadline :ordered? true} (client/attempts f)))
    (is (= 1 @n))))

(deftest the-history-names-the-controllers-code
  (is (= "ControlPlaneException storage_unavailable: UNAVAILABLE: test" (client/describe-error storage))))
