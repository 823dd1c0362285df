package dev.tendril.deploy;

import dev.tendril.cli.restart.SupervisorFile;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.StackFile;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The launcher's data directory: PostgreSQL and Kafka storage, logs, {@code stack.json} and {@code launcher.pid}.
 * Guards it against a second launcher and cleans up after one that died without stopping its children.
 */
final class DataDir {

    static final String PID_FILE = "launcher.pid";
    static final String POSTGRES = "postgres";
    static final String KAFKA = "kafka";
    static final String LOGS = "logs";
    /** The agents' state directories (endpoint ids, endpoints created through their API), one per node. */
    static final String AGENTS = "agents";
    /** The stack's authority, certificates and passwords (StackSecrets, StackCredentials). */
    static final String PKI = "pki";

    private static final String LAUNCHER_LOG = "launcher.log";
    /** The copy of the launcher's jars that ./tendril up runs (so a rebuild cannot change them under it). */
    private static final String STAGED_LAUNCHER = "launcher";
    /** Everything the launcher and ./tendril create here; --fresh refuses to wipe anything else. */
    private static final Set<String> OWNED = Set.of(
            POSTGRES,
            KAFKA,
            "kafka-1",
            "kafka-2",
            "kafka-3",
            KafkaNodes.CLUSTER_ID_FILE,
            LOGS,
            AGENTS,
            PKI,
            MeshPeers.DIRECTORY,
            PID_FILE,
            StackFile.NAME,
            StackFile.NAME + ".tmp",
            SupervisorFile.NAME,
            SupervisorFile.NAME + ".tmp",
            STAGED_LAUNCHER,
            dev.tendril.cli.config.ConfigDiscovery.STACK_CONFIG,
            "." + dev.tendril.cli.config.ConfigDiscovery.STACK_CONFIG + ".tmp");

    private static final Duration LEFTOVER_GRACE = Duration.ofSeconds(10);

    private final Path root;

    DataDir(Path root) {
        this.root = root;
    }

    Path resolve(String name) {
        return root.resolve(name);
    }

    /**
     * Makes this launcher the directory's owner: fails when a live launcher owns it, stops what a dead one left
     * running, wipes it when {@code fresh}, and writes {@code launcher.pid}.
     */
    void claim(PrintStream out, boolean fresh) {
        Optional<ProcessHandle> previous = readPid()
                .flatMap(ProcessHandle::of)
                .filter(ProcessHandle::isAlive)
                .filter(DataDir::isLauncher);
        if (previous.isPresent()) {
            throw new StartupFailure("a Tendril stack already runs from " + root + " (launcher pid "
                    + previous.get().pid() + "): stop it with './tendril down --data-dir " + root
                    + "' or use another --data-dir");
        }
        stopLeftovers(out);
        if (fresh) {
            wipe();
        }
        try {
            Files.createDirectories(root.resolve(LOGS));
            // It holds the stack's private keys (pki/) and the admin's config: the owner's alone.
            dev.tendril.security.SecretFiles.directory(root);
            Files.writeString(root.resolve(PID_FILE), ProcessHandle.current().pid() + System.lineSeparator());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to data directory " + root, e);
        }
    }

    void release() {
        try {
            Files.deleteIfExists(root.resolve(PID_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + root.resolve(PID_FILE), e);
        }
    }

    /** Deletes what a previous run stored, refusing when the directory holds anything the launcher did not create. */
    private void wipe() {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> entries = Files.list(root)) {
            List<Path> all = entries.toList();
            List<String> foreign = all.stream()
                    .map(p -> p.getFileName().toString())
                    .filter(name -> !OWNED.contains(name))
                    .sorted()
                    .toList();
            if (!foreign.isEmpty()) {
                throw new StartupFailure("--fresh refuses to wipe " + root + ": it holds files the launcher did not "
                        + "create (" + String.join(", ", foreign) + ")");
            }
            for (Path entry : all) {
                String name = entry.getFileName().toString();
                if (name.equals(LOGS)) {
                    deleteLogsExceptOwnOutput(entry);
                } else if (!name.equals(STAGED_LAUNCHER)) {
                    // The staged launcher is this very process's class path.
                    deleteRecursively(entry);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot wipe " + root, e);
        }
    }

    /** The PostgreSQL postmaster, from its lock file, while it runs. */
    Optional<ProcessHandle> postmaster() {
        Path lock = root.resolve(POSTGRES).resolve("data").resolve("postmaster.pid");
        try {
            return Files.readAllLines(lock).stream()
                    .findFirst()
                    .map(String::trim)
                    .map(Long::parseLong)
                    .flatMap(ProcessHandle::of)
                    .filter(ProcessHandle::isAlive)
                    .filter(h -> commandLine(h).contains("postgres"));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void stopLeftovers(PrintStream out) {
        List<ProcessHandle> leftovers = new ArrayList<>();
        StackFile.read(root).ifPresent(stack -> {
            for (Component c : stack.components()) {
                if (c.pid() != null) {
                    // Services and agents are Quarkus runners; Kafka and the PostgreSQL keeper the launcher's classes.
                    ProcessHandle.of(c.pid())
                            .filter(ProcessHandle::isAlive)
                            .filter(h -> commandLine(h).contains("quarkus-run.jar")
                                    || commandLine(h).contains(DataDir.class.getPackageName() + "."))
                            .ifPresent(leftovers::add);
                }
            }
        });
        postmaster().ifPresent(leftovers::add);
        if (!leftovers.isEmpty()) {
            out.println("A previous launcher died without stopping its processes; stopping "
                    + leftovers.stream().map(h -> Long.toString(h.pid())).toList());
            ProcessReaper.stop(leftovers, LEFTOVER_GRACE);
        }
    }

    private Optional<Long> readPid() {
        try {
            return Optional.of(
                    Long.parseLong(Files.readString(root.resolve(PID_FILE)).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean isLauncher(ProcessHandle handle) {
        String command = commandLine(handle);
        return handle.pid() != ProcessHandle.current().pid()
                && (command.isEmpty()
                        || command.contains("tendril-launcher")
                        || command.contains(Launcher.class.getName()));
    }

    private static String commandLine(ProcessHandle handle) {
        return handle.info().commandLine().orElse("");
    }

    /** A detached launcher (./tendril up -d) writes its own output to logs/launcher.log while it wipes. */
    private static void deleteLogsExceptOwnOutput(Path logs) throws IOException {
        try (Stream<Path> entries = Files.list(logs)) {
            for (Path entry : entries.toList()) {
                if (!entry.getFileName().toString().equals(LAUNCHER_LOG)) {
                    deleteRecursively(entry);
                }
            }
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> tree = Files.walk(path)) {
                for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        } else {
            Files.deleteIfExists(path);
        }
    }
}
