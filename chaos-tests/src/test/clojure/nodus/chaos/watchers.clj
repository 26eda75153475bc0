(ns nodus.chaos.watchers
  "The event-log workload: a watcher on every controller records what it receives, through the
  product's own resuming client (a killed or paused member's watcher resumes when it is back, or
  re-lists from a snapshot when it fell behind the retained history), and after the run a fresh
  watch reads the whole log. Events are recorded as their revision, cluster time, a 32-bit digest
  of their bytes (the checker compares each watcher's events with the log's through it, without
  holding the events), the request id of the command that caused them and their kind (the event
  log checker finds a command applied twice through them) and, for identity and endpoint events,
  the fields the identities checker reads."
  (:require [nodus.chaos.commands :as cmd]
            [nodus.chaos.db :as db])
  (:import (io.nodus.raft.client GrpcControlPlaneClient WatchListener WatchSubscription)
           (io.nodus.state.proto ClusterState Event)
           (java.util Arrays)))

(defn- identity-fields
  "What the identities checker reads of an event; nil for the other kinds."
  [^Event e]
  (cond
    (.hasIdentityAllocated e) (let [i (.getIdentity (.getIdentityAllocated e))]
                                {:type :identity-allocated :identity {:id (.getId i) :labels (cmd/label-strings (.getLabels i))}})
    (.hasIdentityReleased e) {:type :identity-released :id (.getId (.getIdentityReleased e))}
    (.hasEndpointCreated e) (let [ep (.getEndpoint (.getEndpointCreated e))]
                              {:type :endpoint-created :endpoint {:name (.getName ep) :identity (.getIdentity ep)}})
    (.hasEndpointDeleted e) {:type :endpoint-deleted :name (.getName (.getEndpointDeleted e))
                             :identity (.getIdentity (.getEndpointDeleted e))}))

(defn- item [^Event e]
  (merge {:revision (.getRevision e) :time-millis (.getTimeMillis e) :digest (Arrays/hashCode (.toByteArray e))
          :request-id (.getRequestId e) :kind (keyword (.toLowerCase (.name (.getBodyCase e))))}
         (identity-fields e)))

(defn- recording-listener [items]
  (reify WatchListener
    (^void onSnapshot [_ ^ClusterState state] (swap! items conj {:snapshot (.getRevision state)}))
    (^void onEvent [_ ^Event e] (swap! items conj (item e)))))

(defn start!
  "Starts a watcher from revision `from` on each node; returns them by node."
  [db from]
  (into (sorted-map)
        (for [node (keys (get-in db [:net :nodes]))]
          (let [c (db/client db [node])
                items (atom [])]
            [node {:client c :items items :from from
                   :subscription (.watch ^GrpcControlPlaneClient c (long from) (recording-listener items))}]))))

(defn- last-revision [items]
  (let [i (peek items)] (or (:revision i) (:snapshot i))))

(defn await-caught-up!
  "Waits (at most `seconds`) until every watcher has received revision `head` (or a later one: a
  command whose client gave up may still commit after the run); true if all did."
  [watchers head seconds]
  (let [deadline (+ (System/nanoTime) (* seconds 1000000000))]
    (loop []
      (cond (every? #(>= (or (last-revision @(:items %)) 0) head) (vals watchers)) true
            (< (System/nanoTime) deadline) (do (Thread/sleep 200) (recur))
            :else false))))

(defn stop!
  "Closes the watches; returns what each received, as the checker takes it."
  [watchers]
  (into (sorted-map)
        (for [[node {:keys [client subscription items from]}] watchers]
          (do (.close ^WatchSubscription subscription)
              (.close ^GrpcControlPlaneClient client)
              [node {:from from :items @items}]))))

(defn read-log
  "The whole log from revision `from` to at least `head`, read by a fresh watch; throws if it
  cannot be read within a minute (the run then has no log to judge by)."
  [db from head]
  (let [w (start! db from)
        [node _] (first w)
        only {node (get w node)}]
    (doseq [[_ {:keys [subscription client]}] (rest w)]
      (.close ^WatchSubscription subscription)
      (.close ^GrpcControlPlaneClient client))
    (let [caught (await-caught-up! only head 60)
          items (:items (get (stop! only) node))]
      (when-not caught
        (throw (ex-info (str "could not read the log up to revision " head) {:got (last-revision items)})))
      (when (some :snapshot items)
        (throw (ex-info "the log from the first revision is no longer retained" {:from from})))
      items)))
