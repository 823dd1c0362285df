package dev.tendril.agent.datapath.fabric;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpFamily;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The switch and the nodes. The switch namespace holds a bridge; each node namespace has an uplink veth
 * ({@code eth0}, its underlay addresses) whose other end is a bridge port named {@code n<index>} with the
 * node's name as alias, Cilium's veth pair {@code cilium_host}/{@code cilium_net} with the router
 * addresses on {@code cilium_host} (a veth: kernels without the dummy driver have veths, which pods need
 * anyway), a blackhole route per pod CIDR (the node's unused pod addresses go nowhere; each pod's /32 or
 * /128 is more specific), forwarding on and reverse-path filtering off. Every step checks what is there and only adds what is missing, so wiring a
 * node again changes nothing that works.
 */
final class NodeWiring {
    private static final List<String> SYSCTLS = List.of(
            "net.ipv4.ip_forward=1",
            "net.ipv6.conf.all.forwarding=1",
            "net.ipv4.conf.all.rp_filter=0",
            "net.ipv4.conf.default.rp_filter=0");

    private NodeWiring() {}

    static void ensureSwitch(StackPrefix prefix) {
        String sw = Names.switchNetns(prefix);
        Namespaces.State state = Namespaces.ensure(sw);
        List<String> lines = new ArrayList<>(List.of("link set lo up"));
        if (Namespaces.find(state.links(), Names.BRIDGE) == null) {
            // Multicast snooping off: the bridge floods neighbour discovery to every node, no MLD querier needed.
            lines.add("link add " + Names.BRIDGE + " type bridge mcast_snooping 0");
        }
        lines.add("link set " + Names.BRIDGE + " up");
        Ip.batch(sw, lines);
    }

    static FabricNode ensure(StackPrefix prefix, Underlay underlay, NodeSpec spec) {
        ensureSwitch(prefix);
        String sw = Names.switchNetns(prefix);
        String ns = Names.nodeNetns(prefix, spec.name());
        String port = Names.switchPort(spec.index());
        List<Ip.Link> switchLinks = Ip.links(sw);
        Ip.Link p = Namespaces.find(switchLinks, port);
        if (p != null && !p.alias().isEmpty() && !p.alias().equals(spec.name())) {
            throw new IllegalArgumentException("node index " + spec.index() + " is node " + p.alias() + "'s in stack "
                    + prefix + ", not " + spec.name() + "'s");
        }
        for (Ip.Link other : switchLinks) {
            if (other.alias().equals(spec.name()) && !other.name().equals(port)) {
                Namespaces.deleteLink(sw, other.name());
            }
        }
        Namespaces.State state = Namespaces.ensure(ns);
        List<String> sysctl = new ArrayList<>(List.of("ip", "netns", "exec", ns, "sysctl", "-q", "-w"));
        sysctl.addAll(SYSCTLS);
        Ip.exec(sysctl.toArray(String[]::new));

        List<Ip.Link> links = state.links();
        boolean fresh = !Namespaces.paired(p, Namespaces.find(links, Names.ETH0), ns);
        if (fresh) {
            if (p != null) {
                Namespaces.deleteLink(sw, port);
            }
            Namespaces.deleteLink(ns, Names.ETH0);
            Ip.run(sw, "link", "add", port, "type", "veth", "peer", "name", Names.ETH0, "netns", ns);
            Ip.batch(
                    sw,
                    List.of(
                            "link set " + port + " alias " + spec.name(),
                            "link set " + port + " addrgenmode none",
                            "link set " + port + " master " + Names.BRIDGE,
                            "link set " + port + " up"));
        }

        List<String> lines = new ArrayList<>(List.of("link set lo up"));
        if (fresh) {
            lines.add("link set " + Names.ETH0 + " addrgenmode none");
        }
        lines.add("link set " + Names.ETH0 + " up");
        converge(
                lines,
                Names.ETH0,
                underlay.uplinkAddresses(spec.index()),
                fresh ? List.of() : Ip.addresses(ns, Names.ETH0));
        // A fixed link-local address without DAD: neighbour solicitations for forwarded packets need one,
        // and a generated one would be tentative (so silent) for a second.
        lines.add("addr replace " + underlay.linkLocal(spec.index()) + "/64 dev " + Names.ETH0 + " nodad");
        boolean hasRouter =
                Namespaces.paired(Namespaces.find(links, Names.ROUTER), Namespaces.find(links, Names.ROUTER_PEER), "");
        if (!hasRouter) {
            Namespaces.deleteLink(ns, Names.ROUTER);
            Namespaces.deleteLink(ns, Names.ROUTER_PEER);
            lines.add("link add " + Names.ROUTER + " type veth peer name " + Names.ROUTER_PEER);
        }
        lines.add("link set " + Names.ROUTER_PEER + " up");
        lines.add("link set " + Names.ROUTER + " up");
        converge(
                lines,
                Names.ROUTER,
                spec.podCidrs().stream()
                        .map(c -> Addresses.host(c.router()).toString())
                        .toList(),
                hasRouter ? Ip.addresses(ns, Names.ROUTER) : List.of());
        List<String> cidrs = spec.podCidrs().stream().map(PodCidr::cidr).toList();
        for (String present : blackholes(ns)) {
            if (!cidrs.contains(present)) {
                lines.add("route del blackhole " + present);
            }
        }
        cidrs.forEach(c -> lines.add("route replace blackhole " + c));
        Ip.batch(ns, lines);
        return new FabricNode(
                spec.name(), spec.index(), ns, Names.netnsPath(ns), underlay.addresses(spec.index()), spec.podCidrs());
    }

