package dev.tendril.deploy;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The bpffs the agents pin their maps on. Start-up mounts one at {@code /sys/fs/bpf} when the launcher runs as root and
 * none holds the pin directory (as Cilium's agent does), and {@code --fresh} removes what a previous run of this stack
 * left pinned; stopping removes this stack's pins. A stack's pins are {@code <pins>/port-<agent port>}, one directory
 * per agent ({@link ChildProperties} hands it to the agent as {@code tendril.agent.bpffs-dir}, the agent pins in its
 * {@code <node>/} below): another stack, on other ports, never loses its pins to this one.
 */
final class BpfFilesystem {

    static final Path MOUNT_POINT = Path.of("/sys/fs/bpf");
    static final Path PINS = MOUNT_POINT.resolve("tendril");
    private static final String PIN_PREFIX = "port-";
    private static final String LABEL = "bpffs";
    private static final String FALLBACK = "the agents keep their maps in memory (the model datapath)";

    /** What start-up does about the mount: nothing, mount one, or go on without. */
    enum MountAction {
        NONE,
        MOUNT,
        NOT_ROOT
    }

    /** Mounts a bpffs at a directory; empty when it did, else why not. */
    @FunctionalInterface
    interface Mounter {
        Optional<String> mount(Path mountPoint);
    }

    private final Path mountPoint;
    private final Path pins;
    private final Supplier<List<String>> mountTable;
    private final boolean root;
    private final Mounter mounter;

    BpfFilesystem(Path mountPoint, Path pins, Supplier<List<String>> mountTable, boolean root, Mounter mounter) {
        this.mountPoint = mountPoint;
        this.pins = pins;
        this.mountTable = mountTable;
        this.root = root;
        this.mounter = mounter;
    }

    /** This machine's: /proc/self/mounts, /proc/self/status and mount(8); pins under {@code pins}. */
    static BpfFilesystem system(Path pins) {
        return new BpfFilesystem(
                MOUNT_POINT,
                pins,
                () -> readLines(Path.of("/proc/self/mounts")),
                isRoot(readLines(Path.of("/proc/self/status"))),
                BpfFilesystem::mountCommand);
    }

    /** The pin directory of the agent on {@code port}: what the agent gets as {@code tendril.agent.bpffs-dir}. */
    static Path agentPins(int port) {
        return PINS.resolve(pinName(port));
    }

    /**
     * Before the agents start: mounts the bpffs when none holds the pin directory and this process may mount one,
     * saying what it did or why not, and on {@code fresh} removes this stack's pins a previous run left.
     */
    void prepare(PrintStream out, Collection<Integer> agentPorts, boolean fresh) {
        switch (mountAction(mountTable.get(), pins, root)) {
            case NONE -> {}
            case NOT_ROOT -> {
                out.printf("%-10s not mounted at %s, and not root to mount it: %s%n", LABEL, mountPoint, FALLBACK);
                return;
            }
            case MOUNT -> {
                Optional<String> failure = mounter.mount(mountPoint);
                if (failure.isPresent()) {
                    out.printf(
                            "%-10s %s failed (%s): %s%n", LABEL, mountCommandLine(mountPoint), failure.get(), FALLBACK);
                    return;
                }
                out.printf("%-10s mounted at %s (%s)%n", LABEL, mountPoint, mountCommandLine(mountPoint));
            }
        }
        if (fresh) {
            try {
                List<Path> removed = removePins(agentPorts);
                if (!removed.isEmpty()) {
                    out.printf("%-10s removed stale pins of this stack: %s%n", LABEL, names(removed));
                }
            } catch (UncheckedIOException e) {
                // Not fatal: the agents reconcile whatever maps they find with the state they follow.
                out.printf("%-10s could not remove stale pins of this stack (%s); going on%n", LABEL, e.getCause());
            }
        }
    }

    /** Removes this stack's pin directories (what its agents pinned), returning those that existed. */
    List<Path> removePins(Collection<Integer> agentPorts) {
        if (!Files.isDirectory(pins)) {
            return List.of();
        }
        List<Path> removed = new ArrayList<>();
        try {
            List<String> listing;
            try (Stream<Path> entries = Files.list(pins)) {
                listing = entries.map(p -> p.getFileName().toString()).toList();
            }
            for (String name : ownPins(listing, agentPorts)) {
                Path dir = pins.resolve(name);
                deleteRecursively(dir);
                removed.add(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the pins under " + pins, e);
        }
        return removed;
    }

    static String names(List<Path> dirs) {
        return String.join(", ", dirs.stream().map(Path::toString).toList());
    }

    /** Nothing when a bpffs holds {@code pins}; else mount one as root, or go on without. */
    static MountAction mountAction(List<String> mountTable, Path pins, boolean root) {
        if (filesystemType(mountTable, pins).filter("bpf"::equals).isPresent()) {
            return MountAction.NONE;
        }
        return root ? MountAction.MOUNT : MountAction.NOT_ROOT;
    }

    /**
     * The type of the filesystem that holds {@code dir}, from a mount table in /proc/self/mounts' format: the entry
     * with the longest mount point above it, the later of equal ones (a later mount hides an earlier one).
     */
    static Optional<String> filesystemType(List<String> mountTable, Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        String type = null;
        int depth = -1;
        for (String line : mountTable) {
            String[] fields = line.split(" ");
            if (fields.length < 3) {
                continue;
            }
            Path point = Path.of(unescape(fields[1]));
            if (abs.startsWith(point) && point.getNameCount() >= depth) {
                depth = point.getNameCount();
                type = fields[2];
            }
        }
        return Optional.ofNullable(type);
    }

    /** Of the entries of the pin directory, this stack's (one per agent port), sorted; nothing else. */
    static List<String> ownPins(Collection<String> listing, Collection<Integer> agentPorts) {
        List<String> own = agentPorts.stream().map(BpfFilesystem::pinName).toList();
        return listing.stream().filter(own::contains).sorted().toList();
    }

    /** Whether /proc/self/status' {@code Uid:} line (real, effective, saved, fs) names root as the effective user. */
    static boolean isRoot(List<String> procStatus) {
        return procStatus.stream()
                .filter(l -> l.startsWith("Uid:"))
                .findFirst()
                .map(l -> l.substring("Uid:".length()).trim().split("\\s+"))
                .filter(ids -> ids.length > 1 && ids[1].equals("0"))
                .isPresent();
    }

    private static String pinName(int port) {
        return PIN_PREFIX + port;
    }

    /** /proc/self/mounts writes space, tab, newline and backslash in paths as octal escapes. */
    private static String unescape(String field) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\'
                    && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                s.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                s.append(c);
            }
        }
        return s.toString();
    }

    private static String mountCommandLine(Path mountPoint) {
        return "mount -t bpf bpf " + mountPoint;
    }

    private static Optional<String> mountCommand(Path mountPoint) {
        try {
            Process mount = new ProcessBuilder("mount", "-t", "bpf", "bpf", mountPoint.toString())
                    .redirectErrorStream(true)
                    .start();
            mount.getOutputStream().close();
            if (!mount.waitFor(10, TimeUnit.SECONDS)) {
                mount.destroyForcibly();
                return Optional.of("no answer within 10 s");
            }
            // One line of output: mount(8) adds a hint about dmesg on a line of its own.
            String said = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                    .strip()
                    .replaceAll("\\s*\\R\\s*", " ");
            return mount.exitValue() == 0
                    ? Optional.empty()
                    : Optional.of("exit " + mount.exitValue() + (said.isEmpty() ? "" : ": " + said));
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Pinned maps and programs are unlinked like files; the kernel frees each once nothing else holds it. */
    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(dir);
            return;
        }
        try (Stream<Path> tree = Files.walk(dir)) {
            for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
