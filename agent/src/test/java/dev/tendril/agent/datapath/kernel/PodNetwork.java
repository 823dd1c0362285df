package dev.tendril.agent.datapath.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A node and its pods made of network namespaces, as a CNI plugin would wire them: a node namespace
 * (forwarding on, the node's addresses on lo), and per pod a namespace with eth0, one end of a veth
 * whose other end stays in the node namespace. Each pod has a /32 IPv4 and a /128 IPv6 address,
 * reaches everything through the node (default routes via 169.254.1.1 and fe80::1 with static
 * neighbour entries, so no ARP or neighbour discovery runs), and the node routes each pod address to
 * its veth. Names carry a random prefix per network; {@link #close} deletes the namespaces, and the
 * veths with them.
 */
final class PodNetwork implements AutoCloseable {

    /** One pod: {@code netns} and {@code hostInterface} (in the node namespace) are what gets attached. */
    record Pod(int index, String name, Path netns, String hostInterface, InetAddress ipv4, InetAddress ipv6,
               int endpointId) {

        InetAddress address(boolean v4) {
            return v4 ? ipv4 : ipv6;
        }

        String ipv4Text() {
            return ipv4.getHostAddress();
        }

        String ipv6Text() {
            return dev.tendril.datapath.ipcache.IpcacheKey.format(ipv6);
        }
    }

    static final String NODE_IPV4 = "10.250.255.1";
    static final String NODE_IPV6 = "fd00:250::ff:1";

    private final String prefix;
    private final List<Pod> pods = new ArrayList<>();
    private final List<String> namespaces = new ArrayList<>();
    private final String nodeNamespace;

    private PodNetwork(String prefix) {
        this.prefix = prefix;
        this.nodeNamespace = prefix + "-node";
    }

    /** A node with {@code names.size()} pods, pod i named names.get(i) with endpoint id i + 1. */
    static PodNetwork create(List<String> names) {
        String prefix = "tk" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 5);
        PodNetwork net = new PodNetwork(prefix);
        Runtime.getRuntime().addShutdownHook(new Thread(net::close));
        try {
            net.build(names);
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    private void build(List<String> names) {
        StringBuilder root = new StringBuilder("netns add " + nodeNamespace + "\n");
        namespaces.add(nodeNamespace);
        for (int i = 0; i < names.size(); i++) {
            String ns = prefix + "-p" + i;
            root.append("netns add ").append(ns).append('\n');
            namespaces.add(ns);
            pods.add(new Pod(i, names.get(i), netnsPath(ns), prefix + "h" + i, address("10.250.0." + (10 + i)),
                    address("fd00:250::" + Integer.toHexString(10 + i)), i + 1));
        }
        batch(null, root.toString());
        ip("netns", "exec", nodeNamespace, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1",
                "net.ipv6.conf.all.forwarding=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");

        StringBuilder node = new StringBuilder("""
                link set lo up
                addr add %s/32 dev lo
                addr add %s/128 dev lo nodad
                """.formatted(NODE_IPV4, NODE_IPV6));
        for (Pod p : pods) {
            String host = hostMac(p);
            node.append("""
                    link add %1$s address %2$s type veth peer name eth0 address %3$s netns %4$s
                    link set %1$s addrgenmode none
                    link set %1$s up
                    route add %5$s/32 dev %1$s
                    route add %6$s/128 dev %1$s
                    neigh add %5$s lladdr %3$s dev %1$s nud permanent
                    neigh add %6$s lladdr %3$s dev %1$s nud permanent
                    """.formatted(p.hostInterface(), host, podMac(p), namespaceOf(p), p.ipv4Text(), p.ipv6Text()));
        }
        batch(nodeNamespace, node.toString());
        for (Pod p : pods) {
            batch(namespaceOf(p), """
                    link set lo up
                    link set eth0 addrgenmode none
                    link set eth0 up
                    addr add %1$s/32 dev eth0
                    addr add %2$s/128 dev eth0 nodad
                    route add 169.254.1.1 dev eth0 scope link
                    route add default via 169.254.1.1 dev eth0
                    neigh add 169.254.1.1 lladdr %3$s dev eth0 nud permanent
                    route add ::/0 via fe80::1 dev eth0
                    neigh add fe80::1 lladdr %3$s dev eth0 nud permanent
                    """.formatted(p.ipv4Text(), p.ipv6Text(), hostMac(p)));
        }
    }

    List<Pod> pods() {
        return pods;
    }

    Pod pod(String name) {
        return pods.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    /** The node namespace, where the host-side veths are. */
    Path nodeNetns() {
        return netnsPath(nodeNamespace);
    }

    InetAddress nodeAddress(boolean v4) {
        return address(v4 ? NODE_IPV4 : NODE_IPV6);
    }

    private String namespaceOf(Pod p) {
        return prefix + "-p" + p.index();
    }

    private static String hostMac(Pod p) {
        return "02:7e:00:00:%02x:01".formatted(p.index());
    }

    private static String podMac(Pod p) {
        return "02:7e:00:00:%02x:02".formatted(p.index());
    }

    private static Path netnsPath(String name) {
        return Path.of("/var/run/netns", name);
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Deletes every namespace of this network (their veths go with them); safe to call twice. */
    @Override
    public synchronized void close() {
        if (namespaces.isEmpty()) {
            return;
        }
        StringBuilder del = new StringBuilder();
        for (String ns : namespaces) {
            del.append("netns del ").append(ns).append('\n');
        }
        namespaces.clear();
        try {
            batch(null, del.toString(), true);
        } catch (RuntimeException e) {
            System.out.println("PodNetwork " + prefix + ": cleanup: " + e.getMessage());
        }
    }

    private static void batch(String netns, String commands) {
        batch(netns, commands, false);
    }

    private static void batch(String netns, String commands, boolean force) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        if (netns != null) {
            cmd.addAll(List.of("-n", netns));
        }
        if (force) {
            cmd.add("-force");
        }
        cmd.addAll(List.of("-batch", "-"));
        run(cmd, commands);
    }

    static void ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        run(cmd, "");
    }

    private static void run(List<String> cmd, String stdin) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out + "\ninput:\n" + stdin);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
