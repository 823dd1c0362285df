package dev.tendril.agent.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.datapath.maps.MapSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent reuses the pins it left (a restart finds its maps with their content) and never another agent's: pins that
 * an agent with another state directory left on the same directory (a stack killed on the same ports, not taken down)
 * are removed before the maps open.
 */
class PinOwnerTest {

    @TempDir
    Path temp;

    private Path bpffsDir;

    @AfterEach
    void cleanUp() {
        BpfTestSupport.deleteRecursively(bpffsDir);
    }

    @Test
    void theSameStateDirectoryKeepsItsPinsAcrossRestarts() throws Exception {
        Path pins = temp.resolve("port-10091/node-1");
        Path state = temp.resolve("data/agents/node-1");

        assertThat(PinOwner.claim(pins, state)).isEmpty();
        Files.createDirectories(pins);
        Files.writeString(pins.resolve("cilium_ipcache_v2"), "entries");

        assertThat(PinOwner.claim(pins, state))
                .as("a restart of the same agent")
                .isEmpty();
        assertThat(pins.resolve("cilium_ipcache_v2")).hasContent("entries");
    }

    @Test
    void pinsAnotherStateDirectoryLeftAreRemovedAndTheDirectoryChangesHands() throws Exception {
        Path pins = temp.resolve("port-10091/node-1");
        Path killedStack = temp.resolve("old-data/agents/node-1");
        Path newStack = temp.resolve("new-data/agents/node-1");
        PinOwner.claim(pins, killedStack);
        Files.createDirectories(pins);
        Files.writeString(pins.resolve("cilium_ipcache_v2"), "the old stack's pods");
        Files.writeString(pins.resolve("tendril_tcx_7_from"), "a link to the old stack's veth");

        Optional<String> removed = PinOwner.claim(pins, newStack);

        assertThat(removed)
                .hasValueSatisfying(what -> assertThat(what)
                        .contains(pins.toString(), "2 pins", "cilium_ipcache_v2", "tendril_tcx_7_from"));
        assertThat(pins).doesNotExist();
        try (Stream<Path> markers = Files.list(pins.getParent())) {
            assertThat(markers.map(p -> p.getFileName().toString()).toList())
                    .as("only the new owner's marker is left")
                    .singleElement()
                    .isEqualTo("node-1_owner_"
                            + Files.readString(newStack.resolve(PinOwner.TOKEN_FILE))
                                    .strip());
        }
        // The killed stack, started again on its old data directory, finds the pins no longer its own.
        Files.createDirectories(pins);
        Files.writeString(pins.resolve("cilium_ipcache_v2"), "the new stack's pods");
        assertThat(PinOwner.claim(pins, killedStack)).isPresent();
        assertThat(pins).doesNotExist();
    }

    @Test
    void pinsWithoutAnyOwnerAreNotTakenOver() throws Exception {
        Path pins = temp.resolve("port-10091/node-1");
        Files.createDirectories(pins);
        Files.writeString(pins.resolve("cilium_policy_00042"), "someone's");

        assertThat(PinOwner.claim(pins, temp.resolve("data/agents/node-1"))).isPresent();

        assertThat(pins).doesNotExist();
    }

    @Test
    void onTheRealBpffsAnotherAgentsPinnedMapIsRemovedAndItsEntriesNeverSeen() {
        bpffsDir = BpfTestSupport.newPinDirectory();
        Path pins = bpffsDir.resolve("node-1");
        MapSpec spec = MapSpec.hash("tendril_owner_test", 4, 4, 16);
        PinOwner.claim(pins, temp.resolve("killed/node-1"));
        try (KernelMapBackend killed = new KernelMapBackend(pins)) {
            killed.openOrCreate(spec).put(new byte[] {1, 0, 0, 0}, new byte[] {7, 0, 0, 0});
        }

        Optional<String> removed = PinOwner.claim(pins, temp.resolve("new/node-1"));

        assertThat(removed).hasValueSatisfying(what -> assertThat(what).contains("tendril_owner_test"));
        try (KernelMapBackend fresh = new KernelMapBackend(pins)) {
            assertThat(fresh.names()).isEmpty();
            assertThat(fresh.openOrCreate(spec).size()).isZero();
        }
        // Its own restart keeps what it wrote.
        try (KernelMapBackend again = new KernelMapBackend(pins)) {
            again.openOrCreate(spec).put(new byte[] {2, 0, 0, 0}, new byte[] {9, 0, 0, 0});
        }
        assertThat(PinOwner.claim(pins, temp.resolve("new/node-1"))).isEmpty();
        try (KernelMapBackend restarted = new KernelMapBackend(pins)) {
            assertThat(restarted.openOrCreate(spec).lookup(new byte[] {2, 0, 0, 0}))
                    .hasValueSatisfying(v -> assertThat(v[0]).isEqualTo((byte) 9));
        }
    }
}
