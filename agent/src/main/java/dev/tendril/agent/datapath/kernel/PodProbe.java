package dev.tendril.agent.datapath.kernel;

import dev.tendril.datapath.policymap.IpProtocol;
import java.io.IOException;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One real connection attempt from a pod's namespace: a TCP connect, or a UDP datagram and its echo
 * ({@link Responders} answer both). The socket is created inside the namespace, so the packets leave
 * through the pod's veth and the programs decide them as any of the pod's traffic.
 */
public final class PodProbe {

    /** What came back. */
    public enum Result {
        /** TCP handshake completed. */
        CONNECTED,
        /** The UDP echo came back. */
        ANSWERED,
        /** The destination answered with a reset or port unreachable: the packet arrived, nothing listens. */
        REFUSED,
        /** The destination's network is unreachable from the pod (no route, host unreachable). */
        UNREACHABLE,
        /** Nothing within the timeout: the packet (or its answer) was dropped. */
        TIMEOUT;

        /** Whether the packet reached its destination. */
        public boolean delivered() {
            return this == CONNECTED || this == ANSWERED || this == REFUSED;
        }
    }

    private static final byte[] PAYLOAD = "tendril-probe".getBytes(StandardCharsets.US_ASCII);

    private PodProbe() {}

    /**
     * @param protocol {@link IpProtocol#TCP} or {@link IpProtocol#UDP}
     * @throws IllegalArgumentException for another protocol
     */
    public static Result probe(Path netns, InetAddress to, int port, int protocol, Duration timeout) {
        return switch (protocol) {
            case IpProtocol.TCP -> tcp(netns, to, port, timeout);
            case IpProtocol.UDP -> udp(netns, to, port, timeout);
            default ->
                throw new IllegalArgumentException("a real probe is TCP or UDP, not " + IpProtocol.name(protocol));
        };
    }

    private static Result tcp(Path netns, InetAddress to, int port, Duration timeout) {
        try (SocketChannel c = Netns.call(netns, SocketChannel::open)) {
            c.socket().connect(new InetSocketAddress(to, port), timeoutMillis(timeout));
            return Result.CONNECTED;
        } catch (SocketTimeoutException e) {
            return Result.TIMEOUT;
        } catch (ConnectException e) {
            return Result.REFUSED;
        } catch (IOException e) {
            return Result.UNREACHABLE;
        }
    }

    private static Result udp(Path netns, InetAddress to, int port, Duration timeout) {
        try (DatagramChannel d = Netns.call(netns, DatagramChannel::open)) {
            d.connect(new InetSocketAddress(to, port));
            d.socket().setSoTimeout(timeoutMillis(timeout));
            d.socket().send(new DatagramPacket(PAYLOAD, PAYLOAD.length));
            d.socket().receive(new DatagramPacket(new byte[64], 64));
            return Result.ANSWERED;
        } catch (SocketTimeoutException e) {
            return Result.TIMEOUT;
        } catch (PortUnreachableException e) {
            return Result.REFUSED;
        } catch (IOException e) {
            return Result.UNREACHABLE;
        }
    }

    private static int timeoutMillis(Duration timeout) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }
}