    /** Adds the wanted addresses ({@code address/bits}) to {@code device} and removes the others it has. */
    static void converge(List<String> lines, String device, List<String> wanted, List<String> present) {
        List<String> keep = wanted.stream().map(NodeWiring::canonical).toList();
        for (String have : present) {
            if (!keep.contains(canonical(have))) {
                lines.add("addr del " + have + " dev " + device);
            }
        }
        for (String a : wanted) {
            lines.add("addr replace " + a + " dev " + device + (a.contains(":") ? " nodad" : ""));
        }
    }

    /** The node as its namespace has it wired, or empty when it is not (fully) wired. */
    static Optional<FabricNode> read(StackPrefix prefix, Underlay underlay, String name) {
        String ns = Names.nodeNetns(prefix, name);
        if (!Namespaces.exists(ns)) {
            return Optional.empty();
        }
        List<Ip.Link> links = Ip.links(ns);
        if (Namespaces.find(links, Names.ETH0) == null || Namespaces.find(links, Names.ROUTER) == null) {
            return Optional.empty();
        }
        int index = 0;
        for (String a : Ip.addresses(ns, Names.ETH0)) {
            index = Math.max(index, underlay.indexOf(Addresses.literal(a.substring(0, a.indexOf('/')))));
        }
        if (index == 0) {
            return Optional.empty();
        }
        List<PodCidr> cidrs = new ArrayList<>();
        List<String> blackholes = blackholes(ns);
        for (String a : Ip.addresses(ns, Names.ROUTER)) {
            InetAddress router = Addresses.literal(a.substring(0, a.indexOf('/')));
            blackholes.stream()
                    .filter(b -> Addresses.contains(Cidr.parseMasked(b), router))
                    .findFirst()
                    .ifPresent(b -> cidrs.add(new PodCidr(b, router)));
        }
        return Optional.of(new FabricNode(name, index, ns, Names.netnsPath(ns), underlay.addresses(index), cidrs));
    }

    /**
     * Makes the node's routes to other nodes' pod CIDRs exactly {@code peers}': {@code <cidr> via <peer's
     * address> dev eth0 proto static}, replacing changed ones and deleting the routes of peers that left.
     */
    static void routePeers(StackPrefix prefix, String node, List<PeerNode> peers) {
        String ns = Names.nodeNetns(prefix, node);
        if (!Namespaces.exists(ns)) {
            throw new IllegalStateException("node " + node + " is not wired in stack " + prefix + ": ensureNode first");
        }
        Map<String, InetAddress> wanted = new LinkedHashMap<>();
        for (PeerNode peer : peers) {
            for (String c : peer.podCidrs()) {
                Cidr cidr = Cidr.parseMasked(c);
                boolean v4 = cidr.family() == IpFamily.IPV4;
                // A node registered with more addresses than its fabric ones (127.0.0.1, say) is routed via the latter
                // (a ClusterMesh peer's nodes too: their underlay is on-link over the link between the switches).
                List<InetAddress> family = peer.addresses().stream()
                        .filter(a -> Addresses.isIpv4(a) == v4)
                        .toList();
                InetAddress via = family.stream()
                        .filter(Underlay::isUnderlay)
                        .findFirst()
                        .or(() -> family.stream().findFirst())
                        .orElseThrow(() -> new IllegalArgumentException("peer " + peer.name() + " has no IPv"
                                + (v4 ? 4 : 6) + " address to route " + c + " via"));
                wanted.put(cidr.toString(), via);
            }
        }
        List<String> lines = new ArrayList<>();
        for (boolean v4 : new boolean[] {true, false}) {
            for (String dst : Ip.routes(ns, v4, "dev", Names.ETH0, "proto", "static")) {
                String cidr = normalise(dst, v4);
                if (cidr != null && !wanted.containsKey(cidr)) {
                    lines.add("route del " + cidr + " dev " + Names.ETH0 + " proto static");
                }
            }
        }
        wanted.forEach((cidr, via) -> lines.add(
                "route replace " + cidr + " via " + Names.text(via) + " dev " + Names.ETH0 + " proto static"));
        Ip.batch(ns, lines);
    }

    /** The node's pod CIDRs as its blackhole routes have them. */
    private static List<String> blackholes(String ns) {
        List<String> out = new ArrayList<>();
        for (boolean v4 : new boolean[] {true, false}) {
            for (String line : Ip.run(ns, v4 ? "-4" : "-6", "-o", "route", "show", "type", "blackhole")
                    .split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 1 && f[0].equals("blackhole")) {
                    out.add(normalise(f[1], v4));
                }
            }
        }
        return out;
    }

    /** {@code address/bits} with the address in one spelling. */
    private static String canonical(String addressAndBits) {
        int slash = addressAndBits.indexOf('/');
        return Names.text(Addresses.literal(addressAndBits.substring(0, slash))) + addressAndBits.substring(slash);
    }

    /** A route destination as ip prints it ({@code 10.0.1.5}, {@code 10.0.2.0/24}) as a CIDR, null for none. */
    static String normalise(String dst, boolean v4) {
        try {
            return Cidr.parseMasked(dst).toString();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Unwires the node: its uplink (and so its switch port) and its namespace. Whether it was there. */
    static boolean remove(StackPrefix prefix, String node) {
        String ns = Names.nodeNetns(prefix, node);
        boolean existed = Namespaces.exists(ns);
        if (existed) {
            Namespaces.deleteLink(ns, Names.ETH0);
        }
        String sw = Names.switchNetns(prefix);
        if (Namespaces.exists(sw)) {
            for (Ip.Link l : Ip.links(sw)) {
                if (l.alias().equals(node)) {
                    Namespaces.deleteLink(sw, l.name());
                }
            }
        }
        return Namespaces.delete(ns) || existed;
    }
}
