package dev.tendril.datapath.ipcache;

import dev.tendril.net.IpAddress;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A key of the ipcache, {@code struct ipcache_key} in Cilium's bpf/lib/eps.h, 24 bytes:
 *
 * <pre>
 * offset size field
 *  0     4    prefixlen  u32, host order (little-endian): 32 + IP prefix bits
 *  4     2    cluster_id u16, host order
 *  6     1    pad, zero
 *  7     1    family     1 = IPv4, 2 = IPv6
 *  8    16    ip         network order; IPv4 in the first 4 bytes, the rest zero
 * </pre>
 *
 * The 32 static bits (cluster id, pad, family) always match exactly, so IPv4 and IPv6 prefixes never
 * match each other, not even /0.
 *
 * @param clusterId ClusterMesh cluster id (u16), 0 for the local cluster
 * @param prefix the network address, host bits zero; IPv4 or IPv6 decides the family
 * @param prefixBits 0..32 for IPv4, 0..128 for IPv6
 */
public record IpcacheKey(int clusterId, InetAddress prefix, int prefixBits) {

    public static final int SIZE = 24;
    public static final int STATIC_PREFIX_BITS = 32;
    public static final int FAMILY_IPV4 = 1;
    public static final int FAMILY_IPV6 = 2;

    public IpcacheKey {
        if (clusterId < 0 || clusterId > 0xFFFF) {
            throw new IllegalArgumentException("clusterId must be 0..65535, got " + clusterId);
        }
        if (prefix == null) {
            throw new IllegalArgumentException("prefix must not be null");
        }
        byte[] addr = prefix.getAddress();
        int max = addr.length * 8;
        if (prefixBits < 0 || prefixBits > max) {
            throw new IllegalArgumentException(
                    "prefixBits must be 0.." + max + " for " + format(prefix) + ", got " + prefixBits);
        }
        // A full-length prefix (every key of a pod or node address) has no host bits to check.
        byte[] masked = prefixBits == max ? addr : mask(addr, prefixBits);
        if (masked != addr && !Arrays.equals(addr, masked)) {
            throw new IllegalArgumentException("prefix " + format(prefix) + "/" + prefixBits
                    + " has host bits set; the network is " + format(address(masked)) + "/" + prefixBits);
        }
        prefix = address(addr); // drop host name and scope so that equality is by address only
    }

    /** A key for a CIDR such as {@code 10.0.0.0/8} or {@code fd00::/104}, local cluster. */
    public static IpcacheKey ofCidr(String cidr) {
        return ofCidr(cidr, 0);
    }

    public static IpcacheKey ofCidr(String cidr, int clusterId) {
        if (cidr == null) {
            throw new IllegalArgumentException("cidr must not be null");
        }
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("cidr must be address/bits, got " + cidr);
        }
        InetAddress addr = parseLiteral(cidr.substring(0, slash), cidr);
        int bits;
        try {
            bits = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cidr prefix length must be a number, got " + cidr);
        }
        return new IpcacheKey(clusterId, addr, bits);
    }

    /** The full-prefix key for one address (a /32 or /128): what the datapath looks up. */
    public static IpcacheKey ofAddress(InetAddress address) {
        return ofAddress(address, 0);
    }

    public static IpcacheKey ofAddress(InetAddress address, int clusterId) {
        if (address == null) {
            throw new IllegalArgumentException("address must not be null");
        }
        return new IpcacheKey(clusterId, address, address.getAddress().length * 8);
    }

    /** {@link #ofAddress(InetAddress)} for a literal such as {@code 10.0.1.5} or {@code fd00::5}. */
    public static IpcacheKey ofAddress(String literal) {
        return ofAddress(parseLiteral(literal, literal));
    }

    public int family() {
        return prefix instanceof Inet4Address ? FAMILY_IPV4 : FAMILY_IPV6;
    }

    /** The u32 written at offset 0: {@code 32 + prefixBits}. */
    public int prefixLength() {
        return STATIC_PREFIX_BITS + prefixBits;
    }

    /** The prefix as operators write it, IPv6 compressed as in RFC 5952: {@code fd00::/104}. */
    public String cidr() {
        return format(prefix) + "/" + prefixBits;
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(prefixLength());
        b.putShort((short) clusterId);
        b.put((byte) 0);
        b.put((byte) family());
        b.put(prefix.getAddress());
        return b.array();
    }

    public static IpcacheKey decode(byte[] bytes) {
        if (bytes == null || bytes.length != SIZE) {
            throw new IllegalArgumentException(
                    "ipcache key must be " + SIZE + " bytes, got " + (bytes == null ? "null" : bytes.length));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long prefixlen = Integer.toUnsignedLong(b.getInt());
        int clusterId = b.getShort() & 0xFFFF;
        int pad = b.get() & 0xFF;
        if (pad != 0) {
            throw new IllegalArgumentException("pad byte must be zero, got " + pad);
        }
        int family = b.get() & 0xFF;
        int addrLen = switch (family) {
            case FAMILY_IPV4 -> 4;
            case FAMILY_IPV6 -> 16;
            default -> throw new IllegalArgumentException("family must be 1 (IPv4) or 2 (IPv6), got " + family);
        };
        byte[] ip = new byte[16];
        b.get(ip);
        for (int i = addrLen; i < 16; i++) {
            if (ip[i] != 0) {
                throw new IllegalArgumentException("ip bytes 4..15 of an IPv4 key must be zero");
            }
        }
        if (prefixlen < STATIC_PREFIX_BITS || prefixlen > STATIC_PREFIX_BITS + addrLen * 8L) {
            throw new IllegalArgumentException("prefixlen must be 32.." + (STATIC_PREFIX_BITS + addrLen * 8)
                    + " for family " + family + ", got " + prefixlen);
        }
        return new IpcacheKey(clusterId, address(Arrays.copyOf(ip, addrLen)), (int) (prefixlen - STATIC_PREFIX_BITS));
    }

    @Override
    public String toString() {
        return clusterId == 0 ? cidr() : cidr() + "@" + clusterId;
    }

    /** IPv4 dotted, IPv6 in RFC 5952 form ({@link IpAddress#toString()}): how operators write an address. */
    public static String format(InetAddress address) {
        return IpAddress.of(address).toString();
    }

    static byte[] mask(byte[] addr, int bits) {
        byte[] out = new byte[addr.length];
        for (int i = 0; i < addr.length; i++) {
            int keep = Math.clamp(bits - i * 8L, 0, 8);
            out[i] = (byte) (addr[i] & (0xFF << (8 - keep)));
        }
        return out;
    }

    static InetAddress address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address must be 4 or 16 bytes, got " + raw.length, e);
        }
    }

    /** Parses an IP literal without any name lookup. */
    static InetAddress parseLiteral(String literal, String context) {
        if (literal == null) {
            throw new IllegalArgumentException("address must not be null");
        }
        try {
            return IpAddress.parse(literal).toInetAddress();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IP address literal: " + context, e);
        }
    }
}
