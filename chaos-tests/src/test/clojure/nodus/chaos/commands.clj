(ns nodus.chaos.commands
  "The commands the workloads send, built as the control plane's protobuf messages. A policy is
  the register of the register workload: its value is the label value of the peers its one rule
  admits (app=v<value>), so values never run out or repeat."
  (:import (io.nodus.state.model Labels)
           (io.nodus.state.proto Command UpsertPolicy DeletePolicy Policy PolicyRule PeerRule
                                 EndpointSelector PortRule PortProtocol Protocol RegisterNode
                                 CreateEndpoint DeleteEndpoint LabelSet Label ConfigureCluster ClusterConfig
                                 CreateIpamPool IpamPool AllocateIpam ReleaseIpam)
           (io.nodus.state.proto Command$Builder)
           (java.util UUID)))

(defn- selector [app]
  (-> (EndpointSelector/newBuilder) (.addMatchLabels (Labels/label "any" "app" app))))

(defn policy
  "The policy named `key` in namespace default, admitting peers labelled app=v<value> on port 80."
  ^Policy [key value]
  (-> (Policy/newBuilder)
      (.setName key) (.setNamespace "default") (.setKind "CiliumNetworkPolicy")
      (.addRules (-> (PolicyRule/newBuilder)
                     (.setEndpointSelector (selector (str "chaos-" key)))
                     (.addIngress (-> (PeerRule/newBuilder)
                                      (.addEndpoints (selector (str "v" value)))
                                      (.addToPorts (-> (PortRule/newBuilder)
                                                       (.addPorts (-> (PortProtocol/newBuilder)
                                                                      (.setPort (int 80))
                                                                      (.setProtocol Protocol/TCP)))))))))
      (.build)))

(defn value-of
  "The register value a stored policy holds."
  [^Policy p]
  (-> p (.getRules 0) (.getIngress 0) (.getEndpoints 0) (.getMatchLabels 0) .getValue (subs 1) Long/parseLong))

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

(defn- command ^Command [f]
  (let [b (-> (Command/newBuilder) (.setRequestId (str (UUID/randomUUID))))]
    (f b)
    (.build b)))

(defn register-node
  "Registers the node the identities workload's endpoints live on."
  ^Command [node]
  (command #(.setRegisterNode ^Command$Builder % (-> (RegisterNode/newBuilder) (.setName node)))))

(defn label-strings
  "A LabelSet as the checkers compare label sets: a set of \"source:key=value\" strings."
  [^LabelSet labels]
  (into #{} (map (fn [^Label l] (str (.getSource l) ":" (.getKey l) "=" (.getValue l)))) (.getLabelsList labels)))

(defn create-endpoint
  "An endpoint on `node` with user labels `labels` (\"key=value\" strings, source k8s)."
  ^Command [node name labels]
  (let [ls (LabelSet/newBuilder)]
    (doseq [l labels] (.addLabels ls (Labels/parse l "k8s")))
    (command #(.setCreateEndpoint ^Command$Builder % (-> (CreateEndpoint/newBuilder) (.setName name) (.setNode node) (.setLabels ls))))))

(defn delete-endpoint
  ^Command [name]
  (command #(.setDeleteEndpoint ^Command$Builder % (-> (DeleteEndpoint/newBuilder) (.setName name)))))

(defn configure-cluster
  "Sets the cluster configuration (allowed before any node or endpoint exists)."
  ^Command [^ClusterConfig config]
  (command #(.setConfigureCluster ^Command$Builder % (-> (ConfigureCluster/newBuilder) (.setConfig config)))))

(defn create-ipam-pool
  "A pool `name` over `cidr` whose allocations are /`block-prefix` unless they ask otherwise."
  ^Command [name cidr block-prefix]
  (command #(.setCreateIpamPool ^Command$Builder %
                                (-> (CreateIpamPool/newBuilder)
                                    (.setPool (-> (IpamPool/newBuilder) (.setName name) (.setCidr cidr) (.setBlockPrefix (int block-prefix))))))))

(defn allocate-ipam
  "A block of `pool` for `owner`: the block `cidr` when given, else the lowest free /`prefix`
  (0: the pool's block prefix)."
  ^Command [pool owner prefix cidr]
  (command #(.setAllocateIpam ^Command$Builder %
                              (cond-> (-> (AllocateIpam/newBuilder) (.setPool pool) (.setOwner owner) (.setPrefixLength (int (or prefix 0))))
                                cidr (.setCidr cidr)))))

(defn release-ipam
  ^Command [pool cidr]
  (command #(.setReleaseIpam ^Command$Builder % (-> (ReleaseIpam/newBuilder) (.setPool pool) (.setCidr cidr)))))
