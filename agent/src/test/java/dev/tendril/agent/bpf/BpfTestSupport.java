package dev.tendril.agent.bpf;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/** Skips bpf(2) tests with a printed reason where the kernel refuses them, and hands out bpffs scratch directories. */
final class BpfTestSupport {
    static final Path BPFFS = Path.of("/sys/fs/bpf");

    private static Optional<String> unavailable;

    private BpfTestSupport() {}

    /** Skips the test unless this process may create eBPF maps (root or CAP_BPF on Linux x86_64). */
    static synchronized void assumeBpf() {
        if (unavailable == null) {
            unavailable = KernelBpfMap.unavailableReason();
            unavailable.ifPresent(r -> System.out.println("SKIPPING bpf(2) tests: " + r));
        }
        assumeTrue(unavailable.isEmpty(), () -> "bpf(2) unavailable: " + unavailable.orElse(""));
    }

    /** A fresh directory under /sys/fs/bpf; skips the test when no bpffs is mounted there. */
    static Path newPinDirectory() {
        assumeBpf();
        boolean mounted = bpffsMounted();
        if (!mounted) {
            System.out.println("SKIPPING pinning test: no bpffs at " + BPFFS + " (mount -t bpf bpf " + BPFFS + ")");
        }
        assumeTrue(mounted, () -> "no bpffs mounted at " + BPFFS);
        Path dir = BPFFS.resolve("tendril-test-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when the running kernel is at least major.minor (from os.version, e.g. 6.18.44-foo). */
    static boolean kernelAtLeast(int major, int minor) {
        String[] parts = System.getProperty("os.version", "0.0").split("[.-]");
        try {
            int ma = Integer.parseInt(parts[0]);
            int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return ma > major || (ma == major && mi >= minor);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean bpffsMounted() {
        try {
            List<String> mounts = Files.readAllLines(Path.of("/proc/self/mounts"));
            return mounts.stream()
                    .map(l -> l.split(" "))
                    .anyMatch(f -> f.length > 2 && f[1].equals(BPFFS.toString()) && f[2].equals("bpf"));
        } catch (IOException e) {
            return false;
        }
    }
}
