(ns nodus.chaos.client
  "Turns the workloads' operations (register, identities, IPAM) into calls on a controller, and
  each call's outcome into :ok, :fail or :info. A change the cluster rejected did not happen
  (:fail); one whose call failed or timed out may still be committed (:info). A read changes
  nothing, so a failed read is :fail."
  (:require [nodus.chaos.commands :as cmd])
  (:import (io.nodus.raft.client GrpcControlPlaneClient ReadConsistency)
           (io.nodus.state.proto ClusterState CommandResult Event IpamAllocation Policy)))

(defn- stored [^ClusterState state key]
  (some (fn [^Policy p] (when (and (= key (.getName p)) (= "default" (.getNamespace p))) p))
        (.getPoliciesList state)))

(defn describe-error
  "An exception as a history records it: its class and message."
  [^Throwable e]
  (str (.getSimpleName (class e)) ": " (.getMessage e)))

(defn- event-of
  "The first event of an accepted answer for which (pred event) holds."
  [^CommandResult r pred]
  (some #(when (pred %) %) (.getEventsList (.getAccepted r))))

(defn- submit-answering
  "Submits `command`: :ok with (answer result) when accepted, :fail when rejected, :info when the
  call failed (the command may still commit)."
  [^GrpcControlPlaneClient c command value answer]
  (try
    (let [^CommandResult r (.submit c command)]
      (if (.hasAccepted r)
        {:type :ok :value (answer r)}
        {:type :fail :value value :error (.getCode (.getRejection r))}))
    (catch Exception e
      {:type :info :value value :error (describe-error e)})))

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
      :read (try
              (let [p (stored (.read c ReadConsistency/LINEARIZABLE) key)]
                {:type :ok :value {:key key :value (some-> p cmd/value-of) :revision (some-> ^Policy p .getRevision)}})
              (catch Exception e
                {:type :fail :value {:key key} :error (describe-error e)})))))

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
