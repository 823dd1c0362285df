package dev.tendril.agent.datapath.kernel;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tendril.agent.datapath.fabric.Fabric;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Skips kernel datapath tests, with the reason printed, where they cannot run: not root, no bpffs at
 * /sys/fs/bpf, no libbpf, an agent built without clang, no iproute2 (what {@link Fabric} needs). Where
 * they can, they must run.
 */
final class KernelTestSupport {
    static final Path BPFFS = Path.of("/sys/fs/bpf");

    private static Optional<String> unavailable;

    private KernelTestSupport() {}

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
        return Fabric.unavailableReason();
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:"))
                    .anyMatch(l -> l.split("\\s+")[2].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean bpffsMounted() {
        try {
            return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                    .map(l -> l.split(" "))
                    .anyMatch(f -> f.length > 2 && f[1].equals(BPFFS.toString()) && f[2].equals("bpf"));
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code ip args...} in the test's own namespace; fails the test with ip's output when it fails. */
    static String ip(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
