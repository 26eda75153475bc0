(ns nodus.chaos.checker.linearizable
  "Linearizability by the Wing & Gong search with Lowe's memoization, as Knossos' wgl and Porcupine do it.

  The history becomes a doubly linked list of call and return entries in history order. The search walks
  it from the front: at a call it tries to linearize that op now (step the model; lift the op's call and
  return out of the list and restart from the front); at a return it has reached an op that had to be
  linearized by then and was not, so it backtracks (unlift the last op it linearized and try the next
  call). A cache of (set of linearized ops, model) pairs prunes every configuration already explored,
  which is what makes the search practical: two orders of the same ops that reach the same model are
  one configuration.

  :fail ops did not happen and are dropped. :info ops (and invokes the history never completes) may take
  effect at any time after their invoke, or never: their return is placed after every other entry, and
  the search succeeds once every :ok op is linearized, whatever is left of the :info ones.

  Ops on different keys commute, so the history is partitioned by key and each key is searched on its
  own: the search is exponential in the concurrency of one key's ops, not of the whole history."
  (:require [nodus.chaos.checker :as checker]
            [nodus.chaos.history :as h]
            [nodus.chaos.model :as model])
  (:import (java.util ArrayList BitSet HashSet)))

(set! *warn-on-reflection* true)

(defn- model-op
  "The op as the model steps it: an :ok op carries its answer (h/answer), an :info op its request."
  [invoke completion]
  (let [ok? (and completion (h/ok? completion))]
    {:f (:f invoke)
     :type (if ok? :ok :info)
     :process (:process invoke)
     :value (if ok? (h/answer invoke completion) (:value invoke))}))

(defn- operations
  "The ops the search considers, in invoke order: each :ok or :info pair, with the history positions of its
  call and return (Long/MAX_VALUE for a return that may never come)."
  [history]
  (for [{:keys [invoke completion invoke-position completion-position]} (h/positioned-pairs history)
        :when (not (and completion (h/fail? completion)))]
    {:invoke invoke
     :completion completion
     :op (model-op invoke completion)
     :call invoke-position
     :return (if (and completion (h/ok? completion)) completion-position Long/MAX_VALUE)}))

;; The entry list lives in int arrays: nodes 0..2n-1 are the entries, node 2n is the head, -1 is the end.
;; Lifting an op unlinks its two nodes but leaves their own links, so unlifting relinks them (dancing links).
(deftype Entries [^ints nxt ^ints prv ^ints op-of ^booleans call? ^ints match ^long head])

(defn- entries
  "The list of call and return entries of ops (a vector), in history order."
  [ops]
  (let [n (count ops)
        events (sort-by (juxt first second)
                        (concat (map-indexed (fn [id o] [(:call o) id true]) ops)
                                (map-indexed (fn [id o] [(:return o) id false]) ops)))
        size (* 2 n)
        nxt (int-array (inc size) -1)
        prv (int-array (inc size) -1)
        op-of (int-array size)
        call? (boolean-array size)
        match (int-array size)
        call-node (int-array n)]
    (doseq [[node [_ id is-call]] (map-indexed vector events)]
      (aset op-of node (int id))
      (aset call? node (boolean is-call))
      (if is-call
        (aset call-node (int id) (int node))
        (aset match (aget call-node (int id)) (int node))))
    ;; Chain head -> 0 -> 1 -> ... -> 2n-1.
    (aset nxt size (int (if (pos? size) 0 -1)))
    (dotimes [i size]
      (aset prv i (int (if (zero? i) size (dec i))))
      (aset nxt i (int (if (= i (dec size)) -1 (inc i)))))
    (Entries. nxt prv op-of call? match size)))

(defn- lift! [^Entries es ^long e]
  (let [^ints nxt (.nxt es) ^ints prv (.prv es)
        m (aget ^ints (.match es) e)]
    (aset nxt (aget prv e) (aget nxt e))
    (aset prv (aget nxt e) (aget prv e))   ; a call is always followed, at least by its own return
    (aset nxt (aget prv m) (aget nxt m))
    (when (>= (aget nxt m) 0) (aset prv (aget nxt m) (aget prv m)))))

(defn- unlift! [^Entries es ^long e]
  (let [^ints nxt (.nxt es) ^ints prv (.prv es)
        m (aget ^ints (.match es) e)]
    (aset nxt (aget prv m) m)
    (when (>= (aget nxt m) 0) (aset prv (aget nxt m) m))
    (aset nxt (aget prv e) (int e))
    (aset prv (aget nxt e) (int e))))

