(ns nodus.chaos.nemesis-test
  "The partition shapes as grudges, for any cluster size: symmetric, and each the shape it names; and\n  the order of fault kinds, every kind once in each round."
  (:require [clojure.set :as set]
            [clojure.test :refer [deftest is]]
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
           (prop/for-all [kinds (gen/not-empty (gen/set (gen/elements [:kill :pause :partition :membership :mix])))
                          rounds (gen/choose 1 4)
                          seed gen/large-integer]
             (let [ks (take (* rounds (count kinds)) (nemesis/kind-sequence kinds (Random. seed)))]
               (every? #(= (set kinds) (set %)) (partition (count kinds) ks)))))]
    (is (:pass? r) (pr-str (:shrunk r)))))
