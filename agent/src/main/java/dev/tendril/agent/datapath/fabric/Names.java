package dev.tendril.agent.datapath.fabric;

import dev.tendril.net.IpAddress;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The fabric's names. Network namespaces: {@code <prefix>} (the switch), {@code <prefix>_<node>},
 * {@code <prefix>_<node>_<namespace>_<pod>}; Kubernetes names have no {@code _}, so a name parses back.
 * Interfaces (15 characters at most) need no prefix, being inside the stack's own namespaces: a pod's
 * host-side veth is Cilium's {@code lxc} and 11 hex digits of a hash of the pod, so a restarted agent
 * finds it by name; MAC addresses come from the same hash so that rebuilt veths keep them.
 */
final class Names {
    static final String SEPARATOR = "_";
    static final Path NETNS_DIR = Path.of("/var/run/netns");
    /** The node's uplink to the switch, and a pod's end of its veth. */
    static final String ETH0 = "eth0";
    /** The node's interface holding the router addresses, one end of a veth pair as Cilium's. */
    static final String ROUTER = "cilium_host";

    static final String ROUTER_PEER = "cilium_net";
    static final String BRIDGE = "br0";
    private static final int NAME_MAX = 255;
    private static final Pattern K8S_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    private Names() {}

    static void requireName(String what, String name) {
        if (name == null || !K8S_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a " + what + " name is a DNS subdomain (lower-case letters, digits,"
                    + " '-' and '.'); got " + name);
        }
    }

    static String switchNetns(StackPrefix prefix) {
        return prefix.value();
    }

    static String nodeNetns(StackPrefix prefix, String node) {
        return prefix.value() + SEPARATOR + node;
    }

    static String podNetns(StackPrefix prefix, PodRef pod) {
        String name = nodeNetns(prefix, pod.node()) + SEPARATOR + pod.namespace() + SEPARATOR + pod.name();
        if (name.length() > NAME_MAX) {
            throw new IllegalArgumentException("pod " + pod + ": its namespace name would be longer than " + NAME_MAX);
        }
        return name;
    }

    /** The pod a namespace name of this stack names, or null when it names none (the switch, a node). */
    static PodRef podOf(StackPrefix prefix, String netns) {
        if (!netns.startsWith(prefix.value() + SEPARATOR)) {
            return null;
        }
        String[] parts = netns.substring(prefix.value().length() + 1).split(SEPARATOR, -1);
        try {
            return parts.length == 3 ? new PodRef(parts[0], parts[1], parts[2]) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The node a namespace name of this stack names, or null. */
    static String nodeOf(StackPrefix prefix, String netns) {
        if (!netns.startsWith(prefix.value() + SEPARATOR)) {
            return null;
        }
        String rest = netns.substring(prefix.value().length() + 1);
        return rest.contains(SEPARATOR) || !K8S_NAME.matcher(rest).matches() ? null : rest;
    }

    static Path netnsPath(String name) {
        return NETNS_DIR.resolve(name);
    }

    static String hostVeth(PodRef pod) {
        return "lxc" + hash(pod).substring(0, 11);
    }

    static String hostMac(PodRef pod) {
        return mac(0x02, hash(pod));
    }

    static String podMac(PodRef pod) {
        return mac(0x0a, hash(pod));
    }

    /** The switch's port of node {@code index}; its alias is the node's name. */
    static String switchPort(int index) {
        return "n" + index;
    }

    /** An address as ip(8) prints it: IPv6 compressed, IPv4 dotted. */
    static String text(InetAddress address) {
        return Addresses.isIpv4(address)
                ? address.getHostAddress()
                : IpAddress.of(address).toString();
    }

    private static String mac(int first, String hash) {
        StringBuilder sb = new StringBuilder("%02x".formatted(first));
        for (int i = 11; i < 21; i += 2) {
            sb.append(':').append(hash, i, i + 2);
        }
        return sb.toString();
    }

    private static String hash(PodRef pod) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest((pod.namespace() + "/" + pod.name()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }
}
