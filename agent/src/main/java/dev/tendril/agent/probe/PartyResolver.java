package dev.tendril.agent.probe;

import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.datapath.ipcache.IpcacheKey;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;

/** Resolves a probe's ends (a pod or an address) to {@link Party}s as this node knows the cluster. */
final class PartyResolver {

    private final NodeView view;

    PartyResolver(NodeView view) {
        this.view = view;
    }

    Party resolve(String field, Target target) {
        return switch (target) {
            case Target.Pod pod ->
                endpointParty(pod.key())
                        .orElseThrow(() -> new ProbeException(
                                404,
                                field,
                                field + ": no endpoint " + pod.key() + " in the cluster (as node " + view.nodeName()
                                        + " knows it)"));
            case Target.Address a -> byAddress(a.ip());
        };
    }

    Optional<Party> endpointParty(String key) {
        Endpoint ep = view.image().endpoints().get(key);
        if (ep != null) {
            return Optional.of(new Party(
                    key,
                    ep.getNamespace(),
                    ep.getPod(),
                    ep.getIpv4(),
                    ep.getIpv6(),
                    null,
                    ep.getIdentity(),
                    ep.getNode(),
                    ep.getLabelsMap(),
                    null));
        }
        return view.localEndpoints().stream()
                .filter(e -> e.key().equals(key))
                .findFirst()
                .map(this::localParty);
    }

    private Party localParty(LocalEndpoint e) {
        return new Party(
                e.key(),
                e.namespace(),
                e.pod(),
                e.ipv4(),
                e.ipv6(),
                null,
                e.identity(),
                view.nodeName(),
                Map.of(),
                null);
    }

    private Party byAddress(InetAddress ip) {
        String text = IpcacheKey.format(ip);
        for (Endpoint ep : view.image().endpoints().values()) {
            if (text.equals(ep.getIpv4()) || text.equals(ep.getIpv6())) {
                return new Party(
                        ep.getNamespace() + "/" + ep.getPod(),
                        ep.getNamespace(),
                        ep.getPod(),
                        ep.getIpv4(),
                        ep.getIpv6(),
                        ip,
                        ep.getIdentity(),
                        ep.getNode(),
                        ep.getLabelsMap(),
                        null);
            }
        }
        for (LocalEndpoint e : view.localEndpoints()) {
            if (text.equals(e.ipv4()) || text.equals(e.ipv6())) {
                Party p = localParty(e);
                return new Party(
                        p.key(),
                        p.namespace(),
                        p.pod(),
                        p.ipv4(),
                        p.ipv6(),
                        ip,
                        p.identity(),
                        p.node(),
                        Map.of(),
                        null);
            }
        }
        return view.remotePod(ip).map(remote -> remoteParty(remote, ip)).orElseGet(() -> address(ip));
    }

    Party address(InetAddress ip) {
        return new Party(null, "", "", "", "", ip, view.resolveIdentity(ip), null, Map.of(), null);
    }

    /**
     * A peer's pod by its address: named (namespace, pod, labels, the peer's cluster) as the kernel's flows name it,
     * with the identity this node's ipcache gives the address, which is what the datapath decides on.
     */
    private Party remoteParty(NodeView.RemotePod remote, InetAddress ip) {
        Endpoint ep = remote.endpoint();
        return new Party(
                null,
                ep.getNamespace(),
                ep.getPod(),
                ep.getIpv4(),
                ep.getIpv6(),
                ip,
                view.resolveIdentity(ip),
                null,
                ep.getLabelsMap(),
                remote.cluster());
    }

    /** The source and destination addresses: the ones given, else a family both ends have (IPv4 first). */
    static InetAddress[] addresses(Party from, Party to) {
        if (from.given() != null && to.given() != null) {
            return new InetAddress[] {from.given(), to.given()};
        }
        if (from.given() != null) {
            boolean v4 = from.given() instanceof Inet4Address;
            return new InetAddress[] {from.given(), to.address(v4).orElseThrow(() -> noFamily("to", to, v4))};
        }
        if (to.given() != null) {
            boolean v4 = to.given() instanceof Inet4Address;
            return new InetAddress[] {from.address(v4).orElseThrow(() -> noFamily("from", from, v4)), to.given()};
        }
        for (boolean v4 : new boolean[] {true, false}) {
            Optional<InetAddress> f = from.address(v4);
            Optional<InetAddress> t = to.address(v4);
            if (f.isPresent() && t.isPresent()) {
                return new InetAddress[] {f.get(), t.get()};
            }
        }
        throw new ProbeException(
                422, "to", "to: " + from.key() + " and " + to.key() + " have no address family in common");
    }

    private static ProbeException noFamily(String field, Party p, boolean v4) {
        return new ProbeException(
                422, field, field + ": " + p.key() + " has no " + (v4 ? "IPv4" : "IPv6") + " address");
    }
}
