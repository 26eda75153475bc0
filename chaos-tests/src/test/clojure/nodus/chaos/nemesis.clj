(ns nodus.chaos.nemesis
  "The faults of a chaos run, and the nemesis that injects them one after another, each followed by
  its heal:
    :kill        SIGKILL a controller; the heal restarts it on its data directory
    :pause       SIGSTOP a controller; the heal sends SIGCONT
    :partition   nftables cuts in one of the shapes below; the heal removes every rule
    :membership  remove a member from the Raft group (the leader, at times), kill it and wipe its
                 data; the heal starts it afresh with --join and adds it back, so that it must
                 catch up from a snapshot
    :clock-skew  step the wall clocks of target controllers (libfaketime, see nodus.chaos.clock)
                 forward, midway back behind the true time, and at the heal back to it
    :disk-full   fill the disks of target controllers until ENOSPC; the start waits until each
                 has stopped its replica (a controller that goes on serving on a full disk does
                 not fail closed: the fault did not complete), the heal deletes the filler and
                 waits until each has restarted its replica
    :mix         two of kill, pause, partition, clock skew and disk full at once, healed in
                 reverse order
  Partition shapes (as Jepsen's): :isolated-node, :isolated-leader, :halves (a random minority
  and majority), :bridge (two halves that do not hear each other, and one node both hear).
  Target shapes (target-shapes): :node (a random one), :leader, :majority, :all.
  The kinds come in rounds, each kind once per round in a random order, so a run with as many
  faults as kinds has them all. Every choice comes from the nemesis' seeded Random."
  (:require [nodus.chaos.client :as client]
            [nodus.chaos.clock :as clock]
            [nodus.chaos.db :as db]
            [nodus.chaos.disk :as disk]
            [nodus.chaos.net :as net])
  (:import (io.nodus.raft.client GrpcControlPlaneClient)
           (io.nodus.raft.proto MembershipResponse ReplicaCondition)
           (io.nodus.state.model RejectionCodes)
           (java.util ArrayList Collections Random)))

(def partition-shapes [:isolated-node :isolated-leader :halves :bridge])

(def target-shapes
  "The controllers a clock skew or a full disk hits. Skewing every clock at once leaves no correct
  one to follow; filling a majority's disks leaves no quorum until they recover."
  {:clock-skew [:node :leader :all]
   :disk-full [:node :leader :majority]})

(def forward-offsets
  "Where a skewed clock jumps first, in seconds: ahead by ten minutes, an hour or a day, beyond the
  deduplication window and the identity quarantine (five minutes each by default)."
  [600 3600 86400])

(def back-offsets
  "Where it steps back to midway: behind the true time, a step back larger than the jump."
  [-600 -1800 -3600])

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


(defn targets
  "The nodes of a target `shape` (see target-shapes) over `nodes`; `leader` is the current leader,
  or nil when none is known (then a random node stands in)."
  [shape nodes leader ^Random rnd]
  (let [nodes (vec (sort nodes))]
    (case shape
      :node #{(pick rnd nodes)}
      :leader #{(or leader (pick rnd nodes))}
      :majority (set (take (inc (quot (count nodes) 2)) (shuffled rnd nodes)))
      :all (set nodes))))

(defn skews
  "For each target, the offsets its clock steps through: [forward back]; the heal sets 0."
  [targets ^Random rnd]
  (into (sorted-map) (for [n (sort targets)] [n [(pick rnd forward-offsets) (pick rnd back-offsets)]])))

(defn- condition
  "The node's replica condition as its controller reports it, or nil when it does not answer."
  [db node]
  (try (with-open [^GrpcControlPlaneClient c (db/client db [node] {:retry-budget-ms 0})]
         (.getCondition (.getHealth (.status c))))
       (catch Exception _ nil)))

