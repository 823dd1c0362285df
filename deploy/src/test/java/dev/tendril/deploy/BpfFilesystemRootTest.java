package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The launcher's bpffs handling on this machine's real bpffs, as root: it mounts nothing over the mounted one and
 * removes exactly this stack's pin directories. Skipped, saying why, without root or without a bpffs at /sys/fs/bpf
 * (this test never mounts one itself).
 */
class BpfFilesystemRootTest {

    private Path pins;

    @BeforeEach
    void requireRootAndBpffs() throws IOException {
        Optional<String> skip = !BpfFilesystem.isRoot(Files.readAllLines(Path.of("/proc/self/status")))
                ? Optional.of("not root")
                : BpfFilesystem.mountAction(mounts(), BpfFilesystem.MOUNT_POINT, true) != BpfFilesystem.MountAction.NONE
                        ? Optional.of("no bpffs at " + BpfFilesystem.MOUNT_POINT + " (mount -t bpf bpf /sys/fs/bpf)")
                        : Optional.empty();
        if (skip.isPresent()) {
            System.out.println("SKIPPING BpfFilesystemRootTest: " + skip.get());
            Assumptions.abort(skip.get());
        }
        // bpffs refuses names with a dot.
        pins = BpfFilesystem.MOUNT_POINT.resolve(
                "tendril-launcher-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    }

    @AfterEach
    void removeScratchPins() throws IOException {
        if (pins != null && Files.exists(pins)) {
            try (Stream<Path> tree = Files.walk(pins)) {
                for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void mountsNothingOverTheMountedBpffsAndRemovesOnlyThisStacksPins() throws Exception {
        // This stack's agents on 8091 and 8092; another stack's (port offset 1000) on 9091; a look-alike name.
        for (String dir : List.of("port-8091/node-1", "port-8092/node-2", "port-9091/node-1", "port-80910/node-1")) {
            Files.createDirectories(pins.resolve(dir));
        }
        boolean maps = pinMap(pins.resolve("port-8091/node-1/cilium_lxc"))
                && pinMap(pins.resolve("port-9091/node-1/cilium_lxc"));
        System.out.println("BpfFilesystemRootTest: "
                + (maps ? "pinned maps with bpftool" : "no bpftool: directories only, no pinned maps"));
        List<String> mountsBefore = bpfMounts();
        ByteArrayOutputStream output = new ByteArrayOutputStream();

        BpfFilesystem.system(pins)
                .prepare(new PrintStream(output, true, StandardCharsets.UTF_8), List.of(8091, 8092), true);

        assertThat(bpfMounts()).as("bpf mounts").isEqualTo(mountsBefore);
        assertThat(output.toString(StandardCharsets.UTF_8))
                .doesNotContain("mounted")
                .contains("removed stale pins of this stack: " + pins.resolve("port-8091") + ", "
                        + pins.resolve("port-8092"));
        assertThat(pins.resolve("port-8091")).doesNotExist();
        assertThat(pins.resolve("port-8092")).doesNotExist();
        assertThat(pins.resolve("port-9091/node-1"))
                .as("the other stack's pins")
                .isDirectory();
        assertThat(pins.resolve("port-80910/node-1")).isDirectory();
        if (maps) {
            assertThat(pins.resolve("port-9091/node-1/cilium_lxc")).exists();
        }

        // The other stack goes down: its pins go, the look-alike stays.
        assertThat(BpfFilesystem.system(pins).removePins(List.of(9091))).containsExactly(pins.resolve("port-9091"));
        assertThat(pins.resolve("port-9091")).doesNotExist();
        assertThat(pins.resolve("port-80910/node-1")).isDirectory();
    }

    private static List<String> mounts() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts"));
    }

    private static List<String> bpfMounts() throws IOException {
        return mounts().stream()
                .filter(l -> l.split(" ").length > 2 && l.split(" ")[2].equals("bpf"))
                .toList();
    }

    /** A real pinned map, as an agent leaves one, when bpftool is installed. */
    private static boolean pinMap(Path path) throws IOException, InterruptedException {
        Process bpftool;
        try {
            bpftool = new ProcessBuilder(
                            "bpftool",
                            "map",
                            "create",
                            path.toString(),
                            "type",
                            "hash",
                            "key",
                            "4",
                            "value",
                            "4",
                            "entries",
                            "1",
                            "name",
                            "launcher_test")
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            return false;
        }
        String said = new String(bpftool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bpftool.waitFor(30, TimeUnit.SECONDS)).as("bpftool exits").isTrue();
        assertThat(bpftool.exitValue()).as("bpftool map create: " + said).isZero();
        return true;
    }
}
