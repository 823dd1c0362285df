package dev.tendril.agent.datapath.kernel;

import dev.tendril.datapath.policymap.IpProtocol;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Echo listeners in pods' namespaces on their container ports, standing in for the containers' processes
 * (the fabric runs no containers): TCP accepts and echoes, UDP answers each datagram with itself. All are
 * served by one selector thread; each socket is created inside its pod's namespace and bound to the
 * dual-stack wildcard, so both families reach it. SCTP ports are skipped (the JDK has no portable SCTP).
 * A port that cannot be bound is logged and skipped (tried again when the pod's ports change): the pod's
 * other ports still answer.
 */
public final class Responders implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Responders.class.getName());

    /** One port to answer on: TCP or UDP (IpProtocol numbers). */
    public record Port(int port, int protocol) {}

    private final Selector selector;
    private final Thread loop;
    private final Map<String, Map<Port, SelectableChannel>> listening = new HashMap<>();
    private final Map<String, List<SocketChannel>> accepted = new HashMap<>();
    private final AtomicLong selects = new AtomicLong();
    private final Map<String, Set<Port>> asked = new HashMap<>();

    private Responders() throws IOException {
        selector = Selector.open();
        loop = Thread.ofPlatform().daemon().name("tendril-pod-responders").start(this::serve);
    }

    public static Responders open() {
        try {
            return new Responders();
        } catch (IOException e) {
            throw new KernelDatapathException("no selector for the pods' responders: " + e.getMessage());
        }
    }

    /**
     * Answers on exactly {@code ports} in the pod {@code key}'s namespace from now on: listeners of ports no
     * longer asked for close, those of new ports open, the others stay; nothing when these are the ports last
     * asked for. Returns the ports that do not answer (SCTP, or not bindable), empty when nothing changed.
     */
    public List<Port> serve(String key, Path netns, Set<Port> ports) {
        List<Port> skipped;
        boolean closed;
        synchronized (this) {
            if (ports.equals(asked.get(key))) {
                return List.of();
            }
            asked.put(key, Set.copyOf(ports));
            closed = !ports.containsAll(listening.getOrDefault(key, Map.of()).keySet());
            skipped = open(key, netns, ports);
        }
        if (closed) {
            awaitClosed();
        }
        return skipped;
    }

    private List<Port> open(String key, Path netns, Set<Port> ports) {
        Map<Port, SelectableChannel> now = listening.computeIfAbsent(key, k -> new HashMap<>());
        for (Port gone : Set.copyOf(now.keySet())) {
            if (!ports.contains(gone)) {
                closeQuietly(now.remove(gone));
            }
        }
        List<Port> skipped = new ArrayList<>();
        for (Port p : ports.stream()
                .sorted(Comparator.comparingInt(Port::port).thenComparingInt(Port::protocol))
                .toList()) {
            if (now.containsKey(p)) {
                continue;
            }
            if (p.protocol() != IpProtocol.TCP && p.protocol() != IpProtocol.UDP) {
                skipped.add(p);
                continue;
            }
            try {
                SelectableChannel ch = Netns.call(netns, () -> bind(p));
                ch.configureBlocking(false);
                ch.register(
                        selector,
                        ch instanceof ServerSocketChannel ? SelectionKey.OP_ACCEPT : SelectionKey.OP_READ,
                        key);
                now.put(p, ch);
            } catch (IOException | RuntimeException e) {
                LOG.log(
                        Level.WARNING,
                        "pod " + key + " does not answer on " + IpProtocol.name(p.protocol()) + "/" + p.port() + ": "
                                + e.getMessage());
                skipped.add(p);
            }
        }
        if (!skipped.isEmpty()) {
            LOG.info("pod " + key + ": no responder on " + skipped);
        }
        selector.wakeup();
        return skipped;
    }

    /** Closes the pod's listeners and the connections they accepted; their ports are free on return. */
    public void stop(String key) {
        synchronized (this) {
            closeAll(key);
        }
        awaitClosed();
    }

    private void closeAll(String key) {
        asked.remove(key);
        Map<Port, SelectableChannel> gone = listening.remove(key);
        if (gone != null) {
            gone.values().forEach(Responders::closeQuietly);
        }
        List<SocketChannel> connections = accepted.remove(key);
        if (connections != null) {
            connections.forEach(Responders::closeQuietly);
        }
        selector.wakeup();
    }

    /** The ports that answer in the pod now. */
    public synchronized Set<Port> served(String key) {
        return Set.copyOf(listening.getOrDefault(key, Map.of()).keySet());
    }

    /**
     * Waits (at most a second) until the selector thread has gone once more through select, which closes the
     * sockets of channels closed before: until then a closed listener still holds its port and takes
     * connections.
     */
    private void awaitClosed() {
        if (Thread.currentThread() == loop || !selector.isOpen()) {
            return;
        }
        long seen = selects.get();
        selector.wakeup();
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (selects.get() == seen && selector.isOpen() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(200_000);
        }
    }

    private static SelectableChannel bind(Port p) throws IOException {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getByName("::"), p.port());
        if (p.protocol() == IpProtocol.TCP) {
            ServerSocketChannel s = ServerSocketChannel.open();
            s.bind(any, 128);
            return s;
        }
        DatagramChannel d = DatagramChannel.open();
        d.bind(any);
        return d;
    }

    private void serve() {
        ByteBuffer buf = ByteBuffer.allocate(65_536);
        try {
            while (selector.isOpen()) {
                selector.select();
                selects.incrementAndGet();
                for (SelectionKey key : selector.selectedKeys()) {
                    try {
                        answer(key, buf);
                    } catch (IOException | RuntimeException e) {
                        key.cancel();
                        closeQuietly(key.channel());
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | ClosedSelectorException e) {
            // closed: the agent stops
        }
    }

    private void answer(SelectionKey key, ByteBuffer buf) throws IOException {
        if (!key.isValid()) {
            return;
        }
        if (key.isAcceptable()) {
            SocketChannel c = ((ServerSocketChannel) key.channel()).accept();
            if (c != null) {
                c.configureBlocking(false);
                c.register(selector, SelectionKey.OP_READ, key.attachment());
                track((String) key.attachment(), c);
            }
        } else if (key.channel() instanceof SocketChannel c) {
            buf.clear();
            if (c.read(buf) < 0) {
                key.cancel();
                c.close();
                untrack((String) key.attachment(), c);
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
    }

    private synchronized void track(String pod, SocketChannel c) {
        if (listening.containsKey(pod)) {
            accepted.computeIfAbsent(pod, k -> new ArrayList<>()).add(c);
        } else {
            closeQuietly(c);
        }
    }

    private synchronized void untrack(String pod, SocketChannel c) {
        List<SocketChannel> list = accepted.get(pod);
        if (list != null) {
            list.remove(c);
        }
    }

    private static void closeQuietly(java.nio.channels.Channel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.fine("closing a responder socket: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            try {
                selector.close();
            } catch (IOException e) {
                LOG.fine("closing the responders' selector: " + e.getMessage());
            }
            Set.copyOf(listening.keySet()).forEach(this::closeAll);
            Set.copyOf(accepted.keySet()).forEach(this::closeAll);
        }
        try {
            loop.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
