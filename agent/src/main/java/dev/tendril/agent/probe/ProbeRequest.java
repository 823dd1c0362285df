package dev.tendril.agent.probe;

import dev.tendril.datapath.policymap.IpProtocol;
import java.util.Locale;

/**
 * {@code POST /v1/probe}: would a packet from {@code from} to {@code to} on {@code port} pass?
 *
 * @param from {@code namespace/pod} or an IP address
 * @param to {@code namespace/pod} or an IP address
 * @param port destination port 1..65535
 * @param protocol TCP (when absent), UDP or SCTP
 * @param model true for the model's answer where the kernel pod network would send a real probe
 */
public record ProbeRequest(String from, String to, Integer port, String protocol, Boolean model) {

    public ProbeRequest(String from, String to, Integer port, String protocol) {
        this(from, to, port, protocol, null);
    }

    /** Whether the request asks for the model's answer only. */
    public boolean modelOnly() {
        return Boolean.TRUE.equals(model);
    }

    /** A validated probe. */
    public record Probe(Target from, Target to, int port, int protocol) {

        public String protocolName() {
            return IpProtocol.name(protocol);
        }
    }

    /** @throws ProbeException 400 naming the first field at fault */
    public Probe validate() {
        Target f = Target.parse("from", from);
        Target t = Target.parse("to", to);
        if (port == null) {
            throw ProbeException.invalid("port", "is required (1..65535)");
        }
        if (port < 1 || port > 65_535) {
            throw ProbeException.invalid("port", "must be 1..65535, got " + port);
        }
        return new Probe(f, t, port, protocol(protocol));
    }

    static int protocol(String protocol) {
        if (protocol == null || protocol.isBlank()) {
            return IpProtocol.TCP;
        }
        return switch (protocol.toUpperCase(Locale.ROOT)) {
            case "TCP" -> IpProtocol.TCP;
            case "UDP" -> IpProtocol.UDP;
            case "SCTP" -> IpProtocol.SCTP;
            default -> throw ProbeException.invalid("protocol", "must be TCP, UDP or SCTP, got '" + protocol + "'");
        };
    }
}
