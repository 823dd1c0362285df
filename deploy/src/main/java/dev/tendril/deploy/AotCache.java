package dev.tendril.deploy;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The JDK's ahead-of-time cache (JEP 483) of a service's or agent's jar: the classes its start-up loads, already parsed
 * and linked, in one file beside the jar. With it a service starts on about half the CPU (docs/launcher.md,
 * "Ahead-of-time cache"). The jars are Quarkus {@code aot-jar} packages: a flat class path, which the JDK can archive
 * (of a fast-jar, whose classes Quarkus' own class loader loads, it archives almost nothing).
 *
 * <p>The launcher trains the cache itself. While a jar has none, one JVM of it at a time starts with
 * {@code -XX:AOTCacheOutput}: it records the classes it loads, and when it stops it writes the cache (in a child JVM,
 * before the process exits), which is why its stop may take up to {@link #WRITE_GRACE}. The next start of that jar
 * promotes the written cache to {@link #fileName()}, and every JVM of the jar after it starts with
 * {@code -XX:AOTCache}. A training's side file ({@code .pid}: its JVM and the jar's time stamp) says whether it still
 * runs and which build it trained. A cache from another build of the jar is deleted and trained again; one the JVM
 * cannot use all the same is ignored by the JVM, which then starts as it would without one.
 */
final class AotCache {

    /** How long a JVM writing its cache is given to stop before it is killed (about 10 s each, on two busy cores). */
    static final Duration WRITE_GRACE = Duration.ofSeconds(150);

    private static final String OUTPUT_OPTION = "-XX:AOTCacheOutput=";
    private static final String TRAINING_INFIX = ".training-";
    private static final String CONFIG_SUFFIX = ".config";
    private static final String PID_SUFFIX = ".pid";

    private AotCache() {}

    /** {@code app-jdk<version>.aot}: a cache is only good for the JDK that wrote it. */
    static String fileName() {
        return "app-jdk" + Runtime.version().toString().replaceAll("[^A-Za-z0-9.]", "_") + ".aot";
    }

    /**
     * The JVM options for the next start of {@code jar}: use its cache; or train one when no other JVM of the jar
     * trains; or none.
     */
    static List<String> options(Path jar) {
        Path dir = jar.toAbsolutePath().getParent();
        Path cache = dir.resolve(fileName());
        try {
            long built = Files.getLastModifiedTime(jar).toMillis();
            if (Files.isRegularFile(cache) && Files.getLastModifiedTime(cache).toMillis() < built) {
                Files.deleteIfExists(cache);
            }
            boolean training = settleTrainings(dir, cache, built);
            if (Files.isRegularFile(cache)) {
                return List.of("-XX:AOTCache=" + cache);
            }
            if (training || !Files.isWritable(dir)) {
                return List.of();
            }
            // Method profiles (JEP 515) would make training slower and its stop longer: the cache keeps classes only.
            // The JDK's warnings about the classes it cannot keep (signed jars, proxies) would fill the log at exit.
            return List.of(
                    "-XX:+UnlockDiagnosticVMOptions",
                    "-XX:-AOTRecordTraining",
                    "-Xlog:aot=error",
                    OUTPUT_OPTION + dir.resolve(cache.getFileName() + TRAINING_INFIX + UUID.randomUUID()));
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * How long the stop of {@code group} may take and why: {@code up to 10 s before they are killed}, or with
     * {@link #WRITE_GRACE} and the names of those that write their cache as they stop.
     */
    static String stopNote(List<Supervised> group, Duration grace) {
        List<String> writing = group.stream()
                .filter(s -> s.process() != null && s.process().trainsAotCache())
                .map(Supervised::name)
                .toList();
        if (writing.isEmpty()) {
            return "up to " + grace.toSeconds() + " s before they are killed";
        }
        return "up to " + WRITE_GRACE.toSeconds() + " s before they are killed; " + String.join(", ", writing)
                + " first write their jar's start-up cache, once per build";
    }

    /** Whether a JVM started with {@code command} trains a cache. */
    static boolean trains(List<String> command) {
        return training(command).isPresent();
    }

    /** Records which JVM trains, when {@code command} trains a cache: {@code <training>.pid}. */
    static void started(List<String> command, long pid) {
        training(command).ifPresent(training -> {
            try {
                Path jar = Path.of(command.get(command.indexOf("-jar") + 1));
                long built = Files.getLastModifiedTime(jar).toMillis();
                Files.writeString(sideFile(training, PID_SUFFIX), pid + " " + built);
            } catch (IOException | RuntimeException e) {
                // Without its side file the training counts as finished or given up at the next start.
            }
        });
    }

    private static Optional<Path> training(List<String> command) {
        return command.stream()
                .filter(a -> a.startsWith(OUTPUT_OPTION))
                .map(a -> Path.of(a.substring(OUTPUT_OPTION.length())))
                .findFirst();
    }

    /**
     * Goes through the trainings of {@code dir}: a running one is left alone; a finished one of this build (its cache
     * written, its configuration file gone: the JVM removes it last) becomes {@code cache} when there is none yet;
     * every other one is deleted. Returns whether one still runs.
     */
    private static boolean settleTrainings(Path dir, Path cache, long built) throws IOException {
        String prefix = cache.getFileName() + TRAINING_INFIX;
        Set<Path> trainings = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .map(p -> dir.resolve(base(p.getFileName().toString())))
                    .forEach(trainings::add);
        }
        boolean running = false;
        for (Path training : trainings) {
            Optional<long[]> record = record(sideFile(training, PID_SUFFIX));
            if (record.isPresent()
                    && ProcessHandle.of(record.get()[0])
                            .map(ProcessHandle::isAlive)
                            .orElse(false)) {
                running = true;
                continue;
            }
            boolean written = Files.isRegularFile(training) && !Files.exists(sideFile(training, CONFIG_SUFFIX));
            if (written && record.isPresent() && record.get()[1] == built && !Files.exists(cache)) {
                try {
                    Files.move(training, cache, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                    // Another launcher promoted its own first: this one is deleted below.
                }
            }
            Files.deleteIfExists(training);
            Files.deleteIfExists(sideFile(training, CONFIG_SUFFIX));
            Files.deleteIfExists(sideFile(training, PID_SUFFIX));
        }
        return running;
    }

    private static String base(String name) {
        for (String suffix : List.of(CONFIG_SUFFIX, PID_SUFFIX)) {
            if (name.endsWith(suffix)) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return name;
    }

    private static Path sideFile(Path training, String suffix) {
        return training.resolveSibling(training.getFileName() + suffix);
    }

    /** {@code pid, jar time stamp} from a side file; empty when there is none or it cannot be read. */
    private static Optional<long[]> record(Path sideFile) {
        try {
            String[] fields = Files.readString(sideFile).trim().split(" ");
            return Optional.of(new long[] {Long.parseLong(fields[0]), Long.parseLong(fields[1])});
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
