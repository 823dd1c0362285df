package dev.tendril.policy.manifest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.policy.domain.Cidr;
import dev.tendril.policy.domain.CidrSet;
import dev.tendril.policy.domain.CiliumNetworkPolicy;
import dev.tendril.policy.domain.Entity;
import dev.tendril.policy.domain.Label;
import dev.tendril.k8s.KubernetesNames;
import dev.tendril.policy.domain.LabelSelector;
import dev.tendril.policy.domain.NetworkPolicy;
import dev.tendril.policy.domain.Policy;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.PolicyValidationException;
import dev.tendril.policy.domain.PortRule;
import dev.tendril.policy.domain.Protocol;
import dev.tendril.policy.domain.ValidationError;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Parses NetworkPolicy ({@code networking.k8s.io/v1}) and CiliumNetworkPolicy ({@code cilium.io/v2})
 * manifests: YAML (documents separated by {@code ---}) or JSON (one value, several concatenated, an
 * array, or a {@code kind: List}). Every document is validated; any error rejects the whole input with
 * every error found, each naming the document index, the field path and the reason.
 *
 * <p>Validation follows the API servers where Tendril models the field (label keys and values, selector
 * operators, ports, protocols, endPort, CIDRs and their exceptions, peer shape, policyTypes, metadata
 * names) and rejects unknown fields, as strict server-side field validation does. Cilium features Tendril
 * does not enforce (toFQDNs, toServices, fromRequires, ICMP rules, node selectors, {@code specs}) are
 * rejected by name rather than silently ignored; L7 {@code rules} are accepted and marked.
 */
public final class ManifestParser {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final JsonMapper JSON = new JsonMapper();

    private static final Pattern IANA_SVC_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Set<String> LABEL_SOURCES = Set.of("k8s", "reserved", "cidr", "any", "unspec", "container");

    private ManifestParser() {
    }

