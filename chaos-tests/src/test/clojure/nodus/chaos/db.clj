(ns nodus.chaos.db
  "The database under test: Nodus controllers, each a JVM of its own (`nodus controller` from the
  ops distribution on this JVM's class path) inside its node's network namespace, with its own
  log, its data directory on a small disk of its own (nodus.chaos.disk) and its wall clock offset
  by libfaketime (nodus.chaos.clock, 0 until the nemesis changes it). Like Jepsen's db, it
  installs nothing; it starts, kills (SIGKILL), pauses (SIGSTOP), resumes (SIGCONT) and restarts
  processes, and a restarted controller finds its Raft log and RocksDB where it left them."
  (:require [clojure.java.io :as io]
            [clojure.string :as str]
            [nodus.chaos.clock :as clock]
            [nodus.chaos.disk :as disk])
  (:import (io.nodus.raft.client GrpcControlPlaneClient)
           (java.lang ProcessHandle)
           (java.time Duration)
           (java.util.concurrent CountDownLatch TimeUnit)))

(def raft-port 9410)
(def grpc-port 9401)

(defn peers
  "The --peers flag: every member with its Raft address."
  [net]
  (str/join "," (for [[node {:keys [ip]}] (:nodes net)] (str node "=" ip ":" raft-port))))

(defn grpc-address [net node] (str (get-in net [:nodes node :ip]) ":" grpc-port))

(defn- java-command []
  (-> (ProcessHandle/current) .info .command (.orElse "java")))

(defn data-dir
  "The node's data directory (on its disk): its Raft log, snapshots and RocksDB."
  ^java.io.File [db node]
  (get-in db [:disks node :data]))

(defn- controller-command [{:keys [net dir min-free-disk] :as db} node extra-args]
  ;; env(1) execs the JVM in place, like ip netns exec, and only the JVM gets libfaketime.
  (concat ["ip" "netns" "exec" (get-in net [:nodes node :netns])
           "env"] (clock/env (clock/offset-file dir node)) [(java-command)]
          (when (>= (.feature (Runtime/version)) 24)
            ["--enable-native-access=ALL-UNNAMED" "--sun-misc-unsafe-memory-access=allow"])
          ;; Three controllers, the test and its clients share two cores: small heaps, quick JIT.
          ["-Xmx256m" "-XX:+UseSerialGC" "-XX:TieredStopAtLevel=1"
           ;; Marks the process as a chaos controller, for sweep-orphans!.
           (str "-Dnodus.chaos.run=" (:run net))
           "-cp" (System/getProperty "java.class.path") "io.nodus.ops.Main" "controller"
           "--id" node "--data-dir" (str (data-dir db node)) "--peers" (peers net)
           "--grpc" (grpc-address net node) "--snapshot-interval" "2000"
           ;; Small against the disk, so that the nemesis' filler, not the data, fills it.
           "--min-free-disk" min-free-disk]
          extra-args))

