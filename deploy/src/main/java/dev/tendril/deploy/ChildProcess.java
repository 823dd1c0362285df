package dev.tendril.deploy;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A service or agent JVM started by the launcher, its output appended to its own log file. */
final class ChildProcess {

    private static final String JVM_HEAP = "-Xmx256m";
    // A child in its own session does not get the terminal's Ctrl-C, so the launcher alone decides the stop order.
    private static final List<Path> SETSID = List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));

    private final ComponentSpec spec;
    private final Path log;
    private final Process process;

    private ChildProcess(ComponentSpec spec, Path log, Process process) {
        this.spec = spec;
        this.log = log;
        this.process = process;
    }

    /** Starts {@code java ... -jar <spec.jar>} with {@code properties} as system properties. */
    static ChildProcess start(ComponentSpec spec, Map<String, String> properties, Path workDir, Path log) {
        List<String> command = new ArrayList<>();
        SETSID.stream().filter(Files::isExecutable).findFirst().ifPresent(p -> command.add(p.toString()));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(JVM_HEAP);
        command.add("--enable-native-access=ALL-UNNAMED");
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(spec.jar().toString());
        try {
            Files.writeString(log, "---- " + Instant.now() + " Tendril launcher starts " + spec.name() + ": "
                    + String.join(" ", command) + System.lineSeparator(),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Process process = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return new ChildProcess(spec, log, process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + spec.name() + ": " + e.getMessage(), e);
        }
    }

    ComponentSpec spec() {
        return spec;
    }

    String name() {
        return spec.name();
    }

    Path log() {
        return log;
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }
}
