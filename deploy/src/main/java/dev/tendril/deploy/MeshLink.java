package dev.tendril.deploy;

import dev.tendril.cli.stack.StackFabric;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The link between two ClusterMesh stacks' kernel pod networks: a veth pair between their switch namespaces, each
 * end a port of that switch's bridge, so both stacks' nodes share one layer-2 network (their underlay addresses,
 * derived from the cluster ids, never collide and are on-link to each other). In the switch of stack L the end is
 * {@code m<prefix of the peer>} (alias {@code mesh:<peer name>}), so the link of two other stacks never meets it and
 * its name says which peer it joins. A missing switch namespace (its agents have not wired their nodes yet) is
 * created as the agent creates it, under the same lock ({@code /run/tendril-fabric/<prefix>.lock}); the agents keep
 * it. Deleting one end deletes the other, so {@code ./tendril down} of either stack (which deletes every link of its
 * namespaces) removes the link too.
 */
final class MeshLink {

    static final String PORT_PREFIX = "m";
    private static final String BRIDGE = "br0";
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_SYS_ADMIN = 21;

    /** How ip(8) is run; tests give a recording one. */
    interface Ip {
        /** Runs {@code ip ARGS}, returning what it printed; throws with the output when it fails. */
        String run(List<String> args);
    }

    /** How long the link waits for the stacks' fabric locks, which an agent holds while it wires its node. */
    static final Duration LOCK_WAIT = Duration.ofSeconds(20);

    private static final Duration LOCK_POLL = Duration.ofMillis(50);

    private final Ip ip;
    private final Path netnsDir;
    private final Path locks;
    private final Duration lockWait;

    MeshLink(Ip ip, Path netnsDir, Path locks) {
        this(ip, netnsDir, locks, LOCK_WAIT);
    }

    MeshLink(Ip ip, Path netnsDir, Path locks, Duration lockWait) {
        this.ip = ip;
        this.netnsDir = netnsDir;
        this.locks = locks;
        this.lockWait = lockWait;
    }

    /** On this machine. */
    static MeshLink system() {
        return new MeshLink(
                args -> {
                    List<String> command = new java.util.ArrayList<>(List.of("ip"));
                    command.addAll(args);
                    return HostCommand.run(command);
                },
                StackFabric.NETNS_DIR,
                FabricTeardown.LOCKS);
    }

