package dev.tendril.cli.apply;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.agent.Agents.Agent;
import dev.tendril.cli.agent.Agents.Located;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Pods, which the CLI plays kubelet and CNI for: a pod becomes an endpoint on the agent of its node
 * ({@code POST /v1/endpoints}). {@code spec.nodeName} picks the node; without it the pod stays where it already
 * runs, else goes to the agent with the fewest local endpoints (ties by node name), counting the pods placed
 * earlier in the same run. A pod that exists keeps its uid, so a changed label set is an in-place relabel on
 * its agent; whether anything changed is read from the identity service's registration of the pod.
 */
final class PodHandler implements ManifestKindHandler {

    static final ManifestKind POD = new ManifestKind("Pod", "v1", "pod", true);

    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern IANA_SVC_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern HAS_LETTER = Pattern.compile(".*[a-z].*");
    private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");

    private final Supplier<Agents> agents;
    private final Supplier<ServiceClient> identity;

    PodHandler(Supplier<Agents> agents, Supplier<ServiceClient> identity) {
        this.agents = agents;
        this.identity = identity;
    }

    /** A named container port as the agent takes it. */
    record NamedPort(String name, int port, String protocol) {}

    /** What applying one pod does: where, with which uid, and whether it creates, changes or keeps it. */
    private record Placement(Manifest manifest, Agent agent, String uid, String result) {}

    @Override
    public List<ManifestKind> kinds() {
        return List.of(POD);
    }

