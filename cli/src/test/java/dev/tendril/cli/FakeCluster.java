package dev.tendril.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.FakeService.Request;
import dev.tendril.cli.FakeService.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * An in-memory stack for the pod, connectivity and bpf commands: an identity service and agents, each its own
 * {@link FakeService}, sharing one table of pods. Agents keep their endpoints as the real one does (same uid and
 * labels: nothing; same uid, other labels: relabel with a new identity; other uid: 409); the identity service
 * shows the registrations. Every request of every component goes to one log, in order.
 */
public final class FakeCluster implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A pod as the agents and the identity service hold it. */
    public record Pod(
            String namespace,
            String pod,
            String uid,
            String node,
            Map<String, String> labels,
            String serviceAccount,
            JsonNode namedPorts,
            long identity,
            int endpointId,
            String ip) {
        String key() {
            return namespace + "/" + pod;
        }
    }

    private final Map<String, Pod> pods = new ConcurrentHashMap<>();
    private final Map<Map<String, String>, Long> identities = new ConcurrentHashMap<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final java.util.Set<String> namespaces = ConcurrentHashMap.newKeySet();
    private final FakeService identity;
    private final Map<String, FakeService> agents = new LinkedHashMap<>();
    /** What every agent answers to anything but the endpoint API; tests set it. */
    public volatile Function<Request, Response> agentRoutes = request -> Response.problem(404, "no route");
    /** Like {@link #agentRoutes}, for a test whose agents answer differently by node; by default agentRoutes. */
    public volatile java.util.function.BiFunction<String, Request, Response> nodeRoutes =
            (node, request) -> agentRoutes.apply(request);
    /** What the policy service answers; tests set it. */
    public volatile Function<Request, Response> policyRoutes = request -> Response.problem(404, "no route");

    private final FakeService policy;
    private final FakeService ipam;

    public FakeCluster(String... nodes) throws IOException {
        identity = new FakeService(logged("identity", this::identity));
        policy = new FakeService(logged("policy", request -> policyRoutes.apply(request)));
        ipam = new FakeService(logged("ipam", this::ipam));
        for (String node : nodes) {
            agents.put(node, new FakeService(logged(node, request -> agent(node, request))));
        }
    }

    private Function<Request, Response> logged(String component, Function<Request, Response> routes) {
        return request -> {
            log.add(component + " " + request);
            return routes.apply(request);
        };
    }

    /** The ipam service: {@code GET /v1/nodes}, node N (the name's last digit) at 192.168.0.N. */
    private Response ipam(Request request) {
        if (!request.method().equals("GET") || !request.uri().equals("/v1/nodes")) {
            return Response.problem(404, "no route");
        }
        List<String> nodes = new ArrayList<>();
        for (String node : agents.keySet()) {
            nodes.add("{\"name\":\"%s\",\"ips\":[\"192.168.0.%s\"],\"podCIDRs\":[],\"cluster\":\"default\"}"
                    .formatted(node, node.substring(node.length() - 1)));
        }
        return Response.ok("[" + String.join(",", nodes) + "]");
    }

    /** Writes the stack.json of this cluster: identity, policy, ipam, and agent-N for the N-th node, with its node name. */
    public void stack(Path dataDir) throws IOException {
        List<String> components = new ArrayList<>();
        components.add(component("identity", "service", identity.port(), null));
        components.add(component("policy", "service", policy.port(), null));
        components.add(component("ipam", "service", ipam.port(), null));
        int n = 0;
        for (Map.Entry<String, FakeService> agent : agents.entrySet()) {
            components.add(component("agent-" + ++n, "agent", agent.getValue().port(), agent.getKey()));
        }
        Files.writeString(
                dataDir.resolve("stack.json"),
                "{\"launcherPid\":1,\"components\":[" + String.join(",", components) + "]}");
    }

    private static String component(String name, String kind, int port, String node) {
        return """
                {"name":"%s","kind":"%s","port":%d,"url":"http://127.0.0.1:%d","pid":1%s}""".formatted(name, kind, port, port, node == null ? "" : ",\"node\":\"" + node + "\"");
    }

    /** Puts a pod on {@code node} as if applied earlier; its identity follows its labels. */
    public Pod pod(String node, String namespace, String name, String uid, Map<String, String> labels) {
        Pod pod = new Pod(
                namespace,
                name,
                uid,
                node,
                new TreeMap<>(labels),
                "default",
                JSON.createArrayNode(),
                identity(labels),
                nextEndpointId(node),
                "10.0." + node.substring(node.length() - 1) + "." + (pods.size() + 2));
        pods.put(pod.key(), pod);
        return pod;
    }

    public Map<String, Pod> pods() {
        return Map.copyOf(pods);
    }

    /** Every request so far as {@code component METHOD uri}, components named identity, policy or by node. */
    public List<String> log() {
        return List.copyOf(log);
    }

    public List<Request> requests(String node) {
        return agents.get(node).requests();
    }

    private long identity(Map<String, String> labels) {
        return identities.computeIfAbsent(new TreeMap<>(labels), l -> 1000L + identities.size());
    }

    private int nextEndpointId(String node) {
        return (int) pods.values().stream().filter(p -> p.node().equals(node)).count() + 1;
    }

    /** An agent's {@code GET /v1/maps/ipcache} once every pod has propagated: each pod's address to its identity. */
    public Response ipcache() {
        return Response.ok(json(Map.of(
                "map",
                "tendril_ipcache",
                "rows",
                pods.values().stream()
                        .map(p -> Map.of("prefix", p.ip() + "/32", "identity", p.identity()))
                        .toList())));
    }

    /** The namespaces the identity service holds. */
    public java.util.Set<String> namespaces() {
        return java.util.Set.copyOf(namespaces);
    }

    private Response agent(String node, Request request) {
        String uri = request.uri();
        if (request.method().equals("GET") && uri.equals("/v1/endpoints")) {
            return Response.ok(json(pods.values().stream()
                    .filter(p -> p.node().equals(node))
                    .map(FakeCluster::agentView)
                    .toList()));
        }
        if (request.method().equals("POST") && uri.equals("/v1/endpoints")) {
            JsonNode body = read(request.body());
            String key =
                    body.path("namespace").asText() + "/" + body.path("pod").asText();
            Map<String, String> labels = new TreeMap<>();
            body.path("labels")
                    .properties()
                    .forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
            Pod existing = pods.get(key);
            if (existing != null && !existing.uid().equals(body.path("uid").asText())) {
                return new Response(409, "{\"title\":\"Conflict\",\"status\":409,\"detail\":\"uid\"}");
            }
            Pod pod = new Pod(
                    body.path("namespace").asText(),
                    body.path("pod").asText(),
                    body.path("uid").asText(),
                    node,
                    labels,
                    body.path("serviceAccount").asText(),
                    body.path("namedPorts"),
                    identity(labels),
                    existing == null ? nextEndpointId(node) : existing.endpointId(),
                    existing == null
                            ? "10.0." + node.substring(node.length() - 1) + "." + (pods.size() + 2)
                            : existing.ip());
            pods.put(key, pod);
            return new Response(existing == null ? 201 : 200, json(agentView(pod)));
        }
        if (request.method().equals("DELETE") && uri.startsWith("/v1/endpoints/")) {
            String[] parts = uri.substring("/v1/endpoints/".length()).split("\\?uid=");
            Pod pod = pods.get(parts[0]);
            if (pod == null || !pod.node().equals(node)) {
                return Response.problem(404, "no pod " + parts[0]);
            }
            java.util.regex.Matcher grace =
                    java.util.regex.Pattern.compile("gracePeriodSeconds=(\\d+)").matcher(uri);
            if (grace.find() && Integer.parseInt(grace.group(1)) > 0) {
                // The agent keeps a terminating pod until its grace period is over.
                Map<String, Object> view = new java.util.LinkedHashMap<>(agentView(pod));
                view.put("terminating", true);
                view.put(
                        "removeAt",
                        java.time.Instant.EPOCH
                                .plusSeconds(Long.parseLong(grace.group(1)))
                                .toString());
                return new Response(202, json(view));
            }
            pods.remove(parts[0]);
            return Response.ok(json(agentView(pod)));
        }
        return nodeRoutes.apply(node, request);
    }

    private Response identity(Request request) {
        String uri = request.uri();
        if (uri.startsWith("/v1/namespaces/")) {
            String name = uri.substring("/v1/namespaces/".length());
            if (request.method().equals("PUT")) {
                namespaces.add(name);
            } else if (request.method().equals("DELETE") && namespaces.remove(name)) {
                return Response.ok(json(Map.of("name", name)));
            }
            return namespaces.contains(name)
                    ? Response.ok(json(Map.of("name", name, "labels", Map.of("kubernetes.io/metadata.name", name))))
                    : Response.problem(404, "no namespace " + name);
        }
        if (uri.startsWith("/v1/endpoints")) {
            String rest = uri.substring("/v1/endpoints".length());
            if (rest.isEmpty() || rest.startsWith("?")) {
                String namespace = rest.startsWith("?namespace=") ? rest.substring("?namespace=".length()) : null;
                return Response.ok(json(pods.values().stream()
                        .filter(p -> namespace == null || p.namespace().equals(namespace))
                        .map(FakeCluster::identityView)
                        .toList()));
            }
            Pod pod = pods.get(rest.substring(1));
            return pod == null
                    ? Response.problem(404, "endpoint " + rest.substring(1) + " is not registered")
                    : Response.ok(json(identityView(pod)));
        }
        if (uri.startsWith("/v1/identities/")) {
            long id = Long.parseLong(uri.substring("/v1/identities/".length()));
            return identities.entrySet().stream()
                    .filter(e -> e.getValue() == id)
                    .findFirst()
                    .map(e -> Response.ok(json(Map.of(
                            "id",
                            id,
                            "labels",
                            e.getKey().entrySet().stream()
                                    .map(l -> "k8s:" + l.getKey() + "=" + l.getValue())
                                    .toList()))))
                    .orElse(Response.problem(404, "no identity " + id));
        }
        return Response.problem(404, "no route");
    }

    private static Map<String, Object> agentView(Pod pod) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("namespace", pod.namespace());
        view.put("pod", pod.pod());
        view.put("uid", pod.uid());
        view.put("endpointId", pod.endpointId());
        view.put("ipv4", pod.ip());
        view.put("identity", pod.identity());
        view.put("node", pod.node());
        return view;
    }

    private static Map<String, Object> identityView(Pod pod) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("namespace", pod.namespace());
        view.put("pod", pod.pod());
        view.put("uid", pod.uid());
        view.put("node", pod.node());
        view.put("ips", List.of(pod.ip()));
        view.put("labels", pod.labels());
        view.put("serviceAccount", pod.serviceAccount());
        view.put("namedPorts", pod.namedPorts());
        view.put("identity", pod.identity());
        return view;
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        identity.close();
        policy.close();
        ipam.close();
        agents.values().forEach(FakeService::close);
    }
}