    /**
     * The policies of {@code text}, in document order.
     *
     * @throws PolicyValidationException if any document is malformed or invalid
     */
    public static List<Policy> parse(String text) {
        List<ValidationError> errors = new ArrayList<>();
        List<JsonNode> docs = documents(text == null ? "" : text, errors);
        List<Policy> out = new ArrayList<>();
        Map<PolicyRef, Integer> seen = new HashMap<>();
        for (int i = 0; i < docs.size(); i++) {
            JsonNode doc = docs.get(i);
            if (doc == null || doc.isNull() || doc.isMissingNode()) {
                continue;
            }
            Doc d = new Doc(i, errors);
            int before = errors.size();
            Policy p = d.policy(doc);
            if (p != null && errors.size() == before) {
                Integer earlier = seen.putIfAbsent(p.ref(), i);
                if (earlier != null) {
                    d.error("metadata.name", "duplicate of document " + earlier + " (" + p.ref() + ")");
                } else {
                    out.add(p);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new PolicyValidationException(errors);
        }
        return List.copyOf(out);
    }

    /**
     * The documents of {@code text} as the parser sees them: YAML documents, or JSON values (several
     * concatenated, an array, or a {@code kind: List}); empty documents are null or missing nodes. JSON
     * documents separated by {@code ---} are YAML and read as such.
     *
     * @throws PolicyValidationException if the text is neither
     */
    public static List<JsonNode> documents(String text) {
        List<ValidationError> errors = new ArrayList<>();
        List<JsonNode> docs = documents(text == null ? "" : text, errors);
        if (!errors.isEmpty()) {
            throw new PolicyValidationException(errors);
        }
        return docs;
    }

    private static List<JsonNode> documents(String text, List<ValidationError> errors) {
        String trimmed = text.strip();
        boolean json = trimmed.startsWith("{") || trimmed.startsWith("[");
        List<ValidationError> problems = new ArrayList<>();
        List<JsonNode> out = read(text, json, problems);
        if (json && !problems.isEmpty()) {
            List<ValidationError> yamlProblems = new ArrayList<>();
            List<JsonNode> asYaml = read(text, false, yamlProblems);
            if (yamlProblems.isEmpty()) {
                return asYaml;
            }
        }
        errors.addAll(problems);
        return out;
    }

    private static List<JsonNode> read(String text, boolean json, List<ValidationError> errors) {
        List<JsonNode> out = new ArrayList<>();
        try (MappingIterator<JsonNode> it = (json ? JSON.readerFor(JsonNode.class) : YAML.readerFor(JsonNode.class))
                .readValues(text)) {
            while (it.hasNextValue()) {
                JsonNode n = it.nextValue();
                if (n != null && n.isArray()) {
                    n.forEach(out::add);
                } else if (n != null && n.isObject() && "List".equals(n.path("kind").asText()) && n.has("items")) {
                    n.get("items").forEach(out::add);
                } else {
                    out.add(n);
                }
            }
        } catch (JacksonException e) {
            errors.add(new ValidationError(out.size(), "", "malformed " + (json ? "JSON" : "YAML") + ": "
                    + e.getOriginalMessage()));
        } catch (java.io.IOException e) {
            errors.add(new ValidationError(out.size(), "", "unreadable input: " + e.getMessage()));
        }
        return out;
    }

    /** The validation context of one document. */
    private record Doc(int index, List<ValidationError> errors) {

        void error(String path, String reason) {
            errors.add(new ValidationError(index, path, reason));
        }

        Policy policy(JsonNode doc) {
            if (!doc.isObject()) {
                error("", "must be an object with apiVersion and kind");
                return null;
            }
            String apiVersion = doc.path("apiVersion").asText("");
            String kind = doc.path("kind").asText("");
            fields(doc, "", Set.of("apiVersion", "kind", "metadata", "spec", "status"), Set.of("specs"));
            String[] meta = metadata(doc.path("metadata"));
            if (kind.equals(NetworkPolicy.KIND)) {
                if (!apiVersion.equals("networking.k8s.io/v1")) {
                    error("apiVersion", "NetworkPolicy must be networking.k8s.io/v1, got '" + apiVersion + "'");
                }
                return networkPolicy(meta, doc.path("spec"));
            }
            if (kind.equals(CiliumNetworkPolicy.KIND)) {
                if (!apiVersion.equals("cilium.io/v2")) {
                    error("apiVersion", "CiliumNetworkPolicy must be cilium.io/v2, got '" + apiVersion + "'");
                }
                return ciliumNetworkPolicy(meta, doc.path("spec"));
            }
            error("kind", "must be NetworkPolicy or CiliumNetworkPolicy, got '" + kind + "'");
            return null;
        }

        /** [namespace, name]. */
        String[] metadata(JsonNode meta) {
            if (!meta.isObject()) {
                error("metadata", "required");
                return new String[] {"default", ""};
            }
            String name = meta.path("name").asText("");
            if (name.isEmpty()) {
                error("metadata.name", "required");
            } else if (!KubernetesNames.isDnsSubdomain(name)) {
                error("metadata.name", "'" + name + "' must be a DNS-1123 subdomain (lower-case alphanumerics, '-', '.')");
            }
            String namespace = meta.path("namespace").asText("default");
            if (!KubernetesNames.isDnsLabel(namespace)) {
                error("metadata.namespace", "'" + namespace + "' must be a DNS-1123 label");
            }
            return new String[] {namespace, name};
        }

        NetworkPolicy networkPolicy(String[] meta, JsonNode spec) {
            if (!spec.isObject()) {
                error("spec", "required");
                return null;
            }
            fields(spec, "spec", Set.of("podSelector", "ingress", "egress", "policyTypes"), Set.of());
            if (!spec.hasNonNull("podSelector")) {
                error("spec.podSelector", "required (an empty selector {} selects every pod of the namespace)");
            }
            LabelSelector podSelector = selector(spec.path("podSelector"), "spec.podSelector", false);
            List<NetworkPolicy.IngressOrEgress> ingress = new ArrayList<>();
            List<NetworkPolicy.IngressOrEgress> egress = new ArrayList<>();
            each(spec.path("ingress"), "spec.ingress", (n, p) -> ingress.add(npRule(n, p, "from")));
            each(spec.path("egress"), "spec.egress", (n, p) -> egress.add(npRule(n, p, "to")));
            Set<Direction> types = EnumSet.noneOf(Direction.class);
            each(spec.path("policyTypes"), "spec.policyTypes", (n, p) -> {
                Direction d = switch (n.asText()) {
                    case "Ingress" -> Direction.INGRESS;
                    case "Egress" -> Direction.EGRESS;
                    default -> null;
                };
                if (d == null || !n.isTextual()) {
                    error(p, "must be Ingress or Egress, got '" + n.asText() + "'");
                } else if (!types.add(d)) {
                    error(p, "duplicate " + n.asText());
                }
            });
            return new NetworkPolicy(meta[0], meta[1], podSelector, ingress, egress, types);
        }

        NetworkPolicy.IngressOrEgress npRule(JsonNode rule, String path, String peersField) {
            fields(rule, path, Set.of(peersField, "ports"), Set.of());
            List<NetworkPolicy.NetworkPolicyPeer> peers = new ArrayList<>();
            each(rule.path(peersField), path + "." + peersField, (n, p) -> {
                var peer = npPeer(n, p);
                if (peer != null) {
                    peers.add(peer);
                }
            });
            List<PortRule> ports = new ArrayList<>();
            each(rule.path("ports"), path + ".ports", (n, p) -> {
                var port = port(n, p, Protocol.TCP, false, false);
                if (port != null) {
                    ports.add(port);
                }
            });
            return new NetworkPolicy.IngressOrEgress(peers, ports);
        }

        NetworkPolicy.NetworkPolicyPeer npPeer(JsonNode peer, String path) {
            fields(peer, path, Set.of("podSelector", "namespaceSelector", "ipBlock"), Set.of());
            boolean pods = peer.has("podSelector");
            boolean namespaces = peer.has("namespaceSelector");
            if (peer.has("ipBlock")) {
                if (pods || namespaces) {
                    error(path, "may not specify ipBlock together with podSelector or namespaceSelector");
                    return null;
                }
                CidrSet set = cidrSet(peer.get("ipBlock"), path + ".ipBlock");
                return set == null ? null : new NetworkPolicy.NetworkPolicyPeer.IpBlock(set);
            }
            LabelSelector ps = pods ? selector(peer.get("podSelector"), path + ".podSelector", false) : null;
            LabelSelector ns = namespaces ? selector(peer.get("namespaceSelector"), path + ".namespaceSelector", false) : null;
            if (ps != null && ns != null) {
                return new NetworkPolicy.NetworkPolicyPeer.PodsInNamespaces(ps, ns);
            }
            if (ps != null) {
                return new NetworkPolicy.NetworkPolicyPeer.Pods(ps);
            }
            if (ns != null) {
                return new NetworkPolicy.NetworkPolicyPeer.Namespaces(ns);
            }
            error(path, "must specify a peer: podSelector, namespaceSelector or ipBlock");
            return null;
        }

        CiliumNetworkPolicy ciliumNetworkPolicy(String[] meta, JsonNode spec) {
            if (!spec.isObject()) {
                error("spec", "required (a single spec; 'specs' is not supported by Tendril yet)");
                return null;
            }
            fields(spec, "spec", Set.of("endpointSelector", "ingress", "egress", "ingressDeny", "egressDeny",
                    "enableDefaultDeny", "description", "labels"), Set.of("nodeSelector"));
            if (!spec.hasNonNull("endpointSelector")) {
                error("spec.endpointSelector", "required (an empty selector {} selects every endpoint of the namespace)");
            }
            LabelSelector subject = selector(spec.path("endpointSelector"), "spec.endpointSelector", true);
            List<CiliumNetworkPolicy.CiliumRule> ingress = cnpRules(spec.path("ingress"), "spec.ingress", "from", false);
            List<CiliumNetworkPolicy.CiliumRule> egress = cnpRules(spec.path("egress"), "spec.egress", "to", false);
            List<CiliumNetworkPolicy.CiliumRule> ingressDeny = cnpRules(spec.path("ingressDeny"), "spec.ingressDeny", "from", true);
            List<CiliumNetworkPolicy.CiliumRule> egressDeny = cnpRules(spec.path("egressDeny"), "spec.egressDeny", "to", true);
            Set<Direction> on = EnumSet.noneOf(Direction.class);
            Set<Direction> off = EnumSet.noneOf(Direction.class);
            JsonNode dd = spec.path("enableDefaultDeny");
            if (!dd.isMissingNode()) {
                fields(dd, "spec.enableDefaultDeny", Set.of("ingress", "egress"), Set.of());
                for (Direction d : Direction.values()) {
                    String f = d == Direction.INGRESS ? "ingress" : "egress";
                    JsonNode v = dd.path(f);
                    if (v.isMissingNode()) {
                        continue;
                    }
                    if (!v.isBoolean()) {
                        error("spec.enableDefaultDeny." + f, "must be a boolean");
                    } else {
                        (v.asBoolean() ? on : off).add(d);
                    }
                }
            }
            return new CiliumNetworkPolicy(meta[0], meta[1], subject, ingress, egress, ingressDeny, egressDeny, on, off);
        }

        List<CiliumNetworkPolicy.CiliumRule> cnpRules(JsonNode list, String path, String dir, boolean deny) {
            List<CiliumNetworkPolicy.CiliumRule> out = new ArrayList<>();
            each(list, path, (rule, p) -> {
                String endpointsField = dir + "Endpoints";
                String entitiesField = dir + "Entities";
                String cidrField = dir + "CIDR";
                String cidrSetField = dir + "CIDRSet";
                Set<String> unsupported = dir.equals("from")
                        ? Set.of("fromRequires", "fromGroups", "fromNodes", "icmps", "authentication")
                        : Set.of("toRequires", "toGroups", "toNodes", "toFQDNs", "toServices", "icmps", "authentication");
                fields(rule, p, Set.of(endpointsField, entitiesField, cidrField, cidrSetField, "toPorts"), unsupported);
                List<LabelSelector> endpoints = new ArrayList<>();
                each(rule.path(endpointsField), p + "." + endpointsField,
                        (n, q) -> endpoints.add(selector(n, q, true)));
                List<Entity> entities = new ArrayList<>();
                each(rule.path(entitiesField), p + "." + entitiesField, (n, q) -> {
                    var e = Entity.parse(n.asText());
                    if (e.isEmpty() || !n.isTextual()) {
                        error(q, "unknown entity '" + n.asText() + "'; one of all, world, cluster, host, remote-node, "
                                + "kube-apiserver, health, init, ingress, unmanaged, none");
                    } else {
                        entities.add(e.get());
                    }
                });
                List<CidrSet> cidrs = new ArrayList<>();
                each(rule.path(cidrField), p + "." + cidrField, (n, q) -> {
                    Cidr c = cidr(n, q);
                    if (c != null) {
                        cidrs.add(new CidrSet(c, List.of()));
                    }
                });
                each(rule.path(cidrSetField), p + "." + cidrSetField, (n, q) -> {
                    CidrSet s = cidrSet(n, q);
                    if (s != null) {
                        cidrs.add(s);
                    }
                });
                List<PortRule> ports = new ArrayList<>();
                each(rule.path("toPorts"), p + ".toPorts", (tp, q) -> {
                    fields(tp, q, Set.of("ports", "rules"), Set.of("terminatingTLS", "originatingTLS", "serverNames", "listener"));
                    boolean l7 = tp.has("rules") && !tp.get("rules").isEmpty();
                    if (l7 && deny) {
                        error(q + ".rules", "L7 rules are not allowed in deny rules");
                    }
                    if (!tp.has("ports") || tp.get("ports").isEmpty()) {
                        ports.add(new PortRule(Protocol.ANY, new PortRule.Port.Any(), 0, l7));
                    }
                    each(tp.path("ports"), q + ".ports", (pn, pq) -> {
                        PortRule r = port(pn, pq, Protocol.ANY, true, l7);
                        if (r != null) {
                            ports.add(r);
                        }
                    });
                });
                out.add(new CiliumNetworkPolicy.CiliumRule(endpoints, entities, cidrs, ports));
            });
            return out;
        }

        /** A port rule; Kubernetes ports default to TCP, Cilium's to ANY and write numbers as strings. */
        PortRule port(JsonNode n, String path, Protocol defaultProtocol, boolean cilium, boolean l7) {
            fields(n, path, Set.of("protocol", "port", "endPort"), Set.of());
            Protocol protocol = defaultProtocol;
            if (n.has("protocol")) {
                String text = n.get("protocol").asText();
                try {
                    protocol = Protocol.valueOf(text);
                } catch (IllegalArgumentException e) {
                    protocol = null;
                }
                if (protocol == null || (!cilium && protocol == Protocol.ANY)) {
                    error(path + ".protocol", "must be " + (cilium ? "TCP, UDP, SCTP or ANY" : "TCP, UDP or SCTP")
                            + ", got '" + text + "'");
                    return null;
                }
            }
            PortRule.Port port = new PortRule.Port.Any();
            JsonNode pn = n.path("port");
            if (!pn.isMissingNode() && !pn.isNull()) {
                String text = pn.asText();
                boolean numeric = pn.isInt() || (cilium && pn.isTextual() && text.matches("\\d+"));
                if (numeric) {
                    int value = pn.isInt() ? pn.asInt() : parseIntOr(text, -1);
                    if (cilium && value == 0) {
                        port = new PortRule.Port.Any();
                    } else if (value < 1 || value > 65535) {
                        error(path + ".port", "must be 1..65535, got " + text);
                        return null;
                    } else {
                        port = new PortRule.Port.Number(value);
                    }
                } else if (pn.isTextual() && text.length() <= 15 && IANA_SVC_NAME.matcher(text).matches()
                        && text.matches(".*[a-z].*") && !text.contains("--")) {
                    port = new PortRule.Port.Named(text);
                } else {
                    error(path + ".port", "must be a port number or an IANA service name (1-15 lower-case "
                            + "alphanumerics or '-', with a letter), got '" + text + "'");
                    return null;
                }
            }
            int endPort = 0;
            if (n.has("endPort")) {
                JsonNode en = n.get("endPort");
                if (!en.isInt()) {
                    error(path + ".endPort", "must be an integer");
                    return null;
                }
                endPort = en.asInt();
                if (!(port instanceof PortRule.Port.Number num)) {
                    error(path + ".endPort", "may only be set with a numeric port");
                    return null;
                }
                if (endPort < num.value() || endPort > 65535) {
                    error(path + ".endPort", "must be between port (" + num.value() + ") and 65535, got " + endPort);
                    return null;
                }
            }
            return new PortRule(protocol, port, endPort, l7);
        }

        CidrSet cidrSet(JsonNode n, String path) {
            fields(n, path, Set.of("cidr", "except"), Set.of("cidrGroupRef", "cidrGroupSelector"));
            if (!n.has("cidr")) {
                error(path + ".cidr", "required");
                return null;
            }
            Cidr cidr = cidr(n.get("cidr"), path + ".cidr");
            List<Cidr> except = new ArrayList<>();
            each(n.path("except"), path + ".except", (e, q) -> {
                Cidr c = cidr(e, q);
                if (c != null && cidr != null) {
                    if (!cidr.contains(c) || c.prefixLength() == cidr.prefixLength()) {
                        error(q, "must be strictly within " + cidr + ", got " + c);
                    } else {
                        except.add(c);
                    }
                }
            });
            int exceptErrors = n.path("except").size() - except.size();
            return cidr == null || exceptErrors > 0 ? null : new CidrSet(cidr, except);
        }

        Cidr cidr(JsonNode n, String path) {
            try {
                if (!n.isTextual()) {
                    throw new IllegalArgumentException("must be a CIDR string");
                }
                if (!n.asText().contains("/")) {
                    // The API servers parse these as CIDRs: a bare address is refused, not taken as a host prefix.
                    throw new IllegalArgumentException("'" + n.asText() + "' is not a CIDR such as 10.0.0.0/8 "
                            + "(address/prefix length)");
                }
                return Cidr.parse(n.asText());
            } catch (IllegalArgumentException e) {
                error(path, e.getMessage());
                return null;
            }
        }

        /**
         * A label selector. Kubernetes keys get source {@code k8s}; Cilium keys may name a source
         * ({@code k8s:app}) and otherwise match any source.
         */
        LabelSelector selector(JsonNode n, String path, boolean cilium) {
            if (n.isMissingNode() || n.isNull()) {
                return LabelSelector.ALL;
            }
            if (!n.isObject()) {
                error(path, "must be a label selector object");
                return LabelSelector.ALL;
            }
            fields(n, path, Set.of("matchLabels", "matchExpressions"), Set.of());
            List<LabelSelector.Requirement> reqs = new ArrayList<>();
            JsonNode ml = n.path("matchLabels");
            if (!ml.isMissingNode() && !ml.isObject()) {
                error(path + ".matchLabels", "must be a map of label keys to values");
            }
            for (Map.Entry<String, JsonNode> e : ml.properties()) {
                String q = path + ".matchLabels." + e.getKey();
                String[] sk = sourceAndKey(e.getKey(), q, cilium);
                if (!e.getValue().isTextual()) {
                    error(q, "value must be a string");
                } else if (sk != null && labelValue(e.getValue().asText(), q)) {
                    reqs.add(LabelSelector.Requirement.equal(sk[0], sk[1], e.getValue().asText()));
                }
            }
            each(n.path("matchExpressions"), path + ".matchExpressions", (ex, q) -> {
                fields(ex, q, Set.of("key", "operator", "values"), Set.of());
                String[] sk = null;
                if (!ex.path("key").isTextual() || ex.path("key").asText().isEmpty()) {
                    error(q + ".key", "required (a label key)");
                } else {
                    sk = sourceAndKey(ex.path("key").asText(), q + ".key", cilium);
                }
                String opText = ex.path("operator").asText("");
                LabelSelector.Operator op = switch (opText) {
                    case "In" -> LabelSelector.Operator.IN;
                    case "NotIn" -> LabelSelector.Operator.NOT_IN;
                    case "Exists" -> LabelSelector.Operator.EXISTS;
                    case "DoesNotExist" -> LabelSelector.Operator.DOES_NOT_EXIST;
                    default -> null;
                };
                if (op == null) {
                    error(q + ".operator", "must be In, NotIn, Exists or DoesNotExist, got '" + opText + "'");
                    return;
                }
                TreeSet<String> values = new TreeSet<>();
                boolean ok = true;
                JsonNode vs = ex.path("values");
                if (!vs.isMissingNode() && !vs.isNull() && !vs.isArray()) {
                    error(q + ".values", "must be a list of strings");
                    return;
                }
                for (int i = 0; i < vs.size(); i++) {
                    if (!vs.get(i).isTextual()) {
                        error(q + ".values[" + i + "]", "must be a string");
                        ok = false;
                        continue;
                    }
                    ok &= labelValue(vs.get(i).asText(), q + ".values[" + i + "]");
                    values.add(vs.get(i).asText());
                }
                boolean needsValues = op == LabelSelector.Operator.IN || op == LabelSelector.Operator.NOT_IN;
                if (needsValues && values.isEmpty()) {
                    error(q + ".values", "must be non-empty when operator is " + opText);
                } else if (!needsValues && !values.isEmpty()) {
                    error(q + ".values", "must be empty when operator is " + opText);
                } else if (sk != null && ok) {
                    reqs.add(new LabelSelector.Requirement(sk[0], sk[1], op, values));
                }
            });
            return new LabelSelector(reqs);
        }

        String[] sourceAndKey(String text, String path, boolean cilium) {
            String source = Label.SOURCE_K8S;
            String key = text;
            int colon = text.indexOf(':');
            if (cilium) {
                source = Label.SOURCE_ANY;
                if (colon > 0 && LABEL_SOURCES.contains(text.substring(0, colon))) {
                    source = text.substring(0, colon);
                    key = text.substring(colon + 1);
                }
            }
            if (source.equals(Label.SOURCE_RESERVED) || source.equals(Label.SOURCE_CIDR)) {
                if (key.isEmpty()) {
                    error(path, "label key must not be empty");
                    return null;
                }
                return new String[] {source, key};
            }
            var problem = KubernetesNames.labelKeyProblem(key);
            if (problem.isPresent()) {
                error(path, "invalid label key '" + text + "': " + problem.get());
                return null;
            }
            return new String[] {source, key};
        }

        boolean labelValue(String value, String path) {
            var problem = KubernetesNames.labelValueProblem(value);
            if (problem.isEmpty()) {
                return true;
            }
            error(path, "invalid label value '" + value + "': " + problem.get());
            return false;
        }

        /** Unknown fields are errors; {@code unsupported} ones are named as not supported by Tendril. */
        void fields(JsonNode n, String path, Set<String> known, Set<String> unsupported) {
            if (!n.isObject()) {
                if (!n.isMissingNode() && !n.isNull()) {
                    error(path, "must be an object");
                }
                return;
            }
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                String q = path.isEmpty() ? f : path + "." + f;
                if (unsupported.contains(f)) {
                    error(q, "not supported by Tendril yet");
                } else if (!known.contains(f)) {
                    error(q, "unknown field");
                }
            }
        }

        void each(JsonNode list, String path, java.util.function.BiConsumer<JsonNode, String> f) {
            if (list.isMissingNode() || list.isNull()) {
                return;
            }
            if (!list.isArray()) {
                error(path, "must be a list");
                return;
            }
            for (int i = 0; i < list.size(); i++) {
                f.accept(list.get(i), path + "[" + i + "]");
            }
        }

        private static int parseIntOr(String text, int fallback) {
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                return fallback;
            }
        }
    }
}
