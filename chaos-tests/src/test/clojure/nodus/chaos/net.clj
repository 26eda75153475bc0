(ns nodus.chaos.net
  "Real networks for the controllers: each node gets its own network namespace, joined to the
  others by a bridge in the root namespace, and partitions are nftables rules inside the nodes'
  namespaces. The test process (clients and nemeses) stays in the root namespace on the bridge's
  own address, which no partition ever cuts: as in Jepsen, faults are between the nodes, and the
  clients see them only through the nodes.

  Every name carries the run's id, so a namespace or link left over by a crashed run never clashes
  with the next one; `destroy!` removes everything `create!` made, and is safe to call twice."
  (:require [clojure.string :as str]))

(defn sh!
  "Runs a command, returns its stdout; throws with the command and its stderr when it fails."
  [& args]
  (let [pb (doto (ProcessBuilder. ^java.util.List (mapv str args))
             (.redirectErrorStream false))
        p (.start pb)
        out (future (slurp (.getInputStream p)))
        err (future (slurp (.getErrorStream p)))
        code (.waitFor p)]
    (when-not (zero? code)
      (throw (ex-info (str "command failed (" code "): " (str/join " " args) ": " (str/trim @err))
                      {:args args :exit code :stderr @err})))
    @out))

(defn- sh-quiet!
  "Like sh!, for cleanup: a failure (the thing is already gone) is not an error."
  [& args]
  (try (apply sh! args) (catch clojure.lang.ExceptionInfo _ nil)))

(defn- free-subnet
  "A 10.x.y.0/24 that no interface on this host uses, picked from the run id so that runs differ."
  [^java.util.Random rnd]
  (let [used (sh! "ip" "-4" "-o" "addr" "show")]
    (loop [tries 0]
      (let [x (+ 200 (.nextInt rnd 50)) y (.nextInt rnd 256)
            prefix (str "10." x "." y ".")]
        (cond (not (str/includes? used (str " " prefix))) prefix
              (< tries 100) (recur (inc tries))
              :else (throw (ex-info "no free 10.x.y.0/24 subnet for the chaos network" {})))))))

(defn create!
  "Builds the network for `nodes` (a seq of node names like \"n1\"): a bridge with the test's
  address .1, and per node a namespace holding one end of a veth pair, addressed .11, .12, ...
  Returns the network: {:run id :bridge name :gateway ip :nodes {node {:netns :ip :host-link}}}."
  [run-id nodes]
  (let [rnd (java.util.Random. (hash run-id))
        prefix (free-subnet rnd)
        ;; Link names are at most 15 characters: "nc" + 6 characters of the run id + a suffix.
        tag (subs (str run-id "000000") 0 6)
        bridge (str "nc" tag "br")
        net {:run run-id :bridge bridge :gateway (str prefix "1")
             :nodes (into (sorted-map)
                          (map-indexed (fn [i node]
                                         [node {:netns (str "nodus-chaos-" run-id "-" node)
                                                :ip (str prefix (+ 11 i))
                                                :host-link (str "nc" tag "h" i)}])
                                       nodes))}]
    (try
      ;; Namespaces first: a chaos bridge whose run has no namespace is a leftover (sweep-leftovers!).
      (doseq [[_ {:keys [netns]}] (:nodes net)]
        (sh! "ip" "netns" "add" netns))
      (sh! "ip" "link" "add" bridge "type" "bridge")
      (sh! "ip" "addr" "add" (str prefix "1/24") "dev" bridge)
      (sh! "ip" "link" "set" bridge "up")
      (doseq [[_ {:keys [netns ip host-link]}] (:nodes net)]
        (sh! "ip" "link" "add" host-link "type" "veth" "peer" "name" (str host-link "p"))
        (sh! "ip" "link" "set" (str host-link "p") "netns" netns)
        (sh! "ip" "netns" "exec" netns "ip" "link" "set" (str host-link "p") "name" "eth0")
        (sh! "ip" "netns" "exec" netns "ip" "addr" "add" (str ip "/24") "dev" "eth0")
        (sh! "ip" "netns" "exec" netns "ip" "link" "set" "eth0" "up")
        (sh! "ip" "netns" "exec" netns "ip" "link" "set" "lo" "up")
        (sh! "ip" "link" "set" host-link "master" bridge)
        (sh! "ip" "link" "set" host-link "up"))
      net
      (catch Throwable e
        (sh-quiet! "ip" "link" "del" bridge)
        (doseq [[_ {:keys [netns host-link]}] (:nodes net)]
          (sh-quiet! "ip" "link" "del" host-link)
          (sh-quiet! "ip" "netns" "del" netns))
        (throw e)))))

