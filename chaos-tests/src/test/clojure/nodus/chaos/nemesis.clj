(ns nodus.chaos.nemesis
  "The faults of a chaos run, and the nemesis that injects them one after another, each followed by
  its heal:
    :kill        SIGKILL a controller; the heal restarts it on its data directory
    :pause       SIGSTOP a controller; the heal sends SIGCONT
    :partition   nftables cuts in one of the shapes below; the heal removes every rule
    :membership  remove a member from the Raft group (the leader, at times), kill it and wipe its
                 data; the heal starts it afresh with --join and adds it back, so that it must
                 catch up from a snapshot
    :mix         two of kill, pause and partition at once, healed in reverse order
  Partition shapes (as Jepsen's): :isolated-node, :isolated-leader, :halves (a random minority
  and majority), :bridge (two halves that do not hear each other, and one node both hear).
  The kinds come in rounds, each kind once per round in a random order, so a run with as many
  faults as kinds has them all. Every choice comes from the nemesis' seeded Random."
  (:require [nodus.chaos.client :as client]
            [nodus.chaos.db :as db]
            [nodus.chaos.net :as net])
  (:import (io.nodus.raft.client GrpcControlPlaneClient)
           (io.nodus.raft.proto MembershipResponse)
           (io.nodus.state.model RejectionCodes)
           (java.util ArrayList Collections Random)))

(def partition-shapes [:isolated-node :isolated-leader :halves :bridge])

(defn- pick [^Random rnd xs] (nth xs (.nextInt rnd (count xs))))

(defn- shuffled [^Random rnd xs]
  (let [l (ArrayList. ^java.util.Collection (vec xs))]
    (Collections/shuffle l rnd)
    (vec l)))

