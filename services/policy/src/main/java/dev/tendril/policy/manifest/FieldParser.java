package dev.tendril.policy.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.k8s.KubernetesNames;
import dev.tendril.k8s.labels.LabelSelector;
import dev.tendril.k8s.labels.LabelSource;
import dev.tendril.net.Cidr;
import dev.tendril.policy.domain.CidrSet;
import dev.tendril.policy.domain.PortRule;
import dev.tendril.policy.domain.Protocol;
import dev.tendril.policy.domain.ValidationError;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * The validation context of one document (its index and the errors found so far) and the fields both
 * kinds share: label selectors, ports, CIDRs, and the checks for unknown fields and lists.
 */
final class FieldParser {

    private static final Pattern IANA_SVC_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Set<String> LABEL_SOURCES = Set.of("k8s", "reserved", "cidr", "any", "unspec", "container");

    private final int index;
    private final List<ValidationError> errors;

    FieldParser(int index, List<ValidationError> errors) {
        this.index = index;
        this.errors = errors;
    }

    void error(String path, String reason) {
        errors.add(new ValidationError(index, path, reason));
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
                error(
                        path + ".protocol",
                        "must be " + (cilium ? "TCP, UDP, SCTP or ANY" : "TCP, UDP or SCTP") + ", got '" + text + "'");
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
            } else if (pn.isTextual()
                    && text.length() <= 15
                    && IANA_SVC_NAME.matcher(text).matches()
                    && text.matches(".*[a-z].*")
                    && !text.contains("--")) {
                port = new PortRule.Port.Named(text);
            } else {
                error(
                        path + ".port",
                        "must be a port number or an IANA service name (1-15 lower-case "
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
                throw new IllegalArgumentException(
                        "'" + n.asText() + "' is not a CIDR such as 10.0.0.0/8 " + "(address/prefix length)");
            }
            return Cidr.parseMasked(n.asText());
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
                reqs.add(LabelSelector.Requirement.equal(
                        sk[0], sk[1], e.getValue().asText()));
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

    private String[] sourceAndKey(String text, String path, boolean cilium) {
        String source = LabelSource.K8S;
        String key = text;
        int colon = text.indexOf(':');
        if (cilium) {
            source = LabelSource.ANY;
            if (colon > 0 && LABEL_SOURCES.contains(text.substring(0, colon))) {
                source = text.substring(0, colon);
                key = text.substring(colon + 1);
            }
        }
        if (source.equals(LabelSource.RESERVED) || source.equals(LabelSource.CIDR)) {
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

    private boolean labelValue(String value, String path) {
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

    void each(JsonNode list, String path, BiConsumer<JsonNode, String> f) {
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
