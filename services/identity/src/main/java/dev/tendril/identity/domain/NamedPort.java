package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** A container port with a name, which network policies may refer to. */
public record NamedPort(String name, int port, String protocol) {

    private static final Pattern IANA_SVC_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");

    /** A port as a client sent it: any part may be missing ({@code null}; over gRPC, 0 or empty). */
    public record Requested(String name, Integer port, String protocol) {}

    /** Validates one port; refusals are named {@code namedPorts.name} etc. The protocol defaults to TCP. */
    public static NamedPort of(String name, int port, String protocol) {
        return of("namedPorts", new Requested(name, port, protocol));
    }

    /**
     * Validates a request's ports: each as Kubernetes validates a container port with a name, the names
     * unique; a refusal names the element, e.g. {@code namedPorts[1].port}. A missing list is empty.
     */
    public static List<NamedPort> all(List<Requested> requested, String field) {
        if (requested == null) {
            return List.of();
        }
        List<NamedPort> ports = new ArrayList<>(requested.size());
        Set<String> names = new HashSet<>();
        for (int i = 0; i < requested.size(); i++) {
            String element = field + "[" + i + "]";
            if (requested.get(i) == null) {
                throw CommandRejectedException.invalid(element, "a named port must not be null");
            }
            NamedPort port = of(element, requested.get(i));
            if (!names.add(port.name())) {
                throw CommandRejectedException.invalid(
                        element + ".name", "port name '" + port.name() + "' appears twice");
            }
            ports.add(port);
        }
        return ports;
    }

    private static NamedPort of(String field, Requested requested) {
        String name = requested.name();
        if (name == null || name.isEmpty()) {
            throw CommandRejectedException.invalid(field + ".name", "a named port needs a name");
        }
        if (name.length() > 15
                || !IANA_SVC_NAME.matcher(name).matches()
                || !name.matches(".*[a-z].*")
                || name.contains("--")) {
            throw CommandRejectedException.invalid(
                    field + ".name",
                    "port name " + LabelSyntax.quote(name)
                            + " must be an IANA service name: 1-15 lower-case alphanumerics or '-', with a letter,"
                            + " no '--', starting and ending alphanumeric");
        }
        Integer port = requested.port();
        if (port == null || port < 1 || port > 65535) {
            throw CommandRejectedException.invalid(
                    field + ".port",
                    "port " + (port == null ? "(missing)" : port) + " of '" + name + "' must be 1..65535");
        }
        String protocol = requested.protocol();
        String proto = protocol == null || protocol.isEmpty() ? "TCP" : protocol.toUpperCase(Locale.ROOT);
        if (!PROTOCOLS.contains(proto)) {
            throw CommandRejectedException.invalid(
                    field + ".protocol",
                    "protocol " + LabelSyntax.quote(protocol) + " of '" + name + "' must be TCP, UDP or SCTP");
        }
        return new NamedPort(name, port, proto);
    }
}
