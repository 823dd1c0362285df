package dev.tendril.cli.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.Stack;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The agents of a stack, ordered by node name, and their local endpoints ({@code GET /v1/endpoints}). Each agent's
 * endpoints are read once per instance, so one command run asks every agent at most once; a command that changes
 * an agent's endpoints tells this class with {@link #added} and {@link #removed}.
 */
public final class Agents {

    /** One agent and the node it serves. */
    public record Agent(String name, String node, ServiceClient client) {}

    /** A pod's endpoint on the agent that holds it: the agent's {@code EndpointView} JSON. */
    public record Located(Agent agent, JsonNode endpoint) {

        public String uid() {
            return endpoint.path("uid").asText();
        }
    }

    private final List<Agent> agents;
    private final Map<String, List<JsonNode>> endpoints = new ConcurrentHashMap<>();

    public Agents(List<Agent> agents) {
        this.agents = agents.stream().sorted(Comparator.comparing(Agent::node)).toList();
    }

    public static Agents of(Stack stack) {
        List<Agent> agents = new ArrayList<>();
        for (Component component : stack.components()) {
            if (component.kind() == Kind.AGENT) {
                agents.add(new Agent(
                        component.name(),
                        component.nodeName(),
                        new ServiceClient(component.name(), URI.create(component.url()), stack.tls())));
            }
        }
        return new Agents(agents);
    }

    /** Every agent, by node name. */
    public List<Agent> all() {
        return agents;
    }

    public Optional<Agent> byNode(String node) {
        return agents.stream().filter(a -> a.node().equals(node)).findFirst();
    }

    /** The agent of {@code --node}, or the first agent when none is named. */
    public Agent select(String node) {
        if (node == null) {
            return agents.stream().findFirst().orElseThrow(() -> new ServiceException("no agent in the local stack"));
        }
        return byNode(node)
                .orElseThrow(() -> new ServiceException("no agent for node '" + node + "' (nodes: " + nodes() + ")"));
    }

    /** The node names, comma separated, for messages. */
    public String nodes() {
        return agents.isEmpty() ? "none" : agents.stream().map(Agent::node).collect(Collectors.joining(", "));
    }

    /** The agent's local endpoints, read on first use. */
    public List<JsonNode> endpoints(Agent agent) {
        return endpoints.computeIfAbsent(agent.name(), name -> {
            List<JsonNode> list = new ArrayList<>();
            JsonNode answer = agent.client().get("/v1/endpoints", Map.of());
            if (answer != null) {
                answer.forEach(list::add);
            }
            return list;
        });
    }

    /** The agent holding {@code namespace/pod}, asking each agent in turn until one has it. */
    public Optional<Located> locate(String namespace, String pod) {
        for (Agent agent : agents) {
            for (JsonNode endpoint : endpoints(agent)) {
                if (endpoint.path("namespace").asText().equals(namespace)
                        && endpoint.path("pod").asText().equals(pod)) {
                    return Optional.of(new Located(agent, endpoint));
                }
            }
        }
        return Optional.empty();
    }

    /** Like {@link #locate} for {@code ns/pod}; a one-line error when no agent holds it. */
    public Located require(String namespace, String pod) {
        return locate(namespace, pod)
                .orElseThrow(() -> new ServiceException(
                        "pod " + namespace + "/" + pod + " is not an endpoint of any agent (nodes: " + nodes() + ")",
                        404,
                        null));
    }

    /** Records an endpoint an agent answered after a create, so later lookups in this run see it. */
    public void added(Agent agent, JsonNode endpoint) {
        List<JsonNode> list = endpoints(agent);
        list.removeIf(e -> sameEndpoint(e, endpoint));
        list.add(endpoint);
    }

    public void removed(Agent agent, String namespace, String pod) {
        endpoints(agent)
                .removeIf(e -> e.path("namespace").asText().equals(namespace)
                        && e.path("pod").asText().equals(pod));
    }

    private static boolean sameEndpoint(JsonNode a, JsonNode b) {
        return a.path("namespace").asText().equals(b.path("namespace").asText())
                && a.path("pod").asText().equals(b.path("pod").asText());
    }
}