(defn- report-failure
  "What a person needs to see why the search failed: the longest prefix it could linearize, the model
  after it, and the op that had to come next but could not."
  [ops {:keys [prefix state blocked]}]
  (let [blocked-op (ops blocked)
        after (model/step state (:op blocked-op))]
    {:valid? false
     :op (or (:completion blocked-op) (:invoke blocked-op))
     :invoke (:invoke blocked-op)
     :model state
     :reason (if (model/inconsistent? after)
               (:msg after)
               "every order of the ops concurrent with it leads to a model it cannot follow")
     :linearized-count (count prefix)
     ;; The end of the prefix is what explains the model; a long prefix would drown the report.
     :longest-prefix-tail (mapv #(or (:completion (ops %)) (:invoke (ops %)))
                                (take-last 10 prefix))}))

(defn- search
  "Searches one partition. ops is a vector of operations; budget is {:max-steps n :deadline nanos}."
  [init ops {:keys [max-steps deadline]}]
  (let [^Entries es (entries ops)
        ^ints nxt (.nxt es)
        ^ints op-of (.op-of es)
        ^booleans call? (.call? es)
        head (.head es)
        linearized (BitSet.)
        cache (HashSet.)
        ^ArrayList calls (ArrayList.)   ; [call node, model before it], the linearization so far
        max-steps (long (or max-steps Long/MAX_VALUE))
        deadline (long (or deadline Long/MAX_VALUE))
        best (volatile! nil)]
    (loop [entry (long (aget nxt head))
           state init
           steps 0]
      (cond
        (neg? entry) {:valid? true :steps steps}

        (or (>= steps max-steps)
            (and (zero? (bit-and steps 0xfff)) (> (System/nanoTime) deadline)))
        {:valid? :unknown :reason :budget-exceeded :steps steps
         :linearized-count (count (:prefix @best))}

        (aget call? entry)
        (let [id (aget op-of entry)
              next-state (model/step state (:op (ops id)))]
          (if (model/inconsistent? next-state)
            (recur (long (aget nxt entry)) state (inc steps))
            (let [_ (.set linearized id)
                  fresh? (.add cache [(.clone linearized) next-state])]
              (if fresh?
                (do (.add calls [entry state])
                    (lift! es entry)
                    (recur (long (aget nxt head)) next-state (inc steps)))
                (do (.clear linearized id)
                    (recur (long (aget nxt entry)) state (inc steps)))))))

        ;; A return. The first one left is an :info op's only when every :ok op is linearized.
        (= Long/MAX_VALUE (:return (ops (aget op-of entry))))
        {:valid? true :steps steps}

        :else
        (do (when (> (.size calls) (if-let [b @best] (count (:prefix b)) -1))
              (vreset! best {:prefix (mapv #(aget op-of (int (first %))) calls)
                             :state state
                             :blocked (aget op-of entry)}))
            (if (.isEmpty calls)
              (assoc (report-failure ops @best) :steps steps)
              (let [[call-node before] (.remove calls (int (dec (.size calls))))]
                (.clear linearized (aget op-of (int call-node)))
                (unlift! es call-node)
                (recur (long (aget nxt (int call-node))) before (inc steps)))))))))

(defn default-partition
  "Ops are partitioned by the :key in their value (nil when the value has none)."
  [invoke]
  (let [v (:value invoke)]
    (when (map? v) (:key v))))

(defn check
  "Checks that history is linearizable with respect to the model init. Options:
    :partition     fn of an invoke to its partition key (default-partition)
    :max-steps     search steps allowed per key
    :time-limit-ms wall time allowed per key
  A key whose search exceeds its budget is :unknown, never valid. Returns {:valid? v :key-count n} with
  :failures (the invalid keys' reports, each with its :key) and :unknown (those that ran out of budget)."
  ([init history] (check init history {}))
  ([init history {:keys [partition max-steps time-limit-ms] :or {partition default-partition}}]
   (h/validate history)
   (let [by-key (group-by #(partition (:invoke %)) (operations history))
         results (into {}
                       (map (fn [[k ops]]
                              (let [deadline (when time-limit-ms
                                               (+ (System/nanoTime) (* 1000000 (long time-limit-ms))))]
                                [k (search init (vec ops) {:max-steps max-steps :deadline deadline})])))
                       by-key)
         with-key (fn [pred] (->> results
                                  (filter (comp pred :valid? val))
                                  (mapv (fn [[k r]] (assoc r :key k)))))]
     (cond-> {:valid? (checker/merge-valid (map :valid? (vals results)))
              :key-count (count results)}
       (seq (with-key false?)) (assoc :failures (with-key false?))
       (seq (with-key #{:unknown})) (assoc :unknown (with-key #{:unknown}))))))

(defn checker
  "A checker of the run's :history against model init (see check for opts)."
  ([init] (checker init {}))
  ([init opts] (fn [run] (check init (:history run) opts))))
