package dev.tendril.agent.datapath.fabric;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A pod's namespace and veth, as a CNI plugin in Cilium's native-routing mode wires them: {@code eth0}
 * in the pod with its /32 and /128, a host route to the router address and the default route via it (a
 * permanent neighbour entry for it: the host side answers no ARP); in the node, the host side
 * {@code lxc...} up without addresses, a route per pod address with the node's address as source (so
 * the node reaches its pods as itself) and a permanent neighbour entry per address. An existing namespace
 * is never replaced: a veth found paired is kept, a broken one rebuilt, and addresses and routes are
 * brought to the spec (replaced, stale ones deleted), so a restarted agent wiring its pods again changes
 * nothing for a pod that works.
 */
final class PodWiring {

    private PodWiring() {}

    static FabricPod ensure(StackPrefix prefix, FabricNode node, PodSpec spec) {
        PodRef pod = spec.pod();
        List<InetAddress> gateways = new ArrayList<>();
        for (InetAddress a : spec.addresses()) {
            boolean v4 = Addresses.isIpv4(a);
            PodCidr cidr = node.podCidrs().stream()
                    .filter(c -> c.ipv4() == v4)
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("pod " + pod + ": node " + node.name()
                            + " has no IPv" + (v4 ? 4 : 6) + " pod CIDR for " + Names.text(a)));
            if (!Addresses.contains(cidr.parsed(), a) || a.equals(cidr.router())) {
                throw new IllegalArgumentException("pod " + pod + ": " + Names.text(a) + " is not a pod address of "
                        + node.name() + "'s " + cidr.cidr() + " (router " + Names.text(cidr.router()) + ")");
            }
            gateways.add(cidr.router());
        }
        String nodeNs = node.netnsName();
        String podNs = Names.podNetns(prefix, pod);
        String host = Names.hostVeth(pod);
        String hostMac = Names.hostMac(pod);
        Namespaces.State state = Namespaces.ensure(podNs);
        Ip.Link h = Namespaces.find(Ip.links(nodeNs), host);
        if (h != null && !h.peerNetns().isEmpty() && !h.peerNetns().equals(podNs) && Namespaces.exists(h.peerNetns())) {
            throw new FabricException("pod " + pod + ": its host-side veth name " + host + " is taken in " + nodeNs
                    + " by the veth of " + h.peerNetns() + "; left alone");
        }
        boolean fresh = !Namespaces.paired(h, Namespaces.find(state.links(), Names.ETH0), podNs);
        if (fresh) {
            if (h != null) {
                Namespaces.deleteLink(nodeNs, host);
            }
            Namespaces.deleteLink(podNs, Names.ETH0);
            Ip.run(
                    nodeNs,
                    "link",
                    "add",
                    host,
                    "address",
                    hostMac,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    Names.ETH0,
                    "address",
                    Names.podMac(pod),
                    "netns",
                    podNs);
        }

        List<String> nodeLines = new ArrayList<>();
        if (fresh) {
            nodeLines.add("link set " + host + " addrgenmode none");
        }
        nodeLines.add("link set " + host + " up");
        List<String> wanted =
                spec.addresses().stream().map(a -> Addresses.host(a).toString()).toList();
        for (boolean v4 : new boolean[] {true, false}) {
            for (String dst : fresh ? List.<String>of() : Ip.routes(nodeNs, v4, "dev", host)) {
                String cidr = NodeWiring.normalise(dst, v4);
                if (cidr != null && !wanted.contains(cidr)) {
                    nodeLines.add("route del " + cidr + " dev " + host);
                }
            }
        }
        for (InetAddress a : spec.addresses()) {
            InetAddress source = node.addresses().stream()
                    .filter(n -> Addresses.isIpv4(n) == Addresses.isIpv4(a))
                    .findFirst()
                    .orElseThrow();
            nodeLines.add("route replace " + Addresses.host(a) + " dev " + host + " src " + Names.text(source));
            nodeLines.add("neigh replace " + Names.text(a) + " lladdr " + Names.podMac(pod) + " dev " + host
                    + " nud permanent");
        }
        Ip.batch(nodeNs, nodeLines);

        List<String> podLines = new ArrayList<>(List.of("link set lo up"));
        if (fresh) {
            podLines.add("link set " + Names.ETH0 + " addrgenmode none");
        }
        podLines.add("link set " + Names.ETH0 + " up");
        NodeWiring.converge(podLines, Names.ETH0, wanted, fresh ? List.of() : Ip.addresses(podNs, Names.ETH0));
        for (boolean v4 : new boolean[] {true, false}) {
            InetAddress gateway = gateways.stream()
                    .filter(g -> Addresses.isIpv4(g) == v4)
                    .findFirst()
                    .orElse(null);
            if (gateway == null) {
                if (!fresh && !Ip.routes(podNs, v4, "default").isEmpty()) {
                    podLines.add("route del " + (v4 ? "0.0.0.0/0" : "::/0") + " dev " + Names.ETH0);
                }
                continue;
            }
            String g = Names.text(gateway);
            podLines.add("route replace " + g + " dev " + Names.ETH0);
            podLines.add("route replace " + (v4 ? "0.0.0.0/0" : "::/0") + " via " + g + " dev " + Names.ETH0);
            podLines.add("neigh replace " + g + " lladdr " + hostMac + " dev " + Names.ETH0 + " nud permanent");
        }
        Ip.batch(podNs, podLines);
        return new FabricPod(
                pod, podNs, Names.netnsPath(podNs), node.netns(), host, Names.ETH0, spec.addresses(), state.reused());
    }

    /** Deletes the host-side veth (and with it the pod's end, routes, neighbours, tc filters) and the namespace. */
    static boolean remove(StackPrefix prefix, PodRef pod) {
        String nodeNs = Names.nodeNetns(prefix, pod.node());
        boolean veth = false;
        if (Namespaces.exists(nodeNs)) {
            veth = Namespaces.find(Ip.links(nodeNs), Names.hostVeth(pod)) != null;
            if (veth) {
                Namespaces.deleteLink(nodeNs, Names.hostVeth(pod));
            }
        }
        return Namespaces.delete(Names.podNetns(prefix, pod)) || veth;
    }
}
