package dev.tendril.agent.datapath.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Skips kernel datapath tests, with the reason printed, where they cannot run: not root, no bpffs at
 * /sys/fs/bpf, no libbpf, an agent built without clang, no iproute2. Where they can, they must run.
 */
final class KernelTestSupport {
    static final Path BPFFS = Path.of("/sys/fs/bpf");

    private static Optional<String> unavailable;

    private KernelTestSupport() {
    }

    /**
     * Skips the test unless the kernel datapath can run here. Call it per test (a {@code @BeforeEach}):
     * skipped tests then show in the counts, where a class aborted in {@code @BeforeAll} shows none.
     */
    static void assumeKernelDatapath() {
        assumeTrue(available(), () -> "kernel datapath unavailable: " + unavailable.orElse(""));
    }

    /** Whether the kernel datapath can run here; the first call prints why not. */
    static synchronized boolean available() {
        if (unavailable == null) {
            unavailable = reason();
            unavailable.ifPresent(r -> System.out.println("SKIPPING kernel datapath tests: " + r));
        }
        return unavailable.isEmpty();
    }

    private static Optional<String> reason() {
        Optional<String> datapath = KernelDatapath.unavailableReason();
        if (datapath.isPresent()) {
            return datapath;
        }
        if (!isRoot()) {
            return Optional.of("not root: network namespaces, veths and tc need CAP_SYS_ADMIN and CAP_NET_ADMIN");
        }
        if (!bpffsMounted()) {
            return Optional.of("no bpffs at " + BPFFS + " (mount -t bpf bpf " + BPFFS + ")");
        }
        for (String tool : List.of("ip")) {
            if (Stream.of("/usr/sbin", "/sbin", "/usr/bin", "/bin").noneMatch(d -> Files.isExecutable(Path.of(d, tool)))) {
                return Optional.of(tool + " not found (Debian: apt-get install iproute2)");
            }
        }
        return Optional.empty();
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).anyMatch(l -> l.split("\\s+")[2].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean bpffsMounted() {
        try {
            return Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> l.split(" "))
                    .anyMatch(f -> f.length > 2 && f[1].equals(BPFFS.toString()) && f[2].equals("bpf"));
        } catch (IOException e) {
            return false;
        }
    }

    /** A fresh pin directory, {@code /sys/fs/bpf/tendril-kernel-test-<id>/node-1}. */
    static Path newPinDirectory() {
        Path dir = BPFFS.resolve("tendril-kernel-test-" + UUID.randomUUID().toString().substring(0, 8)).resolve("node-1");
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes a pin directory made by {@link #newPinDirectory}, its parent included. */
    static void removePins(Path dir) {
        if (dir == null) {
            return;
        }
        Path root = dir.getParent();
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
