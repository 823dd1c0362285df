package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AotCacheTest {

    private static final Duration JVM_GUARD = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    @Test
    void aJvmTrainsTheCacheAsItStopsAndTheNextStartOfTheJarLoadsIt() throws Exception {
        Path jar = helloJar();

        List<String> training = AotCache.options(jar);
        assertThat(training).anySatisfy(o -> assertThat(o).startsWith("-XX:AOTCacheOutput="));
        ChildProcess trainer = run("trainer", List.of(), training, jar);
        assertThat(trainer.trainsAotCache()).isTrue();
        assertThat(trainer.exitCode()).isZero();

        List<String> using = AotCache.options(jar);
        Path cache = dir.resolve(AotCache.fileName());
        assertThat(using).containsExactly("-XX:AOTCache=" + cache);
        assertThat(cache).isRegularFile();
        assertThat(files())
                .as("nothing of the training is left beside the cache")
                .containsOnly(jar, cache);

        // AOTMode=on: the JVM refuses to start unless it can map and use the cache.
        ChildProcess user = run("user", List.of("-XX:AOTMode=on"), using, jar);
        assertThat(user.trainsAotCache()).isFalse();
        assertThat(user.exitCode()).as(Files.readString(user.log())).isZero();
        assertThat(Files.readString(user.log())).contains("hello from the jar");
    }

    @Test
    void whileOneJvmTrainsAnotherOfTheSameJarStartsWithoutCacheOrTraining() throws Exception {
        Path jar = helloJar();
        List<String> first = AotCache.options(jar);
        List<String> command = new ArrayList<>(first);
        command.addAll(List.of("-jar", jar.toString()));
        // This JVM stands for the running trainer: its pid is alive.
        AotCache.started(command, ProcessHandle.current().pid());

        assertThat(AotCache.options(jar)).isEmpty();
        assertThat(files()).as("a running training is left alone").containsOnly(jar, sidePid(training(first)));
    }

    @Test
    void aTrainingKilledBeforeItsCacheWasWrittenIsDeletedAndTrainedAgain() throws Exception {
        Path jar = helloJar();
        Path training = training(AotCache.options(jar));
        Files.writeString(training, "half a cache");
        Files.writeString(training.resolveSibling(training.getFileName() + ".config"), "recorded classes");
        Files.writeString(
                sidePid(training),
                deadPid() + " " + Files.getLastModifiedTime(jar).toMillis());

        List<String> next = AotCache.options(jar);

        assertThat(next).anySatisfy(o -> assertThat(o).startsWith("-XX:AOTCacheOutput="));
        assertThat(dir.resolve(AotCache.fileName())).doesNotExist();
        assertThat(files()).containsOnly(jar);
    }

    @Test
    void aCacheTrainedOnAnotherBuildOfTheJarIsNotUsed() throws Exception {
        Path jar = helloJar();
        Path training = training(AotCache.options(jar));
        Files.writeString(training, "a finished cache");
        Files.writeString(
                sidePid(training),
                deadPid() + " " + (Files.getLastModifiedTime(jar).toMillis() - 60_000));

        assertThat(AotCache.options(jar)).anySatisfy(o -> assertThat(o).startsWith("-XX:AOTCacheOutput="));
        assertThat(dir.resolve(AotCache.fileName())).doesNotExist();

        // And a promoted cache older than the jar (rebuilt since) is deleted.
        Path cache = dir.resolve(AotCache.fileName());
        Files.writeString(cache, "an old cache");
        Files.setLastModifiedTime(cache, FileTime.from(Instant.now().minusSeconds(3600)));
        assertThat(AotCache.options(jar)).anySatisfy(o -> assertThat(o).startsWith("-XX:AOTCacheOutput="));
        assertThat(cache).doesNotExist();
    }

    @Test
    void aTrainingJvmIsGivenTimeToWriteItsCacheWhenStopped() throws Exception {
        Path jar = helloJar();
        ChildProcess trainer = run("trainer", List.of(), AotCache.options(jar), jar);
        ChildProcess user = run("user", List.of(), AotCache.options(jar), jar);

        assertThat(trainer.stopGrace(Duration.ofSeconds(10))).isEqualTo(AotCache.WRITE_GRACE);
        assertThat(user.stopGrace(Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(10));
    }

    private ChildProcess run(String name, List<String> javaOptions, List<String> aot, Path jar) {
        List<String> arguments = new ArrayList<>(aot);
        arguments.addAll(List.of("-jar", jar.toString()));
        ChildProcess child = ChildProcess.start(name, javaOptions, arguments, dir, dir.resolve(name + ".log"));
        await().atMost(JVM_GUARD).until(() -> child.exitCode() >= 0);
        return child;
    }

    private static Path training(List<String> options) {
        String option = options.getLast();
        assertThat(option).startsWith("-XX:AOTCacheOutput=");
        return Path.of(option.substring("-XX:AOTCacheOutput=".length()));
    }

    private static Path sidePid(Path training) {
        return training.resolveSibling(training.getFileName() + ".pid");
    }

    private static long deadPid() throws Exception {
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        return exited.pid();
    }

    /** The files in the jar's directory, logs aside. */
    private List<Path> files() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> !p.toString().endsWith(".log")).toList();
        }
    }

    /** A jar whose main class prints a line and exits: something for a JVM to load and archive. */
    private Path helloJar() throws IOException {
        Path sources = Files.createDirectories(dir.resolve("src"));
        Path source = sources.resolve("Hello.java");
        Files.writeString(source, """
                public class Hello {
                    public static void main(String[] args) {
                        System.out.println(String.join(" ", java.util.List.of("hello", "from", "the", "jar")));
                    }
                }
                """);
        int compiled = ToolProvider.getSystemJavaCompiler().run(null, null, null, source.toString());
        assertThat(compiled).as("javac").isZero();
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "Hello");
        Path jar = dir.resolve("hello.jar");
        try (OutputStream file = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.putNextEntry(new JarEntry("Hello.class"));
            out.write(Files.readAllBytes(sources.resolve("Hello.class")));
            out.closeEntry();
        }
        deleteTree(sources);
        return jar;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
