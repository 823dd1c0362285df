package dev.tendril.policy.adapters.rest;

import dev.tendril.k8s.KubernetesNames;
import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelSource;
import dev.tendril.net.IpAddress;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.policy.domain.EndpointInfo;
import dev.tendril.policy.domain.Identity;
import dev.tendril.policy.domain.PolicyEngine;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.PolicyTracer;
import dev.tendril.policy.domain.PolicyTracer.Party;
import dev.tendril.policy.domain.Protocol;
import dev.tendril.policy.domain.SubjectPolicy;
import dev.tendril.policy.lb.ServiceLb;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1/trace")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "trace", description = "Would a connection pass, and which policy decides")
public class TraceResource {

    @Inject
    PolicyRuntime runtime;

    @POST
    @Operation(
            summary =
                    "Trace a connection: egress at the source, ingress at the destination, through the datapath decision")
    @APIResponse(responseCode = "400", description = "Bad party, port or protocol")
    @APIResponse(responseCode = "404", description = "Unknown pod or identity")
    public Views.TraceResponse trace(Views.TraceRequest request) {
        if (request == null) {
            throw RequestException.invalid("body", "a body with from, to and port is required");
        }
        int port = port(request.port());
        Protocol protocol = protocol(request.protocol());
        return runtime.read(v -> {
            PolicyEngine engine = v.engine();
            Resolved from = resolve(request.from(), "from", v, engine, 0);
            if (request.to() != null && request.to().address() != null) {
                return traceService(request.to().address(), from, port, protocol, v, engine);
            }
            Resolved to = resolve(
                    request.to(),
                    "to",
                    v,
                    engine,
                    from.party().hypothetical() ? from.party().identity().id() : 0);
            PolicyTracer.Trace trace = trace(from, to, protocol, port, engine);
            return new Views.TraceResponse(
                    trace.allowed() ? "ALLOWED" : "DROPPED",
                    party(from.party()),
                    party(to.party()),
                    port,
                    protocol.name(),
                    step(trace.egress(), engine),
                    step(trace.ingress(), engine),
                    null,
                    null);
        });
    }

    private static PolicyTracer.Trace trace(
            Resolved from, Resolved to, Protocol protocol, int port, PolicyEngine engine) {
        if (from.endpointKey() != null && from.endpointKey().equals(to.endpointKey())) {
            return PolicyTracer.loopback(from.party());
        }
        if (from.party().hypothetical() || to.party().hypothetical()) {
            Identity hypothetical = from.party().hypothetical()
                    ? from.party().identity()
                    : to.party().identity();
            List<Identity> subjects = new ArrayList<>();
            for (Party p : List.of(from.party(), to.party())) {
                if (p.hypothetical() || PolicyEngine.isSubject(p.identity())) {
                    subjects.add(p.identity());
                }
            }
            Map<Long, SubjectPolicy> compiled = PolicyTracer.compileWith(engine, hypothetical, subjects);
            return PolicyTracer.trace(
                    from.party(), to.party(), protocol, port, id -> Optional.ofNullable(compiled.get(id)));
        }
        return PolicyTracer.trace(from.party(), to.party(), protocol, port, engine::subject);
    }

