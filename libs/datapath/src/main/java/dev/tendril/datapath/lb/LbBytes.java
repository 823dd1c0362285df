package dev.tendril.datapath.lb;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/** Address and range helpers shared by the LB codecs. */
final class LbBytes {
    private LbBytes() {}

    static InetAddress requireAddress(InetAddress address, String field) {
        if (!(address instanceof Inet4Address) && !(address instanceof Inet6Address)) {
            throw new IllegalArgumentException(field + " must be an IPv4 or IPv6 address, got " + address);
        }
        return address;
    }

    static boolean isV6(InetAddress address) {
        return address instanceof Inet6Address;
    }

    static int requireRange(int value, int max, String field) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(field + " must be 0.." + max + ", got " + value);
        }
        return value;
    }

    static long requireU32(long value, String field) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(field + " must be a u32 (0..4294967295), got " + value);
        }
        return value;
    }

    static void requireLength(byte[] bytes, String what, int... sizes) {
        if (bytes != null) {
            for (int s : sizes) {
                if (bytes.length == s) {
                    return;
                }
            }
        }
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < sizes.length; i++) {
            expected.append(i == 0 ? "" : " or ").append(sizes[i]);
        }
        throw new IllegalArgumentException(
                what + " must be " + expected + " bytes, got " + (bytes == null ? "null" : bytes.length));
    }

    /** Reads a 4- or 16-byte address in network order. */
    static InetAddress getAddress(ByteBuffer b, boolean v6) {
        byte[] raw = new byte[v6 ? 16 : 4];
        b.get(raw);
        try {
            return v6 ? Inet6Address.getByAddress(null, raw, null) : InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("address of length " + raw.length + " refused", e);
        }
    }

    static void requireZero(ByteBuffer b, int count, String what) {
        for (int i = 0; i < count; i++) {
            if (b.get() != 0) {
                throw new IllegalArgumentException(what + " pad bytes must be zero");
            }
        }
    }

    /** {@code 10.96.0.10:80/TCP}, {@code [fd00::a]:80/TCP}. */
    static String endpoint(InetAddress address, int port, int protocol) {
        String host = address.getHostAddress();
        if (isV6(address)) {
            host = "[" + host + "]";
        }
        return host + ":" + port + "/" + dev.tendril.datapath.policymap.IpProtocol.name(protocol);
    }
}