(defn grudge
  "The grudge ({node #{nodes it drops}}, see net/cut!) of a partition `shape` over `nodes`;
  `leader` is the current leader, or nil when none is known (then a random node stands in)."
  [shape nodes leader ^Random rnd]
  (let [nodes (vec (sort nodes))
        order (shuffled rnd nodes)
        k (quot (count nodes) 2)
        isolate (fn [n] (net/components-grudge nodes [#{n} (disj (set nodes) n)]))]
    (case shape
      :isolated-node (isolate (pick rnd nodes))
      :isolated-leader (isolate (or leader (pick rnd nodes)))
      :halves (net/components-grudge nodes [(set (take k order)) (set (drop k order))])
      :bridge (let [left (set (take k order))
                    right (set (drop (inc k) order))]
                (into {} (for [n nodes]
                           [n (cond (left n) right (right n) left :else #{})]))))))

(defn leader
  "The leader's id as some member sees it, or nil."
  [db]
  (let [c (db/client db)]
    (try (not-empty (.getLeaderId (.status c))) (catch Exception _ nil) (finally (.close c)))))

(defn- until
  "Calls (f) every second until it returns a non-nil value or `seconds` pass; returns that value, or
  {:outcome :gave-up :error last-error}."
  [seconds f]
  (let [deadline (+ (System/nanoTime) (* seconds 1000000000))]
    (loop [error nil]
      (let [[v e] (try [(f) nil] (catch Exception e [nil (client/describe-error e)]))]
        (cond (some? v) v
              (< (System/nanoTime) deadline) (do (Thread/sleep 1000) (recur (or e error)))
              :else {:outcome :gave-up :error (or e error)})))))

(defn- membership-answer
  "What a membership change answered: {:outcome :done}, also when the rejection's code is
  `done-code` (an earlier attempt of the same change took effect: its answer was lost in a
  failover), else {:outcome :rejected ...}."
  [^MembershipResponse r done-code]
  (cond (.hasStatus r) {:outcome :done}
        (= done-code (.getCode (.getRejection r))) {:outcome :done :note (.getMessage (.getRejection r))}
        :else {:outcome :rejected :code (.getCode (.getRejection r)) :message (.getMessage (.getRejection r))}))

(defn- remove-member!
  "Removes `node` from the group (retrying through failovers); once it is out, kills it and wipes
  its data. Returns the outcome."
  [db node]
  (with-open [^GrpcControlPlaneClient admin (db/client db)]
    (let [r (until 45 #(membership-answer (.removeMember admin node) RejectionCodes/NOT_FOUND))]
      (when (= :done (:outcome r))
        (db/kill! db node)
        (db/wipe! db node))
      r)))

(defn- add-member!
  "Starts `node` afresh with --join and adds it to the group; returns the outcome."
  [db node]
  (db/start! db node "--join")
  (with-open [^GrpcControlPlaneClient admin (db/client db)]
    (until 90 #(membership-answer (.addMember admin node (str (get-in db [:net :nodes node :ip]) ":" db/raft-port)
                                              (db/grpc-address (:net db) node))
                                  nil))))

(defn- single-fault
  "One fault of kind `f`: {:f :node|:shape :start (fn [] outcome) :heal (fn [started] outcome)}."
  [{:keys [db network]} f ^Random rnd]
  (let [nodes (vec (keys (:nodes network)))
        node (pick rnd nodes)]
    (case f
      :kill {:f :kill :node node :start #(db/kill! db node) :heal (fn [_] (db/start! db node))}
      :pause {:f :pause :node node :start #(db/pause! db node) :heal (fn [_] (db/resume! db node))}
      :partition (let [shape (pick rnd partition-shapes)
                       g (grudge shape nodes (when (= :isolated-leader shape) (leader db)) rnd)]
                   {:f :partition :shape shape :grudge g
                    :start #(net/cut! network g) :heal (fn [_] (net/heal! network))})
      :membership (let [node (if (.nextBoolean rnd) (or (leader db) node) node)]
                    {:f :membership :node node
                     :start #(remove-member! db node)
                     :heal (fn [removed] (when (= :done (:outcome removed)) (add-member! db node)))}))))

(defn- outcome [v] (when (map? v) (:outcome v)))

(defn fault
  "A fault of kind `f`. A :mix starts two distinct kinds of kill, pause and partition and heals
  them in reverse order."
  [run f ^Random rnd]
  (if (= :mix f)
    (let [[a b] (take 2 (shuffled rnd [:kill :pause :partition]))
          fa (single-fault run a rnd)
          fb (single-fault run b rnd)]
      {:f :mix :parts [(dissoc fa :start :heal) (dissoc fb :start :heal)]
       :start #(vector ((:start fa)) ((:start fb)))
       :heal (fn [[sa sb]] ((:heal fb) sb) ((:heal fa) sa))})
    (single-fault run f rnd)))

(defn kind-sequence
  "The kinds of the faults in order: every kind once, in a random order, then again, so that a
  run with at least as many faults as kinds injects every kind."
  [kinds ^Random rnd]
  (mapcat (fn [_] (shuffled rnd (vec (sort kinds)))) (range)))

(defn inject!
  "Alternates quiet periods and faults of `interval-ms` each until `deadline` (System/nanoTime),
  then heals the last; appends to `log` (an atom of a vector) {:time :phase :f ...} at every
  start and heal, with the outcome of membership changes."
  [run {:keys [seed kinds interval-ms deadline log now]}]
  (let [rnd (Random. (long seed))]
    (loop [[kind & more] (kind-sequence kinds rnd)]
      (Thread/sleep (long interval-ms))
      (when (< (System/nanoTime) deadline)
        (let [{:keys [start heal] :as fault} (fault run kind rnd)
              described (dissoc fault :start :heal)
              started (start)]
          (swap! log conj (cond-> (assoc described :time (now) :phase :start)
                            (outcome started) (assoc :outcome started)))
          (Thread/sleep (long interval-ms))
          (let [healed (heal started)]
            (swap! log conj (cond-> (assoc described :time (now) :phase :heal)
                              (outcome healed) (assoc :outcome healed))))
          (recur more))))))
