(ns nodus.chaos.runner
  "One chaos run of every workload on a cluster of three (or five) controllers: client threads
  read, write and compare-and-set policies (one register per policy), create and delete endpoints
  with overlapping label sets (each allocates or releases an identity), and allocate and release
  IPAM blocks of a small pool; a watcher on every controller records the events; meanwhile a
  nemesis (nodus.chaos.nemesis) kills, pauses, partitions, changes the membership, skews wall
  clocks and fills disks. Then every
  fault is healed, the cluster converges, each key and the pool are read once more, the whole log
  is read, and the checkers judge the register history (linearizability), the identity answers
  against the log (one identity per label set, none shared, quarantine kept), the IPAM answers
  against the final allocations (nothing handed out twice, nothing acknowledged lost) and the
  watchers' streams (each a gapless, duplicate-free prefix of the log; every acknowledged command
  in it; no request applied twice) and the cluster time the events carry (never back, never ahead
  of real time). Everything random comes from the run's seed, and the run writes its history, the
  nemesis' log, the checkers' results and a summary naming the seed under target/chaos/<run>/."
  (:require [clojure.java.io :as io]
            [clojure.pprint :as pprint]
            [clojure.string :as str]
            [nodus.chaos.checker :as checker]
            [nodus.chaos.checker.cluster-time :as cluster-time]
            [nodus.chaos.checker.event-log :as event-log]
            [nodus.chaos.checker.identities :as identities]
            [nodus.chaos.checker.ipam :as ipam]
            [nodus.chaos.commands :as cmd]
            [nodus.chaos.checker.linearizable :as lin]
            [nodus.chaos.client :as client]
            [nodus.chaos.clock :as clock]
            [nodus.chaos.db :as db]
            [nodus.chaos.disk :as disk]
            [nodus.chaos.history :as h]
            [nodus.chaos.model.register :as register]
            [nodus.chaos.nemesis :as nemesis]
            [nodus.chaos.net :as net]
            [nodus.chaos.watchers :as watchers])
  (:import (io.nodus.raft.client GrpcControlPlaneClient)
           (java.util Random)
           (java.util.concurrent.atomic AtomicLong)))

(defn- now-nanos [start] (- (System/nanoTime) start))

(defn- recorder
  "An append-only history shared by the client threads; conj under the atom keeps one order."
  []
  (atom []))

(defn- record! [history start op]
  (swap! history conj (assoc op :time (now-nanos start))))

;; A workload is {:processes :first-process :init :next :invoke :update}: `processes`
;; client threads, numbered from `first-process`; each draws its ops with (next rnd state), runs
;; them with (invoke client op), and carries its own state (update state op completion).

(defn- register-workload
  "Reads, writes and compare-and-sets on a few keys. A cas expects the revision this worker last
  saw for the key (0 when it saw none), so that some succeed."
  [{:keys [keys ^AtomicLong values]} processes]
  {:processes processes :first-process 0 :init {}
   :next (fn [^Random rnd seen]
           (let [key (nth keys (.nextInt rnd (count keys)))
                 roll (.nextInt rnd 10)]
             (cond (< roll 4) {:f :read :value {:key key}}
                   (< roll 8) {:f :write :value {:key key :value (.incrementAndGet values)}}
                   :else {:f :cas :value {:key key :expected (get seen key 0) :value (.incrementAndGet values)}})))
   :invoke client/invoke!
   :update (fn [seen op done]
             (if-let [r (and (= :ok (:type done)) (:revision (:value done)))]
               (assoc seen (:key (:value op)) r)
               seen))})

(def ^:private node-name "chaos-node")

