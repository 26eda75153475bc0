(ns nodus.chaos.checker.event-log
  "Checks what watchers received against the event log read after every fault healed.

  Input:
    {:log          [event ...]      ; the final log, in order; each event a map with :revision, the
                                    ; revisions consecutive integers from the first event's, and
                                    ; optionally :request-id and :kind (see below)
     :log-from     r                ; optional: the revision the log starts at (it holds every event
                                    ; from r on); default the first event's, or 1 for an empty log
     :watchers     {id {:from r     ; optional: the revision the watch asked to start at
                        :items [item ...]}}
                                    ; in arrival order: events, and {:snapshot r} markers where the
                                    ; client re-listed (state as of r) and watched again from r + 1
     :acknowledged [revision ...]}  ; revisions of the writes whose clients saw :ok

  A watcher's stream must be exactly the log, from its start (:from, or the revision after a snapshot)
  on, with nothing missing, repeated or reordered, each event equal to the log's event at its revision,
  and nothing the log does not have. A snapshot may jump ahead (the re-list covers what the watch
  missed) but never back before what the watcher already saw. Every acknowledged revision must be in
  the log: a write a client saw committed must survive any fault.

  A request id is applied at most once: a client retries a command under the id it first sent, and
  the cluster answers a retry with the first application's answer. One application puts the events
  of its command at consecutive revisions, all with one time (one log entry's), and none of the
  workloads' commands causes two events of one :kind; so the events that carry one :request-id (an
  empty or missing one is none) must be one run of consecutive revisions with one :time-millis and
  no :kind twice, else the id was applied again (:request-applied-twice, naming its revisions).

  Violations: :log-not-consecutive, :gap, :repeated-or-reordered, :not-in-log, :differs-from-log,
  :snapshot-went-back, :beyond-log, :acknowledged-not-in-log, :request-applied-twice."
  (:require [nodus.chaos.checker :as checker]))

(defn- log-violations
  "The log itself must be gapless from log-from: its revisions are the ruler every other check measures
  with."
  [log log-from]
  (keep (fn [[position expected event]]
          (when (not= expected (:revision event))
            {:kind :log-not-consecutive :position position :expected expected :actual (:revision event)}))
        ;; Each event follows the one before it, so one hole is one violation, not one per later event.
        (map vector (range) (cons log-from (map (comp inc :revision) log)) log)))

(defn- log-index
  "A function of a revision to the log's event at it, or nil."
  [log log-from]
  (let [log (vec log)]
    (fn [revision]
      (when (and (integer? revision) (<= log-from revision))
        (let [e (get log (- revision log-from))]
          (when (= revision (:revision e)) e))))))

(defn- watcher-violations
  "Walks one watcher's items. expected is the revision the next event must have: (:from w), or nil when
  the watch named no start and the first event sets it."
  [event-at last-revision id {:keys [from items]}]
  (let [violation (fn [position kind & {:as more}]
                    (merge {:kind kind :watcher id :position position} more))]
    (loop [position 0
           expected from
           seen nil          ; the highest revision this watcher has seen, by event or snapshot
           violations []]
      (if (>= position (count items))
        violations
        (let [item (nth items position)]
          (if (contains? item :snapshot)
            (let [r (:snapshot item)
                  problems (cond-> []
                             (and seen (< r seen))
                             (conj (violation position :snapshot-went-back :expected (str ">= " seen) :actual r))
                             (> r last-revision)
                             (conj (violation position :beyond-log :expected (str "<= " last-revision) :actual r)))]
              (recur (inc position) (inc r) (max r (or seen r)) (into violations problems)))
            (let [r (:revision item)
                  logged (event-at r)
                  problems (cond-> []
                             (and expected (> r expected))
                             (conj (violation position :gap :expected expected :actual r))
                             (and expected (< r expected))
                             (conj (violation position :repeated-or-reordered :expected expected :actual r))
                             (nil? logged)
                             (conj (violation position :not-in-log :actual r))
                             (and logged (not= logged item))
                             (conj (violation position :differs-from-log :expected logged :actual item)))]
              ;; After a gap, follow the stream from where it is; after a step back, keep waiting for the
              ;; revision that was due, so one repeated event is one violation, not a cascade.
              (recur (inc position)
                     (if (and expected (< r expected)) expected (inc r))
                     (max r (or seen r))
                     (into violations problems)))))))))

(defn- request-violations
  "Request ids whose events are not those of one application (see the namespace docstring)."
  [log]
  (for [[id events] (group-by :request-id (filter #(seq (:request-id %)) log))
        :let [revisions (mapv :revision events)
              kinds (keep :kind events)]
        :when (or (not= revisions (vec (range (first revisions) (+ (first revisions) (count events)))))
                  (not (apply = (map :time-millis events)))
                  (not= (count kinds) (count (distinct kinds))))]
    {:kind :request-applied-twice :request-id id :revisions revisions :kinds (vec kinds)}))

(defn check
  [{:keys [log log-from watchers acknowledged]}]
  (let [log-from (or log-from (:revision (first log)) 1)
        event-at (log-index log log-from)
        ;; A snapshot may be of the state before the first event, so the last revision of an empty log
        ;; is the one before log-from.
        last-revision (+ log-from (count log) -1)
        lost (for [r (distinct acknowledged)
                   :when (nil? (event-at r))]
               {:kind :acknowledged-not-in-log :actual r})]
    (checker/valid-result
     (concat (log-violations log log-from)
             (mapcat (fn [[id w]] (watcher-violations event-at last-revision id w)) (sort-by (comp str key) watchers))
             lost
             (request-violations log))
     :log-length (count log)
     :watcher-count (count watchers)
     :acknowledged-count (count acknowledged))))

(defn checker
  "A checker of the run's :log, :log-from, :watchers and :acknowledged."
  []
  (fn [run] (check (select-keys run [:log :log-from :watchers :acknowledged]))))
