package dev.tendril.policy.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.k8s.KubernetesNames;
import dev.tendril.policy.domain.PolicyValidationException;
import dev.tendril.policy.domain.ValidationError;
import dev.tendril.policy.lb.LbCommand;
import dev.tendril.policy.lb.LbCommand.ApplyService;
import dev.tendril.policy.lb.LbCommand.ApplySlice;
import dev.tendril.policy.lb.LbRejected;
import dev.tendril.policy.lb.MeshScope;
import dev.tendril.policy.lb.Protocols;
import dev.tendril.policy.lb.ServicePort;
import dev.tendril.policy.lb.ServiceSpec;
import dev.tendril.policy.lb.SliceSpec;
import dev.tendril.policy.lb.TargetPort;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses Service ({@code v1}) and EndpointSlice ({@code discovery.k8s.io/v1}) manifests, YAML or JSON as
 * {@link ManifestParser#documents} splits them, into apply commands. A malformed document (not an object, no
 * name) is a 400 for the whole input; a field with a value Kubernetes refuses is a 422 naming it
 * ({@link LbRejected}). What needs the stored state (addresses taken, the Service a slice names) is the
 * decider's.
 */
public final class ServiceManifests {

    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private ServiceManifests() {}

    public static List<LbCommand> parse(String text) {
        List<JsonNode> docs = ManifestParser.documents(text == null ? "" : text);
        List<LbCommand> out = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            JsonNode doc = docs.get(i);
            if (doc == null || doc.isNull() || doc.isMissingNode()) {
                continue;
            }
            if (!doc.isObject()) {
                throw invalid(i, "", "a manifest must be an object");
            }
            String kind = doc.path("kind").asText("");
            String namespace = doc.path("metadata").path("namespace").asText("default");
            String name = doc.path("metadata").path("name").asText("");
            if (!KubernetesNames.isDnsLabel(namespace)) {
                throw invalid(i, "metadata.namespace", "must be a DNS label");
            }
            if (!KubernetesNames.isDnsLabel(name)) {
                throw invalid(i, "metadata.name", "must be a DNS label (lower-case alphanumerics and '-')");
            }
            switch (kind) {
                case "Service" -> out.add(new ApplyService(service(doc, namespace, name)));
                case "EndpointSlice" -> out.add(new ApplySlice(slice(doc, namespace, name)));
                default -> throw invalid(i, "kind", "must be Service or EndpointSlice, got '" + kind + "'");
            }
        }
        return out;
    }

    private static PolicyValidationException invalid(int document, String path, String reason) {
        return new PolicyValidationException(List.of(new ValidationError(document, path, reason)));
    }

    static ServiceSpec service(JsonNode doc, String namespace, String name) {
        JsonNode spec = doc.path("spec");
        String type = spec.path("type").asText(ServiceSpec.CLUSTER_IP);
        List<String> clusterIPs = strings(spec.path("clusterIPs"));
        String clusterIP = spec.path("clusterIP").asText("");
        if (clusterIPs.isEmpty() && !clusterIP.isEmpty()) {
            clusterIPs = List.of(clusterIP);
        } else if (!clusterIP.isEmpty() && !clusterIPs.isEmpty() && !clusterIP.equals(clusterIPs.get(0))) {
            throw new LbRejected(422, "spec.clusterIPs", "clusterIPs[0] must equal clusterIP");
        }
        if (clusterIPs.contains("None")) {
            throw new LbRejected(422, "spec.clusterIP", "headless Services (clusterIP None) are not supported");
        }
        List<ServicePort> ports = new ArrayList<>();
        JsonNode list = spec.path("ports");
        for (int i = 0; i < list.size(); i++) {
            ports.add(port(list.get(i), "spec.ports[" + i + "]", list.size()));
        }
        Map<String, String> selector = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = spec.path("selector").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            selector.put(e.getKey(), e.getValue().asText());
        }
        String affinity = spec.path("sessionAffinity").asText("None");
        if (!affinity.equals("None") && !affinity.equals(ServiceSpec.CLIENT_IP)) {
            throw new LbRejected(422, "spec.sessionAffinity", "must be None or ClientIP");
        }
        int timeout = spec.path("sessionAffinityConfig")
                .path("clientIP")
                .path("timeoutSeconds")
                .asInt(0);
        if (timeout < 0 || timeout > 86400) {
            throw new LbRejected(
                    422, "spec.sessionAffinityConfig.clientIP.timeoutSeconds", "must be between 1 and 86400");
        }
        String internal = policy(spec, "internalTrafficPolicy");
        String external = policy(spec, "externalTrafficPolicy");
        List<String> families = strings(spec.path("ipFamilies"));
        for (int i = 0; i < families.size(); i++) {
            if (!families.get(i).equals("IPv4") && !families.get(i).equals("IPv6")) {
                throw new LbRejected(422, "spec.ipFamilies[" + i + "]", "must be IPv4 or IPv6");
            }
        }
        String familyPolicy = spec.path("ipFamilyPolicy").asText("SingleStack");
        if (!List.of("SingleStack", "PreferDualStack", "RequireDualStack").contains(familyPolicy)) {
            throw new LbRejected(
                    422, "spec.ipFamilyPolicy", "must be SingleStack, PreferDualStack or RequireDualStack");
        }
        return new ServiceSpec(
                namespace,
                name,
                type,
                clusterIPs,
                ports,
                selector,
                affinity,
                timeout,
                internal,
                external,
                families,
                familyPolicy,
                mesh(doc.path("metadata").path("annotations")));
    }

    /** The ClusterMesh annotations (Cilium's): {@code global} and {@code shared} "true"/"false", {@code affinity}. */
    static MeshScope mesh(JsonNode annotations) {
        boolean global = bool(annotations, MeshScope.GLOBAL_ANNOTATION, false);
        boolean shared = bool(annotations, MeshScope.SHARED_ANNOTATION, true);
        String text = annotations.path(MeshScope.AFFINITY_ANNOTATION).asText("");
        MeshScope.Affinity affinity = MeshScope.Affinity.parse(text.toLowerCase(Locale.ROOT));
        if (affinity == null) {
            throw new LbRejected(
                    422,
                    annotationField(MeshScope.AFFINITY_ANNOTATION),
                    "must be local, remote or none, got '" + text + "'");
        }
        return new MeshScope(global, shared, affinity);
    }

    private static boolean bool(JsonNode annotations, String key, boolean absent) {
        JsonNode value = annotations.path(key);
        if (value.isMissingNode() || value.isNull()) {
            return absent;
        }
        String text = value.asText().toLowerCase(Locale.ROOT);
        if (!text.equals("true") && !text.equals("false")) {
            throw new LbRejected(
                    422, annotationField(key), "must be \"true\" or \"false\", got '" + value.asText() + "'");
        }
        return text.equals("true");
    }

    private static String annotationField(String key) {
        return "metadata.annotations[" + key + "]";
    }

    private static String policy(JsonNode spec, String field) {
        String value = spec.path(field).asText("Cluster");
        if (!value.equals("Cluster") && !value.equals(ServiceSpec.LOCAL)) {
            throw new LbRejected(422, "spec." + field, "must be Cluster or Local");
        }
        return value;
    }

    private static ServicePort port(JsonNode p, String field, int count) {
        String name = p.path("name").asText("");
        if (count > 1 && name.isEmpty()) {
            throw new LbRejected(422, field + ".name", "a Service with several ports must name each");
        }
        String protocol = p.path("protocol").asText("TCP");
        if (!Protocols.supported(protocol)) {
            throw new LbRejected(422, field + ".protocol", "must be TCP, UDP or SCTP");
        }
        int port = p.path("port").asInt(0);
        if (port < 1 || port > 65535) {
            throw new LbRejected(422, field + ".port", "must be 1..65535");
        }
        JsonNode target = p.path("targetPort");
        TargetPort targetPort;
        if (target.isMissingNode() || target.isNull()) {
            targetPort = TargetPort.of(port);
        } else if (target.isInt()) {
            if (target.asInt() < 1 || target.asInt() > 65535) {
                throw new LbRejected(422, field + ".targetPort", "must be 1..65535 or a port name");
            }
            targetPort = TargetPort.of(target.asInt());
        } else {
            String text = target.asText();
            if (text.matches("[0-9]+")) {
                targetPort = TargetPort.of(Integer.parseInt(text));
            } else if (text.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") && text.length() <= 15) {
                targetPort = TargetPort.named(text);
            } else {
                throw new LbRejected(422, field + ".targetPort", "'" + text + "' is neither a port number nor a name");
            }
        }
        int nodePort = p.path("nodePort").asInt(0);
        return new ServicePort(name, protocol, port, targetPort, nodePort);
    }

    static SliceSpec slice(JsonNode doc, String namespace, String name) {
        String service =
                doc.path("metadata").path("labels").path(SERVICE_NAME_LABEL).asText("");
        String addressType = doc.path("addressType").asText("");
        List<SliceSpec.Port> ports = new ArrayList<>();
        JsonNode list = doc.path("ports");
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = list.get(i);
            String protocol = p.path("protocol").asText("TCP");
            if (!Protocols.supported(protocol)) {
                throw new LbRejected(422, "ports[" + i + "].protocol", "must be TCP, UDP or SCTP");
            }
            int port = p.path("port").asInt(0);
            if (port < 1 || port > 65535) {
                throw new LbRejected(422, "ports[" + i + "].port", "must be 1..65535");
            }
            ports.add(new SliceSpec.Port(p.path("name").asText(""), protocol, port));
        }
        List<SliceSpec.Endpoint> endpoints = new ArrayList<>();
        JsonNode eps = doc.path("endpoints");
        for (int i = 0; i < eps.size(); i++) {
            JsonNode e = eps.get(i);
            List<String> addresses = strings(e.path("addresses"));
            if (addresses.isEmpty()) {
                throw new LbRejected(422, "endpoints[" + i + "].addresses", "an endpoint needs an address");
            }
            JsonNode ready = e.path("conditions").path("ready");
            JsonNode ref = e.path("targetRef");
            String targetRef = ref.isObject()
                    ? ref.path("namespace").asText(namespace) + "/"
                            + ref.path("name").asText("")
                    : "";
            endpoints.add(new SliceSpec.Endpoint(
                    addresses,
                    ready.isMissingNode() || ready.isNull() || ready.asBoolean(),
                    e.path("nodeName").asText(""),
                    targetRef));
        }
        return new SliceSpec(namespace, name, service, addressType, ports, endpoints);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(n -> out.add(n.asText()));
        }
        return out;
    }
}
