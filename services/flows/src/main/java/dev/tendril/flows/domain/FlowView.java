package dev.tendril.flows.domain;

import dev.tendril.net.IpAddress;

/**
 * The fields filters read, whether of a {@link StoredFlow} or of a ring slot read in place (so scanning
 * a ring allocates nothing per flow). Codes as in {@link StoredFlow}.
 */
public interface FlowView {

    long timeNanos();

    String node();

    Peer source();

    Peer destination();

    /** Null when the flow carries no readable address. */
    IpAddress sourceIp();

    IpAddress destinationIp();

    int sourcePort();

    int destinationPort();

    int protocol();

    int verdict();

    int direction();

    int reply();

    int ipVersion();

    int tcpFlags();

    /** Event type, drop reason, L7 kind, UUID and DNS names. */
    FlowDetails details();
}
