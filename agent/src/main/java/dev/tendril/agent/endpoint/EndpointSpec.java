package dev.tendril.agent.endpoint;

import dev.tendril.k8s.KubernetesNames;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a CNI ADD carries: the pod and its labels. Validated on construction.
 *
 * @param namedPorts the pod's container ports that have names
 */
public record EndpointSpec(
        String namespace,
        String pod,
        String uid,
        Map<String, String> labels,
        String serviceAccount,
        List<NamedPort> namedPorts) {

    /** A named container port. */
    public record NamedPort(String name, int port, String protocol) {}

    /** At most this many labels, as the identity service accepts. */
    public static final int MAX_LABELS = 64;

    private static final Pattern UID = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_.]{0,127}");
    private static final Pattern IANA_SVC_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    /**
     * Validates the whole request as Kubernetes (and the identity service) would, before anything is
     * allocated: a request the identity service would refuse must not take an address first.
     */
    public EndpointSpec {
        require("namespace", namespace);
        if (!KubernetesNames.isDnsLabel(namespace)) {
            throw EndpointRejectedException.invalid(
                    "namespace",
                    "'" + shown(namespace)
                            + "' is not a DNS label (lower-case alphanumerics and '-', at most 63 characters)");
        }
        require("pod", pod);
        if (!KubernetesNames.isDnsSubdomain(pod)) {
            throw EndpointRejectedException.invalid(
                    "pod",
                    "'" + shown(pod)
                            + "' is not a DNS subdomain (lower-case alphanumerics, '-' and '.', at most 253 characters)");
        }
        require("uid", uid);
        if (!UID.matcher(uid).matches()) {
            throw EndpointRejectedException.invalid(
                    "uid",
                    "'" + shown(uid) + "' is not a pod uid (letters, digits, -_., starting alphanumeric, at most 128)");
        }
        labels = labels == null ? Map.of() : new TreeMap<>(nullKeysRefused(labels));
        if (labels.size() > MAX_LABELS) {
            throw EndpointRejectedException.invalid(
                    "labels", labels.size() + " labels, at most " + MAX_LABELS + " allowed");
        }
        for (Map.Entry<String, String> l : labels.entrySet()) {
            KubernetesNames.labelKeyProblem(l.getKey()).ifPresent(problem -> {
                throw EndpointRejectedException.invalid(
                        "labels", "invalid label key '" + shown(l.getKey()) + "': " + problem);
            });
            if (l.getValue() == null) {
                throw EndpointRejectedException.invalid("labels", "label " + l.getKey() + " has no value");
            }
            String value = l.getValue();
            if (KubernetesNames.labelValueProblem(value).isPresent()) {
                throw EndpointRejectedException.invalid(
                        "labels",
                        "invalid value '" + shown(value) + "' of label "
                                + l.getKey()
                                + ": at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending"
                                + " alphanumeric (or empty)");
            }
        }
        labels = Map.copyOf(labels);
        if (serviceAccount != null && !serviceAccount.isEmpty() && !KubernetesNames.isDnsSubdomain(serviceAccount)) {
            throw EndpointRejectedException.invalid(
                    "serviceAccount", "'" + shown(serviceAccount) + "' is not a DNS subdomain");
        }
        serviceAccount = serviceAccount == null || serviceAccount.isBlank() ? "default" : serviceAccount;
        namedPorts = namedPorts == null ? List.of() : namedPorts;
        List<NamedPort> ports = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (NamedPort p : namedPorts) {
            if (p == null || p.name() == null || p.name().isBlank()) {
                throw EndpointRejectedException.invalid("namedPorts", "a named port needs a name");
            }
            if (p.name().length() > 15
                    || !IANA_SVC_NAME.matcher(p.name()).matches()
                    || !p.name().matches(".*[a-z].*")
                    || p.name().contains("--")) {
                throw EndpointRejectedException.invalid(
                        "namedPorts",
                        "port name '" + shown(p.name())
                                + "' must be an IANA service name: 1-15 lower-case alphanumerics or '-', with a letter");
            }
            if (!names.add(p.name())) {
                throw EndpointRejectedException.invalid("namedPorts", "port name '" + p.name() + "' appears twice");
            }
            if (p.port() < 1 || p.port() > 65535) {
                throw EndpointRejectedException.invalid(
                        "namedPorts", "port " + p.name() + " must be 1..65535, got " + p.port());
            }
            String proto = p.protocol() == null || p.protocol().isBlank()
                    ? "TCP"
                    : p.protocol().toUpperCase(Locale.ROOT);
            if (!List.of("TCP", "UDP", "SCTP").contains(proto)) {
                throw EndpointRejectedException.invalid(
                        "namedPorts", "protocol of " + p.name() + " must be TCP, UDP or SCTP");
            }
            ports.add(new NamedPort(p.name(), p.port(), proto));
        }
        namedPorts = List.copyOf(ports);
    }

    private static Map<String, String> nullKeysRefused(Map<String, String> labels) {
        for (String key : labels.keySet()) {
            if (key == null) {
                throw EndpointRejectedException.invalid("labels", "a label key is empty");
            }
        }
        return labels;
    }

    /** The text for an error message: control characters escaped, cut at 80 characters. */
    private static String shown(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < 80; i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return text.length() > 80 ? out + "..." : out.toString();
    }

    public String key() {
        return namespace + "/" + pod;
    }

    /** What identity registration depends on; a repeated request with the same digest changes nothing. */
    public String digest() {
        return labels + "|" + serviceAccount + "|" + namedPorts;
    }

    private static void require(String field, String value) {
        if (value == null || value.isBlank()) {
            throw EndpointRejectedException.invalid(field, "is required");
        }
    }
}
