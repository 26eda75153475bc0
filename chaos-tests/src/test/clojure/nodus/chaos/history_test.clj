(ns nodus.chaos.history-test
  (:require [clojure.java.io :as io]
            [clojure.test :refer [deftest is testing]]
            [nodus.chaos.history :as h])
  (:import (java.io File)))

(def ^:private history
  (h/index [{:process 0 :type :invoke :f :write :value {:key :x :value 1} :time 1}
            {:process 1 :type :invoke :f :read :value {:key :x} :time 2}
            {:process 0 :type :ok :f :write :value {:key :x :value 1 :revision 4} :time 3}
            {:process 1 :type :info :f :read :value {:key :x} :time 4}
            {:process 2 :type :invoke :f :read :value {:key :x} :time 5}]))

(defn- reason [history]
  (try (h/validate history) nil
       (catch clojure.lang.ExceptionInfo e (:reason (ex-data e)))))

(deftest pairs-match-each-invoke-with-its-completion-or-nil
  (is (= [[0 2] [1 3] [4 nil]]
         (map (fn [[i c]] [(:index i) (:index c)]) (h/pairs history)))))

(deftest complete-fills-missing-completions-as-info
  (let [completed (h/complete history)]
    (is (= {:process 2 :type :info :f :read :value {:key :x} :time 5 :index 5} (peek completed)))
    (is (every? second (h/pairs completed)))))

(deftest answer-merges-the-request-with-the-reply
  (let [[invoke completion] (first (h/pairs history))]
    (is (= {:key :x :value 1 :revision 4} (h/answer invoke completion)))))

(deftest validate-names-the-bad-op
  (is (nil? (reason history)))
  (testing "a completion with no invoke"
    (is (= :completion-without-invoke (reason [{:process 0 :type :ok :f :read}]))))
  (testing "two ops at once in one process"
    (is (= :invoke-while-pending (reason [{:process 0 :type :invoke :f :read} {:process 0 :type :invoke :f :read}]))))
  (testing "a process that goes on after an unknown outcome"
    (is (= :invoke-after-info (reason [{:process 0 :type :invoke :f :read} {:process 0 :type :info :f :read}
                                       {:process 0 :type :invoke :f :read}]))))
  (testing "a completion of another kind of op"
    (is (= :completion-f-differs (reason [{:process 0 :type :invoke :f :read} {:process 0 :type :ok :f :write}]))))
  (testing "an unknown type"
    (is (= :unknown-type (reason [{:process 0 :type :done :f :read}]))))
  (testing "indices out of order"
    (is (= :index-not-increasing (reason [{:index 3 :process 0 :type :invoke :f :read}
                                          {:index 2 :process 0 :type :ok :f :read}]))))
  (testing "the thrown data carries the op"
    (let [op {:process 0 :type :ok :f :read}]
      (is (= op (:op (try (h/validate [op]) (catch clojure.lang.ExceptionInfo e (ex-data e))))))))) 

(deftest edn-files-round-trip
  (let [file (File/createTempFile "history" ".edn")
        with-sets (conj history {:index 5 :process 2 :type :ok :f :read :time 6
                                 :value {:key :x :labels #{"app=web"} :value nil :revision nil}})]
    (try
      (h/write-edn file with-sets)
      (is (= with-sets (h/read-edn file)))
      (is (= (+ 2 (count with-sets)) (count (line-seq (io/reader file)))) "one op per line")
      (finally (.delete file)))))
