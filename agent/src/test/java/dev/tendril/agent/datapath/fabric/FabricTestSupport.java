package dev.tendril.agent.datapath.fabric;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tendril.agent.datapath.kernel.Netns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Skips the fabric tests, with the reason printed, where namespaces cannot be made (not Linux, not root,
 * no iproute2); and real TCP between pods: an echo server inside a pod's namespace, clients whose sockets
 * are made inside the source pod's namespace and bound to its address.
 */
final class FabricTestSupport {
    static final int PORT = 7070;
    private static Optional<String> unavailable;

    private FabricTestSupport() {}

    static synchronized void assumeFabric() {
        if (unavailable == null) {
            unavailable = Fabric.unavailableReason();
            unavailable.ifPresent(r -> System.out.println("SKIPPING fabric tests: " + r));
        }
        assumeTrue(unavailable.isEmpty(), () -> "fabric unavailable: " + unavailable.orElse(""));
    }

    static StackPrefix randomPrefix() {
        return new StackPrefix(
                "tf" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
    }

    /** Node i: 10.0.i.0/24 and fd00::i00/120, routers .1 and ::i01. */
    static NodeSpec node(int i) {
        return new NodeSpec(
                "node-" + i,
                i,
                List.of(
                        PodCidr.of("10.0." + i + ".0/24", "10.0." + i + ".1"),
                        PodCidr.of(
                                "fd00::" + Integer.toHexString(i * 0x100) + "/120",
                                "fd00::" + Integer.toHexString(i * 0x100 + 1))));
    }

    /** Pod {@code host} (16..254) of node i: 10.0.i.host and fd00::i<host in hex>. */
    static PodSpec pod(int node, String name, int host) {
        return PodSpec.of(
                "node-" + node,
                "default",
                name,
                address("10.0." + node + "." + host),
                address("fd00::" + Integer.toHexString(node * 0x100 + host)));
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static InetAddress address(FabricPod pod, boolean v4) {
        return pod.addresses().stream()
                .filter(a -> (a.getAddress().length == 4) == v4)
                .findFirst()
                .orElseThrow();
    }

    /** An echo server on {@link #PORT} of every address of the pod; close it to stop. */
    static ServerSocket echoServer(FabricPod pod) {
        ServerSocket server = Netns.call(pod.netns(), () -> {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress(InetAddress.getByName("::"), PORT));
            return s;
        });
        Thread.ofPlatform().daemon().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket c = server.accept();
                    Thread.ofPlatform().daemon().start(() -> echo(c));
                } catch (IOException closed) {
                    return;
                }
            }
        });
        return server;
    }

    private static void echo(Socket c) {
        try (c) {
            byte[] buf = new byte[256];
            int n;
            while ((n = c.getInputStream().read(buf)) > 0) {
                c.getOutputStream().write(buf, 0, n);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /**
     * A TCP connection from {@code from}'s address of the family to {@code to}, or empty when none within
     * 3 s (or when the pod has lost that address, its veth gone).
     */
    static Optional<Socket> connect(FabricPod from, InetAddress to) {
        boolean v4 = to.getAddress().length == 4;
        Socket s;
        try {
            s = Netns.call(from.netns(), () -> {
                Socket socket = new Socket();
                socket.bind(new InetSocketAddress(address(from, v4), 0));
                return socket;
            });
        } catch (RuntimeException unbound) {
            return Optional.empty();
        }
        try {
            s.connect(new InetSocketAddress(to, PORT), 3000);
            s.setSoTimeout(3000);
            return Optional.of(s);
        } catch (SocketTimeoutException e) {
            close(s);
            return Optional.empty();
        } catch (IOException e) {
            close(s);
            return Optional.empty();
        }
    }

    /** The remote address {@code server} sees on a connection from {@code client}. */
    static InetAddress peerSeenBy(FabricPod server, FabricPod client, boolean v4) throws IOException {
        try (ServerSocket listener = Netns.call(server.netns(), () -> {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress(address(server, v4), 0));
            return s;
        })) {
            listener.setSoTimeout(3000);
            Socket c = Netns.call(client.netns(), () -> {
                Socket socket = new Socket();
                socket.bind(new InetSocketAddress(address(client, v4), 0));
                return socket;
            });
            try (c) {
                c.connect(listener.getLocalSocketAddress(), 3000);
                try (Socket accepted = listener.accept()) {
                    return accepted.getInetAddress();
                }
            }
        }
    }

    /** Whether a line sent over the connection comes back. */
    static boolean echoes(Socket s, String line) {
        try {
            byte[] out = line.getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(out);
            return java.util.Arrays.equals(s.getInputStream().readNBytes(out.length), out);
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether a fresh connection from {@code from} to {@code to} echoes. */
    static boolean reaches(FabricPod from, InetAddress to) {
        Optional<Socket> s = connect(from, to);
        try {
            return s.isPresent() && echoes(s.get(), "ping");
        } finally {
            s.ifPresent(FabricTestSupport::close);
        }
    }

    static void close(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ip args...}: its output, or the failure's. */
    static Result ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.waitFor(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Result(int exit, String out) {
        String ok() {
            if (exit != 0) {
                throw new IllegalStateException("ip failed: " + out);
            }
            return out;
        }
    }

    /** Every namespace name in /var/run/netns. */
    static List<String> namespaces() {
        return ip("netns", "list")
                .ok()
                .lines()
                .map(l -> l.split("\\s+")[0])
                .filter(n -> !n.isEmpty())
                .toList();
    }

    /** The names of the links of a namespace (null: the test's own). */
    static List<String> links(String netns) {
        Result r = netns == null ? ip("-o", "link", "show") : ip("-n", netns, "-o", "link", "show");
        return r.ok().lines().map(l -> l.split(":\\s+")[1].split("@")[0]).toList();
    }

    /** The inode of a namespace: the same inode is the same namespace. */
    static long inode(Path netns) {
        try {
            return (Long) Files.getAttribute(netns, "unix:ino");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
