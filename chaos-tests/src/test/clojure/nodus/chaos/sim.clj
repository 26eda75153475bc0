(ns nodus.chaos.sim
  "A concurrent run against an in-memory system, for testing the checkers on histories whose truth is
  known: every op takes effect atomically at one step between its invoke and its completion (so the run
  is linearizable by construction), and the system's state after the run is the ground truth a final
  read would see.

  Every decision (which client acts, whether an op crashes, when a late effect lands) is drawn from a
  vector of choices, so that test.check can generate and shrink runs like any other data. Past the end of
  the choices every decision is 0, which always makes progress and never crashes, so every run ends.

  A client whose op ends :info (a crash or timeout) may have its effect land later or never, and goes on
  with a new process id, as the harness does."
  (:require [clojure.test.check.generators :as gen]
            [nodus.chaos.history :as h]))

(defn- chooser
  "(pick n) is the next choice modulo n."
  [choices]
  (let [i (volatile! 0)
        choices (vec choices)]
    (fn [n]
      (let [c (get choices @i 0)]
        (vswap! i inc)
        (mod c n)))))

(defn run
  "Runs op-count ops from threads clients against system:
    :init     the system's initial state
    :apply    (fn [state invoke time-nanos] [state' result]), result {:type :ok :value v} or {:type :fail}
    :gen-op   (fn [pick state] {:f f :value v}), pick as in chooser
  Each op that has not yet taken effect crashes with info-percent % chance, and each answer is lost (the
  op ends :info though it took effect) with the same chance.
  Returns {:history h :applied [{:invoke op :before s :after s' :result r} ...] :state s}: applied in
  the order the effects landed; the history is indexed."
  [{:keys [init gen-op threads op-count info-percent] apply-op :apply :or {threads 3 info-percent 0}} choices]
  (let [pick (chooser choices)
        crash? (fn [] (>= (pick 100) (- 100 info-percent)))]
    (loop [step 0
           state init
           history []
           applied []
           clients (vec (for [t (range threads)] {:process t :phase :idle}))
           zombies []     ; crashed invokes whose effect has not landed yet
           left op-count]
      (let [time (* step 1000000)
            emit (fn [history op] (conj history (assoc op :index (count history) :time time)))
            land (fn [invoke]
                   (let [[state' result] (apply-op state invoke time)]
                     [state' result (cond-> applied
                                      (= :ok (:type result))
                                      (conj {:invoke invoke :before state :after state' :result result}))]))
            actors (concat (for [[t c] (map-indexed vector clients)
                                 :when (or (not= :idle (:phase c)) (pos? left))]
                             [:client t])
                           (when (seq zombies) [[:zombie]]))]
        (if (empty? actors)
          {:history history :applied applied :state state}
          (let [[kind t] (nth actors (pick (count actors)))
                {:keys [process phase invoke result]} (get clients t)
                ;; A crashed client comes back as a new process, so late effects stay attributable.
                respawn #(assoc clients t {:process (+ process threads) :phase :idle})]
            (case [kind phase]
              [:zombie nil]
              (let [z (pick (count zombies))
                    zombies' (into (subvec zombies 0 z) (subvec zombies (inc z)))]
                (if (zero? (pick 2))
                  (let [[state' _ applied'] (land (zombies z))]
                    (recur (inc step) state' history applied' clients zombies' left))
                  (recur (inc step) state history applied clients zombies' left)))

              [:client :idle]
              (let [op (assoc (gen-op pick state) :process process :type :invoke)
                    history' (emit history op)]
                (recur (inc step) state history' applied
                       (assoc clients t {:process process :phase :invoked :invoke (peek history')})
                       zombies (dec left)))

              [:client :invoked]
              (if (crash?)
                (recur (inc step) state
                       (emit history {:process process :type :info :f (:f invoke) :value (:value invoke)})
                       applied (respawn) (conj zombies invoke) left)
                (let [[state' result applied'] (land invoke)]
                  (recur (inc step) state' history applied'
                         (update clients t assoc :phase :applied :result result) zombies left)))

              [:client :applied]
              (if (crash?)
                (recur (inc step) state
                       (emit history {:process process :type :info :f (:f invoke) :value (:value invoke)})
                       applied (respawn) zombies left)
                (recur (inc step) state
                       (emit history {:process process :type (:type result) :f (:f invoke)
                                      :value (:value result (:value invoke))})
                       applied (assoc clients t {:process process :phase :idle}) zombies left)))))))))

(defn completion-of
  "The completion of the invoke in the (indexed) history, or nil."
  [history invoke]
  (some (fn [[i c]] (when (= (:index invoke) (:index i)) c)) (h/pairs history)))

(defn gen-client-run
  "A generator of (run opts choices) for a system driven by concurrent clients: up to 40 ops by 1 to
  4 clients, with 0, 10 or 25 percent of them crashing."
  [run]
  (gen/let [n (gen/choose 1 40)
            threads (gen/choose 1 4)
            info-percent (gen/elements [0 10 25])
            choices (gen/vector (gen/choose 0 9999))]
    (run {:threads threads :op-count n :info-percent info-percent} choices)))
