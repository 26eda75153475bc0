(ns nodus.chaos.runner
  "One chaos run of the register, identities and event-log workloads: client processes read,
  write and compare-and-set policies (one register per policy) on a three-controller cluster,
  others create and delete endpoints with overlapping label sets (each allocates or releases an
  identity), and a watcher on every controller records the events, while a nemesis kills, pauses
  and partitions controllers; then every fault is healed, the cluster converges, each key is read
  once more, the whole log is read, and the checkers judge the register history
  (linearizability), the identity answers against the log (one identity per label set, none
  shared, quarantine kept) and the watchers' streams (each a gapless, duplicate-free prefix of the
  log; every acknowledged write in it).
  Everything random comes from the run's seed, and the run writes its history, the nemesis' log,
  the checkers' results and a summary naming the seed under target/chaos/<run>/."
  (:require [clojure.java.io :as io]
            [clojure.pprint :as pprint]
            [clojure.string :as str]
            [nodus.chaos.checker :as checker]
            [nodus.chaos.checker.event-log :as event-log]
            [nodus.chaos.checker.identities :as identities]
            [nodus.chaos.commands :as cmd]
            [nodus.chaos.checker.linearizable :as lin]
            [nodus.chaos.client :as client]
            [nodus.chaos.db :as db]
            [nodus.chaos.history :as h]
            [nodus.chaos.model.register :as register]
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

(defn- next-op
  "A random op of a worker: reads, writes and compare-and-sets on a few keys. A cas expects the
  revision this worker last saw for the key (0 when it saw none), so that some succeed."
  [^Random rnd keys seen ^AtomicLong values]
  (let [key (nth keys (.nextInt rnd (count keys)))
        roll (.nextInt rnd 10)]
    (cond (< roll 4) {:f :read :value {:key key}}
          (< roll 8) {:f :write :value {:key key :value (.incrementAndGet values)}}
          :else {:f :cas :value {:key key :expected (get @seen key 0) :value (.incrementAndGet values)}})))

(defn- worker
  "A client thread: runs ops until the deadline. After an :info it continues as a new process, as
  Jepsen's do: the old one's op may still take effect, and must not be mistaken for the next."
  [{:keys [history start deadline keys values]} ^GrpcControlPlaneClient c id processes seed]
  (let [rnd (Random. seed)
        seen (atom {})]
    (loop [process id]
      (when (< (System/nanoTime) deadline)
        (let [op (next-op rnd keys seen values)
              _ (record! history start (assoc op :type :invoke :process process))
              done (client/invoke! c op)]
          (record! history start (merge (select-keys op [:f]) done {:process process}))
          (when-let [r (and (= :ok (:type done)) (:revision (:value done)))]
            (swap! seen assoc (:key (:value op)) r))
          (recur (if (= :info (:type done)) (+ process processes) process)))))))

(def ^:private label-pool
  "The identities workload's label sets: few, so that clients create endpoints with the same set
  concurrently, and overlapping, so that a set and its superset must not share an identity."
  [#{"app=a0"} #{"app=a1"} #{"app=a0" "tier=t"} #{"app=a2"} #{"app=a1" "tier=t"}])

(defn- identity-worker
  "A client thread of the identities workload: creates endpoints with label sets from the pool,
  and deletes ones it created, until the deadline."
  [{:keys [history start deadline endpoints]} ^GrpcControlPlaneClient c node id processes seed]
  (let [rnd (Random. seed)]
    (loop [process id live (sorted-set)]
      (when (< (System/nanoTime) deadline)
        (let [op (if (and (seq live) (< (.nextInt rnd 10) 4))
                   {:f :delete-endpoint :value {:endpoint (nth (seq live) (.nextInt rnd (count live)))}}
                   {:f :create-endpoint :value {:endpoint (str "ep-" (.incrementAndGet ^AtomicLong endpoints))
                                                :labels (nth label-pool (.nextInt rnd (count label-pool)))}})
              _ (record! history start (assoc op :type :invoke :process process))
              done (client/invoke-identity! c node op)
              name (:endpoint (:value op))]
          (record! history start (merge (select-keys op [:f]) done {:process process}))
          (recur (if (= :info (:type done)) (+ process processes) process)
                 (cond (= :delete-endpoint (:f op)) (disj live name)   ; gone, or never to be retried
                       (= :ok (:type done)) (conj live name)
                       :else live)))))))

(defn- leader [db]
  (let [c (db/client db)]
    (try (not-empty (.getLeaderId (.status c))) (catch Exception _ nil) (finally (.close c)))))

(defn- fault!
  "Starts one fault chosen by rnd among `faults`; returns what heals it."
  [{:keys [db network]} ^Random rnd faults]
  (let [nodes (vec (keys (:nodes network)))
        pick #(nth % (.nextInt rnd (count %)))
        node (pick nodes)]
    (case (pick (vec (sort faults)))
      :kill {:f :kill :node node :start #(db/kill! db node) :heal #(db/start! db node)}
      :pause {:f :pause :node node :start #(db/pause! db node) :heal #(db/resume! db node)}
      :partition (let [isolated (if (.nextBoolean rnd) (or (leader db) node) node)
                       rest-of (set (remove #{isolated} nodes))]
                   {:f :partition :node isolated
                    :start #(net/partition! network [rest-of #{isolated}])
                    :heal #(net/heal! network)}))))

(defn- nemesis
  "Alternates faults and quiet periods of `interval-ms` until the deadline, then heals the last."
  [{:keys [start deadline nemesis-log] :as run} seed faults interval-ms]
  (let [rnd (Random. seed)]
    (loop []
      (Thread/sleep (long interval-ms))
      (when (< (System/nanoTime) deadline)
        (let [{:keys [f node heal] :as fault} (fault! run rnd faults)]
          (swap! nemesis-log conj {:time (now-nanos start) :f f :node node :phase :start})
          ((:start fault))
          (Thread/sleep (long interval-ms))
          (heal)
          (swap! nemesis-log conj {:time (now-nanos start) :f f :node node :phase :heal})
          (recur))))))

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
  "Clears what crashed runs left: orphaned controllers first, so that their namespaces are empty."
  []
  (db/sweep-orphans!)
  (net/sweep-leftovers!))

(defn run-register!
  "Runs the register workload. Options: :seed, :seconds, :concurrency, :key-count, :faults (a
  set of :kill :pause :partition), :interval-ms, :dir (where the run's files go),
  :controller-args (added to every controller's command line: a fault switch). Client i talks
  to node i mod 3 only, as Jepsen's clients do: reads are served, and writes forwarded, by every
  member. Returns {:valid? ... :dir ... :seed ...}."
  [{:keys [seed seconds concurrency key-count identity-workers faults interval-ms dir controller-args]
    :or {seconds 60 concurrency 6 key-count 3 identity-workers 2 faults #{:kill :pause :partition} interval-ms 4000}}]
  (sweep!)
  (let [seed (or seed (System/currentTimeMillis))
        run-id (format "%06x" (bit-and (hash [seed (System/nanoTime)]) 0xffffff))
        dir (io/file (or dir (io/file "target" "chaos" (str "register-" run-id))))
        network (net/create! run-id ["n1" "n2" "n3"])
        start (System/nanoTime)
        history (recorder)
        nemesis-log (atom [])]
    (try
      (let [db (db/setup! network dir controller-args)
            nodes (vec (keys (:nodes network)))
            clients (vec (for [i (range concurrency)] (db/client db [(nodes (mod i (count nodes)))])))
            keys (mapv #(str "register-" %) (range key-count))
            run {:db db :network network :history history :nemesis-log nemesis-log :start start
                 :deadline (+ (System/nanoTime) (* seconds 1000000000)) :keys keys :values (AtomicLong.)
                 :endpoints (AtomicLong.)}]
        (try
          (let [rnd (Random. seed)
                ;; Watchers from the first revision, on every member, before any client writes.
                watching (watchers/start! db 1)
                _ (.submit ^GrpcControlPlaneClient (clients 0) (cmd/register-node "chaos-node"))
                workers (doall (concat
                                (for [i (range concurrency)]
                                  (future (worker run (clients i) i concurrency (.nextLong rnd))))
                                (for [i (range identity-workers)]
                                  (future (identity-worker run (clients (mod i concurrency)) "chaos-node"
                                                           (+ 100000 i) identity-workers (.nextLong rnd))))))
                nem (future (nemesis run (.nextLong rnd) faults interval-ms))]
            (run! deref workers)
            @nem
            (let [converged (await-convergence db 90)
                  final-client (db/client db)
                  ;; The final reads, by a process of their own, after every fault is healed.
                  final (+ 1000000 concurrency)]
              (try
                (doseq [key keys]
                  (let [op {:f :read :value {:key key}}]
                    (record! history start (assoc op :type :invoke :process final))
                    (record! history start (merge op (client/invoke! final-client op) {:process final}))))
                (finally (.close ^GrpcControlPlaneClient final-client)))
              (let [hist (h/index @history)
                    head (.getRevision (.status ^GrpcControlPlaneClient (clients 0)))
                    caught-up (watchers/await-caught-up! watching head 30)
                    received (watchers/stop! watching)
                    ;; Read after the watchers stopped, up to the furthest any of them got: a command
                    ;; a client gave up on may commit late, and the log must cover what they saw.
                    seen-head (reduce max head (keep #(:revision (peek (:items %))) (vals received)))
                    log (watchers/read-log db 1 seen-head)
                    event-run {:log log :log-from 1 :watchers received
                               :acknowledged (keep #(when (and (h/ok? %) (not= :read (:f %))) (:revision (:value %))) hist)}
                    of (fn [fs] (filterv #(fs (:f %)) hist))
                    results {:register (checker/check-safe #(lin/check register/absent (:history %) {:time-limit-ms 60000})
                                                           {:history (of #{:read :write :cas})})
                             :event-log (checker/check-safe event-log/check event-run)
                             :identities (checker/check-safe identities/check
                                                             {:history (of #{:create-endpoint :delete-endpoint}) :log log
                                                              :quarantine-millis quarantine-millis})}
                    result {:valid? (checker/merge-valid (cons converged (map :valid? (vals results))))
                            :converged converged :watchers-caught-up caught-up :results results}
                    counts (frequencies (map (juxt :f :type) (remove h/invoke? hist)))]
                (io/make-parents (io/file dir "history.edn"))
                (h/write-edn (io/file dir "history.edn") hist)
                (spit (io/file dir "nemesis.edn") (with-out-str (pprint/pprint @nemesis-log)))
                (spit (io/file dir "results.edn") (with-out-str (pprint/pprint result)))
                (spit (io/file dir "summary.txt")
                      (str "register, event-log and identities workloads: " (if (true? (:valid? result)) "VALID" (str "NOT VALID (" (:valid? result) ")"))
                           (apply str (for [[k r] (sort results)] (str "\n  " (name k) ": " (:valid? r))))
                           "\nseed " seed " (replay: (nodus.chaos.runner/run-register! {:seed " seed " ...}))"
                           "\n" seconds " s, " concurrency " clients, " key-count " keys, faults " (str/join " " (map name (sort faults)))
                           "\nconverged after healing: " converged ", watchers caught up: " caught-up
                           ", log: " head " revisions, watchers received: "
                           (str/join " " (for [[node w] received] (str node "=" (count (:items w)))))
                           "\nops: " (str/join ", " (for [[[f t] n] (sort counts)] (str (name f) " " (name t) " " n)))
                           "\nnemesis: " (count (filter #(= :start (:phase %)) @nemesis-log)) " faults\n"))
                (assoc result :dir (str dir) :seed seed :ops (count hist)))))
          (finally
            (run! #(.close ^GrpcControlPlaneClient %) clients)
            (db/teardown! db))))
      (finally
        (net/destroy! network)))))