(def ^:private label-pool
  "The identities workload's label sets: few, so that clients create endpoints with the same set
  concurrently, and overlapping, so that a set and its superset must not share an identity."
  [#{"app=a0"} #{"app=a1"} #{"app=a0" "tier=t"} #{"app=a2"} #{"app=a1" "tier=t"}])

(defn- identities-workload
  "Creates endpoints with label sets from the pool, and deletes ones it created."
  [{:keys [^AtomicLong endpoints]} processes]
  {:processes processes :first-process 100000 :init (sorted-set)
   :next (fn [^Random rnd live]
           (if (and (seq live) (< (.nextInt rnd 10) 4))
             {:f :delete-endpoint :value {:endpoint (nth (seq live) (.nextInt rnd (count live)))}}
             {:f :create-endpoint :value {:endpoint (str "ep-" (.incrementAndGet endpoints))
                                          :labels (nth label-pool (.nextInt rnd (count label-pool)))}}))
   :invoke #(client/invoke-identity! %1 node-name %2)
   :update (fn [live op done]
             (let [name (:endpoint (:value op))]
               (cond (= :delete-endpoint (:f op)) (disj live name)   ; gone, or never to be retried
                     (= :ok (:type done)) (conj live name)
                     :else live)))})

(def ^:private ipam-pool
  "The IPAM workload's pool: small, so that blocks are contended, claimed twice and exhausted."
  {:name "chaos" :cidr "10.77.0.0/24" :block-prefix 28})

(defn- ipam-workload
  "Allocates blocks for new owners, the lowest free one or a block of its own choosing (which may
  overlap a held one: the cluster must refuse it), of /27 to /29; releases blocks it holds."
  [{:keys [^AtomicLong owners]} processes]
  {:processes processes :first-process 200000 :init (sorted-map)
   :next (fn [^Random rnd held]
           (if (and (seq held) (or (>= (count held) 4) (< (.nextInt rnd 10) 4)))
             (let [[owner cidr] (nth (seq held) (.nextInt rnd (count held)))]
               {:f :release :value {:owner owner :pool (:name ipam-pool) :cidr cidr}})
             (let [prefix (+ 27 (.nextInt rnd 3))
                   owner (str "owner-" (.incrementAndGet owners))]
               {:f :allocate
                :value (cond-> {:owner owner :pool (:name ipam-pool) :prefix prefix}
                         (.nextBoolean rnd)
                         (assoc :cidr (let [size (bit-shift-left 1 (- 32 prefix))]
                                        (str "10.77.0." (* size (.nextInt rnd (quot 256 size))) "/" prefix))))})))
   :invoke client/invoke-ipam!
   :update (fn [held op done]
             (let [owner (:owner (:value op))]
               (cond (= :release (:f op)) (dissoc held owner)   ; gone, or never to be retried
                     (= :ok (:type done)) (assoc held owner (:cidr (:value done)))
                     :else held)))})

(defn- refused-by-replica?
  "Whether a completion is a controller's refusal for its own replica (a full disk, a replica that
  restarts after it: see nodus.chaos.client), as the history records the error."
  [done]
  (boolean (when-let [error (:error done)]
             (some #(str/includes? error (str " " % ":")) client/replica-refusals))))

(defn- worker
  "Client thread i of a workload: runs ops until the deadline. After an :info it continues as a new
  process, as Jepsen's do: the old one's op may still take effect, and must not be mistaken for
  the next. A controller whose disk is full (or whose replica restarts after it) refuses at once:
  the thread pauses a little before its next op, rather than fill the history with refusals."
  [{:keys [history start deadline]} {:keys [processes first-process init next invoke update]} c i seed]
  (let [rnd (Random. (long seed))]
    (loop [process (+ first-process i) state init]
      (when (< (System/nanoTime) deadline)
        (let [op (next rnd state)
              _ (record! history start (assoc op :type :invoke :process process))
              done (invoke c op)]
          (record! history start (merge (select-keys op [:f]) done {:process process}))
          (when (refused-by-replica? done) (Thread/sleep 100))
          (recur (if (= :info (:type done)) (+ process processes) process)
                 (update state op done)))))))

(defn- converged?
  "Whether every controller answers with the same revision and state hash."
  [db]
  (let [cs (mapv #(db/client db [%]) (keys (get-in db [:net :nodes])))]
    (try
      (let [ss (mapv #(.status ^GrpcControlPlaneClient %) cs)]
        (and (apply = (map #(.getStateHash %) ss)) (apply = (map #(.getRevision %) ss))))
      (catch Exception _ false)
      (finally (run! #(.close ^GrpcControlPlaneClient %) cs)))))

(defn- await-convergence [db seconds]
  (let [deadline (+ (System/nanoTime) (* seconds 1000000000))]
    (loop []
      (cond (converged? db) true
            (< (System/nanoTime) deadline) (do (Thread/sleep 500) (recur))
            :else false))))

(def ^:private quarantine-millis
  "The controllers' identity quarantine (their default: the runs do not configure the cluster)."
  io.nodus.state.image.IdentitiesImage/DEFAULT_QUARANTINE_MILLIS)

(defn sweep!
  "Clears what crashed runs left: orphaned controllers first, so that their namespaces are empty,
  then the namespaces and bridges, then the disks of runs that have no namespace left."
  []
  (db/sweep-orphans!)
  (net/sweep-leftovers!)
  (disk/sweep-leftovers!))

(defn- submit-setup!
  "Submits the runs' setup through a client of every member: the node the identities workload's
  endpoints live on, and the IPAM pool. Throws if a command is refused."
  [db]
  (with-open [^GrpcControlPlaneClient c (db/client db)]
    (doseq [command [(cmd/register-node node-name)
                     (cmd/create-ipam-pool (:name ipam-pool) (:cidr ipam-pool) (:block-prefix ipam-pool))]]
      (let [r (.submit c command)]
        (when-not (.hasAccepted r)
          (throw (ex-info (str "setup command refused: " (.getRejection r)) {:command (str command)})))))))

(defn- final-reads!
  "After every fault is healed, by a process of their own: each register key once, and the IPAM
  pool's allocations. Returns the allocations (owner -> CIDR), or nil when they could not be read."
  [db history start keys process]
  (with-open [^GrpcControlPlaneClient c (db/client db)]
    (doseq [key keys]
      (let [op {:f :read :value {:key key}}]
        (record! history start (assoc op :type :invoke :process process))
        (record! history start (merge op (client/invoke! c op) {:process process}))))
    (try (client/ipam-allocations c (:name ipam-pool)) (catch Exception _ nil))))

(defn- nemesis-details
  "What the disk and clock faults did, from the nemesis log (a mix's parts included)."
  [nemesis-log]
  (let [starts (filter #(= :start (:phase %)) nemesis-log)
        parts (mapcat #(if (= :mix (:f %)) (:parts %) [%]) starts)
        disk (filter #(= :disk-full (:f %)) parts)
        clock (filter #(= :clock-skew (:f %)) parts)
        disk-outcomes (filter :filled (mapcat #(nemesis/outcomes (or (:outcome %) (:outcomes %))) starts))]
    (str (when (seq disk)
           (str "\n  disk-full: " (count disk) " faults, " (reduce + (map (comp count :nodes) disk)) " disks filled, "
                (count (filter #(= :done (:outcome %)) disk-outcomes)) " of " (count disk-outcomes)
                " saw every running controller stop its replica (" (count (mapcat :unverified disk-outcomes))
                " controllers dead or paused then)"))
         (when (seq clock)
           (str "\n  clock-skew: " (count clock) " faults, steps (s) "
                (str/join ", " (for [{:keys [offsets]} clock [node [forward back]] offsets]
                                 (str node " " (clock/spec forward) "/" (clock/spec back) "/+0"))))))))

(defn- summary
  [{:keys [seed seconds node-count workers key-count faults]} result results head received hist nemesis-log]
  (let [counts (frequencies (map (juxt :f :type) (remove h/invoke? hist)))]
    (str "register, identities, ipam and event-log workloads: "
         (if (true? (:valid? result)) "VALID" (str "NOT VALID (" (:valid? result) ")"))
         (apply str (for [[k r] (sort results)] (str "\n  " (name k) ": " (:valid? r))))
         "\nseed " seed " (replay: NODUS_CHAOS_SEED=" seed " ./ops/chaos, or (nodus.chaos.runner/run-chaos! {:seed " seed " ...}))"
         "\n" seconds " s of faults, the run " (:duration-s result) " s, " node-count " controllers, clients "
         (str/join " " (for [[w n] (sort workers)] (str (name w) "=" n)))
         ", " key-count " keys, faults " (str/join " " (map name (sort faults)))
         "\nevery fault healed: " (:healed result) ", every full disk stopped its controller's replica: " (:disks-stopped result)
         ", converged after healing: " (:converged result)
         ", watchers caught up: " (:watchers-caught-up result)
         ", log: " head " revisions, watchers received: "
         (str/join " " (for [[node w] received] (str node "=" (count (:items w)))))
         "\nops: " (str/join ", " (for [[[f t] n] (sort counts)] (str (name f) " " (name t) " " n)))
         "\nops refused by a controller for its own replica (" (str/join ", " (sort client/replica-refusals)) "): "
         (count (filter refused-by-replica? hist))
         "\nnemesis: " (str/join ", " (for [[f n] (sort (frequencies (map :f (filter #(= :start (:phase %)) nemesis-log))))]
                                        (str (name f) " " n)))
         (nemesis-details nemesis-log)
         (let [failed (filter #(seq (nemesis/incomplete %)) nemesis-log)]
           (if (seq failed) (str "\nnemesis actions that did not complete: " (count failed) " (see nemesis.edn)") ""))
         "\n")))

(defn- check
  "The checkers' results on what the run recorded."
  [hist log received final-allocations]
  (let [of (fn [fs] (filterv #(fs (:f %)) hist))
        changes #{:write :cas :create-endpoint :delete-endpoint :allocate :release}]
    {:register (checker/check-safe #(lin/check register/absent (:history %) {:time-limit-ms 60000})
                                   {:history (of #{:read :write :cas})})
     :event-log (checker/check-safe event-log/check
                                    {:log log :log-from 1 :watchers received
                                     :acknowledged (keep #(when (and (h/ok? %) (changes (:f %))) (:revision (:value %))) hist)})
     :cluster-time (checker/check-safe cluster-time/check {:history (of changes) :log log})
     :identities (checker/check-safe identities/check
                                     {:history (of #{:create-endpoint :delete-endpoint}) :log log
                                      :quarantine-millis quarantine-millis})
     :ipam (if final-allocations
             (checker/check-safe ipam/check {:history (of #{:allocate :release}) :final final-allocations})
             {:valid? :unknown :error "the final IPAM allocations could not be read"})}))

(defn run-chaos!
  "One run of every workload under a nemesis. Options: :seed, :seconds (of faults), :node-count
  (controllers, 3 or 5), :workers (client threads per workload, {:register :identities :ipam}),
  :key-count (register keys), :faults (kinds, see nodus.chaos.nemesis), :interval-ms (of each
  fault and each quiet period), :dir (where the run's files go), :controller-args (added to every
  controller's command line: a fault switch), :disk-megabytes and :min-free-disk (see
  db/defaults). Client thread i talks to node i mod node-count only, as Jepsen's clients do: reads
  are served, and writes forwarded, by every member.
  Returns {:valid? ... :results ... :dir ... :seed ... :ops n}."
  [opts]
  (let [{:keys [seed seconds node-count workers key-count faults interval-ms dir] :as opts}
        (merge {:seed (System/currentTimeMillis) :seconds 60 :node-count 3 :workers {:register 6 :identities 2 :ipam 2}
                :key-count 3 :faults #{:kill :pause :partition} :interval-ms 4000}
               opts)]
    (sweep!)
    (let [run-id (format "%06x" (bit-and (hash [seed (System/nanoTime)]) 0xffffff))
          dir (io/file (or dir (io/file "target" "chaos" (str "run-" run-id))))
          network (net/create! run-id (mapv #(str "n" %) (range 1 (inc node-count))))
          start (System/nanoTime)
          history (recorder)
          nemesis-log (atom [])]
      (try
        (let [db (db/setup! network dir (select-keys opts [:controller-args :disk-megabytes :min-free-disk]))
              nodes (vec (keys (:nodes network)))
              run {:db db :network network :history history :start start
                   :deadline (+ (System/nanoTime) (* seconds 1000000000))
                   :keys (mapv #(str "register-" %) (range key-count))
                   :values (AtomicLong.) :endpoints (AtomicLong.) :owners (AtomicLong.)}
              loads (for [[w make] [[:register register-workload] [:identities identities-workload] [:ipam ipam-workload]]
                          :let [n (get workers w 0)] :when (pos? n)]
                      (make run n))
              threads (vec (for [load loads i (range (:processes load))] [load i]))
              ;; One attempt per call: nodus.chaos.client retries, knowing what each attempt answered.
              clients (vec (for [t (range (count threads))]
                             (db/client db [(nodes (mod t (count nodes)))] {:retry-budget-ms 0})))]
          (try
            (let [rnd (Random. (long seed))
                  ;; Watchers from the first revision, on every member, before any client writes.
                  watching (watchers/start! db 1)
                  _ (submit-setup! db)
                  running (doall (for [[t [load i]] (map-indexed vector threads)]
                                   (future (worker run load (clients t) i (.nextLong rnd)))))
                  nem (future (nemesis/inject! run {:seed (.nextLong rnd) :kinds faults :interval-ms interval-ms
                                                    :deadline (:deadline run) :log nemesis-log
                                                    :now #(now-nanos start)}))]
              (run! deref running)
              @nem
              (let [converged (await-convergence db 90)
                    final-allocations (final-reads! db history start (:keys run) 1000000)
                    hist (h/index @history)
                    head (with-open [^GrpcControlPlaneClient c (db/client db)] (.getRevision (.status c)))
                    caught-up (watchers/await-caught-up! watching head 30)
                    received (watchers/stop! watching)
                    ;; Read after the watchers stopped, up to the furthest any of them got: a command
                    ;; a client gave up on may commit late, and the log must cover what they saw.
                    seen-head (reduce max head (keep #(:revision (peek (:items %))) (vals received)))
                    log (watchers/read-log db 1 seen-head)
                    results (check hist log received final-allocations)
                    ;; A heal that did not complete (a member that could not be added back, a replica
                    ;; that did not restart on a freed disk) leaves the cluster short of a controller:
                    ;; a failure of the product, not of a check.
                    healed (not-any? #(and (= :heal (:phase %)) (seq (nemesis/incomplete %))) @nemesis-log)
                    ;; A controller that went on serving on a full disk did not fail closed.
                    disks-stopped (not-any? (fn [e] (some #(= :not-stopped (:outcome %)) (nemesis/incomplete e)))
                                            @nemesis-log)
                    result {:valid? (checker/merge-valid (list* converged healed disks-stopped (map :valid? (vals results))))
                            :converged converged :healed healed :disks-stopped disks-stopped
                            :watchers-caught-up caught-up :results results
                            :duration-s (quot (now-nanos start) 1000000000)}]
                (io/make-parents (io/file dir "history.edn"))
                (h/write-edn (io/file dir "history.edn") hist)
                (spit (io/file dir "nemesis.edn") (with-out-str (pprint/pprint @nemesis-log)))
                (spit (io/file dir "results.edn") (with-out-str (pprint/pprint (assoc result :final-allocations final-allocations))))
                (spit (io/file dir "summary.txt") (summary opts result results head received hist @nemesis-log))
                (assoc result :dir (str dir) :seed seed :ops (count hist))))
            (finally
              (run! #(.close ^GrpcControlPlaneClient %) clients)
              (db/teardown! db))))
        (finally
          (net/destroy! network))))))
