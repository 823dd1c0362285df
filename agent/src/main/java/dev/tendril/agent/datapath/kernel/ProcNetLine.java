package dev.tendril.agent.datapath.kernel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * One line of {@code /proc/net/tcp}, {@code tcp6}, {@code udp} or {@code udp6}: {@code sl local_address
 * rem_address st ...}, each address the hex of its 32-bit words in host byte order (little-endian here) and the
 * port in hex. An IPv4 peer of a dual-stack socket shows as {@code ::ffff:a.b.c.d}; it is answered as IPv4.
 */
final class ProcNetLine {

    private ProcNetLine() {}

    /** The remote address of {@code line} when its local port is {@code localPort}, else null. */
    static InetSocketAddress remoteOf(String line, int localPort) {
        String[] fields = line.strip().split("\\s+");
        if (fields.length < 3 || !fields[0].endsWith(":")) {
            return null;
        }
        int localColon = fields[1].indexOf(':');
        int remoteColon = fields[2].indexOf(':');
        if (localColon < 0 || remoteColon < 0) {
            return null;
        }
        try {
            if (Integer.parseInt(fields[1].substring(localColon + 1), 16) != localPort) {
                return null;
            }
            byte[] address = address(fields[2].substring(0, remoteColon));
            int port = Integer.parseInt(fields[2].substring(remoteColon + 1), 16);
            if (address == null || port == 0) {
                return null;
            }
            return new InetSocketAddress(InetAddress.getByAddress(address), port);
        } catch (NumberFormatException | UnknownHostException e) {
            return null;
        }
    }

    private static byte[] address(String hex) {
        if (hex.length() != 8 && hex.length() != 32) {
            return null;
        }
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < hex.length() / 8; word++) {
            for (int b = 0; b < 4; b++) {
                // Each word is printed as a host-order (little-endian) integer: its last byte comes first.
                int at = word * 8 + (3 - b) * 2;
                bytes[word * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        if (bytes.length == 16 && isV4Mapped(bytes)) {
            byte[] v4 = new byte[4];
            System.arraycopy(bytes, 12, v4, 0, 4);
            return v4;
        }
        return bytes;
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }
}
