package dev.tendril.policy.domain;

/**
 * One entry of a rule's {@code ports}/{@code toPorts}: a protocol and a port, a named port or all ports,
 * optionally a range up to {@code endPort}.
 *
 * @param protocol TCP when a manifest omits it
 * @param port which port(s)
 * @param endPort the last port of a range, or 0 for none; only with a numbered port
 * @param l7 true if the rule carried L7 rules (http/dns/kafka): accepted and stored, enforced at L4 only
 */
public record PortRule(Protocol protocol, Port port, int endPort, boolean l7) {

    /** The port part of a port rule. */
    public sealed interface Port {
        /** Every port of the protocol. */
        record Any() implements Port {
            @Override
            public String toString() {
                return "*";
            }
        }

        /** A port number 1..65535. */
        record Number(int value) implements Port {
            public Number {
                if (value < 1 || value > 65535) {
                    throw new IllegalArgumentException("port must be 1..65535, got " + value);
                }
            }

            @Override
            public String toString() {
                return Integer.toString(value);
            }
        }

        /** A container port name, resolved per destination identity. */
        record Named(String name) implements Port {
            @Override
            public String toString() {
                return name;
            }
        }
    }

    public PortRule {
        if (protocol == null || port == null) {
            throw new IllegalArgumentException("protocol and port must not be null");
        }
        if (endPort != 0) {
            if (!(port instanceof Port.Number n)) {
                throw new IllegalArgumentException("endPort requires a numbered port");
            }
            if (endPort < n.value() || endPort > 65535) {
                throw new IllegalArgumentException("endPort must be port.." + 65535 + ", got " + endPort);
            }
        }
    }

    public static PortRule of(Protocol protocol, int port) {
        return new PortRule(protocol, new Port.Number(port), 0, false);
    }

    public static PortRule range(Protocol protocol, int port, int endPort) {
        return new PortRule(protocol, new Port.Number(port), endPort, false);
    }

    public static PortRule named(Protocol protocol, String name) {
        return new PortRule(protocol, new Port.Named(name), 0, false);
    }

    @Override
    public String toString() {
        return port + (endPort != 0 ? "-" + endPort : "") + "/" + protocol;
    }
}