(defn- await-conditions
  "Polls the running `nodes` (alive and not paused: see db/running?) until (done? condition) holds
  for each or `seconds` pass; returns {node condition-or-nil} as last seen, and the nodes it could
  not ask under :not-running."
  [db nodes done? seconds]
  (let [deadline (+ (System/nanoTime) (* seconds 1000000000))
        asked (filter #(db/running? db %) nodes)]
    (loop []
      (let [seen (into (sorted-map) (for [n asked] [n (condition db n)]))]
        (if (or (every? #(some-> % done?) (vals seen)) (> (System/nanoTime) deadline))
          {:seen seen :not-running (vec (remove (set asked) nodes))}
          (do (Thread/sleep 200) (recur)))))))

(defn- fill-disks!
  "Fills the nodes' disks, then waits (5 s at most) until each running one reports its replica
  stopped on its storage: the watchdog looks five times a second. Its outcome is :done only then."
  [db nodes]
  (let [filled (into (sorted-map) (for [n nodes] [n (disk/fill! (get-in db [:disks n]))]))
        {:keys [seen not-running]} (await-conditions db nodes #(= ReplicaCondition/STORAGE_FAILED %) 5)
        serving (keep (fn [[n c]] (when (not= ReplicaCondition/STORAGE_FAILED c) n)) seen)]
    (cond-> {:outcome (if (seq serving) :not-stopped :done) :filled filled}
      (seq serving) (assoc :still (into (sorted-map) (for [n serving] [n (str (seen n))])))
      (seq not-running) (assoc :unverified not-running))))

(defn- free-disks!
  "Deletes the nodes' fillers, then waits (60 s at most) until each running one has restarted its
  replica (any condition but storage failed: serving needs a leader, which a fault healed later in
  a mix may still keep away)."
  [db nodes]
  (doseq [n nodes] (disk/free! (get-in db [:disks n])))
  (let [{:keys [seen]} (await-conditions db nodes #(not= ReplicaCondition/STORAGE_FAILED %) 60)
        stuck (keep (fn [[n c]] (when (or (nil? c) (= ReplicaCondition/STORAGE_FAILED c)) n)) seen)]
    (if (seq stuck)
      {:outcome :gave-up :error (str "replica not restarted after the disk was freed: "
                                     (pr-str (into (sorted-map) (for [n stuck] [n (str (seen n))]))))}
      {:outcome :done})))

(defn- single-fault
  "One fault of kind `f`: {:f :node|:shape|:nodes|:offsets :start (fn [] outcome)
  :step (fn []), optional, :heal (fn [started] outcome)}."
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
                     :heal (fn [removed] (when (= :done (:outcome removed)) (add-member! db node)))})
      :clock-skew (let [shape (pick rnd (:clock-skew target-shapes))
                        offsets (skews (targets shape nodes (when (= :leader shape) (leader db)) rnd) rnd)
                        step! (fn [i] (doseq [[n steps] offsets]
                                        (clock/set-offset! (clock/offset-file (:dir db) n) (get steps i 0))))]
                    {:f :clock-skew :shape shape :offsets offsets
                     :start #(step! 0) :step #(step! 1) :heal (fn [_] (step! 2))})
      :disk-full (let [shape (pick rnd (:disk-full target-shapes))
                       hit (vec (sort (targets shape nodes (when (= :leader shape) (leader db)) rnd)))]
                   {:f :disk-full :shape shape :nodes hit
                    :start #(fill-disks! db hit) :heal (fn [_] (free-disks! db hit))}))))

(defn outcomes
  "The outcomes a start or heal returned ({:outcome ...} maps; a mix returns one per part)."
  [v]
  (cond (and (map? v) (contains? v :outcome)) [v]
        (sequential? v) (mapcat outcomes v)
        :else []))

(defn incomplete
  "The outcomes of a nemesis log entry that did not complete."
  [entry]
  (remove #(= :done (:outcome %)) (outcomes (or (:outcome entry) (:outcomes entry)))))

(def mixable
  "The kinds a :mix combines: those a single node or cut can take at once with another."
  [:kill :pause :partition :clock-skew :disk-full])

(defn fault
  "A fault of kind `f`. A :mix starts two distinct mixable kinds and heals them in reverse order."
  [run f ^Random rnd]
  (if (= :mix f)
    (let [[a b] (take 2 (shuffled rnd mixable))
          fa (single-fault run a rnd)
          fb (single-fault run b rnd)
          described #(dissoc % :start :step :heal)]
      {:f :mix :parts [(described fa) (described fb)]
       :start #(vector ((:start fa)) ((:start fb)))
       :step #(doseq [f [fa fb] :let [step (:step f)] :when step] (step))
       :heal (fn [[sa sb]] (let [hb ((:heal fb) sb) ha ((:heal fa) sa)] [ha hb]))})
    (single-fault run f rnd)))

(defn kind-sequence
  "The kinds of the faults in order: every kind once, in a random order, then again, so that a
  run with at least as many faults as kinds injects every kind."
  [kinds ^Random rnd]
  (mapcat (fn [_] (shuffled rnd (vec (sort kinds)))) (range)))

(defn- with-outcome
  "A log entry with what a start or heal returned: :outcome for a single fault's, :outcomes for a
  mix's parts."
  [entry v]
  (cond (and (map? v) (contains? v :outcome)) (assoc entry :outcome v)
        (seq (outcomes v)) (assoc entry :outcomes (vec (outcomes v)))
        :else entry))

(defn inject!
  "Alternates quiet periods and faults of `interval-ms` each until `deadline` (System/nanoTime),
  then heals the last; a fault with a :step (a clock skew) takes it halfway through. Appends to
  `log` (an atom of a vector) {:time :phase :f ...} at every start, step and heal, with the
  outcomes of membership changes and disk faults."
  [run {:keys [seed kinds interval-ms deadline log now]}]
  (let [rnd (Random. (long seed))]
    (loop [[kind & more] (kind-sequence kinds rnd)]
      (Thread/sleep (long interval-ms))
      (when (< (System/nanoTime) deadline)
        (let [{:keys [start step heal] :as fault} (fault run kind rnd)
              described (dissoc fault :start :step :heal)
              started (start)]
          (swap! log conj (with-outcome (assoc described :time (now) :phase :start) started))
          (if step
            (do (Thread/sleep (long (quot interval-ms 2)))
                (step)
                (swap! log conj (assoc described :time (now) :phase :step))
                (Thread/sleep (long (- interval-ms (quot interval-ms 2)))))
            (Thread/sleep (long interval-ms)))
          (let [healed (heal started)]
            (swap! log conj (with-outcome (assoc described :time (now) :phase :heal) healed)))
          (recur more))))))
