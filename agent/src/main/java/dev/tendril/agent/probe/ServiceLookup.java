package dev.tendril.agent.probe;

import dev.tendril.datapath.lb.LoadBalancer;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/** A probe's destination as a Service frontend: the model socket-LB over the node's LB maps, and Service names. */
final class ServiceLookup {

    private final NodeView view;

    ServiceLookup(NodeView view) {
        this.view = view;
    }

    /**
     * The model socket-LB's answer for the destination, on this (the source's) node's maps. The client is
     * keyed by the source's endpoint id on this node (the kernel keys it by the netns cookie; 0 for the host);
     * the hash stands in for {@code bpf_get_prandom_u32()}, from the 5-tuple with the source port the probe
     * will use.
     */
    Optional<LoadBalancer.Translation> translate(
            Party from,
            int localEndpointId,
            InetAddress srcIp,
            int sourcePort,
            InetAddress dstIp,
            ProbeRequest.Probe probe) {
        Optional<LoadBalancer> lb = view.loadBalancer();
        if (lb.isEmpty()) {
            return Optional.empty();
        }
        long client = from.isEndpoint() ? localEndpointId : 0;
        int hash = Objects.hash(srcIp, sourcePort, dstIp, probe.port(), probe.protocol());
        return lb.get()
                .translate(
                        dstIp,
                        probe.port(),
                        probe.protocol(),
                        client,
                        hash,
                        System.nanoTime(),
                        a -> isNodeAddress(view.resolveIdentity(a)));
    }

    /** Reserved identities 1 (host) and 6 (remote-node): the addresses a NodePort answers on. */
    private static boolean isNodeAddress(long identity) {
        return identity == 1 || identity == 6;
    }

    /** {@code namespace/name} of the image's Service with a frontend of that reverse-NAT index; "" when none. */
    String name(int revNatIndex) {
        for (var e : view.image().services().entrySet()) {
            for (var f : e.getValue().getFrontendsList()) {
                if (f.getRevNatIndex() == revNatIndex) {
                    return e.getKey();
                }
            }
        }
        return "";
    }
}
