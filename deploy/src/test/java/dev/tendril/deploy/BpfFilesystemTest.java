package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What the launcher mounts and removes, decided from a mount table and a directory listing; no root needed. */
class BpfFilesystemTest {

    private static final String PROC = "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0";
    private static final String SYSFS = "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0";
    private static final String BPFFS = "bpf /sys/fs/bpf bpf rw,nosuid,nodev,noexec,relatime,mode=700 0 0";
    private static final Path PINS = Path.of("/sys/fs/bpf/tendril");

    static Stream<Arguments> mountTables() {
        return Stream.of(
                Arguments.of(
                        "bpffs mounted: nothing to do",
                        List.of(PROC, SYSFS, BPFFS),
                        true,
                        BpfFilesystem.MountAction.NONE),
                Arguments.of(
                        "bpffs mounted, not root: nothing to do either",
                        List.of(PROC, SYSFS, BPFFS),
                        false,
                        BpfFilesystem.MountAction.NONE),
                Arguments.of("none, as root: mount one", List.of(PROC, SYSFS), true, BpfFilesystem.MountAction.MOUNT),
                Arguments.of(
                        "none, not root: go on without",
                        List.of(PROC, SYSFS),
                        false,
                        BpfFilesystem.MountAction.NOT_ROOT),
                Arguments.of("an empty mount table: mount one", List.of(), true, BpfFilesystem.MountAction.MOUNT),
                Arguments.of(
                        "bpffs elsewhere only: mount one here",
                        List.of(SYSFS, "bpf /mnt/bpf bpf rw 0 0"),
                        true,
                        BpfFilesystem.MountAction.MOUNT),
                Arguments.of(
                        "a later tmpfs hides the bpffs: mount one",
                        List.of(SYSFS, BPFFS, "tmpfs /sys/fs/bpf tmpfs rw 0 0"),
                        true,
                        BpfFilesystem.MountAction.MOUNT),
                Arguments.of(
                        "a later bpffs over a tmpfs: nothing to do",
                        List.of(SYSFS, "tmpfs /sys/fs/bpf tmpfs rw 0 0", BPFFS),
                        true,
                        BpfFilesystem.MountAction.NONE),
                Arguments.of(
                        "a bpffs at the pin directory itself: nothing to do",
                        List.of(SYSFS, "bpf /sys/fs/bpf/tendril bpf rw 0 0"),
                        true,
                        BpfFilesystem.MountAction.NONE),
                Arguments.of(
                        "a bpffs at a sibling of the pin directory: mount one",
                        List.of(SYSFS, "bpf /sys/fs/bpf/tendril-other bpf rw 0 0"),
                        true,
                        BpfFilesystem.MountAction.MOUNT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mountTables")
    void decidesWhetherToMountFromTheMountTable(
            String name, List<String> mounts, boolean root, BpfFilesystem.MountAction expected) {
        assertThat(BpfFilesystem.mountAction(mounts, PINS, root)).isEqualTo(expected);
    }

    @Test
    void readsMountPointsWithEscapedSpaces() {
        List<String> mounts = List.of("tmpfs /tmp tmpfs rw 0 0", "bpf /tmp/my\\040pins bpf rw 0 0");

        assertThat(BpfFilesystem.filesystemType(mounts, Path.of("/tmp/my pins/tendril")))
                .contains("bpf");
        assertThat(BpfFilesystem.filesystemType(mounts, Path.of("/tmp/my\\040pins")))
                .contains("tmpfs");
    }

    static Stream<Arguments> listings() {
        List<String> two = List.of("port-8091", "port-8092");
        return Stream.of(
                Arguments.of("this stack's agents' directories", two, List.of(8091, 8092), two),
                Arguments.of(
                        "another stack's (other port offset) stay",
                        List.of("port-8091", "port-9091", "port-9092"),
                        List.of(8091, 8092),
                        List.of("port-8091")),
                Arguments.of(
                        "a port that only starts like one of ours stays",
                        List.of("port-80910", "port-809", "port-8091"),
                        List.of(8091),
                        List.of("port-8091")),
                Arguments.of(
                        "anything not named by an agent port stays",
                        List.of("node-1", "globals", "8091", "port-8091x"),
                        List.of(8091),
                        List.of()),
                Arguments.of(
                        "an agent that pinned nothing",
                        List.of("port-8092"),
                        List.of(8091, 8092),
                        List.of("port-8092")),
                Arguments.of("no agents", two, List.of(), List.of()),
                Arguments.of("an empty directory", List.of(), List.of(8091), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("listings")
    void removesOnlyThePinDirectoriesOfThisStacksAgents(
            String name, List<String> listing, List<Integer> ports, List<String> expected) {
        assertThat(BpfFilesystem.ownPins(listing, ports)).isEqualTo(expected);
    }

    @Test
    void theAgentsPinDirectoryIsNamedByItsPort() {
        assertThat(BpfFilesystem.agentPins(9091)).isEqualTo(Path.of("/sys/fs/bpf/tendril/port-9091"));
    }

    @Test
    void rootIsTheEffectiveUser() {
        assertThat(BpfFilesystem.isRoot(List.of("Name:\tjava", "Uid:\t0\t0\t0\t0")))
                .isTrue();
        assertThat(BpfFilesystem.isRoot(List.of("Uid:\t1000\t0\t0\t0")))
                .as("setuid root")
                .isTrue();
        assertThat(BpfFilesystem.isRoot(List.of("Uid:\t0\t1000\t1000\t1000")))
                .as("dropped root")
                .isFalse();
        assertThat(BpfFilesystem.isRoot(List.of("Uid:\t1000\t1000\t1000\t1000")))
                .isFalse();
        assertThat(BpfFilesystem.isRoot(List.of())).as("no /proc").isFalse();
    }

    @Test
    void mountsAsRootWhenNoneIsMountedAndSaysSo(@TempDir Path dir) {
        List<Path> mounted = new ArrayList<>();
        String output = prepare(
                new BpfFilesystem(dir, dir.resolve("tendril"), () -> List.of(SYSFS), true, point -> {
                    mounted.add(point);
                    return Optional.empty();
                }),
                false);

        assertThat(mounted).containsExactly(dir);
        assertThat(output).isEqualTo("bpffs      mounted at " + dir + " (mount -t bpf bpf " + dir + ")\n");
    }

    @Test
    void saysWhyAndGoesOnWhenTheMountFails(@TempDir Path dir) throws IOException {
        Path pins = dir.resolve("tendril");
        Files.createDirectories(pins.resolve("port-8091"));
        String output = prepare(
                new BpfFilesystem(
                        dir, pins, () -> List.of(SYSFS), true, point -> Optional.of("exit 32: permission denied")),
                true);

        assertThat(output)
                .isEqualTo("bpffs      mount -t bpf bpf " + dir + " failed (exit 32: permission denied): "
                        + "the agents keep their maps in memory (the model datapath)\n");
        assertThat(pins.resolve("port-8091"))
                .as("nothing pinned there: not a bpffs")
                .exists();
    }

    @Test
    void saysSoAndMountsNothingWhenNotRoot(@TempDir Path dir) {
        List<Path> mounted = new ArrayList<>();
        String output = prepare(
                new BpfFilesystem(dir, dir.resolve("tendril"), () -> List.of(SYSFS), false, point -> {
                    mounted.add(point);
                    return Optional.empty();
                }),
                true);

        assertThat(mounted).isEmpty();
        assertThat(output)
                .isEqualTo("bpffs      not mounted at " + dir + ", and not root to mount it: "
                        + "the agents keep their maps in memory (the model datapath)\n");
    }

    @Test
    void freshRemovesThisStacksStalePinsOnlyAndDownTheRest(@TempDir Path dir) throws IOException {
        Path pins = dir.resolve("tendril");
        for (String pinned : List.of(
                "port-8091/node-1/cilium_lxc",
                "port-8092/node-2/cilium_ipcache_v2",
                "port-9091/node-1/cilium_lxc",
                "port-80910/node-1/cilium_lxc")) {
            Files.createDirectories(pins.resolve(pinned).getParent());
            Files.writeString(pins.resolve(pinned), "map");
        }
        List<String> table = List.of(SYSFS, "bpf " + dir + " bpf rw 0 0");
        BpfFilesystem bpffs = new BpfFilesystem(dir, pins, () -> table, true, point -> {
            throw new AssertionError("mounted over a bpffs");
        });

        String fresh = prepare(bpffs, true);

        assertThat(fresh)
                .isEqualTo("bpffs      removed stale pins of this stack: " + pins.resolve("port-8091") + ", "
                        + pins.resolve("port-8092") + "\n");
        assertThat(pins.resolve("port-8091")).doesNotExist();
        assertThat(pins.resolve("port-8092")).doesNotExist();
        assertThat(pins.resolve("port-9091/node-1/cilium_lxc"))
                .as("the other stack's")
                .exists();
        assertThat(pins.resolve("port-80910/node-1/cilium_lxc")).exists();

        assertThat(prepare(bpffs, false))
                .as("not fresh, nothing to mount: nothing to say")
                .isEmpty();
        assertThat(bpffs.removePins(List.of(8091, 8092)))
                .as("nothing left to remove")
                .isEmpty();
        assertThat(bpffs.removePins(List.of(9091))).containsExactly(pins.resolve("port-9091"));
        assertThat(pins.resolve("port-80910/node-1/cilium_lxc")).exists();
    }

    @Test
    void removesNothingWhereNothingWasPinned(@TempDir Path dir) {
        BpfFilesystem bpffs =
                new BpfFilesystem(dir, dir.resolve("tendril"), List::of, false, point -> Optional.empty());

        assertThat(bpffs.removePins(List.of(8091))).isEmpty();
    }

    /** What prepare printed, with \n line ends. */
    private static String prepare(BpfFilesystem bpffs, boolean fresh) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        bpffs.prepare(out, List.of(8091, 8092), fresh);
        return bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }
}
