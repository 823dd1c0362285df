package dev.tendril.agent.datapath.fabric;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import java.net.InetAddress;
import java.util.List;

/**
 * A stack's switch network, derived from its ClusterMesh cluster id so that joined stacks never share an address.
 * Cluster 0 (no mesh) keeps node N at {@code 172.31.254.N/24} and {@code fdfe:254::N/64}, link-local
 * {@code fe80::N}. Cluster C (1..255) puts node N at {@code 172.31.C.N/16} and {@code fdfe:C::N/16} (C and N in
 * hex in IPv6), link-local {@code fe80::C:N}: the /16 prefixes make every mesh cluster's nodes on-link, so two
 * switches joined by a link ({@code tendril clustermesh connect}) need no routes between underlays. Pod CIDRs must
 * not overlap {@link #RESERVED_V4} / {@link #RESERVED_V6}, which hold every cluster's underlay.
 */
final class Underlay {
    static final int MAX_INDEX = 254;
    static final int MAX_CLUSTER_ID = 255;
    /** Every cluster's underlay addresses lie here (IPv4). */
    static final Cidr RESERVED_V4 = Cidr.parse("172.31.0.0/16");
    /** Every cluster's underlay addresses lie here (IPv6). */
    static final Cidr RESERVED_V6 = Cidr.parse("fdfe::/16");

    private static final Underlay NO_MESH =
            new Underlay(0, Cidr.parse("172.31.254.0/24"), Cidr.parse("fdfe:254::/64"), 24, 64);

    private final int clusterId;
    /** The cluster's own block: node N is its address N. */
    private final Cidr blockV4;

    private final Cidr blockV6;
    /** The prefix length on a node's uplink: what is on-link. */
    private final int onLinkV4;

    private final int onLinkV6;

    private Underlay(int clusterId, Cidr blockV4, Cidr blockV6, int onLinkV4, int onLinkV6) {
        this.clusterId = clusterId;
        this.blockV4 = blockV4;
        this.blockV6 = blockV6;
        this.onLinkV4 = onLinkV4;
        this.onLinkV6 = onLinkV6;
    }

    /** The underlay of cluster {@code clusterId} (0 outside a mesh, 1..255 in one). */
    static Underlay of(int clusterId) {
        if (clusterId < 0 || clusterId > MAX_CLUSTER_ID) {
            throw new IllegalArgumentException("cluster id must be 0.." + MAX_CLUSTER_ID + ", got " + clusterId);
        }
        if (clusterId == 0) {
            return NO_MESH;
        }
        return new Underlay(
                clusterId,
                Cidr.parse("172.31." + clusterId + ".0/24"),
                Cidr.parse("fdfe:" + Integer.toHexString(clusterId) + "::/64"),
                RESERVED_V4.prefixLength(),
                RESERVED_V6.prefixLength());
    }

    int clusterId() {
        return clusterId;
    }

    /** The network on a node's uplink (its connected route): the whole mesh's for a mesh cluster. */
    Cidr onLink(boolean ipv4) {
        IpAddress base = (ipv4 ? blockV4 : blockV6).network();
        return Cidr.masked(base, ipv4 ? onLinkV4 : onLinkV6);
    }

    /** Node {@code index}'s addresses, IPv4 first. */
    List<InetAddress> addresses(int index) {
        return List.of(address(blockV4, index), address(blockV6, index));
    }

    /** Node {@code index}'s addresses with their uplink prefix lengths ({@code 172.31.1.3/16}), IPv4 first. */
    List<String> uplinkAddresses(int index) {
        return List.of(
                Names.text(address(blockV4, index)) + "/" + onLinkV4,
                Names.text(address(blockV6, index)) + "/" + onLinkV6);
    }

    /** Node {@code index}'s link-local address on its uplink: {@code fe80::N}, in a mesh {@code fe80::C:N}. */
    String linkLocal(int index) {
        return "fe80::" + (clusterId == 0 ? "" : Integer.toHexString(clusterId) + ":") + Integer.toHexString(index);
    }

    /** The node index of one of this cluster's underlay addresses, or 0 when it is none. */
    int indexOf(InetAddress address) {
        Cidr block = Addresses.isIpv4(address) ? blockV4 : blockV6;
        if (!Addresses.contains(block, address)) {
            return 0;
        }
        byte[] b = address.getAddress();
        byte[] net = block.network().bytes();
        for (int i = 0; i < b.length - 1; i++) {
            if (b[i] != net[i]) {
                return 0;
            }
        }
        int index = b[b.length - 1] & 0xff;
        return index <= MAX_INDEX ? index : 0;
    }

    /** Whether {@code address} is an underlay address of some cluster (a node of this stack or of a mesh peer). */
    static boolean isUnderlay(InetAddress address) {
        return Addresses.contains(Addresses.isIpv4(address) ? RESERVED_V4 : RESERVED_V6, address);
    }

    private static InetAddress address(Cidr block, int index) {
        byte[] b = block.network().bytes();
        b[b.length - 1] = (byte) index;
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