    /**
     * A connection to a Service frontend: translated to each backend as the socket-LB does, so policy applies
     * to the backend's identity on the backend's port (docs/services.md).
     */
    private Views.TraceResponse traceService(
            String text, Resolved from, int port, Protocol protocol, PolicyRuntime.View v, PolicyEngine engine) {
        IpAddress address = IpAddress.parseOrNull(text);
        if (address == null) {
            throw RequestException.invalid("to.address", "'" + text + "' is not an IP address");
        }
        String frontend = address.toString();
        Map.Entry<ServiceLb, ServiceLb.Frontend> hit = runtime.services()
                .read(sv -> sv.maps().values().stream()
                        .flatMap(s -> s.frontends().stream()
                                .filter(f -> f.address().equals(frontend)
                                        && f.port() == port
                                        && f.protocol() == protocol.number())
                                .map(f -> Map.entry(s, f)))
                        .findFirst())
                .orElseThrow(() -> RequestException.notFound(
                        "to.address", "no Service has the frontend " + frontend + ":" + port + "/" + protocol));
        ServiceLb service = hit.getKey();
        List<Views.TraceBackend> backends = new ArrayList<>();
        // DROPPED when a traced backend drops (or there is none), else UNKNOWN when one could not be traced here.
        boolean dropped = hit.getValue().backendIds().isEmpty();
        boolean unknown = false;
        Views.TraceResponse first = null;
        for (long id : hit.getValue().backendIds()) {
            ServiceLb.Backend b = service.backends().stream()
                    .filter(x -> x.id() == id)
                    .findFirst()
                    .orElseThrow();
            if (b.remote()) {
                // A peer's pod: its cluster enforces its ingress, and this cluster knows its identity only there.
                unknown = true;
                backends.add(new Views.TraceBackend(
                        b.address(),
                        b.port(),
                        b.pod(),
                        null,
                        "UNKNOWN",
                        "a backend of ClusterMesh peer " + b.cluster() + ": trace it in " + b.cluster()));
                continue;
            }
            EndpointInfo endpoint = v.endpoints().get(b.pod());
            if (endpoint == null || engine.identity(endpoint.identity()).isEmpty()) {
                unknown = true;
                backends.add(new Views.TraceBackend(
                        b.address(), b.port(), b.pod(), null, "UNKNOWN", "no known endpoint: policy not traced"));
                continue;
            }
            Resolved to = new Resolved(
                    new Party(engine.identity(endpoint.identity()).orElseThrow(), b.pod(), false), b.pod());
            PolicyTracer.Trace trace = trace(from, to, protocol, b.port(), engine);
            dropped |= !trace.allowed();
            String verdict = trace.allowed() ? "ALLOWED" : "DROPPED";
            String reason = trace.allowed()
                    ? null
                    : trace.egress().allowed()
                            ? trace.ingress().explanation()
                            : trace.egress().explanation();
            backends.add(new Views.TraceBackend(b.address(), b.port(), b.pod(), endpoint.identity(), verdict, reason));
            if (first == null) {
                first = new Views.TraceResponse(
                        verdict,
                        party(from.party()),
                        party(to.party()),
                        port,
                        protocol.name(),
                        step(trace.egress(), engine),
                        step(trace.ingress(), engine),
                        null,
                        null);
            }
        }
        return new Views.TraceResponse(
                dropped ? "DROPPED" : unknown ? "UNKNOWN" : "ALLOWED",
                party(from.party()),
                first == null ? null : first.to(),
                port,
                protocol.name(),
                first == null ? null : first.egress(),
                first == null ? null : first.ingress(),
                service.key(),
                backends);
    }

    private record Resolved(Party party, String endpointKey) {}

    private static Resolved resolve(
            Views.TracePartyRequest p,
            String field,
            PolicyRuntime.View v,
            PolicyEngine engine,
            long takenHypothetical) {
        if (p == null) {
            throw RequestException.invalid(
                    field, field + " is required: {namespace, pod}, {namespace, labels} or {identity}");
        }
        int forms = (p.pod() != null ? 1 : 0) + (p.labels() != null ? 1 : 0) + (p.identity() != null ? 1 : 0);
        if (forms != 1) {
            throw RequestException.invalid(
                    field,
                    field + " must give exactly one of pod (with namespace), labels (with namespace) or identity");
        }
        if (p.identity() != null) {
            Identity identity = engine.identity(p.identity())
                    .orElseThrow(() -> RequestException.notFound(
                            field + ".identity", "identity " + p.identity() + " is not known"));
            return new Resolved(new Party(identity, null, false), null);
        }
        if (p.namespace() == null || p.namespace().isBlank()) {
            throw RequestException.invalid(
                    field + ".namespace", "namespace is required with " + (p.pod() != null ? "pod" : "labels"));
        }
        if (!KubernetesNames.isDnsLabel(p.namespace())) {
            throw RequestException.invalid(
                    field + ".namespace", "'" + p.namespace() + "' is not a namespace name (a DNS-1123 label)");
        }
        if (p.pod() != null) {
            String key = p.namespace() + "/" + p.pod();
            EndpointInfo endpoint = v.endpoints().get(key);
            if (endpoint == null) {
                throw RequestException.notFound(field + ".pod", "no endpoint " + key);
            }
            Identity identity = engine.identity(endpoint.identity())
                    .orElseThrow(() -> RequestException.notFound(
                            field + ".pod", "identity " + endpoint.identity() + " of " + key + " is not known yet"));
            return new Resolved(new Party(identity, key, false), key);
        }
        Map<String, String> wanted = p.labels();
        checkLabels(wanted, field + ".labels");
        for (Identity identity : engine.identities()) {
            if (p.namespace().equals(namespaceOf(identity))
                    && podLabels(identity).equals(wanted)) {
                return new Resolved(new Party(identity, null, false), null);
            }
        }
        long id = PolicyTracer.unusedIdentity(engine);
        if (id == takenHypothetical) {
            id--;
        }
        Identity hypothetical =
                Identity.pod(id, p.namespace(), namespaceLabels(engine, p.namespace()), wanted, engine.clusterName());
        return new Resolved(new Party(hypothetical, null, true), null);
    }

