package dev.tendril.cli.restart;

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
 * {@code DATA/supervisor.json}: the launcher's supervisor state, rewritten whenever a component starts, becomes
 * healthy or exits; {@code tendril status} shows the restarts and {@code tendril restart} finds the control endpoint.
 *
 * @param control the launcher's control endpoint on loopback, e.g. {@code http://127.0.0.1:40123}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SupervisorFile(long launcherPid, String control, List<Supervised> components) {

    public static final String NAME = "supervisor.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One supervised component.
     *
     * @param state    {@code starting}, {@code running} (its health check passed), {@code backoff} (waiting to be
     *                 started again), {@code exited} or {@code stopped}
     * @param restarts how often it was started again, after crashes or on request
     * @param lastExit how its previous process ended; absent while it never exited
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Supervised(String name, String state, Long pid, int restarts, LastExit lastExit) {}

    /** @param at ISO-8601 instant */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record LastExit(int code, String reason, String at) {}

    /** The file in {@code dataDir}; empty when there is none (no launcher, or one from before supervision). */
    public static Optional<SupervisorFile> read(Path dataDir) {
        Path file = dataDir.resolve(NAME);
        try {
            SupervisorFile parsed = JSON.readValue(Files.readString(file), SupervisorFile.class);
            return Optional.of(new SupervisorFile(
                    parsed.launcherPid,
                    parsed.control,
                    parsed.components == null ? List.of() : List.copyOf(parsed.components)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public Optional<Supervised> component(String name) {
        return components.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** Replaces the file atomically, so a reader never sees half of it. */
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
