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
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
     * What came back, and where the socket really went: the socket-LB may have translated {@code to} (a Service
     * frontend) to a backend, which only the kernel's socket table tells ({@code getpeername} answers the frontend).
     *
     * @param peer the address and port the socket was connected to, null when the connect failed at once (no
     *     route, or a Service without backends) or the socket table did not show it
     */
    public record Attempt(Result result, InetSocketAddress peer) {}

    /**
     * @param protocol {@link IpProtocol#TCP} or {@link IpProtocol#UDP}
     * @throws IllegalArgumentException for another protocol
     */
    public static Result probe(Path netns, InetAddress to, int port, int protocol, Duration timeout) {
        return attempt(netns, to, port, protocol, timeout).result();
    }

    /**
     * @param protocol {@link IpProtocol#TCP} or {@link IpProtocol#UDP}
     * @throws IllegalArgumentException for another protocol
     */
    public static Attempt attempt(Path netns, InetAddress to, int port, int protocol, Duration timeout) {
        return switch (protocol) {
            case IpProtocol.TCP -> tcp(netns, to, port, timeout);
            case IpProtocol.UDP -> udp(netns, to, port, timeout);
            default ->
                throw new IllegalArgumentException("a real probe is TCP or UDP, not " + IpProtocol.name(protocol));
        };
    }

    private static Attempt tcp(Path netns, InetAddress to, int port, Duration timeout) {
        InetSocketAddress peer = null;
        try (SocketChannel c = Netns.call(netns, SocketChannel::open);
                Selector selector = Selector.open()) {
            // Non-blocking, so that the socket table shows the peer while the SYN is out (a dropped one included).
            c.configureBlocking(false);
            // Bound first, so the local port (the socket table's key) is known while the connect is pending.
            c.bind(new InetSocketAddress(0));
            boolean connected = c.connect(new InetSocketAddress(to, port));
            peer = peerOf(netns, "tcp", c.socket().getLocalPort());
            if (!connected) {
                c.register(selector, SelectionKey.OP_CONNECT);
                if (selector.select(timeoutMillis(timeout)) == 0) {
                    return new Attempt(Result.TIMEOUT, peer);
                }
                c.finishConnect();
            }
            return new Attempt(Result.CONNECTED, peer);
        } catch (SocketTimeoutException e) {
            return new Attempt(Result.TIMEOUT, peer);
        } catch (ConnectException e) {
            return new Attempt(Result.REFUSED, peer);
        } catch (IOException e) {
            return new Attempt(Result.UNREACHABLE, peer);
        }
    }

    private static Attempt udp(Path netns, InetAddress to, int port, Duration timeout) {
        InetSocketAddress peer = null;
        try (DatagramChannel d = Netns.call(netns, DatagramChannel::open)) {
            d.connect(new InetSocketAddress(to, port));
            peer = peerOf(netns, "udp", d.socket().getLocalPort());
            d.socket().setSoTimeout(timeoutMillis(timeout));
            d.socket().send(new DatagramPacket(PAYLOAD, PAYLOAD.length));
            d.socket().receive(new DatagramPacket(new byte[64], 64));
            return new Attempt(Result.ANSWERED, peer);
        } catch (SocketTimeoutException e) {
            return new Attempt(Result.TIMEOUT, peer);
        } catch (PortUnreachableException e) {
            return new Attempt(Result.REFUSED, peer);
        } catch (IOException e) {
            return new Attempt(Result.UNREACHABLE, peer);
        }
    }

    /**
     * The remote end of the namespace's socket bound to {@code localPort}, from {@code /proc/thread-self/net/<proto>}
     * and {@code <proto>6} read on a thread inside the namespace; null when no line has it.
     */
    static InetSocketAddress peerOf(Path netns, String proto, int localPort) {
        if (localPort <= 0) {
            return null;
        }
        return Netns.call(netns, () -> {
            for (String file : List.of(proto + "6", proto)) {
                Path table = Path.of("/proc/thread-self/net", file);
                if (!Files.isReadable(table)) {
                    continue;
                }
                for (String line : Files.readAllLines(table)) {
                    InetSocketAddress remote = ProcNetLine.remoteOf(line, localPort);
                    if (remote != null) {
                        return remote;
                    }
                }
            }
            return null;
        });
    }

    private static int timeoutMillis(Duration timeout) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }
}