    /** Pod labels as the API server would take them: each key a label key, each value a label value. */
    private static void checkLabels(Map<String, String> labels, String field) {
        for (Map.Entry<String, String> label : labels.entrySet()) {
            String at = field + "." + label.getKey();
            KubernetesNames.labelKeyProblem(label.getKey()).ifPresent(problem -> {
                throw RequestException.invalid(at, "invalid label key '" + label.getKey() + "': " + problem);
            });
            KubernetesNames.labelValueProblem(label.getValue()).ifPresent(problem -> {
                throw RequestException.invalid(at, "invalid label value '" + label.getValue() + "': " + problem);
            });
        }
    }

    private static String namespaceOf(Identity identity) {
        return identity.label(LabelSource.K8S, Label.NAMESPACE_KEY)
                .map(Label::value)
                .orElse(null);
    }

    /** The pod's own labels of an identity: k8s labels other than namespace, namespace labels and cluster. */
    private static Map<String, String> podLabels(Identity identity) {
        Map<String, String> out = new HashMap<>();
        for (Label l : identity.labels()) {
            if (l.source().equals(LabelSource.K8S)
                    && !l.key().equals(Label.NAMESPACE_KEY)
                    && !l.key().equals(Label.CLUSTER_KEY)
                    && !l.key().startsWith(Label.NAMESPACE_LABELS_PREFIX)) {
                out.put(l.key(), l.value());
            }
        }
        return out;
    }

    /** The namespace's labels as another identity of it carries them, else only its name label. */
    private static Map<String, String> namespaceLabels(PolicyEngine engine, String namespace) {
        for (Identity identity : engine.identities()) {
            if (namespace.equals(namespaceOf(identity))) {
                Map<String, String> out = new HashMap<>();
                identity.labels().stream()
                        .filter(l -> l.key().startsWith(Label.NAMESPACE_LABELS_PREFIX))
                        .forEach(l -> out.put(l.key().substring(Label.NAMESPACE_LABELS_PREFIX.length()), l.value()));
                return out;
            }
        }
        return Map.of("kubernetes.io/metadata.name", namespace);
    }

    private static int port(Integer port) {
        if (port == null) {
            throw RequestException.invalid("port", "port is required (1..65535)");
        }
        if (port < 1 || port > 65535) {
            throw RequestException.invalid("port", "port must be 1..65535, got " + port);
        }
        return port;
    }

    private static Protocol protocol(String protocol) {
        if (protocol == null || protocol.isBlank()) {
            return Protocol.TCP;
        }
        return switch (protocol.toUpperCase(Locale.ROOT)) {
            case "TCP" -> Protocol.TCP;
            case "UDP" -> Protocol.UDP;
            case "SCTP" -> Protocol.SCTP;
            default ->
                throw RequestException.invalid("protocol", "protocol must be TCP, UDP or SCTP, got '" + protocol + "'");
        };
    }

    private static Views.TraceParty party(Party p) {
        return new Views.TraceParty(
                p.hypothetical() ? null : p.identity().id(),
                p.identity().labels().stream().map(Label::toString).toList(),
                p.endpoint(),
                p.hypothetical() ? true : null);
    }

    private static Views.TraceStep step(PolicyTracer.Step s, PolicyEngine engine) {
        return new Views.TraceStep(
                s.allowed() ? "ALLOWED" : "DROPPED",
                s.dropReason().description().isEmpty() ? null : s.dropReason().description(),
                s.dropReason().code(),
                s.matchType().label(),
                s.entry() == null ? null : PolicyMapRows.row(s.entry(), engine::identity),
                s.policies().stream().map(PolicyRef::toString).toList(),
                s.explanation());
    }
}
