(ns nodus.chaos.net-test
  "The chaos network and db on real processes: three controllers, each in its own network
  namespace; a partition that isolates the leader lets the majority elect another and commit,
  the isolated leader acknowledges nothing, and after the heal every replica has the same state."
  (:require [clojure.java.io :as io]
            [clojure.test :refer [deftest is testing]]
            [nodus.chaos.commands :as cmd]
            [nodus.chaos.db :as db]
            [nodus.chaos.net :as net]
            [nodus.chaos.runner :as runner])
  (:import (io.nodus.raft.client GrpcControlPlaneClient)))

(defn- run-id []
  (format "%06x" (.nextInt (java.util.concurrent.ThreadLocalRandom/current) 0x1000000)))

(defn- poll
  "Calls f until it returns a truthy value (exceptions count as false), at most `seconds`."
  [seconds f]
  (let [deadline (+ (System/nanoTime) (* seconds 1000000000))]
    (loop []
      (let [v (try (f) (catch Exception _ nil))]
        (cond v v
              (< (System/nanoTime) deadline) (do (Thread/sleep 200) (recur))
              :else nil)))))

(defn- status [^GrpcControlPlaneClient c] (.status c))

(deftest a-partition-that-isolates-the-leader
  (runner/sweep!)
  (let [id (run-id)
        nodes ["n1" "n2" "n3"]
        dir (io/file "target" "chaos" (str "net-test-" id))
        network (net/create! id nodes)
        clients (atom [])
        connect (fn [db ns] (let [c (db/client db ns)] (swap! clients conj c) c))]
    (try
      (let [db (db/setup! network dir)]
        (try
          (let [all (connect db nodes)
                leader (poll 30 #(not-empty (.getLeaderId (status all))))
                _ (is leader "a leader is elected")
                _ (is (.hasAccepted (.submit all (cmd/upsert "before" 80))))
                majority (vec (remove #{leader} nodes))]
            (net/partition! network [(set majority) #{leader}])
            (testing "the partition cuts the leader off and leaves the majority connected"
              (is (not (net/reachable? network (first majority) leader)))
              (is (net/reachable? network (first majority) (second majority))))
            (testing "the majority elects a new leader and commits"
              (let [m (connect db majority)]
                (is (poll 60 #(.hasAccepted (.submit m (cmd/upsert "during" 81)))))
                (is (contains? (set majority) (.getLeaderId (status m))))))
            (testing "the isolated leader acknowledges nothing"
              (let [isolated (connect db [leader])]
                (is (nil? (try (.submit isolated (cmd/upsert "isolated" 82)) (catch Exception _ nil))))))
            (net/heal! network)
            (testing "after the heal every replica converges to one state"
              (let [per-node (mapv #(connect db [%]) nodes)]
                (is (poll 60 #(let [ss (map status per-node)]
                                (and (apply = (map (fn [s] (.getStateHash s)) ss))
                                     (apply = (map (fn [s] (.getRevision s)) ss))))))
                ;; An unacknowledged write may or may not have been applied; nothing else was lost.
                (is (>= (.getRevision (status (first per-node))) 2)))))
          (finally
            (run! #(.close ^GrpcControlPlaneClient %) @clients)
            (db/teardown! db))))
      (finally
        (net/destroy! network)))))
