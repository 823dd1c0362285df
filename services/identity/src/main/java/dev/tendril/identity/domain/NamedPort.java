package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import java.util.Set;
import java.util.regex.Pattern;

/** A container port with a name, which network policies may refer to. */
public record NamedPort(String name, int port, String protocol) {

    private static final Pattern IANA_SVC_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");

    /** Validates; the protocol defaults to TCP as in Kubernetes. */
    public static NamedPort of(String name, int port, String protocol) {
        if (name == null || name.isEmpty() || name.length() > 15 || !IANA_SVC_NAME.matcher(name).matches()
                || !name.matches(".*[a-z].*") || name.contains("--")) {
            throw CommandRejectedException.invalid("namedPorts", "port name '" + name
                    + "' must be an IANA service name: 1-15 lower-case alphanumerics or '-', with a letter");
        }
        if (port < 1 || port > 65535) {
            throw CommandRejectedException.invalid("namedPorts", "port " + port + " of '" + name + "' must be 1..65535");
        }
        String proto = protocol == null || protocol.isEmpty() ? "TCP" : protocol.toUpperCase(java.util.Locale.ROOT);
        if (!PROTOCOLS.contains(proto)) {
            throw CommandRejectedException.invalid("namedPorts", "protocol '" + protocol + "' of '" + name
                    + "' must be TCP, UDP or SCTP");
        }
        return new NamedPort(name, port, proto);
    }
}