(defn- log-tail
  "The last `n` lines of a controller's log without stack frames: what a failure report quotes."
  [log n]
  (->> (str/split-lines (slurp log))
       (remove #(re-find #"^\s+(at |\.\.\. \d+ )" %))
       (take-last n)
       (str/join "\n")))

(defn start!
  "Starts `node`'s controller and waits until it says it is ready; returns the process. `more`
  are flags for this start only (--join). `ip netns exec` and env(1) exec the JVM in place, so the
  process is the JVM itself and signals reach it."
  [{:keys [dir processes paused controller-args] :as db} node & more]
  (let [log (io/file dir node "controller.log")
        _ (io/make-parents log)
        p (-> (ProcessBuilder. ^java.util.List (vec (controller-command db node (concat controller-args more))))
              ;; Appended: a restarted controller's log follows its previous life.
              (.redirectError (java.lang.ProcessBuilder$Redirect/appendTo log))
              (.start))
        ready (CountDownLatch. 1)]
    (swap! processes assoc node p)
    (swap! paused disj node)
    (future
      (with-open [r (io/reader (.getInputStream p))]
        (doseq [line (line-seq r)]
          (when (str/starts-with? line (str "controller ready id=" node))
            (.countDown ready)))))
    (when-not (.await ready 60 TimeUnit/SECONDS)
      (throw (ex-info (str "controller " node " not ready after 60 s (" (if (.isAlive p) "still running" "exited")
                           "); log " log ", its last lines:\n" (log-tail log 20))
                      {:node node :alive (.isAlive p) :log (str log)})))
    p))

(defn- signal! [^Process p sig]
  (let [k (.start (ProcessBuilder. ^java.util.List ["kill" (str "-" sig) (str (.pid p))]))]
    (.waitFor k)))

(defn kill!
  "SIGKILL: no shutdown hook, no final snapshot. Also ends a paused process."
  [{:keys [processes paused]} node]
  (when-let [^Process p (get @processes node)]
    (.destroyForcibly p)
    (when-not (.waitFor p 10 TimeUnit/SECONDS)
      (throw (ex-info (str "controller " node " (pid " (.pid p) ") still running 10 s after SIGKILL") {:node node})))
    (swap! processes dissoc node)
    (swap! paused disj node)))

(defn wipe!
  "Deletes a (killed) node's data directory: its Raft log, snapshots and RocksDB. The directory
  itself stays: it is where the node's disk keeps the data."
  [db node]
  (let [dir (data-dir db node)]
    ;; Children before their directory; the directory itself stays.
    (doseq [^java.io.File f (reverse (rest (file-seq dir)))] (.delete f))
    (when-let [left (seq (rest (file-seq dir)))]
      (throw (ex-info (str "could not wipe " node "'s data directory; left: " (str/join ", " (take 10 left)))
                      {:node node :left (mapv str left)})))))

(defn pause! [{:keys [processes paused]} node]
  (when-let [p (get @processes node)]
    (signal! p "STOP")
    (swap! paused conj node)))

(defn resume! [{:keys [processes paused]} node]
  (when-let [p (get @processes node)]
    (signal! p "CONT")
    (swap! paused disj node)))

(defn alive? [{:keys [processes]} node]
  (boolean (some-> ^Process (get @processes node) .isAlive)))

(defn running?
  "Whether the node's controller is alive and not paused: whether it can answer at all."
  [{:keys [paused] :as db} node]
  (and (alive? db node) (not (contains? @paused node))))

(defn client
  "A gRPC client of the given nodes (all by default); it follows the leader among them. Each call
  fails over among them for up to 10 s, or with {:retry-budget-ms 0} makes a single attempt (the
  workloads' clients, which retry themselves: see nodus.chaos.client)."
  ([db] (client db (keys (get-in db [:net :nodes]))))
  ([db nodes] (client db nodes {}))
  ([{:keys [net]} nodes {:keys [retry-budget-ms] :or {retry-budget-ms 10000}}]
   (-> (GrpcControlPlaneClient/builder)
       (.addresses (mapv #(grpc-address net %) nodes))
       (.callTimeout (Duration/ofSeconds 5))
       (.retryBudget (Duration/ofMillis retry-budget-ms))
       (.build))))

(defn sweep-orphans!
  "Kills chaos controllers whose test JVM died without cleaning up (SIGKILL, a timeout): they are
  marked by -Dnodus.chaos.run and have been re-parented to init. Returns how many it killed."
  []
  (let [orphans (for [^ProcessHandle p (iterator-seq (.iterator (ProcessHandle/allProcesses)))
                      :let [args (-> p .info .arguments (.orElse (make-array String 0)))]
                      :when (and (some #(str/starts-with? % "-Dnodus.chaos.run=") args)
                                 (= 1 (some-> p .parent (.map (reify java.util.function.Function
                                                                (apply [_ h] (.pid ^ProcessHandle h))))
                                              (.orElse nil))))]
                  p)]
    (doseq [^ProcessHandle p orphans] (.destroyForcibly p))
    (doseq [^ProcessHandle p orphans]
      (try (.get (.onExit p) 10 TimeUnit/SECONDS) (catch Exception _ nil)))
    (count orphans)))

(defn teardown!
  "Kills every controller (a paused one too) and unmounts their disks; logs and disk images stay
  for the post-mortem."
  [db]
  (doseq [node (keys @(:processes db))] (kill! db node))
  (doseq [d (vals (:disks db))]
    ;; A run that failed during a disk-full fault would leave the filler in the image.
    (disk/free! d)
    (disk/destroy! d))
  (when-let [hook (:hook db)]
    (try (.removeShutdownHook (Runtime/getRuntime) hook) (catch IllegalStateException _ nil))))

(def defaults
  "A disk of 128 MB per controller (a run writes some 20 MB), of which it keeps 8 MB free."
  {:controller-args [] :disk-megabytes 128 :min-free-disk "8MB"})

(defn setup!
  "Makes each node in `net` a disk and a clock offset file (offset 0) under `dir` and starts its
  controller. Options (see defaults): :controller-args, added to each controller's command line (a
  fault switch), :disk-megabytes and :min-free-disk. Returns the db. A shutdown hook kills the
  controllers if the test JVM exits before teardown! (SIGTERM, Ctrl-C); their disks are then
  left to disk/sweep-leftovers!."
  ([net dir] (setup! net dir {}))
  ([net dir opts]
   (let [{:keys [controller-args disk-megabytes min-free-disk]} (merge defaults opts)
         processes (atom {})
         hook (Thread. ^Runnable (fn [] (doseq [^Process p (vals @processes)] (.destroyForcibly p))))
         db {:net net :dir dir :processes processes :paused (atom #{}) :hook hook
             :controller-args (vec controller-args) :min-free-disk min-free-disk :disks {}}
         disks (atom {})]
     (.addShutdownHook (Runtime/getRuntime) hook)
     (try
       (doseq [node (keys (:nodes net))]
         (swap! disks assoc node (disk/create! dir (:run net) node disk-megabytes))
         (clock/set-offset! (clock/offset-file dir node) 0))
       (let [db (assoc db :disks @disks)]
         (try
           ;; In parallel: each waits for the others to form the group.
           (run! deref (doall (for [node (keys (:nodes net))] (future (start! db node)))))
           db
           (catch Throwable e
             (teardown! db)
             (throw e))))
       (catch Throwable e
         (run! disk/destroy! (vals @disks))
         (throw e))))))
