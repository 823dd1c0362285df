package dev.tendril.agent;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;

/** {@code tendril.agent.*}: the node this agent serves, its datapath backend and the topics it follows. */
@ConfigMapping(prefix = "tendril.agent")
public interface AgentConfig {

    /** Kubernetes node name; keys this node's entries in tendril.nodes and its flows. */
    String nodeName();

    /**
     * Where the node's maps live: {@code memory} (libs/datapath in-memory maps, for tests and many
     * simulated agents in one JVM) or {@code bpf} (real maps through bpf(2), pinned under
     * {@link #bpffsDir()}). Memory is the default until the agent also loads the datapath programs.
     */
    @WithDefault("memory")
    Datapath datapath();

    /** The bpffs directory under which each node pins its maps, in {@code <dir>/<node-name>/}. */
    @WithDefault("/sys/fs/bpf/tendril")
    Path bpffsDir();

    Sync sync();

    enum Datapath {
        MEMORY,
        BPF
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
    }
}