(def ^:private table "nodus_chaos")

(defn- nft!
  "Loads an nftables script into a node's namespace."
  [netns script]
  (let [f (java.io.File/createTempFile "nodus-chaos" ".nft")]
    (try
      (spit f script)
      (sh! "ip" "netns" "exec" netns "nft" "-f" (.getPath f))
      (finally (.delete f)))))

(defn heal!
  "Removes every partition rule: each node's namespace drops its chaos table."
  [net]
  (doseq [[_ {:keys [netns]}] (:nodes net)]
    (sh-quiet! "ip" "netns" "exec" netns "nft" "delete" "table" "inet" table)))

(defn cut!
  "Applies a grudge, {node #{nodes whose packets it drops}}, replacing any partition in place.
  Packets are dropped silently on input, as a real partition loses them (a rejected send would
  tell the sender at once); a grudge that is not symmetric cuts one direction only."
  [net grudge]
  (heal! net)
  (doseq [[node dropped] grudge
          :when (seq dropped)]
    (nft! (get-in net [:nodes node :netns])
          (str "table inet " table " {\n"
               "  chain input {\n"
               "    type filter hook input priority -10; policy accept;\n"
               "    ip saddr { " (str/join ", " (map #(get-in net [:nodes % :ip]) (sort dropped))) " } drop\n"
               "  }\n"
               "}\n"))))

(defn components-grudge
  "The grudge that cuts `nodes` into `components`, a seq of sets of node names: a node hears only
  the nodes of its own component. Nodes in no component are isolated."
  [nodes components]
  (let [component-of (into {} (for [c components n c] [n c]))]
    (into {} (for [node nodes]
               [node (set (remove (get component-of node #{node}) nodes))]))))

(defn partition!
  "Cuts the network into `components` (see components-grudge); both directions are cut, since
  every node has its own rules."
  [net components]
  (cut! net (components-grudge (keys (:nodes net)) components)))

(defn reachable?
  "Whether `from` can ping `to` (node names), one packet with a one-second timeout."
  [net from to]
  (let [{:keys [netns]} (get-in net [:nodes from])
        {:keys [ip]} (get-in net [:nodes to])]
    (try (sh! "ip" "netns" "exec" netns "ping" "-c" "1" "-W" "1" ip) true
         (catch clojure.lang.ExceptionInfo _ false))))

(defn sweep-leftovers!
  "Removes what crashed runs left behind: chaos namespaces no process lives in any more (their
  veth ends go with them), then chaos bridges whose run has no namespace left. A live run's
  namespaces exist before its bridge and hold its controllers, so concurrent runs are safe (but
  for a run that has made its namespaces and not yet started its controllers: sweep before
  starting runs, not during them)."
  []
  (let [namespaces (for [line (str/split-lines (sh! "ip" "netns" "list"))
                         :let [netns (first (str/split line #"\s+"))]
                         :when (str/starts-with? netns "nodus-chaos-")]
                     netns)]
    (doseq [netns namespaces
            :when (str/blank? (sh-quiet! "ip" "netns" "pids" netns))]
      (sh-quiet! "ip" "netns" "del" netns))
    (let [left (str/join " " (for [line (str/split-lines (sh! "ip" "netns" "list"))] line))]
      (doseq [[bridge tag] (re-seq #"nc([0-9a-f]{6})br" (sh! "ip" "-o" "link" "show" "type" "bridge"))
              :when (not (str/includes? left (str "nodus-chaos-" tag "-")))]
        (sh-quiet! "ip" "link" "del" bridge)))))

(defn destroy!
  "Removes the bridge, the links and the namespaces (their processes must be gone first)."
  [net]
  (doseq [[_ {:keys [netns host-link]}] (:nodes net)]
    (sh-quiet! "ip" "link" "del" host-link)
    (sh-quiet! "ip" "netns" "del" netns))
  (sh-quiet! "ip" "link" "del" (:bridge net)))
