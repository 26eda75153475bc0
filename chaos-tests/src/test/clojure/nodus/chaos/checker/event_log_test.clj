(ns nodus.chaos.checker.event-log-test
  (:require [clojure.test :refer [deftest is testing]]
            [clojure.test.check.clojure-test :refer [defspec]]
            [clojure.test.check.generators :as gen]
            [clojure.test.check.properties :as prop]
            [nodus.chaos.checker.event-log :as event-log]
            [nodus.chaos.sim.event-log :as sim]))

(def ^:private log (mapv (fn [r] {:revision r :value (* 10 r)}) (range 5 10)))

(defn- e [r] {:revision r :value (* 10 r)})

(defn- kinds [input] (map :kind (:violations (event-log/check input))))

(deftest a-watcher-that-saw-the-log-in-order-passes
  (is (true? (:valid? (event-log/check {:log log
                                        :watchers {:w {:from 5 :items (mapv e (range 5 10))}}
                                        :acknowledged [5 9]})))))

(deftest a-snapshot-may-skip-ahead-but-not-back
  (is (empty? (kinds {:log log :watchers {:w {:from 5 :items [(e 5) {:snapshot 7} (e 8)]}}})))
  (is (= [:snapshot-went-back] (kinds {:log log :watchers {:w {:from 5 :items [(e 5) (e 6) {:snapshot 5} (e 6)]}}}))))

(deftest the-first-event-must-be-the-watch-start
  (is (= [:gap] (kinds {:log log :watchers {:w {:from 5 :items [(e 6)]}}})))
  (testing "unless the watch named none"
    (is (empty? (kinds {:log log :watchers {:w {:items [(e 6) (e 7)]}}})))))

(deftest each-violation-names-watcher-position-expected-and-actual
  (is (= [{:kind :gap :watcher :w :position 1 :expected 6 :actual 7}
          {:kind :repeated-or-reordered :watcher :w :position 2 :expected 8 :actual 6}]
         (:violations (event-log/check {:log log :watchers {:w {:from 5 :items [(e 5) (e 7) (e 6)]}}})))))

(deftest events-must-equal-the-log-and-stay-within-it
  (is (= [:differs-from-log] (kinds {:log log :watchers {:w {:from 5 :items [(assoc (e 5) :value 0)]}}})))
  (is (= [:not-in-log] (kinds {:log log :watchers {:w {:from 9 :items [(e 9) (e 10)]}}})))
  (is (= [:beyond-log] (kinds {:log log :watchers {:w {:from 5 :items [{:snapshot 12}]}}}))))

(deftest acknowledged-revisions-must-be-in-the-log
  (is (= [{:kind :acknowledged-not-in-log :actual 10}]
         (:violations (event-log/check {:log log :watchers {} :acknowledged [9 10]})))))

(deftest a-log-with-a-hole-is-itself-a-violation
  (is (= [:log-not-consecutive] (kinds {:log (into [(e 1)] (map e (range 3 5))) :watchers {}}))))

(defn- applied [r id kind & {:keys [t] :or {t 100}}] {:revision r :request-id id :kind kind :time-millis t})

(deftest a-request-id-is-applied-once
  (testing "one command's events: consecutive, one time, each kind once"
    (is (empty? (kinds {:log [(applied 1 "a" :identity-allocated) (applied 2 "a" :endpoint-created)
                              (applied 3 "b" :policy-upserted) (applied 4 "" :policy-upserted) (applied 5 "" :policy-upserted)]
                        :watchers {}}))))
  (testing "applied again later"
    (is (= [{:kind :request-applied-twice :request-id "a" :revisions [1 3] :kinds [:policy-upserted :policy-upserted]}]
           (:violations (event-log/check {:log [(applied 1 "a" :policy-upserted) (applied 2 "b" :policy-upserted)
                                                (applied 3 "a" :policy-upserted)]
                                          :watchers {}})))))
  (testing "applied again right after"
    (is (= [:request-applied-twice] (kinds {:log [(applied 1 "a" :ipam-allocated) (applied 2 "a" :ipam-allocated)] :watchers {}})))
    (is (= [:request-applied-twice] (kinds {:log [(applied 1 "a" :identity-allocated)
                                                  (applied 2 "a" :endpoint-created :t 101)] :watchers {}})))))

(defspec runs-of-the-reference-log-pass 200
  (prop/for-all [input sim/gen-run]
    (true? (:valid? (event-log/check input)))))

(defn- mutation-fails
  "A property: every run that has a position where mutate applies fails the check once mutated there."
  [positions mutate]
  (prop/for-all [[input position] (gen/let [input (gen/such-that #(seq (positions %)) sim/gen-run 200)
                                            position (gen/elements (positions input))]
                                    [input position])]
    (false? (:valid? (event-log/check (mutate input position))))))

(defspec an-event-that-differs-from-the-log-fails 100
  (mutation-fails sim/event-items sim/mutate-event))

(defspec a-duplicated-event-fails 100
  (mutation-fails sim/event-items sim/duplicate-event))

(defspec two-events-in-the-wrong-order-fail 100
  (mutation-fails #(sim/event-items % sim/followed-by-event?) sim/swap-with-next))

(defspec a-missed-event-fails 100
  (mutation-fails #(sim/event-items % sim/followed-by-event?) sim/drop-event))

(defspec a-lost-acknowledged-write-fails 100
  (mutation-fails (comp seq :acknowledged) sim/lose-acknowledged))

(defspec a-command-applied-twice-fails-for-that-alone 100
  (prop/for-all [[input position] (gen/let [input (gen/such-that #(seq (sim/reapplicable %)) sim/gen-run 200)
                                            position (gen/elements (sim/reapplicable input))]
                                    [input position])]
    (= [:request-applied-twice] (kinds (sim/reapply-request input position)))))
