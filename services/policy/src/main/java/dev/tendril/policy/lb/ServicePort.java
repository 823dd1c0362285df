package dev.tendril.policy.lb;

/** One port of a Service; {@code nodePort} 0 when not (yet) allocated. */
public record ServicePort(String name, String protocol, int port, TargetPort targetPort, int nodePort) {
    public ServicePort {
        name = name == null ? "" : name;
    }

    public ServicePort withNodePort(int allocated) {
        return new ServicePort(name, protocol, port, targetPort, allocated);
    }

    /** The IP protocol number (6, 17, 132). */
    public int protocolNumber() {
        return Protocols.number(protocol);
    }
}
