package dev.tendril.deploy;

import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.StackFabric;
import dev.tendril.cli.stack.StackFile;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Removes what a stack's kernel pod network left, as the agent's {@code Fabric.removeAll} does (the launcher does not
 * run the agent's code): every network namespace with the stack's prefix, pods first, then nodes, then the switch,
 * each after the links in it (a veth goes with its peer; a namespace a process still holds would keep them), then the
 * bpffs directory {@code <bpffs>/<prefix>} (its nodes' pinned socket-LB links too: unpinning them detaches those
 * programs from the cgroup root, as no process holds the links otherwise), the agents' own pin directories
 * ({@code /sys/fs/bpf/tendril/port-<agent port>}: their maps, their tc programs and tcx links, their socket-LB links,
 * which would otherwise keep the programs loaded, and attached at the machine's cgroup root, after the stack is gone)
 * and the lock file {@code /run/tendril-fabric/<prefix>.lock}. Run by {@code up --fresh} before the agents start, and
 * by {@code ./tendril down} through {@link #main} once the launcher and its processes are gone; the launcher's own stop
 * (Ctrl-C, SIGTERM) keeps all of it (the pods' programs go on enforcing, and the next start's agents find their maps
 * as they left them).
 */
final class FabricTeardown {

    static final Path BPFFS = Path.of("/sys/fs/bpf");
    static final Path LOCKS = Path.of("/run/tendril-fabric");
    private static final String LABEL = "fabric";
    /** The agent's name prefix for a pinned BPF link (SocketLb). */
    private static final String SOCKET_LB_LINK = "link_";

    /** The ip(8) commands the removal needs; tests give a fake one. */
    interface Ip {
        /** The names of the links in network namespace {@code netns}. */
        List<String> links(String netns);

        /** Deletes a link; nothing when it is gone already (with its peer, say). */
        void deleteLink(String netns, String link);

        void deleteNetns(String netns);
    }

    private final StackFabric fabric;
    private final Path netnsDir;
    private final Path bpffs;
    private final Path locks;
    private final Ip ip;
    private final List<Path> agentPins;

    FabricTeardown(StackFabric fabric, Path netnsDir, Path bpffs, Path locks, Ip ip) {
        this(fabric, netnsDir, bpffs, locks, ip, List.of());
    }

    /** @param agentPins the stack's agents' pin directories ({@code tendril.agent.bpffs-dir}, one per agent) */
    FabricTeardown(StackFabric fabric, Path netnsDir, Path bpffs, Path locks, Ip ip, Collection<Path> agentPins) {
        this.fabric = fabric;
        this.netnsDir = netnsDir;
        this.bpffs = bpffs;
        this.locks = locks;
        this.ip = ip;
        this.agentPins = List.copyOf(agentPins);
    }

    /** On this machine, with ip(8). */
    static FabricTeardown system(StackFabric fabric) {
        return system(fabric, List.of());
    }

    /** On this machine, with ip(8), also unpinning the socket-LB links in these agents' pin directories. */
    static FabricTeardown system(StackFabric fabric, Collection<Path> agentPins) {
        return new FabricTeardown(fabric, StackFabric.NETNS_DIR, BPFFS, LOCKS, new IpCommand(), agentPins);
    }

    /** The pin directories of the agents stack.json of {@code dataDir} lists; none without it. */
    static List<Path> agentPinsOf(Path dataDir) {
        return StackFile.read(dataDir)
                .map(stack -> stack.components().stream()
                        .filter(c -> c.kind() == Kind.AGENT)
                        .map(c -> BpfFilesystem.agentPins(c.port()))
                        .toList())
                .orElse(List.of());
    }

    /** This stack's agents' pin directories that exist. */
    List<Path> agentPinDirectories() {
        return agentPins.stream()
                .filter(dir -> Files.exists(dir, LinkOption.NOFOLLOW_LINKS))
                .toList();
    }

    /** The socket-LB link pins ({@code <agent pins>/<node>/link_*}) of this stack's agents. */
    List<Path> socketLbLinks() {
        List<Path> links = new ArrayList<>();
        for (Path dir : agentPins) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> nodes = Files.list(dir)) {
                for (Path node : nodes.filter(Files::isDirectory).sorted().toList()) {
                    try (Stream<Path> pins = Files.list(node)) {
                        pins.filter(p -> p.getFileName().toString().startsWith(SOCKET_LB_LINK))
                                .sorted()
                                .forEach(links::add);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir, e);
            }
        }
        return links;
    }

    /** This stack's network namespaces, in the order they are removed: pods, nodes, the switch. */
    List<String> namespaces() {
        if (!Files.isDirectory(netnsDir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(netnsDir)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(fabric::owns)
                    .sorted(Comparator.comparingInt(fabric::depth).reversed().thenComparing(Comparator.naturalOrder()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + netnsDir, e);
        }
    }

    /** Whether anything of this stack's fabric is there. */
    boolean present() {
        return !namespaces().isEmpty()
                || !agentPinDirectories().isEmpty()
                || Files.exists(bpffsDirectory(), LinkOption.NOFOLLOW_LINKS)
                || Files.exists(lockFile());
    }

    /** Removes it all; what it removed (namespace names, then directories and files). */
    List<String> remove() {
        List<String> removed = new ArrayList<>();
        for (String netns : namespaces()) {
            for (String link : ip.links(netns)) {
                if (!link.equals("lo")) {
                    ip.deleteLink(netns, link);
                }
            }
            ip.deleteNetns(netns);
            removed.add(netns);
        }
        try {
            // The socket-LB links first: each detaches its program from the cgroup root as it goes.
            List<Path> links = socketLbLinks();
            for (Path link : links) {
                Files.deleteIfExists(link);
            }
            if (!links.isEmpty()) {
                removed.add(links.size() + " socket-LB link pin" + (links.size() == 1 ? "" : "s"));
            }
            for (Path pins : agentPinDirectories()) {
                deleteTree(pins);
                removed.add(pins.toString());
            }
            if (deleteTree(bpffsDirectory())) {
                removed.add(bpffsDirectory().toString());
            }
            if (Files.deleteIfExists(lockFile())) {
                removed.add(lockFile().toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the fabric's files of " + fabric.prefix(), e);
        }
        return removed;
    }

    /** Removes the fabric, saying what it removed; nothing when there was none. */
    void removeReporting(PrintStream out, String why) {
        if (!present()) {
            return;
        }
        List<String> removed = remove();
        long namespaces = removed.stream().filter(fabric::owns).count();
        List<String> files = removed.stream().filter(r -> !fabric.owns(r)).toList();
        out.printf(
                "%-10s removed %s %s: %d network namespace%s%s%n",
                LABEL,
                why,
                fabric.prefix(),
                namespaces,
                namespaces == 1 ? "" : "s",
                files.isEmpty() ? "" : ", " + String.join(", ", files));
    }

    Path bpffsDirectory() {
        return bpffs.resolve(fabric.prefix());
    }

    Path lockFile() {
        return locks.resolve(fabric.prefix() + ".lock");
    }

    private static boolean deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (Stream<Path> tree = Files.walk(dir)) {
            for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        return true;
    }

    /**
     * {@code ./tendril down}'s clean-up: {@code FabricTeardown DATA_DIR} removes the fabric of the stack of that data
     * directory; exit 1, saying why, when it cannot (not root, say).
     */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: FabricTeardown DATA_DIR");
            System.exit(2);
        }
        try {
            Path dataDir = Path.of(args[0]);
            system(StackFabric.of(dataDir), agentPinsOf(dataDir)).removeReporting(System.out, "the kernel pod network");
        } catch (RuntimeException e) {
            System.err.println("tendril: could not remove the stack's kernel pod network (" + e.getMessage()
                    + "); as root, './tendril down' again removes it");
            System.exit(1);
        }
    }

    /** ip(8) as a child process. */
    static final class IpCommand implements Ip {

        @Override
        public List<String> links(String netns) {
            List<String> names = new ArrayList<>();
            // "5: eth0@if6: <BROADCAST,...> ..." per link with -o.
            for (String line : run(List.of("ip", "-n", netns, "-o", "link", "show"))
                    .lines()
                    .toList()) {
                String[] fields = line.split(": ", 3);
                if (fields.length >= 2) {
                    String name = fields[1];
                    int at = name.indexOf('@');
                    names.add(at < 0 ? name : name.substring(0, at));
                }
            }
            return names;
        }

        @Override
        public void deleteLink(String netns, String link) {
            try {
                run(List.of("ip", "-n", netns, "link", "del", link));
            } catch (IllegalStateException e) {
                if (!e.getMessage().contains("Cannot find device")) {
                    throw e;
                }
            }
        }

        @Override
        public void deleteNetns(String netns) {
            run(List.of("ip", "netns", "del", netns));
        }

        static String run(List<String> command) {
            return HostCommand.run(command);
        }
    }
}
