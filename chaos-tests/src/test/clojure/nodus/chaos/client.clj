(ns nodus.chaos.client
  "Turns the register workload's operations into calls on a controller, and each call's outcome
  into :ok, :fail or :info. A write the cluster rejected did not happen (:fail); a write whose
  call failed or timed out may still be committed (:info). A read changes nothing, so a failed
  read is :fail."
  (:require [nodus.chaos.commands :as cmd])
  (:import (io.nodus.raft.client GrpcControlPlaneClient ReadConsistency)
           (io.nodus.state.proto ClusterState CommandResult Policy)))

(defn- stored [^ClusterState state key]
  (some (fn [^Policy p] (when (and (= key (.getName p)) (= "default" (.getNamespace p))) p))
        (.getPoliciesList state)))

(defn- submit [^GrpcControlPlaneClient c command {:keys [key value]}]
  (try
    (let [^CommandResult r (.submit c command)]
      (if (.hasAccepted r)
        {:type :ok :value {:key key :value value :revision (.getRevision (.getAccepted r))}}
        {:type :fail :value {:key key :value value} :error (.getCode (.getRejection r))}))
    (catch Exception e
      {:type :info :value {:key key :value value} :error (str (.getSimpleName (class e)) ": " (.getMessage e))})))

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
                {:type :fail :value {:key key} :error (str (.getSimpleName (class e)) ": " (.getMessage e))})))))
