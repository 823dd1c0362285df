package dev.tendril.deploy;

import dev.tendril.cli.stack.Kind;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A JVM started by the launcher (Kafka, the PostgreSQL keeper, a service or agent), its output appended to its own log file. */
final class ChildProcess {

    private static final String SERVICE_HEAP = "-Xmx256m";
    /**
     * An agent holds every pod of the cluster and of its ClusterMesh peers in its image, its ipcache index and the
     * ipcache itself: with a 150,000-endpoint peer 256 MB left it collecting garbage for a minute and its REST API
     * unanswered (docs/BENCHMARKS.md, "ClusterMesh: MirrorMaker 2 bootstrap").
     */
    private static final String AGENT_HEAP = "-Xmx768m";
    // A child in its own session does not get the terminal's Ctrl-C, so the launcher alone decides the stop order.
    private static final List<Path> SETSID = List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));

    /**
     * Extra JVM options for every Java child (Kafka, the PostgreSQL keeper, MirrorMaker 2, services and agents),
     * whitespace-separated, before the launcher's own: for example {@code -XX:TieredStopAtLevel=1}, which halves the
     * CPU a service spends starting (docs/BENCHMARKS.md, "Local stack: start-up CPU") at the cost of peak speed.
     */
    static final String JAVA_OPTIONS_VARIABLE = "TENDRIL_JAVA_OPTIONS";

    private final String name;
    private final Path log;
    private final Process process;
    private final boolean trainsAotCache;

    private ChildProcess(String name, Path log, Process process, boolean trainsAotCache) {
        this.name = name;
        this.log = log;
        this.process = process;
        this.trainsAotCache = trainsAotCache;
    }

    /**
     * {@code -Xmx256m|768m <AOT cache> ... -D<properties> -jar <spec.jar>}: the arguments of a Quarkus service or agent
     * JVM, the ahead-of-time cache's ({@link AotCache}) worked out anew at every start.
     */
    static List<String> quarkusArguments(ComponentSpec spec, Map<String, String> properties) {
        List<String> arguments = new ArrayList<>();
        arguments.add(spec.kind() == Kind.AGENT ? AGENT_HEAP : SERVICE_HEAP);
        arguments.addAll(AotCache.options(spec.jar()));
        arguments.add("--enable-native-access=ALL-UNNAMED");
        properties.forEach((key, value) -> arguments.add("-D" + key + "=" + value));
        arguments.add("-jar");
        arguments.add(spec.jar().toString());
        return arguments;
    }

    /**
     * The JVM options of the launcher's own Java children (Kafka, PostgreSQL's keeper, MirrorMaker 2): the log format,
     * native access, and the launcher's class path made absolute (the children run in the data directory), last.
     */
    static List<String> launcherJvm(String logFormat) {
        String classPath = String.join(
                File.pathSeparator,
                java.util.Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                        .map(entry -> Path.of(entry).toAbsolutePath().toString())
                        .toList());
        return List.of(
                logFormat,
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-cp",
                classPath);
    }

    /** The options in {@code value} (null or blank: none), split at whitespace. */
    static List<String> javaOptions(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return List.of(value.trim().split("\\s+"));
    }

    /** Starts a Quarkus service or agent with {@code properties} as system properties. */
    static ChildProcess start(ComponentSpec spec, Map<String, String> properties, Path workDir, Path log) {
        return start(spec.name(), quarkusArguments(spec, properties), workDir, log);
    }

    /** Starts {@code java $TENDRIL_JAVA_OPTIONS <arguments>} in its own session. */
    static ChildProcess start(String name, List<String> arguments, Path workDir, Path log) {
        return start(name, javaOptions(System.getenv(JAVA_OPTIONS_VARIABLE)), arguments, workDir, log);
    }

    /** Starts {@code java <javaOptions> <arguments>} in its own session. */
    static ChildProcess start(String name, List<String> javaOptions, List<String> arguments, Path workDir, Path log) {
        List<String> command = new ArrayList<>();
        SETSID.stream().filter(Files::isExecutable).findFirst().ifPresent(p -> command.add(p.toString()));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(javaOptions);
        command.addAll(arguments);
        try {
            Files.writeString(
                    log,
                    "---- " + Instant.now() + " Tendril launcher starts " + name + ": " + String.join(" ", command)
                            + System.lineSeparator(),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            Process process = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            AotCache.started(command, process.pid());
            return new ChildProcess(name, log, process, AotCache.trains(command));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    long pid() {
        return process.pid();
    }

    /** The exit code, or -1 while the process still runs. */
    int exitCode() {
        try {
            return process.exitValue();
        } catch (IllegalThreadStateException e) {
            return -1;
        }
    }

    Process process() {
        return process;
    }

    /** Whether this JVM writes a jar's ahead-of-time cache when it stops ({@link AotCache}). */
    boolean trainsAotCache() {
        return trainsAotCache;
    }

    /** {@code grace}, or {@link AotCache#WRITE_GRACE} when this JVM writes a cache as it stops. */
    Duration stopGrace(Duration grace) {
        return trainsAotCache && AotCache.WRITE_GRACE.compareTo(grace) > 0 ? AotCache.WRITE_GRACE : grace;
    }
}
