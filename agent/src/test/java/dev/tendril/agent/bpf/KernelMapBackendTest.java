package dev.tendril.agent.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tendril.datapath.maps.MapSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel datapath pins its ring buffer and program objects in the node's map directory: the backend lists
 * only the maps it can open, so {@code GET /v1/maps} and the stale-map sweep never trip over them.
 */
class KernelMapBackendTest {

    private Path dir;

    @AfterEach
    void cleanUp() {
        BpfTestSupport.deleteRecursively(dir);
    }

    @Test
    void namesListsTheMapsAndLeavesOutARingBufferPinnedBesideThem() throws Exception {
        dir = BpfTestSupport.newPinDirectory();
        boolean bpftool = Files.isExecutable(Path.of("/usr/sbin/bpftool"));
        if (!bpftool) {
            System.out.println("SKIPPING ring-buffer pin test: no /usr/sbin/bpftool (Debian package bpftool)");
        }
        assumeTrue(bpftool, "no bpftool");
        Process create = new ProcessBuilder(
                        "/usr/sbin/bpftool",
                        "map",
                        "create",
                        dir.resolve("tendril_events").toString(),
                        "type",
                        "ringbuf",
                        "key",
                        "0",
                        "value",
                        "0",
                        "entries",
                        "4096",
                        "name",
                        "tendril_events")
                .redirectErrorStream(true)
                .start();
        assertThat(create.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(create.exitValue())
                .as(new String(create.getInputStream().readAllBytes()))
                .isZero();

        try (KernelMapBackend backend = new KernelMapBackend(dir)) {
            backend.openOrCreate(MapSpec.hash("cilium_lxc", 20, 48, 64));

            assertThat(backend.names()).containsExactly("cilium_lxc");
            assertThat(backend.names()).containsExactly("cilium_lxc");
        }
        try (KernelMapBackend restarted = new KernelMapBackend(dir)) {
            assertThat(restarted.names()).containsExactly("cilium_lxc");
        }
        assertThat(dir.resolve("tendril_events")).exists();
    }
}
