(ns nodus.chaos.checker.cluster-time-test
  (:require [clojure.test :refer [deftest is testing]]
            [clojure.test.check.clojure-test :refer [defspec]]
            [clojure.test.check.generators :as gen]
            [clojure.test.check.properties :as prop]
            [nodus.chaos.checker.cluster-time :as cluster-time]
            [nodus.chaos.history :as h]
            [nodus.chaos.sim.cluster-time :as sim]))

(defn- change
  "An acknowledged change invoked at `from` ms, answered at `to` ms, with revision r."
  [p from to r]
  [{:process p :type :invoke :f :write :value {:key 0 :value p} :time (* from 1000000)}
   {:process p :type :ok :f :write :value {:key 0 :value p :revision r} :time (* to 1000000)}])

(defn- kinds [input] (map :kind (:violations (cluster-time/check input))))

(deftest time-that-advances-with-real-time-passes
  (is (empty? (kinds {:history (h/index (concat (change 0 0 10 1) (change 1 1000 1010 2)))
                      :log [{:revision 1 :time-millis 5000} {:revision 2 :time-millis 6100}]}))))

(deftest time-never-goes-back
  (is (= [:time-went-back] (kinds {:history [] :log [{:revision 1 :time-millis 5000} {:revision 2 :time-millis 4999}]}))))

(deftest time-may-gain-a-tenth-more-than-real-time-and-no-more
  (let [input (fn [t2] {:history (h/index (concat (change 0 0 10 1) (change 1 1000 1010 2)))
                        :log [{:revision 1 :time-millis 5000} {:revision 2 :time-millis t2}]
                        :slack-millis 0})]
    (testing "1010 ms passed between the first invoke and the second answer: 1111 ms allowed"
      (is (empty? (kinds (input 6111))))
      (is (= [{:kind :time-ran-ahead :cluster-millis 1112 :real-millis 1010}]
             (map #(select-keys % [:kind :cluster-millis :real-millis])
                  (:violations (cluster-time/check (input 6112)))))))))

(deftest the-tightest-earlier-change-bounds-a-later-one
  ;; The second change allows the third less than the first does.
  (is (= [:time-ran-ahead]
         (kinds {:history (h/index (concat (change 0 0 10 1) (change 1 5000 5010 2) (change 2 5100 5110 3)))
                 :log [{:revision 1 :time-millis 0} {:revision 2 :time-millis 5000} {:revision 3 :time-millis 5400}]}))))

(deftest changes-the-log-does-not-hold-are-left-to-the-event-log-checker
  (is (empty? (kinds {:history (h/index (change 0 0 10 7)) :log [{:revision 1 :time-millis 0}]}))))

(defspec runs-of-the-product-clock-pass-whatever-the-leaders-wall-clocks-say 300
  ;; A millisecond of slack per leader term (at most four here) is all the product's clock needs.
  (prop/for-all [input sim/gen-run]
    (true? (:valid? (cluster-time/check (assoc input :slack-millis 4))))))

(defn- second-leader-off [offset clock-kind fake-monotonic]
  (gen/let [entries (gen/choose 4 60)
            choices (gen/vector (gen/choose 0 9999))]
    (sim/run {:entries entries :leaders 2 :offsets [[0 0] [offset offset]]
              :clock-kind clock-kind :fake-monotonic fake-monotonic}
             choices)))

(defspec a-cluster-time-that-follows-a-leader-ahead-fails 100
  (prop/for-all [input (second-leader-off 600000 :leader-wall false)]
    (contains? (set (kinds input)) :time-ran-ahead)))

(defspec a-cluster-time-that-follows-a-leader-behind-fails 100
  (prop/for-all [input (second-leader-off -600000 :leader-wall false)]
    (contains? (set (kinds input)) :time-went-back)))

(defspec a-leader-whose-monotonic-clock-steps-ahead-fails 100
  ;; The product's clock, but the leader's monotonic clock jumps ten minutes in its term.
  (prop/for-all [input (gen/let [entries (gen/choose 4 60)
                                 choices (gen/vector (gen/choose 0 9999))]
                         (sim/run {:entries entries :leaders 1 :offsets [[0 600000]] :fake-monotonic true} choices))]
    (= #{:time-ran-ahead} (set (kinds input)))))
