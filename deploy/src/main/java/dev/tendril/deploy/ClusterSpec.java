package dev.tendril.deploy;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpFamily;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who a stack is in a ClusterMesh: its cluster name and id (Cilium's rules: 1-32 lower-case alphanumerics or '-',
 * id 0..255 and at least 1 to join a mesh) and the pod CIDRs IPAM allocates from, which must not overlap a peer's.
 *
 * @param podCidr   IPAM's IPv4 cluster pool ({@code tendril.ipam.ipv4.cidrs}), node blocks of /{@value #NODE_MASK_V4}
 * @param podCidrV6 IPAM's IPv6 cluster pool ({@code tendril.ipam.ipv6.cidrs}), node blocks of /{@value #NODE_MASK_V6}
 */
record ClusterSpec(String name, int id, String podCidr, String podCidrV6) {

    // Before DEFAULT: the constructor of that constant uses it.
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    static final String DEFAULT_NAME = "default";
    static final String DEFAULT_POD_CIDR = "10.0.0.0/8";
    static final String DEFAULT_POD_CIDR_V6 = "fd00::/104";
    static final int MAX_ID = 255;
    static final int NODE_MASK_V4 = 24;
    static final int NODE_MASK_V6 = 120;
    static final ClusterSpec DEFAULT = new ClusterSpec(DEFAULT_NAME, 0, DEFAULT_POD_CIDR, DEFAULT_POD_CIDR_V6);

    ClusterSpec {
        checkName("--cluster-name", name);
        if (id < 0 || id > MAX_ID) {
            throw new IllegalArgumentException(
                    "--cluster-id must be 0.." + MAX_ID + " (0 only without ClusterMesh), was " + id);
        }
        podCidr = checkCidr("--pod-cidr", podCidr, IpFamily.IPV4, NODE_MASK_V4);
        podCidrV6 = checkCidr("--pod-cidr-v6", podCidrV6, IpFamily.IPV6, NODE_MASK_V6);
    }

    /** Throws, naming {@code what}, unless {@code name} is a cluster name by Cilium's rules. */
    static void checkName(String what, String name) {
        if (name == null || name.length() > 32 || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " must be 1-32 lower-case alphanumerics or '-', starting and "
                    + "ending alphanumeric, was '" + name + "'");
        }
    }

    /** As stack.json records it, where {@code tendril status} and a peer's {@code clustermesh connect} read it. */
    dev.tendril.cli.stack.StackFile.Cluster recorded() {
        return new dev.tendril.cli.stack.StackFile.Cluster(name, id, podCidrs());
    }

    List<String> podCidrs() {
        return List.of(podCidr, podCidrV6);
    }

    /** The first pair of this cluster's and {@code other} pod CIDRs that overlap, as "A overlaps B". */
    static Optional<String> overlap(List<String> ours, List<String> theirs) {
        for (String a : ours) {
            for (String b : theirs) {
                Cidr x = Cidr.parse(a);
                Cidr y = Cidr.parse(b);
                if (x.family() == y.family() && x.overlaps(y)) {
                    return Optional.of(a + " overlaps " + b);
                }
            }
        }
        return Optional.empty();
    }

    private static String checkCidr(String option, String text, IpFamily family, int nodeMask) {
        Cidr cidr;
        try {
            cidr = Cidr.parse(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(option + " must be a CIDR such as "
                    + (family == IpFamily.IPV4 ? DEFAULT_POD_CIDR : DEFAULT_POD_CIDR_V6) + ": " + e.getMessage());
        }
        if (cidr.family() != family) {
            throw new IllegalArgumentException(
                    option + " must be an " + (family == IpFamily.IPV4 ? "IPv4" : "IPv6") + " CIDR, was " + text);
        }
        if (cidr.prefixLength() > nodeMask) {
            throw new IllegalArgumentException(option + " " + text + " must be /" + nodeMask + " or larger: nodes get /"
                    + nodeMask + " blocks of it");
        }
        return cidr.toString();
    }
}
