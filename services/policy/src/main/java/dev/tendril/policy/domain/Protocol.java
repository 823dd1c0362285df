package dev.tendril.policy.domain;

import dev.tendril.datapath.policymap.IpProtocol;

/** The L4 protocols a port rule may name; {@code ANY} only in CiliumNetworkPolicy. */
public enum Protocol {
    TCP(IpProtocol.TCP),
    UDP(IpProtocol.UDP),
    SCTP(IpProtocol.SCTP),
    ANY(IpProtocol.ANY);

    private final int number;

    Protocol(int number) {
        this.number = number;
    }

    /** The IP protocol number, 0 for ANY. */
    public int number() {
        return number;
    }
}
