package dev.tendril.agent.datapath.kernel;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A socket load-balancing event, {@code struct sock_event} in src/main/bpf/lib/types.h (type 7,
 * {@code NOTIFY_TRACE_SOCK}), 96 bytes on the same ring buffer as the verdict events, host order unless noted:
 *
 * <pre>
 * offset size field
 *  0     8    timestamp_ns      CLOCK_MONOTONIC
 *  8     1    type              7
 *  9     1    verdict           7 translated, 2 dropped (Hubble flow.Verdict)
 * 10     1    drop_reason       0, or 158 (DROP_NO_SERVICE: the frontend has no backends)
 * 11     1    xlate_point       Hubble SocketTranslationPoint: 1 pre-fwd (a drop), 2 post-fwd
 * 12     1    hook              1 connect, 2 sendmsg
 * 13     1    ip_version        4 or 6 (4 for an IPv4-mapped address on an IPv6 socket)
 * 14     1    protocol
 * 15     1    pad
 * 16     2    frontend_port
 * 18     2    backend_port      0 on a drop
 * 20     4    rev_nat_index
 * 24     4    endpoint_id       of the socket's namespace in tendril_lb_netns, 0 the node
 * 28     4    backend_id
 * 32     8    pad
 * 40     8    netns_cookie
 * 48     8    socket_cookie
 * 56    16    frontend          network order; IPv4 in the first 4 bytes
 * 72    16    backend           zero on a drop
 * 88     8    pad
 * </pre>
 */
public record SockEvent(
        long timestampNs,
        int verdict,
        int dropReason,
        int xlatePoint,
        int hook,
        int protocol,
        InetAddress frontend,
        int frontendPort,
        InetAddress backend,
        int backendPort,
        int revNatIndex,
        int endpointId,
        long backendId,
        long netnsCookie,
        long socketCookie) {

    public static final int TYPE = 7;
    public static final int VERDICT_TRANSLATED = 7;
    public static final int DROP_NO_SERVICE = 158;
    public static final int HOOK_CONNECT = 1;
    public static final int HOOK_SENDMSG = 2;

    static SockEvent decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int len = (b.get(13) & 0xFF) == 4 ? 4 : 16;
        return new SockEvent(
                b.getLong(0),
                b.get(9) & 0xFF,
                b.get(10) & 0xFF,
                b.get(11) & 0xFF,
                b.get(12) & 0xFF,
                b.get(14) & 0xFF,
                address(Arrays.copyOfRange(bytes, 56, 56 + len)),
                b.getShort(16) & 0xFFFF,
                address(Arrays.copyOfRange(bytes, 72, 72 + len)),
                b.getShort(18) & 0xFFFF,
                b.getInt(20),
                b.getInt(24),
                Integer.toUnsignedLong(b.getInt(28)),
                b.getLong(40),
                b.getLong(48));
    }

    private static InetAddress address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A frontend translated to a backend, rather than refused for having none. */
    public boolean translated() {
        return verdict == VERDICT_TRANSLATED;
    }
}
