(ns nodus.chaos.client
  "Turns the workloads' operations (register, identities, IPAM) into calls on a controller, and
  each call's outcome into :ok, :fail or :info. A change the cluster rejected did not happen
  (:fail), nor did one that a controller refused for its own replica (see replica-refusal?); one
  whose call failed or timed out otherwise may still be committed (:info). A read changes nothing,
  so a failed read is :fail.

  The workloads' clients make one attempt per call (db/client with no retry budget) and this
  namespace retries, as the product's client would (the same command, so the same request id, for
  up to 10 s), so that it knows what every attempt answered: a refusal means the command was never
  ordered only if no earlier attempt of the call may have reached Raft."
  (:require [nodus.chaos.commands :as cmd])
  (:import (io.nodus.raft.client ControlPlaneException ControlPlaneException$Reason GrpcControlPlaneClient
                                 ReadConsistency)
           (io.nodus.raft.grpc UnavailableException)
           (io.nodus.state.proto ClusterState CommandResult Event IpamAllocation Policy)))

(defn- stored [^ClusterState state key]
  (some (fn [^Policy p] (when (and (= key (.getName p)) (= "default" (.getNamespace p))) p))
        (.getPoliciesList state)))

(defn- code
  "The controller's stable code of a failure (unavailable, storage_unavailable, ...), or nil."
  [^Throwable e]
  (when (instance? ControlPlaneException e) (.code ^ControlPlaneException e)))

(defn describe-error
  "An exception as a history records it: its class, the controller's code when it gave one, and
  its message."
  [^Throwable e]
  (str (.getSimpleName (class e)) (some->> (code e) (str " ")) ": " (.getMessage e)))

(def replica-refusals
  "The codes of a controller that refuses a request at once for a condition of its own replica:
  storage_unavailable (its storage failed: a full disk) and replica_not_ready (its replica is not
  running yet, as while it restarts after the fault)."
  #{UnavailableException/STORAGE_UNAVAILABLE UnavailableException/REPLICA_NOT_READY})

(defn replica-refusal?
  "Whether a failure is a controller's refusal for its own replica. On a submit, such a refusal
  comes before anything is handed to Raft (ReplicaSupervisor refuses when it has no running
  replica, or its storage failed), so the command was not ordered by that attempt."
  [^Throwable e]
  (contains? replica-refusals (code e)))

(def ^:private retry-budget-nanos (* 10 1000000000))

(defn- retryable?
  "A failure after which another attempt may succeed soon: the general UNAVAILABLE (an election,
  a restart). A refusal for the controller's own replica is not: this client talks to that one
  controller, whose disk stays full for a while."
  [^Throwable e]
  (and (instance? ControlPlaneException e)
       (= ControlPlaneException$Reason/UNAVAILABLE (.reason ^ControlPlaneException e))
       (not (replica-refusal? e))))

(defn attempts
  "Calls (f), one attempt at a controller each time, until it returns, fails in a way that is not
  retryable, or 10 s pass (pausing 50 ms, doubling up to 1 s, between attempts). Returns {:result v}
  or {:error e :ordered? b}: ordered? is false only when no attempt may have handed the command to
  Raft, that is when every attempt was a replica refusal."
  [f]
  (let [deadline (+ (System/nanoTime) retry-budget-nanos)]
    (loop [pause 50 ordered? false]
      (let [[v e] (try [(f) nil] (catch Exception e [nil e]))
            ordered? (or ordered? (and e (not (replica-refusal? e))))]
        (cond (nil? e) {:result v}
              (and (retryable? e) (< (+ (System/nanoTime) (* pause 1000000)) deadline))
              (do (Thread/sleep (long pause)) (recur (min 1000 (* 2 pause)) ordered?))
              :else {:error e :ordered? ordered?})))))

