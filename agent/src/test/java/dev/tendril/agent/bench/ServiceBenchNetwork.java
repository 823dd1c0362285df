package dev.tendril.agent.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * The services benchmark's namespaces: two arms of the same shape, a client pod namespace behind a node
 * namespace that routes to one backend namespace holding the measured service's five backend addresses.
 * The kube-proxy arm's node holds the nat table (pod traffic meets KUBE-SERVICES in PREROUTING, as on a
 * kube-proxy node); the Tendril arm's node only routes (the client's socket is translated at connect).
 *
 * <pre>
 * client-k 10.244.0.2 -- 10.244.0.1 node-k 192.168.201.1 -- 192.168.201.2 \
 *                                                                         backend (10.244.1.2-6 on lo)
 * client-t 10.244.2.2 -- 10.244.2.1 node-t 192.168.202.1 -- 192.168.202.2 /
 * </pre>
 *
 * {@link #close} deletes every namespace it made and its pin directory; a shutdown hook does the same if the
 * run dies.
 */
final class ServiceBenchNetwork implements AutoCloseable {
    static final List<String> BACKENDS = List.of("10.244.1.2", "10.244.1.3", "10.244.1.4", "10.244.1.5", "10.244.1.6");
    static final String CLIENT_K = "10.244.0.2";
    static final String CLIENT_T = "10.244.2.2";

    final String nodeK;
    final String nodeT;
    final String clientK;
    final String clientT;
    final String backend;
    /** The bpffs directory of the Tendril arm's pinned maps (and socket-LB links, when attached). */
    final Path pinDir;

    private final List<String> made = new ArrayList<>();
    private final Thread hook;

    ServiceBenchNetwork() {
        String id = "tsb" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        nodeK = id + "-node-k";
        nodeT = id + "-node-t";
        clientK = id + "-client-k";
        clientT = id + "-client-t";
        backend = id + "-backend";
        pinDir = Path.of("/sys/fs/bpf", id);
        hook = new Thread(this::removeAll);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Files.createDirectories(pinDir);
            for (String ns : List.of(nodeK, nodeT, clientK, clientT, backend)) {
                run("ip", "netns", "add", ns);
                made.add(ns);
                ip(ns, "link", "set", "lo", "up");
            }
            wire(clientK, nodeK, "10.244.0", 201);
            wire(clientT, nodeT, "10.244.2", 202);
            for (String b : BACKENDS) {
                ip(backend, "addr", "add", b + "/32", "dev", "lo");
            }
        } catch (IOException e) {
            removeAll();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            removeAll();
            throw e;
        }
    }

    private void wire(String client, String node, String podNet, int link) {
        run("ip", "link", "add", "eth0", "netns", client, "type", "veth", "peer", "name", "pod", "netns", node);
        ip(client, "addr", "add", podNet + ".2/24", "dev", "eth0");
        ip(client, "link", "set", "eth0", "up");
        ip(client, "route", "add", "default", "via", podNet + ".1");
        ip(node, "addr", "add", podNet + ".1/24", "dev", "pod");
        ip(node, "link", "set", "pod", "up");
        String to = "to" + link;
        run("ip", "link", "add", "uplink", "netns", node, "type", "veth", "peer", "name", to, "netns", backend);
        ip(node, "addr", "add", "192.168." + link + ".1/30", "dev", "uplink");
        ip(node, "link", "set", "uplink", "up");
        ip(node, "route", "add", "10.244.1.0/24", "via", "192.168." + link + ".2");
        ip(backend, "addr", "add", "192.168." + link + ".2/30", "dev", to);
        ip(backend, "link", "set", to, "up");
        ip(backend, "route", "add", podNet + ".0/24", "via", "192.168." + link + ".1");
        exec(node, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
    }

    static Path path(String ns) {
        return Path.of("/var/run/netns", ns);
    }

    static void ip(String ns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", ns));
        cmd.addAll(List.of(args));
        run(cmd, null);
    }

    static void exec(String ns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(args));
        run(cmd, null);
    }

    static void run(String... cmd) {
        run(List.of(cmd), null);
    }

    /** Runs {@code cmd} with {@code stdin} (null: none); fails with its output when it fails. */
    static void run(List<String> cmd, String stdin) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            } else {
                p.getOutputStream().close();
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private synchronized void removeAll() {
        for (String ns : made.reversed()) {
            try {
                run("ip", "netns", "del", ns);
            } catch (RuntimeException e) {
                System.out.println("could not delete namespace " + ns + ": " + e.getMessage());
            }
        }
        made.clear();
        // Unpinning the links detaches the socket-LB programs; unpinning the maps frees them.
        try (Stream<Path> pins = Files.exists(pinDir) ? Files.list(pinDir) : Stream.empty()) {
            for (Path pin : pins.toList()) {
                Files.deleteIfExists(pin);
            }
            Files.deleteIfExists(pinDir);
        } catch (IOException e) {
            System.out.println("could not remove " + pinDir + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        removeAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: nothing left to remove
        }
    }
}
