(ns nodus.chaos.checker.linearizable-test
  (:require [clojure.test :refer [deftest is testing]]
            [clojure.test.check.clojure-test :refer [defspec]]
            [clojure.test.check.generators :as gen]
            [clojure.test.check.properties :as prop]
            [nodus.chaos.checker.linearizable :as lin]
            [nodus.chaos.history :as h]
            [nodus.chaos.model.register :as register]
            [nodus.chaos.sim.register :as sim]))

(defn- check [history & [opts]]
  (lin/check register/absent (h/index history) (or opts {})))

(defn- invoke [p f value] {:process p :type :invoke :f f :value value})
(defn- ok [p f value] {:process p :type :ok :f f :value value})
(defn- info [p f value] {:process p :type :info :f f :value value})
(defn- fail [p f value] {:process p :type :fail :f f :value value})

(deftest stale-read-after-acknowledged-write-is-not-linearizable
  (let [result (check [(invoke 0 :write {:key :x :value 1})
                       (ok 0 :write {:key :x :value 1 :revision 1})
                       (invoke 1 :read {:key :x})
                       (ok 1 :read {:key :x :value nil :revision nil})])]
    (is (false? (:valid? result)))
    (is (= :x (:key (first (:failures result)))))
    (is (= :read (:f (:op (first (:failures result))))))))

(deftest read-concurrent-with-write-may-see-either-value
  (is (true? (:valid? (check [(invoke 0 :write {:key :x :value 1})
                              (invoke 1 :read {:key :x})
                              (ok 1 :read {:key :x :value nil :revision nil})
                              (invoke 2 :read {:key :x})
                              (ok 2 :read {:key :x :value 1 :revision 1})
                              (ok 0 :write {:key :x :value 1 :revision 1})])))))

(deftest new-value-seen-then-old-value-seen-is-not-linearizable
  ;; The classic: while a write is in flight, one read sees it and a later read does not.
  (let [result (check [(invoke 0 :write {:key :x :value 1})
                       (invoke 1 :read {:key :x})
                       (ok 1 :read {:key :x :value 1 :revision 1})
                       (invoke 2 :read {:key :x})
                       (ok 2 :read {:key :x :value nil :revision nil})
                       (ok 0 :write {:key :x :value 1 :revision 1})])]
    (is (false? (:valid? result)))
    (is (= 2 (:linearized-count (first (:failures result)))) "the write and the first read")))

(deftest write-of-unknown-outcome-may-land-later-or-never
  (let [base [(invoke 0 :write {:key :x :value 1})
              (info 0 :write {:key :x :value 1})]]
    (testing "never seen"
      (is (true? (:valid? (check (conj base (invoke 1 :read {:key :x})
                                       (ok 1 :read {:key :x :value nil :revision nil})))))))
    (testing "seen after its crash, which fixes its revision"
      (is (true? (:valid? (check (conj base (invoke 1 :read {:key :x})
                                       (ok 1 :read {:key :x :value 1 :revision 7})))))))
    (testing "its revision cannot change once seen"
      (is (false? (:valid? (check (conj base (invoke 1 :read {:key :x})
                                        (ok 1 :read {:key :x :value 1 :revision 7})
                                        (invoke 1 :read {:key :x})
                                        (ok 1 :read {:key :x :value 1 :revision 8})))))))
    (testing "an invoke the history never completes counts as unknown"
      (is (true? (:valid? (check [(invoke 0 :write {:key :x :value 1})
                                  (invoke 1 :read {:key :x})
                                  (ok 1 :read {:key :x :value 1 :revision 3})])))))))

(deftest revisions-must-grow-per-key
  (is (false? (:valid? (check [(invoke 0 :write {:key :x :value 1})
                               (ok 0 :write {:key :x :value 1 :revision 5})
                               (invoke 0 :write {:key :x :value 2})
                               (ok 0 :write {:key :x :value 2 :revision 4})])))))

(deftest failed-cas-did-not-happen
  (is (true? (:valid? (check [(invoke 0 :cas {:key :x :expected 3 :value 9})
                              (fail 0 :cas {:key :x :expected 3 :value 9})
                              (invoke 0 :read {:key :x})
                              (ok 0 :read {:key :x :value nil :revision nil})])))))

(deftest cas-must-expect-the-current-revision
  (let [write [(invoke 0 :write {:key :x :value 1})
               (ok 0 :write {:key :x :value 1 :revision 2})]]
    (is (true? (:valid? (check (conj write (invoke 0 :cas {:key :x :expected 2 :value 5})
                                     (ok 0 :cas {:key :x :expected 2 :value 5 :revision 3}))))))
    (is (false? (:valid? (check (conj write (invoke 0 :cas {:key :x :expected 1 :value 5})
                                      (ok 0 :cas {:key :x :expected 1 :value 5 :revision 3}))))))))

