package dev.tendril.cli.stack;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One process-level part of the stack as the launcher describes it in {@code stack.json}.
 *
 * @param url  {@code http://host:port} for services and agents, {@code host:port} or a JDBC URL otherwise
 * @param pid  the operating-system process, when known
 * @param log  the component's log file, when the launcher wrote one
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Component(String name, Kind kind, int port, String url, Long pid, String log) {

    public static final String HOST = "127.0.0.1";

    public static Component service(String name, int port) {
        return new Component(name, Kind.SERVICE, port, "http://" + HOST + ":" + port, null, null);
    }

    public static Component agent(String name, int port) {
        return new Component(name, Kind.AGENT, port, "http://" + HOST + ":" + port, null, null);
    }

    /** What to show an operator: the HTTP base URL of services and agents, host:port of the rest. */
    public String address() {
        return kind.hasHealthEndpoint() && url != null ? url : HOST + ":" + port;
    }
}