    /** Why this process cannot wire links (not Linux, not root), or empty. */
    static Optional<String> unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return Optional.of("network namespaces need Linux");
        }
        try {
            long caps = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("CapEff:"))
                    .map(l -> Long.parseUnsignedLong(l.substring(7).trim(), 16))
                    .findFirst()
                    .orElse(0L);
            if ((caps & (1L << CAP_NET_ADMIN)) == 0 || (caps & (1L << CAP_SYS_ADMIN)) == 0) {
                return Optional.of("linking network namespaces needs CAP_NET_ADMIN and CAP_SYS_ADMIN (run as root)");
            }
        } catch (IOException | NumberFormatException e) {
            return Optional.of("cannot read this process's capabilities: " + e.getMessage());
        }
        return Optional.empty();
    }

    /** The name of the end in {@code local}'s switch of the link to {@code peer}. */
    static String port(StackFabric peer) {
        return PORT_PREFIX + peer.prefix();
    }

    /**
     * Joins the two switches (creating a missing one); keeps a link whose two ends are there. Whether it created
     * the link. When a step fails, the ends it made are deleted again (no half link) and the failure is thrown.
     */
    boolean ensure(StackFabric local, String localName, StackFabric peer, String peerName) {
        return holding(local, peer, () -> {
            ensureSwitch(local);
            ensureSwitch(peer);
            String here = port(peer);
            String there = port(local);
            boolean hasHere = hasLink(local, here);
            boolean hasThere = hasLink(peer, there);
            if (hasHere && hasThere) {
                return false;
            }
            deleteIfPresent(local, here);
            deleteIfPresent(peer, there);
            try {
                create(local, localName, peer, peerName);
            } catch (RuntimeException e) {
                try {
                    deleteIfPresent(local, here);
                    deleteIfPresent(peer, there);
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
            return true;
        });
    }

    private void create(StackFabric local, String localName, StackFabric peer, String peerName) {
        String here = port(peer);
        String there = port(local);
        ip.run(List.of(
                "-n",
                local.prefix(),
                "link",
                "add",
                here,
                "type",
                "veth",
                "peer",
                "name",
                there,
                "netns",
                peer.prefix()));
        attach(local, here, peerName);
        attach(peer, there, localName);
    }

    /** Removes the link between the two switches (both ends); whether there was one. */
    boolean remove(StackFabric local, StackFabric peer) {
        return holding(local, peer, () -> deleteIfPresent(local, port(peer)) | deleteIfPresent(peer, port(local)));
    }

    /** Whether the two switches are linked (the end in {@code local}'s switch is there). */
    boolean linked(StackFabric local, StackFabric peer) {
        return hasLink(local, port(peer));
    }

    private void attach(StackFabric sw, String port, String peerName) {
        for (List<String> args : List.of(
                List.of("link", "set", port, "alias", "mesh:" + peerName),
                List.of("link", "set", port, "addrgenmode", "none"),
                List.of("link", "set", port, "master", BRIDGE),
                List.of("link", "set", port, "up"))) {
            List<String> command = new java.util.ArrayList<>(List.of("-n", sw.prefix()));
            command.addAll(args);
            ip.run(command);
        }
    }

    /** The switch as the agent's fabric creates it: a namespace with bridge {@code br0}, snooping off, up. */
    private void ensureSwitch(StackFabric sw) {
        if (!Files.exists(netnsDir.resolve(sw.prefix()))) {
            ip.run(List.of("netns", "add", sw.prefix()));
        }
        ip.run(List.of("-n", sw.prefix(), "link", "set", "lo", "up"));
        if (!hasLink(sw, BRIDGE)) {
            ip.run(List.of("-n", sw.prefix(), "link", "add", BRIDGE, "type", "bridge", "mcast_snooping", "0"));
        }
        ip.run(List.of("-n", sw.prefix(), "link", "set", BRIDGE, "up"));
    }

    private boolean hasLink(StackFabric sw, String link) {
        if (!Files.exists(netnsDir.resolve(sw.prefix()))) {
            return false;
        }
        // "5: mtd1a2b3c4d@if6: <BROADCAST,...> ..." per link with -o.
        return ip.run(List.of("-n", sw.prefix(), "-o", "link", "show"))
                .lines()
                .map(line -> line.split(": ", 3))
                .filter(f -> f.length >= 2)
                .map(f -> f[1].contains("@") ? f[1].substring(0, f[1].indexOf('@')) : f[1])
                .anyMatch(link::equals);
    }

    private boolean deleteIfPresent(StackFabric sw, String link) {
        if (!hasLink(sw, link)) {
            return false;
        }
        ip.run(List.of("-n", sw.prefix(), "link", "del", link));
        return true;
    }

    /**
     * Both stacks' fabric locks, in name order (an agent holds one at a time, so no order can deadlock), each waited
     * for at most {@link #lockWait}: an agent holds its stack's lock only while it wires, so one held longer is a
     * stuck process, reported by naming the lock file rather than waited for.
     */
    private <T> T holding(StackFabric a, StackFabric b, Supplier<T> action) {
        StackFabric first = a.prefix().compareTo(b.prefix()) <= 0 ? a : b;
        StackFabric second = first == a ? b : a;
        try {
            Files.createDirectories(locks);
            try (FileChannel one = lockFile(first);
                    FileLock ignored = lock(one, first);
                    FileChannel two = lockFile(second);
                    FileLock ignored2 = lock(two, second)) {
                return action.get();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock the fabrics " + a.prefix() + " and " + b.prefix(), e);
        }
    }

    private FileLock lock(FileChannel channel, StackFabric sw) throws IOException {
        long deadline = System.nanoTime() + lockWait.toNanos();
        while (true) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException heldInThisProcess) {
                lock = null;
            }
            if (lock != null) {
                return lock;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("the kernel pod network " + sw.prefix() + " stayed locked ("
                        + locks.resolve(sw.prefix() + ".lock") + ", held while an agent wires its node) for "
                        + lockWait.toSeconds() + " s: is an agent of that stack stuck?");
            }
            try {
                Thread.sleep(LOCK_POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(
                        "interrupted while waiting for " + locks.resolve(sw.prefix() + ".lock"));
            }
        }
    }

    private FileChannel lockFile(StackFabric sw) throws IOException {
        return FileChannel.open(
                locks.resolve(sw.prefix() + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }
}