(defn- event-of
  "The first event of an accepted answer for which (pred event) holds."
  [^CommandResult r pred]
  (some #(when (pred %) %) (.getEventsList (.getAccepted r))))

(defn- submit-answering
  "Submits `command`: :ok with (answer result) when accepted, :fail when rejected or refused before
  any attempt could have ordered it, :info when the call failed otherwise (it may still commit)."
  [^GrpcControlPlaneClient c command value answer]
  (let [{:keys [^CommandResult result error ordered?]} (attempts #(.submit c command))]
    (cond error {:type (if ordered? :info :fail) :value value :error (describe-error error)}
          (.hasAccepted result) {:type :ok :value (answer result)}
          :else {:type :fail :value value :error (.getCode (.getRejection result))})))

(defn- submit
  "A register write: the answer is the value written and the revision of the write."
  [c command {:keys [key value]}]
  (submit-answering c command {:key key :value value}
                    (fn [^CommandResult r] {:key key :value value :revision (.getRevision (.getAccepted r))})))

(defn invoke!
  "Runs one register op (:write, :cas or :read on (:key value)) on client c; returns the
  completion's :type, :value and, when it did not succeed, :error."
  [^GrpcControlPlaneClient c {:keys [f value]}]
  (let [{:keys [key expected]} value]
    (case f
      :write (submit c (cmd/upsert key (:value value)) value)
      ;; expected 0: only if absent (the model reads 0 and nil alike).
      :cas (submit c (cmd/upsert key (:value value) (or expected 0)) value)
      :read (let [{:keys [result error]} (attempts #(.read c ReadConsistency/LINEARIZABLE))]
              (if error
                {:type :fail :value {:key key} :error (describe-error error)}
                (let [p (stored result key)]
                  {:type :ok :value {:key key :value (some-> p cmd/value-of) :revision (some-> ^Policy p .getRevision)}}))))))

(defn invoke-identity!
  "Runs one identities op: :create-endpoint {:endpoint n :labels #{\"k=v\"}} answers with the
  endpoint's full label set (the control plane adds the namespace label), its identity and the
  revision of its endpoint-created event; :delete-endpoint {:endpoint n} with the revision of its
  endpoint-deleted event."
  [^GrpcControlPlaneClient c node {:keys [f value]}]
  (case f
    :create-endpoint
    (submit-answering c (cmd/create-endpoint node (:endpoint value) (:labels value)) value
                     (fn [r] (let [^Event e (event-of r #(.hasEndpointCreated ^Event %))
                                   ep (.getEndpoint (.getEndpointCreated e))]
                               {:endpoint (:endpoint value) :labels (cmd/label-strings (.getLabels ep))
                                :identity (.getIdentity ep) :revision (.getRevision e)})))
    :delete-endpoint
    (submit-answering c (cmd/delete-endpoint (:endpoint value)) value
                     (fn [r] {:endpoint (:endpoint value)
                              :revision (.getRevision ^Event (event-of r #(.hasEndpointDeleted ^Event %)))}))))

(defn invoke-ipam!
  "Runs one IPAM op: :allocate {:owner o :pool p :prefix n :cidr c} (with :cidr, that block; else
  the lowest free /n) answers with the block and the revision of its allocated event; :release
  {:owner o :pool p :cidr c} with the revision of its released event."
  [^GrpcControlPlaneClient c {:keys [f value]}]
  (let [{:keys [owner pool prefix cidr]} value]
    (case f
      :allocate
      (submit-answering c (cmd/allocate-ipam pool owner prefix cidr) value
                        (fn [r] (let [^Event e (event-of r #(.hasIpamAllocated ^Event %))]
                                  {:owner owner :pool pool :cidr (.getCidr (.getAllocation (.getIpamAllocated e)))
                                   :revision (.getRevision e)})))
      :release
      (submit-answering c (cmd/release-ipam pool cidr) value
                        (fn [r] {:owner owner :revision (.getRevision ^Event (event-of r #(.hasIpamReleased ^Event %)))})))))

(defn ipam-allocations
  "owner -> CIDR of every allocation in `pool`, read linearizably (the IPAM workload's final read)."
  [^GrpcControlPlaneClient c pool]
  (into (sorted-map)
        (for [^IpamAllocation a (.getIpamAllocationsList (.read c ReadConsistency/LINEARIZABLE))
              :when (= pool (.getPool a))]
          [(.getOwner a) (.getCidr a)])))