    @Override
    public void check(Manifest manifest, List<ManifestError> errors) {
        String name = manifest.name();
        if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
            errors.add(manifest.error(
                    "metadata.name",
                    "\"" + name + "\" must be a DNS subdomain: at most 253"
                            + " lower-case alphanumerics, '-' or '.', starting and ending alphanumeric"));
        }
        if (!DNS_LABEL.matcher(manifest.namespace()).matches()) {
            errors.add(manifest.error("metadata.namespace", "\"" + manifest.namespace() + "\" must be a DNS label"));
        }
        checkLabels(manifest, errors);
        JsonNode spec = manifest.body().path("spec");
        if (!spec.isObject()) {
            errors.add(manifest.error("spec", "required"));
            return;
        }
        optionalName(manifest, spec, "nodeName", errors);
        PodDeletion.check(manifest, errors);
        optionalName(manifest, spec, "serviceAccountName", errors);
        JsonNode containers = spec.path("containers");
        if (!containers.isArray() || containers.isEmpty()) {
            errors.add(manifest.error("spec.containers", "required: a list of at least one container"));
            return;
        }
        Map<String, String> portNames = new HashMap<>();
        for (int c = 0; c < containers.size(); c++) {
            JsonNode container = containers.get(c);
            String at = "spec.containers[" + c + "]";
            if (!container.isObject()) {
                errors.add(manifest.error(at, "must be a container (a mapping with name and image)"));
                continue;
            }
            JsonNode containerName = container.path("name");
            if (!containerName.isTextual()
                    || !DNS_LABEL.matcher(containerName.asText()).matches()) {
                errors.add(manifest.error(
                        at + ".name",
                        containerName.isMissingNode()
                                ? "required"
                                : "\"" + containerName.asText() + "\" must be a DNS label"));
            }
            checkPorts(manifest, container.path("ports"), at + ".ports", portNames, errors);
        }
    }

    @Override
    public void checkForDelete(Manifest manifest, List<ManifestError> errors) {
        PodDeletion.check(manifest, errors);
    }

    private static void checkLabels(Manifest manifest, List<ManifestError> errors) {
        JsonNode labels = manifest.body().path("metadata").path("labels");
        if (labels.isMissingNode() || labels.isNull()) {
            return;
        }
        if (!labels.isObject()) {
            errors.add(manifest.error("metadata.labels", "must be a map of strings"));
            return;
        }
        labels.properties().forEach(label -> {
            if (!label.getValue().isTextual()) {
                errors.add(manifest.error("metadata.labels." + label.getKey(), "must be a string (quote it)"));
            }
        });
    }

    private static void optionalName(Manifest manifest, JsonNode spec, String field, List<ManifestError> errors) {
        JsonNode value = spec.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return;
        }
        if (!value.isTextual()
                || value.asText().length() > 253
                || !DNS_SUBDOMAIN.matcher(value.asText()).matches()) {
            errors.add(manifest.error("spec." + field, "\"" + value.asText() + "\" must be a DNS subdomain"));
        }
    }

    private static void checkPorts(
            Manifest manifest, JsonNode ports, String at, Map<String, String> portNames, List<ManifestError> errors) {
        if (ports.isMissingNode() || ports.isNull()) {
            return;
        }
        if (!ports.isArray()) {
            errors.add(manifest.error(at, "must be a list of ports"));
            return;
        }
        for (int p = 0; p < ports.size(); p++) {
            JsonNode port = ports.get(p);
            String field = at + "[" + p + "]";
            JsonNode number = port.path("containerPort");
            if (!number.isInt() || number.asInt() < 1 || number.asInt() > 65535) {
                errors.add(manifest.error(
                        field + ".containerPort",
                        number.isMissingNode() ? "required" : "must be a port number 1..65535, got " + number));
            }
            JsonNode protocol = port.path("protocol");
            if (!protocol.isMissingNode() && !protocol.isNull() && !PROTOCOLS.contains(protocol.asText())) {
                errors.add(manifest.error(field + ".protocol", "must be TCP, UDP or SCTP, got " + protocol));
            }
            JsonNode name = port.path("name");
            if (name.isMissingNode() || name.isNull()) {
                continue;
            }
            String problem = ianaServiceName(name.asText());
            if (!name.isTextual() || problem != null) {
                errors.add(manifest.error(
                        field + ".name",
                        "\"" + name.asText() + "\" " + (problem == null ? "must be a string" : problem)));
            } else {
                String earlier = portNames.putIfAbsent(name.asText(), field);
                if (earlier != null) {
                    errors.add(manifest.error(
                            field + ".name", "\"" + name.asText() + "\" is also the name of " + earlier));
                }
            }
        }
    }

    /** Why {@code name} is not an IANA_SVC_NAME (RFC 6335, as Kubernetes checks port names), or null. */
    static String ianaServiceName(String name) {
        if (name.isEmpty() || name.length() > 15) {
            return "must be 1-15 characters (an IANA service name)";
        }
        if (!IANA_SVC_NAME.matcher(name).matches()) {
            return "must be lower-case alphanumerics or '-', starting and ending alphanumeric (an IANA service name)";
        }
        if (name.contains("--")) {
            return "must not contain '--' (an IANA service name)";
        }
        if (!HAS_LETTER.matcher(name).matches()) {
            return "must contain a letter (an IANA service name)";
        }
        return null;
    }

    @Override
    public ApplyResult dryRun(List<Manifest> manifests, List<ManifestError> errors) {
        List<Outcome> outcomes = new ArrayList<>();
        for (Placement placement : plan(manifests, errors)) {
            outcomes.add(outcome(placement.manifest(), placement.result()));
        }
        return new ApplyResult(outcomes, List.of());
    }

    @Override
    public ApplyResult apply(List<Manifest> manifests) {
        List<ManifestError> errors = new ArrayList<>();
        List<Placement> placements = plan(manifests, errors);
        if (!errors.isEmpty()) {
            throw new ServiceException(errors.getFirst().message());
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Placement placement : placements) {
            Manifest manifest = placement.manifest();
            if (!placement.result().equals("unchanged")) {
                JsonNode endpoint =
                        placement.agent().client().post("/v1/endpoints", request(manifest, placement.uid()));
                if (endpoint != null) {
                    agents.get().added(placement.agent(), endpoint);
                }
            }
            outcomes.add(outcome(manifest, placement.result()));
        }
        return new ApplyResult(outcomes, List.of());
    }

    @Override
    public Outcome delete(Manifest manifest) {
        return delete(manifest, null);
    }

    @Override
    public Outcome delete(Manifest manifest, Integer gracePeriodSeconds) {
        return PodDeletion.delete(agents.get(), manifest, gracePeriodSeconds);
    }

    private List<Placement> plan(List<Manifest> manifests, List<ManifestError> errors) {
        Agents stack = agents.get();
        Map<String, Integer> load = new HashMap<>();
        for (Agent agent : stack.all()) {
            load.put(agent.name(), stack.endpoints(agent).size());
        }
        List<Placement> placements = new ArrayList<>();
        for (Manifest manifest : manifests) {
            String nodeName = manifest.body().path("spec").path("nodeName").asText(null);
            Located existing =
                    stack.locate(manifest.namespace(), manifest.name()).orElse(null);
            Agent agent;
            if (nodeName != null) {
                agent = stack.byNode(nodeName).orElse(null);
                if (agent == null) {
                    errors.add(manifest.error(
                            "spec.nodeName", "no agent runs node \"" + nodeName + "\" (nodes: " + stack.nodes() + ")"));
                    continue;
                }
                if (existing != null && !existing.agent().equals(agent)) {
                    errors.add(manifest.error(
                            "spec.nodeName",
                            "pod " + manifest.namespace() + "/" + manifest.name() + " runs on "
                                    + existing.agent().node() + "; delete it to move it to " + nodeName));
                    continue;
                }
            } else if (existing != null) {
                agent = existing.agent();
            } else {
                agent = stack.all().stream()
                        .min(Comparator.comparingInt((Agent a) -> load.get(a.name()))
                                .thenComparing(Agent::node))
                        .orElse(null);
                if (agent == null) {
                    errors.add(manifest.error(null, "no agent in the local stack to run the pod on"));
                    continue;
                }
            }
            if (existing == null) {
                load.merge(agent.name(), 1, Integer::sum);
                placements.add(new Placement(manifest, agent, UUID.randomUUID().toString(), "created"));
            } else {
                placements.add(new Placement(
                        manifest,
                        agent,
                        existing.uid(),
                        registered(manifest).equals(wanted(manifest)) ? "unchanged" : "configured"));
            }
        }
        return placements;
    }

    /** The labels, service account and named ports the identity service holds for the pod; empty when none. */
    private Map<String, Object> registered(Manifest manifest) {
        JsonNode endpoint;
        try {
            endpoint = identity.get()
                    .get(
                            "/v1/endpoints/" + ServiceClient.segment(manifest.namespace()) + "/"
                                    + ServiceClient.segment(manifest.name()),
                            Map.of());
        } catch (ServiceException e) {
            if (e.notFound()) {
                return Map.of();
            }
            throw e;
        }
        Map<String, String> labels = new TreeMap<>();
        endpoint.path("labels")
                .properties()
                .forEach(l -> labels.put(l.getKey(), l.getValue().asText()));
        Set<NamedPort> ports = new HashSet<>();
        endpoint.path("namedPorts")
                .forEach(p -> ports.add(new NamedPort(
                        p.path("name").asText(),
                        p.path("port").asInt(),
                        p.path("protocol").asText("TCP"))));
        return state(labels, endpoint.path("serviceAccount").asText("default"), ports);
    }

    private static Map<String, Object> wanted(Manifest manifest) {
        return state(labels(manifest), serviceAccount(manifest), new HashSet<>(namedPorts(manifest)));
    }

    private static Map<String, Object> state(Map<String, String> labels, String serviceAccount, Set<NamedPort> ports) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("labels", labels);
        state.put("serviceAccount", serviceAccount);
        state.put("namedPorts", ports);
        return state;
    }

    /** The agent's {@code POST /v1/endpoints} body. */
    static Map<String, Object> request(Manifest manifest, String uid) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("namespace", manifest.namespace());
        body.put("pod", manifest.name());
        body.put("uid", uid);
        body.put("labels", labels(manifest));
        body.put("serviceAccount", serviceAccount(manifest));
        body.put("namedPorts", namedPorts(manifest));
        return body;
    }

    private static Map<String, String> labels(Manifest manifest) {
        Map<String, String> labels = new TreeMap<>();
        manifest.body()
                .path("metadata")
                .path("labels")
                .properties()
                .forEach(label -> labels.put(label.getKey(), label.getValue().asText()));
        return labels;
    }

    private static String serviceAccount(Manifest manifest) {
        String account = manifest.body().path("spec").path("serviceAccountName").asText("");
        return account.isBlank() ? "default" : account;
    }

    private static List<NamedPort> namedPorts(Manifest manifest) {
        List<NamedPort> ports = new ArrayList<>();
        for (JsonNode container : manifest.body().path("spec").path("containers")) {
            for (JsonNode port : container.path("ports")) {
                if (port.hasNonNull("name")) {
                    ports.add(new NamedPort(
                            port.get("name").asText(),
                            port.path("containerPort").asInt(),
                            port.path("protocol").asText("TCP")));
                }
            }
        }
        return ports;
    }

    static Outcome outcome(Manifest manifest, String result) {
        return new Outcome(POD.kind(), manifest.namespace(), manifest.name(), result, null, POD.resource());
    }
}
