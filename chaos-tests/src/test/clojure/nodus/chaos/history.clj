(ns nodus.chaos.history
  "The history of a chaos run, as in Jepsen: a vector of operations in the order the harness saw them.

  An op is a map {:index i :process p :type t :f f :value v :time nanos}. :type is :invoke when a client
  starts the operation, then exactly one of :ok (it took effect, :value is the answer), :fail (it did not
  take effect) or :info (outcome unknown: it may take effect at any time after its invoke, or never).
  A process runs one operation at a time. A process whose operation ended :info never invokes again: the
  harness gives its client a new process id, so that a late effect is never mistaken for the next op's."
  (:require [clojure.edn :as edn]
            [clojure.java.io :as io])
  (:import (java.io PushbackReader Writer)))

(def types #{:invoke :ok :fail :info})

(defn invoke? [op] (= :invoke (:type op)))
(defn ok? [op] (= :ok (:type op)))
(defn fail? [op] (= :fail (:type op)))
(defn info? [op] (= :info (:type op)))

(defn index
  "Numbers the ops 0, 1, 2 ... in history order, so that pairs and reports can name an op by :index."
  [history]
  (into [] (map-indexed (fn [i op] (assoc op :index i))) history))

(defn- malformed [reason op & {:as more}]
  (throw (ex-info (str "Malformed history: " reason ": " (pr-str op))
                  (merge {:reason reason :op op} more))))

(defn validate
  "Returns the history when it is well formed; otherwise throws ex-info whose data names the :reason and
  the offending :op. Checkers call this first: a checker fed a malformed history could pass it for the
  wrong reason (an unmatched completion, for example, would silently vanish)."
  [history]
  (loop [ops (seq history)
         pending {}    ; process -> its open invoke
         crashed #{}   ; processes whose last op ended :info
         last-index -1]
    (if-let [op (first ops)]
      (let [{:keys [process type f]} op]
        (when-not (types type) (malformed :unknown-type op))
        (when (nil? process) (malformed :no-process op))
        (when (contains? op :index)
          (when-not (and (integer? (:index op)) (> (:index op) last-index))
            (malformed :index-not-increasing op :previous-index last-index)))
        (let [next-index (or (:index op) last-index)]
          (if (= :invoke type)
            (do (when (crashed process) (malformed :invoke-after-info op))
                (when-let [open (pending process)] (malformed :invoke-while-pending op :pending open))
                (recur (rest ops) (assoc pending process op) crashed next-index))
            (let [open (pending process)]
              (when-not open (malformed :completion-without-invoke op))
              (when (not= f (:f open)) (malformed :completion-f-differs op :invoke open))
              (recur (rest ops) (dissoc pending process)
                     (cond-> crashed (= :info type) (conj process))
                     next-index)))))
      history)))

(defn positioned-pairs
  "Each invoke with its completion (nil when the history ends before it) and their positions in the
  history, as {:invoke :completion :invoke-position :completion-position}, in invoke order. Positions,
  not :index, so that unindexed histories work and equal ops stay apart."
  [history]
  (:done
   (reduce (fn [{:keys [open] :as acc} [position op]]
             (if (invoke? op)
               (-> acc
                   (update :done conj {:invoke op :completion nil :invoke-position position})
                   (assoc-in [:open (:process op)] (count (:done acc))))
               (-> acc
                   (update-in [:done (open (:process op))] assoc :completion op :completion-position position)
                   (update :open dissoc (:process op)))))
           {:done [] :open {}}
           (map-indexed vector history))))

(defn pairs
  "Each invoke with its completion, as [invoke completion] in invoke order. The completion is nil when the
  history ends before it: callers treat that as :info, since the op may still take effect."
  [history]
  (mapv (juxt :invoke :completion) (positioned-pairs history)))

(defn answer
  "What an :ok op tells: the invoke's value merged with the completion's when both are maps (so that an
  answer need not repeat the request), else the completion's value."
  [invoke completion]
  (let [iv (:value invoke)
        cv (:value completion)]
    (if (and (map? iv) (map? cv)) (merge iv cv) cv)))

(defn ok-answers
  "The answers of the :ok ops whose :f is f, each with the completion under :op (for reports)."
  [history f]
  (for [[invoke completion] (pairs history)
        :when (and (= f (:f invoke)) completion (ok? completion))]
    (assoc (answer invoke completion) :op completion)))

(defn complete
  "Appends an :info completion for every invoke that has none, so that the history says explicitly what
  pairs assumes. The new ops carry the invoke's :f and :value, the last op's :time, and the next indices
  when the history is indexed."
  [history]
  (let [open (keep (fn [[invoke completion]] (when-not completion invoke)) (pairs history))
        last-op (peek (vec history))
        indexed? (contains? last-op :index)]
    (into (vec history)
          (map-indexed (fn [i invoke]
                         (cond-> (-> (select-keys invoke [:process :f :value])
                                     (assoc :type :info :time (:time last-op)))
                           indexed? (assoc :index (+ (:index last-op) 1 i)))))
          open)))

(defn write-edn
  "Writes the history to a file as an EDN vector, one op per line, so that a long history can be read by a
  person with a pager and diffed line by line."
  [file history]
  (with-open [^Writer w (io/writer (io/file file))]
    (binding [*print-length* nil
              *print-level* nil
              *print-namespace-maps* false
              *out* w]
      (.write w "[")
      (doseq [op history]
        (.write w "\n")
        (pr op))
      (.write w "\n]\n"))))

(defn read-edn
  "Reads a history that write-edn wrote."
  [file]
  (with-open [r (PushbackReader. (io/reader (io/file file)))]
    (vec (edn/read r))))
