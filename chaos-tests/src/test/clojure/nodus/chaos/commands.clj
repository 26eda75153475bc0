(ns nodus.chaos.commands
  "The commands the workloads send, built as the control plane's protobuf messages. A policy is
  the register of the register workload: its value is the port its one rule allows."
  (:import (io.nodus.state.model Labels)
           (io.nodus.state.proto Command UpsertPolicy DeletePolicy Policy PolicyRule PeerRule
                                 EndpointSelector PortRule PortProtocol Protocol)
           (java.util UUID)))

(defn- selector [app]
  (-> (EndpointSelector/newBuilder) (.addMatchLabels (Labels/label "any" "app" app))))

(defn policy
  "The policy named `key` in namespace default; `value` (1..65535) is the port it allows."
  ^Policy [key value]
  (-> (Policy/newBuilder)
      (.setName key) (.setNamespace "default") (.setKind "CiliumNetworkPolicy")
      (.addRules (-> (PolicyRule/newBuilder)
                     (.setEndpointSelector (selector (str "chaos-" key)))
                     (.addIngress (-> (PeerRule/newBuilder)
                                      (.addEndpoints (selector "chaos-client"))
                                      (.addToPorts (-> (PortRule/newBuilder)
                                                       (.addPorts (-> (PortProtocol/newBuilder)
                                                                      (.setPort (int value))
                                                                      (.setProtocol Protocol/TCP)))))))))
      (.build)))

(defn value-of
  "The register value a stored policy holds (its port)."
  [^Policy p]
  (-> p (.getRules 0) (.getIngress 0) (.getToPorts 0) (.getPorts 0) .getPort))

(defn upsert
  "An upsert of register `key` to `value`; with `expected-revision`, a compare-and-set (0: only
  if the policy does not exist). Every command has a fresh request id."
  (^Command [key value] (upsert key value nil))
  (^Command [key value expected-revision]
   (let [b (-> (UpsertPolicy/newBuilder) (.setPolicy (policy key value)))]
     (when expected-revision (.setExpectedRevision b (long expected-revision)))
     (-> (Command/newBuilder) (.setRequestId (str (UUID/randomUUID))) (.setUpsertPolicy b) (.build)))))

(defn delete
  ^Command [key]
  (-> (Command/newBuilder) (.setRequestId (str (UUID/randomUUID)))
      (.setDeletePolicy (-> (DeletePolicy/newBuilder) (.setNamespace "default") (.setName key)))
      (.build)))
