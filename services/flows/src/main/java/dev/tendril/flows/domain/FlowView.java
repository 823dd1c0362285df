package dev.tendril.flows.domain;

/**
 * The fields filters read, whether of a {@link StoredFlow} or of a ring slot read in place (so scanning
 * a ring allocates nothing per flow). Codes as in {@link StoredFlow}.
 */
public interface FlowView {

    long timeNanos();

    String node();

    Peer source();

    Peer destination();

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
}
