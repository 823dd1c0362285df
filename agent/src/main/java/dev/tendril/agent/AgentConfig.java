package dev.tendril.agent;

import io.smallrye.config.ConfigMapping;

/** {@code tendril.agent.*}: the node this agent serves. */
@ConfigMapping(prefix = "tendril.agent")
public interface AgentConfig {

    /** Kubernetes node name; keys this node's entries in tendril.nodes and its flows. */
    String nodeName();
}
