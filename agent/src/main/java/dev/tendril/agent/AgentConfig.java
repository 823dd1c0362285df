package dev.tendril.agent;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code tendril.agent.*}: the node this agent serves, its datapath backend, the topics it follows, its peers. */
@ConfigMapping(prefix = "tendril.agent")
public interface AgentConfig {

    /** Kubernetes node name; keys this node's entries in tendril.nodes and its flows. */
    String nodeName();

    /**
     * Where the node's maps live: {@code memory} (libs/datapath in-memory maps, for tests and many
     * simulated agents in one JVM), {@code bpf} (real maps through bpf(2), pinned under
     * {@link #bpffsDir()}) or {@code auto}: bpf when this process may create bpf maps (root or CAP_BPF)
     * and {@link #bpffsDir()} lies on a mounted bpffs, else memory (the log says why).
     */
    @WithDefault("auto")
    Datapath datapath();

    /** The bpffs directory under which each node pins its maps, in {@code <dir>/<node-name>/}. */
    @WithDefault("/sys/fs/bpf/tendril")
    Path bpffsDir();

    /** Local state that must survive a restart (endpoint ids, endpoints created through the API), in {@code <dir>/<node-name>/}. */
    @WithDefault("/var/lib/tendril/agent")
    Path stateDir();

    /** How often every map is diffed against the desired state and corrected, besides after each change. */
    @WithDefault("30s")
    Duration reconcileInterval();

    /** IPAM's gRPC address, {@code host:port} (HTTP and gRPC share the port). */
    @WithDefault("localhost:8082")
    String ipamUrl();

    /** The identity service's gRPC address, {@code host:port}. */
    @WithDefault("localhost:8081")
    String identityUrl();

    /**
     * The policy service's gRPC address, {@code host:port}: where the maps of the local endpoints' identities are
     * fetched from ({@code PolicyMaps.GetPolicyMaps}) with {@code sync.policy-source=fetch}.
     */
    @WithDefault("localhost:8083")
    String policyUrl();

    /** This node's internal IPs, registered with IPAM. */
    @WithDefault("127.0.0.1")
    List<String> nodeIps();

    /** Register the node with IPAM on start (retrying with backoff); off in tests without IPAM. */
    @WithDefault("true")
    boolean registerNode();

    /** Deadline of one call to IPAM, the identity service or the policy service. */
    @WithDefault("10s")
    Duration callTimeout();

    /**
     * Base URLs of the other nodes' agents by node name ({@code tendril.agent.peers."node-2"=http://127.0.0.1:8092}),
     * asked for the halves of a probe this node cannot decide. A node not listed is reached at
     * {@code http://<its first IP in tendril.nodes>:<this agent's HTTP port>}.
     */
    Map<String, String> peers();

    /**
     * The node's labels ({@code tendril.agent.node-labels."topology.kubernetes.io/zone"=a}), the
     * {@code node_labels} of its flows, beside {@code kubernetes.io/hostname=<node name>} (tendril.nodes has
     * no labels).
     */
    Map<String, String> nodeLabels();

    /** Topic of this node's flow records (key: node name, value: Hubble {@code flow.Flow}). */
    @WithDefault("tendril.flows")
    String flowsTopic();

    /**
     * Flow records sent to the flows channel and not yet acknowledged by the broker, at most: beyond it (the broker
     * is slow or away) a flow is dropped and counted, and the count goes to the flows service as a Hubble LostEvent.
     */
    @WithDefault("8192")
    int flowsQueue();

    /**
     * Where pods' packets flow: {@code model} (no namespaces: verdicts are libs/datapath's over the maps),
     * {@code kernel} (a network namespace per endpoint with the tc programs on its veth; needs the bpf maps
     * backend, root and libbpf, else the agent does not start) or {@code auto}: kernel when all that is
     * there, else model. Readiness's {@code podNetwork} says which and why.
     */
    @WithDefault("model")
    PodNetworkMode podNetwork();

    /**
     * How often the kernel pod network deletes expired connection-tracking entries (Cilium's CT GC, whose
     * interval is dynamic); kernel mode only.
     */
    @WithDefault("1m")
    Duration ctGcInterval();

    /** How long a real probe (kernel mode) waits for a TCP handshake or a UDP echo before it says DROPPED. */
    @WithDefault("1s")
    Duration probeTimeout();

    /**
     * The ClusterMesh cluster id of the node's stack: 0 outside a mesh, 1..255 in one (the launcher's
     * {@code --cluster-id}). Picks the fabric's underlay addresses, which never collide across a mesh.
     */
    @WithDefault("0")
    int clusterId();

    FabricSettings fabric();

    Sync sync();

    enum Datapath {
        AUTO,
        MEMORY,
        BPF
    }

    /** Where an agent's policy maps come from (docs/agent.md, "Policy maps: fetch or topic"). */
    enum PolicySource {
        /** Follow {@code tendril.policy.revisions}, fetch the maps of local subjects from the policy service. */
        FETCH,
        /** Follow {@code tendril.policy} whole and keep the maps of local subjects. */
        TOPIC
    }

    enum PodNetworkMode {
        MODEL,
        KERNEL,
        AUTO
    }

    /** {@code tendril.agent.fabric.*}: the local cluster network the kernel pod network wires into. */
    interface FabricSettings {

        /** Prefix of the stack's network namespaces: every agent of one stack the same, two stacks two. */
        @WithDefault("tendril")
        String prefix();

        /** This node's index in the fabric (its underlay addresses); by default N of a node named {@code node-N}. */
        Optional<Integer> nodeIndex();
    }

    /** {@code tendril.agent.sync.*}: following the compacted state topics. */
    interface Sync {

        /** Off only in tests that do not need Kafka; the agent then keeps empty maps. */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("tendril.identities")
        String identitiesTopic();

        @WithDefault("tendril.endpoints")
        String endpointsTopic();

        @WithDefault("tendril.nodes")
        String nodesTopic();

        @WithDefault("tendril.policy")
        String policyTopic();

        @WithDefault("tendril.services")
        String servicesTopic();

        /**
         * {@code fetch}: follow {@link #policyRevisionsTopic()} and fetch the maps of the local endpoints' identities
         * from the policy service ({@code tendril.agent.policy-url}); {@code topic}: follow {@link #policyTopic()}
         * whole.
         */
        @WithDefault("fetch")
        PolicySource policySource();

        /** Key: subject identity, value: {@code tendril.v1.SubjectPolicyRevision}; followed in fetch mode. */
        @WithDefault("tendril.policy.revisions")
        String policyRevisionsTopic();

        /**
         * The ClusterMesh peer list (key: cluster name, value: {@code tendril.v1.MeshPeer}); for each peer the
         * agent follows {@code <peer>.<identities topic>}, {@code <peer>.<endpoints topic>} and
         * {@code <peer>.<nodes topic>}, replicated by MirrorMaker 2.
         */
        @WithDefault("tendril.mesh.peers")
        String meshPeersTopic();
    }
}
