package dev.tendril.policy.domain;

/** A container port with a name, as a destination identity's pods declare it. */
public record NamedPort(String name, int port, Protocol protocol) {
    public NamedPort {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, got " + port);
        }
        if (protocol == null || protocol == Protocol.ANY) {
            throw new IllegalArgumentException("a container port has protocol TCP, UDP or SCTP");
        }
    }
}
