package dev.tendril.agent.datapath.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Real traffic between the pods of a {@link KernelCluster}: echo servers in every pod (TCP and UDP, bound
 * to the dual-stack wildcard so both families reach them), served by one selector thread, and clients
 * whose sockets are created inside the source pod's namespace ({@link Netns}) and bound to its address.
 */
final class Traffic implements AutoCloseable {

    /** A client connection attempt: the source port it used, whether it connected (or got its echo). */
    record Result(int sourcePort, boolean passed) {}

    private final Selector selector;
    private final List<java.nio.channels.Channel> servers = new ArrayList<>();
    private final Thread loop;

    private Traffic(List<KernelCluster.Pod> pods, List<Integer> tcpPorts, List<Integer> udpPorts) throws IOException {
        selector = Selector.open();
        for (KernelCluster.Pod pod : pods) {
            List<java.nio.channels.SelectableChannel> opened = Netns.call(pod.netns(), () -> {
                List<java.nio.channels.SelectableChannel> out = new ArrayList<>();
                for (int port : tcpPorts) {
                    ServerSocketChannel s = ServerSocketChannel.open();
                    s.bind(new InetSocketAddress(InetAddress.getByName("::"), port), 128);
                    out.add(s);
                }
                for (int port : udpPorts) {
                    DatagramChannel d = DatagramChannel.open();
                    d.bind(new InetSocketAddress(InetAddress.getByName("::"), port));
                    out.add(d);
                }
                return out;
            });
            for (var ch : opened) {
                ch.configureBlocking(false);
                ch.register(
                        selector, ch instanceof ServerSocketChannel ? SelectionKey.OP_ACCEPT : SelectionKey.OP_READ);
                servers.add(ch);
            }
        }
        loop = Thread.ofPlatform().daemon().name("echo-servers").start(this::serve);
    }

    static Traffic start(List<KernelCluster.Pod> pods, List<Integer> tcpPorts, List<Integer> udpPorts) {
        try {
            return new Traffic(pods, tcpPorts, udpPorts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void serve() {
        ByteBuffer buf = ByteBuffer.allocate(65536);
        try {
            while (selector.isOpen()) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    try {
                        if (key.isAcceptable()) {
                            SocketChannel c = ((ServerSocketChannel) key.channel()).accept();
                            if (c != null) {
                                c.configureBlocking(false);
                                c.register(selector, SelectionKey.OP_READ);
                            }
                        } else if (key.channel() instanceof SocketChannel c) {
                            buf.clear();
                            if (c.read(buf) < 0) {
                                key.cancel();
                                c.close();
                            } else {
                                c.write(buf.flip());
                            }
                        } else if (key.channel() instanceof DatagramChannel d) {
                            buf.clear();
                            var from = d.receive(buf);
                            if (from != null) {
                                d.send(buf.flip(), from);
                            }
                        }
                    } catch (IOException e) {
                        key.cancel();
                        key.channel().close();
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | ClosedSelectorException e) {
            // closed: the test is over
        }
    }

    /** A TCP connection from {@code from} to {@code to:port}, or its failure within {@code timeout}. */
    static Result tcp(KernelCluster.Pod from, InetAddress to, int port, Duration timeout) {
        return tcp(from.netns(), from.address(to instanceof java.net.Inet4Address), to, port, timeout);
    }

    /** The same from any namespace and local address (the node's, a secondary address of a pod). */
    static Result tcp(java.nio.file.Path netns, InetAddress local, InetAddress to, int port, Duration timeout) {
        SocketChannel c = Netns.call(netns, () -> {
            SocketChannel s = SocketChannel.open();
            s.bind(new InetSocketAddress(local, 0));
            return s;
        });
        try (c) {
            int sourcePort = ((InetSocketAddress) c.getLocalAddress()).getPort();
            try {
                c.socket().connect(new InetSocketAddress(to, port), (int) timeout.toMillis());
                return new Result(sourcePort, true);
            } catch (SocketTimeoutException e) {
                return new Result(sourcePort, false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A connected TCP socket from {@code from}, for tests that keep a connection open. */
    static SocketChannel connect(KernelCluster.Pod from, InetAddress to, int port, Duration timeout)
            throws IOException {
        SocketChannel c = openTcp(from, to);
        c.socket().connect(new InetSocketAddress(to, port), (int) timeout.toMillis());
        c.socket().setSoTimeout((int) timeout.toMillis());
        return c;
    }

    /** Sends a line over an open connection and reads the echo: whether it came back within the socket's timeout. */
    static boolean echo(SocketChannel c, String line) {
        try {
            byte[] out = line.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            c.socket().getOutputStream().write(out);
            byte[] in = c.socket().getInputStream().readNBytes(out.length);
            return java.util.Arrays.equals(in, out);
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static SocketChannel openTcp(KernelCluster.Pod from, InetAddress to) {
        boolean v4 = to instanceof java.net.Inet4Address;
        return Netns.call(from.netns(), () -> {
            SocketChannel c = SocketChannel.open();
            c.bind(new InetSocketAddress(from.address(v4), 0));
            return c;
        });
    }

    /** A UDP request from {@code from} to {@code to:port} and whether its echo came back within {@code timeout}. */
    static Result udp(KernelCluster.Pod from, InetAddress to, int port, Duration timeout) {
        boolean v4 = to instanceof java.net.Inet4Address;
        DatagramChannel d = Netns.call(from.netns(), () -> {
            DatagramChannel c = DatagramChannel.open();
            c.bind(new InetSocketAddress(from.address(v4), 0));
            return c;
        });
        try (d) {
            int sourcePort = ((InetSocketAddress) d.getLocalAddress()).getPort();
            byte[] payload = "ping".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            d.socket().setSoTimeout((int) timeout.toMillis());
            d.socket().send(new DatagramPacket(payload, payload.length, new InetSocketAddress(to, port)));
            DatagramPacket reply = new DatagramPacket(new byte[64], 64);
            try {
                d.socket().receive(reply);
                return new Result(sourcePort, true);
            } catch (SocketTimeoutException e) {
                return new Result(sourcePort, false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            selector.close();
            loop.join(5000);
            for (var ch : servers) {
                ch.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