(deftest keys-are-checked-apart-and-failures-name-theirs
  (let [result (check [(invoke 0 :write {:key :x :value 1})
                       (ok 0 :write {:key :x :value 1 :revision 1})
                       (invoke 0 :write {:key :y :value 1})
                       (ok 0 :write {:key :y :value 1 :revision 2})
                       (invoke 1 :read {:key :y})
                       (ok 1 :read {:key :y :value 2 :revision 2})])]
    (is (= 2 (:key-count result)))
    (is (= [:y] (map :key (:failures result))))))

(defn- wide-history
  "Many concurrent writes of unknown outcome and one read: a search with much to try."
  [n]
  (concat (for [p (range n)] (invoke p :write {:key :x :value p}))
          (for [p (range n)] (info p :write {:key :x :value p}))
          [(invoke n :read {:key :x}) (ok n :read {:key :x :value :nobody-wrote-this :revision 99})]))

(deftest search-over-its-budget-is-unknown-never-valid
  (is (= :unknown (:valid? (check (wide-history 8) {:max-steps 10}))))
  (is (= :unknown (:valid? (check (wide-history 8) {:time-limit-ms 0}))))
  (testing "and with the budget it needs it decides"
    (is (false? (:valid? (check (wide-history 8)))))))

(defspec sequential-histories-from-the-reference-store-are-linearizable 100
  (prop/for-all [{:keys [history]} sim/gen-sequential]
    (true? (:valid? (check history)))))

(defspec concurrent-histories-with-crashes-are-linearizable 200
  (prop/for-all [{:keys [history]} sim/gen-concurrent]
    (true? (:valid? (check history)))))

(def ^:private gen-with-read
  (gen/such-that #(seq (sim/ok-read-positions (:history %))) sim/gen-concurrent 100))

(defspec a-read-of-a-value-never-written-is-not-linearizable 100
  (prop/for-all [{:keys [history]} gen-with-read
                 pick gen/nat]
    (let [positions (vec (sim/ok-read-positions history))
          i (positions (mod pick (count positions)))]
      (false? (:valid? (check (sim/mutate-read history i)))))))

(def ^:private gen-with-lost-write
  (gen/such-that #(seq (sim/lost-write-candidates %)) sim/gen-concurrent 100))

(defspec losing-an-acknowledged-write-is-not-linearizable 100
  (prop/for-all [{:keys [history] :as run} gen-with-lost-write
                 pick gen/nat]
    (let [candidates (vec (sim/lost-write-candidates run))]
      (false? (:valid? (check (sim/lose-write history (candidates (mod pick (count candidates))))))))))

(defn- brute-force-linearizable?
  "The definition, searched exhaustively: some order of the :ok ops, and of any subset of the :info ops,
  that respects real time (an op whose return came before another's call goes first) and that the model
  accepts. Only for a handful of ops."
  [history]
  (let [ops (for [[i [invoke completion]] (map-indexed vector (h/pairs history))
                  :when (not (and completion (h/fail? completion)))]
              {:id i
               :call (:index invoke)
               :return (if (and completion (h/ok? completion)) (:index completion) Long/MAX_VALUE)
               :op {:f (:f invoke)
                    :type (if (and completion (h/ok? completion)) :ok :info)
                    :value (if (and completion (h/ok? completion)) (h/answer invoke completion) (:value invoke))}})]
    (letfn [(search [state remaining]
              (or (not-any? #(= :ok (get-in % [:op :type])) remaining)
                  (let [deadline (reduce min Long/MAX_VALUE (map :return remaining))]
                    (some (fn [o]
                            (when (< (:call o) deadline)
                              (let [next-state (nodus.chaos.model/step state (:op o))]
                                (when-not (nodus.chaos.model/inconsistent? next-state)
                                  (search next-state (remove #(= (:id o) (:id %)) remaining))))))
                          remaining))))]
      (boolean (search register/absent ops)))))

(def ^:private gen-small-perturbed
  "Small concurrent histories of one key, some reads perturbed so that many are not linearizable."
  (gen/let [choices sim/gen-choices
            n (gen/choose 1 12)
            threads (gen/choose 2 4)
            perturb (gen/vector (gen/choose 0 5))]
    (let [{:keys [history]} (sim/run {:threads threads :op-count n :info-percent 25} choices)
          ;; One key's ops of a linearizable history are a linearizable history.
          history (h/index (filter #(= :a (get-in % [:value :key])) history))
          reads (vec (sim/ok-read-positions history))]
      (reduce (fn [h [i p]]
                (case p
                  0 (update-in h [(reads i) :value :value] #(if (= 1 %) 2 1))
                  1 (update-in h [(reads i) :value :revision] #(inc (or % 0)))
                  h))
              history
              (map vector (range (count reads)) perturb)))))

(defspec the-search-agrees-with-the-definition-on-small-histories 300
  (prop/for-all [history gen-small-perturbed]
    (= (brute-force-linearizable? history) (:valid? (check history)))))
