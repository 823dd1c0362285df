package dev.tendril.cli.stack;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * {@code DATA/stack.json}: what the launcher started, written by it and read by every command that talks to the
 * local stack.
 *
 * @param launcherPid the launcher process (which also hosts Kafka)
 * @param ready       false while the launcher still waits for health checks
 * @param cluster     who the stack is in a ClusterMesh ({@code ./tendril up --cluster-name --cluster-id}); null in a
 *                    file written before clusters had names
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record StackFile(
        long launcherPid,
        String dataDir,
        String startedAt,
        boolean ready,
        List<Component> components,
        @JsonInclude(JsonInclude.Include.NON_NULL) Cluster cluster) {

    /** The stack's cluster: its name and id, and the pod CIDRs its IPAM allocates from. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Cluster(String name, int id, List<String> podCidrs) {
        public Cluster {
            podCidrs = podCidrs == null ? List.of() : List.copyOf(podCidrs);
        }
    }

    /** A stack outside any mesh (no cluster recorded). */
    public StackFile(long launcherPid, String dataDir, String startedAt, boolean ready, List<Component> components) {
        this(launcherPid, dataDir, startedAt, ready, components, null);
    }

    public static final String NAME = "stack.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The file in {@code dataDir}; empty when there is none. */
    public static Optional<StackFile> read(Path dataDir) {
        Path file = dataDir.resolve(NAME);
        try {
            StackFile parsed = JSON.readValue(Files.readString(file), StackFile.class);
            return Optional.of(new StackFile(
                    parsed.launcherPid,
                    parsed.dataDir,
                    parsed.startedAt,
                    parsed.ready,
                    parsed.components == null ? List.of() : List.copyOf(parsed.components),
                    parsed.cluster));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Replaces the file in {@code dataDir} atomically, so a reader never sees half of it. */
    public void write(Path dataDir) {
        Path file = dataDir.resolve(NAME);
        Path temp = dataDir.resolve(NAME + ".tmp");
        try {
            Files.writeString(temp, JSON.writeValueAsString(this) + System.lineSeparator());
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
