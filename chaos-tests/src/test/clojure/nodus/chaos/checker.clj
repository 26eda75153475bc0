(ns nodus.chaos.checker
  "What every checker has in common. A checker is a function of the run (a map holding the history, the
  final event log and whatever else the run recorded) that returns {:valid? v ...details}, where v is
  true, false, or :unknown when the checker could not decide (a search ran out of budget, the checker
  threw). A run passes only when every checker says true: :unknown never counts as a pass.")

(def validities #{true false :unknown})

(defn merge-valid
  "false if any is false, else :unknown if any is :unknown, else true. An empty collection is true: no
  checker has anything to object to."
  [valids]
  (cond (some false? valids) false
        (some #{:unknown} valids) :unknown
        :else true))

(defn valid-result
  "{:valid? ...} from a list of violations: the shape most checkers return."
  [violations & {:as details}]
  (merge {:valid? (empty? violations)}
         (when (seq violations)
           ;; A broken run can produce thousands of violations; the first ones are what a person reads.
           {:violation-count (count violations)
            :violations (vec (take 50 violations))})
         details))

(defn check-safe
  "Runs one checker. A checker that throws, or returns no recognizable :valid?, yields :unknown with the
  reason: its failure must not fail the other checkers' reports, and must not pass either."
  [checker run]
  (try
    (let [result (checker run)]
      (if (contains? validities (:valid? result))
        result
        {:valid? :unknown :error "checker returned no :valid? of true, false or :unknown" :result result}))
    (catch Exception e
      {:valid? :unknown :error (str (.getName (class e)) ": " (ex-message e)) :data (ex-data e)})))

(defn compose
  "A checker made of named checkers: its result holds each one's under :results, and is valid? by
  merge-valid over theirs."
  [named-checkers]
  (fn [run]
    (let [results (into {}
                        (map (fn [[checker-name checker]] [checker-name (check-safe checker run)]))
                        named-checkers)]
      {:valid? (merge-valid (map :valid? (vals results)))
       :results results})))
