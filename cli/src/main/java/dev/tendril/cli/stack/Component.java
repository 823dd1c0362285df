package dev.tendril.cli.stack;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One process-level part of the stack as the launcher describes it in {@code stack.json}.
 *
 * @param url  {@code http://host:port} for services and agents, {@code host:port} or a JDBC URL otherwise
 * @param pid  the operating-system process, when known
 * @param log  the component's log file, when the launcher wrote one
 * @param node the node an agent runs as ({@code tendril.agent.node-name}); absent in older files, see {@link #nodeName()}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Component(String name, Kind kind, int port, String url, Long pid, String log, String node) {

    public static final String HOST = "127.0.0.1";

    private static final String AGENT_PREFIX = "agent-";

    /** A component without a node name: everything but agents, and agents of files written before it existed. */
    public Component(String name, Kind kind, int port, String url, Long pid, String log) {
        this(name, kind, port, url, pid, log, null);
    }

    public static Component service(String name, int port) {
        return new Component(name, Kind.SERVICE, port, "http://" + HOST + ":" + port, null, null);
    }

    public static Component agent(String name, int port) {
        return new Component(name, Kind.AGENT, port, "http://" + HOST + ":" + port, null, null);
    }

    /**
     * The node an agent serves: {@code node} when the launcher wrote it, else the launcher's naming
     * ({@code agent-N} runs as {@code node-N}), else the component's own name.
     */
    public String nodeName() {
        if (node != null && !node.isBlank()) {
            return node;
        }
        return name.startsWith(AGENT_PREFIX) ? "node-" + name.substring(AGENT_PREFIX.length()) : name;
    }

    /** What to show an operator: the HTTP base URL of services and agents, host:port of the rest. */
    public String address() {
        return kind.hasHealthEndpoint() && url != null ? url : HOST + ":" + port;
    }
}
