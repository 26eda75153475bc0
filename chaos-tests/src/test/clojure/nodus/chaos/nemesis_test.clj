(ns nodus.chaos.nemesis-test
  "The partition shapes as grudges, for any cluster size: symmetric, and each the shape it names; the
  targets of clock skews and full disks, each the set its shape names, and the skews' steps, forward
  then back behind the true time; the order of fault kinds, every kind once in each round; and which
  outcomes of a nemesis log count as not completed."
  (:require [clojure.set :as set]
            [clojure.test :refer [deftest is testing]]
            [clojure.test.check :as tc]
            [clojure.test.check.generators :as gen]
            [clojure.test.check.properties :as prop]
            [nodus.chaos.nemesis :as nemesis])
  (:import (java.util Random)))

(defn- hears? [grudge a b] (not (contains? (grudge a) b)))

(defn- symmetric? [grudge nodes]
  (every? true? (for [a nodes b nodes] (= (hears? grudge a b) (hears? grudge b a)))))

(defn- isolated [grudge nodes]
  (filter #(= (disj (set nodes) %) (grudge %)) nodes))

(defn- shape-holds? [shape grudge nodes leader]
  (let [n (count nodes)
        cut (filter #(seq (grudge %)) nodes)]
    (case shape
      (:isolated-node :isolated-leader)
      (let [alone (isolated grudge nodes)]
        (and (= 1 (count alone))
             (or (not= :isolated-leader shape) (= [leader] alone))
             ;; everyone else hears everyone but the isolated one
             (every? #(= (set alone) (grudge %)) (remove (set alone) nodes))))
      :halves
      (let [groups (set (for [a nodes] (set (filter #(hears? grudge a %) nodes))))]
        (and (= 2 (count groups))
             (= (hash-set (quot n 2) (- n (quot n 2))) (set (map count groups)))
             (= (set nodes) (apply set/union groups))))
      :bridge
      (let [bridges (remove (set cut) nodes)]
        (and (= 1 (count bridges))
             (= (dec n) (count cut))
             ;; two sides, each dropping exactly the other
             (let [sides (set (map grudge cut))]
               (and (= 2 (count sides))
                    (empty? (apply set/intersection sides))
                    (= (set cut) (apply set/union sides))
                    (every? #(not (contains? (grudge %) %)) cut))))))))

(deftest every-shape-is-what-it-names
  (let [r (tc/quick-check
           200
           (prop/for-all [n (gen/choose 3 7)
                          seed gen/large-integer
                          shape (gen/elements nemesis/partition-shapes)]
             (let [nodes (mapv #(str "n" %) (range 1 (inc n)))
                   leader (nth nodes (mod (Math/abs (long seed)) n))
                   g (nemesis/grudge shape nodes leader (Random. seed))]
               (and (symmetric? g nodes) (shape-holds? shape g nodes leader)))))]
    (is (:pass? r) (pr-str (:shrunk r)))))

(deftest every-kind-comes-once-in-each-round
  (let [r (tc/quick-check
           200
           (prop/for-all [kinds (gen/not-empty (gen/set (gen/elements [:kill :pause :partition :membership :clock-skew :disk-full :mix])))
                          rounds (gen/choose 1 4)
                          seed gen/large-integer]
             (let [ks (take (* rounds (count kinds)) (nemesis/kind-sequence kinds (Random. seed)))]
               (every? #(= (set kinds) (set %)) (partition (count kinds) ks)))))]
    (is (:pass? r) (pr-str (:shrunk r)))))

(def ^:private all-target-shapes (vec (distinct (mapcat val nemesis/target-shapes))))

(defn- target-holds? [shape targets nodes leader]
  (and (every? (set nodes) targets)
       (case shape
         :node (= 1 (count targets))
         :leader (= #{leader} targets)
         ;; the smallest majority: a quorum lost, and the fewest nodes to lose it
         :majority (= (inc (quot (count nodes) 2)) (count targets))
         :all (= (set nodes) targets))))

(deftest every-target-shape-is-what-it-names
  (let [r (tc/quick-check
           200
           (prop/for-all [n (gen/choose 3 7)
                          seed gen/large-integer
                          shape (gen/elements all-target-shapes)]
             (let [nodes (mapv #(str "n" %) (range 1 (inc n)))
                   leader (nth nodes (mod (Math/abs (long seed)) n))]
               (target-holds? shape (nemesis/targets shape nodes leader (Random. seed)) nodes leader))))]
    (is (:pass? r) (pr-str (:shrunk r)))))

(deftest a-leader-shape-without-a-known-leader-hits-one-node
  (is (= 1 (count (nemesis/targets :leader ["n1" "n2" "n3"] nil (Random. 1))))))

(deftest every-skew-jumps-forward-then-steps-back-behind-the-true-time
  (let [r (tc/quick-check
           200
           (prop/for-all [n (gen/choose 3 7)
                          seed gen/large-integer
                          shape (gen/elements (:clock-skew nemesis/target-shapes))]
             (let [nodes (mapv #(str "n" %) (range 1 (inc n)))
                   rnd (Random. seed)
                   targets (nemesis/targets shape nodes (first nodes) rnd)
                   skews (nemesis/skews targets rnd)]
               (and (= targets (set (keys skews)))
                    (every? (fn [[forward back]]
                              (and (pos? forward) (neg? back)
                                   ;; ahead of the deduplication window and the quarantine (5 min)
                                   (>= forward 600)
                                   (some #{forward} nemesis/forward-offsets)
                                   (some #{back} nemesis/back-offsets)))
                            (vals skews))))))]
    (is (:pass? r) (pr-str (:shrunk r)))))

(deftest the-same-seed-draws-the-same-faults
  (let [draw (fn [seed] (let [rnd (Random. seed)
                              t (nemesis/targets :majority ["n1" "n2" "n3" "n4" "n5"] "n1" rnd)]
                          [t (nemesis/skews t rnd)]))]
    (is (= (draw 42) (draw 42)))))

(deftest outcomes-that-did-not-complete
  (is (empty? (nemesis/incomplete {:phase :heal :f :kill})))
  (is (empty? (nemesis/incomplete {:phase :start :outcome {:outcome :done :filled {"n1" 1}}})))
  (is (= [{:outcome :not-stopped}] (nemesis/incomplete {:phase :start :outcome {:outcome :not-stopped}})))
  (testing "a mix reports each part's"
    (is (= [{:outcome :gave-up}]
           (nemesis/incomplete {:phase :heal :f :mix :outcomes [{:outcome :done} {:outcome :gave-up}]})))))
