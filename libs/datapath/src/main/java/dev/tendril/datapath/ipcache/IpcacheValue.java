package dev.tendril.datapath.ipcache;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A value of the ipcache, {@code struct remote_endpoint_info} in Cilium's bpf/lib/eps.h, 24 bytes:
 *
 * <pre>
 * offset size field
 *  0     4    sec_identity     u32, host order (little-endian)
 *  4    16    tunnel_endpoint  network order; IPv4 in the first 4 bytes, zero when there is none
 * 20     2    pad, zero
 * 22     1    key              IPsec encryption key index
 * 23     1    flags: bit 0 skip_tunnel, bit 1 has_tunnel_ep, bit 2 ipv6_tunnel_ep, bit 3 remote_cluster
 * </pre>
 *
 * As in Cilium's {@code NewValue}, has_tunnel_ep and ipv6_tunnel_ep follow from the tunnel endpoint.
 * Bits 4-7 are refused: Tendril writes the 1.17/1.18 layout (upstream later gave bit 4 to
 * {@code flag_unroutable}).
 *
 * @param identity security identity (u32)
 * @param tunnelEndpoint the node to tunnel to, or null for none (local endpoints, CIDRs)
 * @param encryptKey IPsec key index 0..255
 * @param skipTunnel never encapsulate towards this prefix
 * @param remoteCluster the prefix belongs to another cluster
 */
public record IpcacheValue(
        long identity, InetAddress tunnelEndpoint, int encryptKey, boolean skipTunnel, boolean remoteCluster) {

    public static final int SIZE = 24;
    public static final int FLAG_SKIP_TUNNEL = 1;
    public static final int FLAG_HAS_TUNNEL_EP = 1 << 1;
    public static final int FLAG_IPV6_TUNNEL_EP = 1 << 2;
    public static final int FLAG_REMOTE_CLUSTER = 1 << 3;

    public IpcacheValue {
        if (identity < 0 || identity > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("identity must be a u32 (0..4294967295), got " + identity);
        }
        if (encryptKey < 0 || encryptKey > 0xFF) {
            throw new IllegalArgumentException("encryptKey must be 0..255, got " + encryptKey);
        }
        if (tunnelEndpoint != null) {
            tunnelEndpoint = IpcacheKey.address(tunnelEndpoint.getAddress());
        }
    }

    /** An entry with only an identity: a local endpoint or a CIDR. */
    public static IpcacheValue of(long identity) {
        return new IpcacheValue(identity, null, 0, false, false);
    }

    /** An endpoint on another node, reached through that node. */
    public static IpcacheValue remote(long identity, InetAddress tunnelEndpoint) {
        if (tunnelEndpoint == null) {
            throw new IllegalArgumentException("tunnelEndpoint must not be null");
        }
        return new IpcacheValue(identity, tunnelEndpoint, 0, false, false);
    }

    /** The flags byte as written: the two booleans plus the tunnel endpoint flags. */
    public int flags() {
        int f = 0;
        if (skipTunnel) {
            f |= FLAG_SKIP_TUNNEL;
        }
        if (tunnelEndpoint != null) {
            f |= FLAG_HAS_TUNNEL_EP;
            if (tunnelEndpoint instanceof Inet6Address) {
                f |= FLAG_IPV6_TUNNEL_EP;
            }
        }
        if (remoteCluster) {
            f |= FLAG_REMOTE_CLUSTER;
        }
        return f;
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt((int) identity);
        byte[] tunnel = new byte[16];
        if (tunnelEndpoint != null) {
            byte[] a = tunnelEndpoint.getAddress();
            System.arraycopy(a, 0, tunnel, 0, a.length);
        }
        b.put(tunnel);
        b.putShort((short) 0);
        b.put((byte) encryptKey);
        b.put((byte) flags());
        return b.array();
    }

    public static IpcacheValue decode(byte[] bytes) {
        if (bytes == null || bytes.length != SIZE) {
            throw new IllegalArgumentException(
                    "ipcache value must be " + SIZE + " bytes, got " + (bytes == null ? "null" : bytes.length));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long identity = Integer.toUnsignedLong(b.getInt());
        byte[] tunnel = new byte[16];
        b.get(tunnel);
        if (b.getShort() != 0) {
            throw new IllegalArgumentException("pad bytes 20-21 must be zero");
        }
        int key = b.get() & 0xFF;
        int flags = b.get() & 0xFF;
        if ((flags & 0xF0) != 0) {
            throw new IllegalArgumentException("flags has unknown bits 4-7 set: 0x" + Integer.toHexString(flags));
        }
        boolean has = (flags & FLAG_HAS_TUNNEL_EP) != 0;
        boolean v6 = (flags & FLAG_IPV6_TUNNEL_EP) != 0;
        InetAddress endpoint = null;
        if (has) {
            int len = v6 ? 16 : 4;
            for (int i = len; i < 16; i++) {
                if (tunnel[i] != 0) {
                    throw new IllegalArgumentException(
                            "tunnel_endpoint bytes 4..15 must be zero for an IPv4 tunnel endpoint");
                }
            }
            endpoint = IpcacheKey.address(Arrays.copyOf(tunnel, len));
        } else {
            if (v6) {
                throw new IllegalArgumentException("flags has ipv6_tunnel_ep without has_tunnel_ep");
            }
            for (byte x : tunnel) {
                if (x != 0) {
                    throw new IllegalArgumentException("tunnel_endpoint must be zero without has_tunnel_ep");
                }
            }
        }
        return new IpcacheValue(
                identity, endpoint, key, (flags & FLAG_SKIP_TUNNEL) != 0, (flags & FLAG_REMOTE_CLUSTER) != 0);
    }
}
