package dev.tendril.deploy;

import dev.tendril.cli.stack.StackFabric;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * One launcher-started stack (two nodes, the {@code auto} datapath, port offset 2000) shared by the end-to-end classes
 * that run on it one after the other: {@link WalkthroughEndToEndTest} (which also restarts it) and then
 * {@link ServicesEndToEndTest}, ordered by {@code @Order} on the classes (junit-platform.properties). A start-up
 * costs most of a minute on two cores. The first class that asks starts it; it is stopped, its kernel pod network
 * removed and its data directory deleted when the test run ends (the JUnit root context closes it), the data
 * directory kept when a test of either class failed. A class using it declares {@code @ExtendWith(SharedStack.Use.class)}.
 */
final class SharedStack {

    static final int PORT_OFFSET = 2000;
    static final int NODES = 2;
    private static final Duration READY_GUARD = Duration.ofMinutes(4);
    private static final Duration EXIT_GUARD = TestLauncher.STOP_GUARD;

    private static Path dataDir;
    private static Process launcher;
    private static LauncherOutput output;
    private static volatile boolean failed;
    private static boolean startedBefore;

    private SharedStack() {}

    /** The stack's data directory, made on first use; skips the calling class when the jars are not built. */
    static synchronized Path dataDir(Path repo) throws IOException {
        if (dataDir == null) {
            dataDir = TestLauncher.dataDirOrSkip(
                    repo,
                    new StackConfig(
                            repo, repo.resolve(".tendril"), false, NODES, 0, 0, PORT_OFFSET, Duration.ofSeconds(1)),
                    "end-to-end test on the shared two-node stack",
                    "e2e-shared-");
        }
        return dataDir;
    }

    /** Whether the launcher runs now (a class before this one started it and left it running). */
    static synchronized boolean running() {
        return launcher != null && launcher.isAlive();
    }

    /** Starts the launcher and waits until it printed that Tendril is ready; its output from the start. */
    static synchronized LauncherOutput start(Path repo) throws IOException, InterruptedException {
        if (running()) {
            throw new IllegalStateException("the shared stack runs already");
        }
        List<String> options = new ArrayList<>(List.of("--nodes", Integer.toString(NODES), "--ready-timeout", "180s"));
        if (!startedBefore) {
            // What a stack on the same ports left pinned (a run killed before its clean-up) is not this stack's: its
            // agents must not take it over. A restart (the walkthrough's) keeps its own pins, as a real one does.
            options.add("--fresh");
            startedBefore = true;
        }
        launcher = new ProcessBuilder(
                        TestLauncher.command("1g", repo, dataDir(repo), PORT_OFFSET, options.toArray(String[]::new)))
                .redirectErrorStream(true)
                .start();
        output = LauncherOutput.of(launcher);
        output.awaitLine("Tendril is ready.", READY_GUARD);
        return output;
    }

    /** The running launcher. */
    static synchronized Process launcher() {
        return launcher;
    }

    /** The output of the launcher's last start. */
    static synchronized LauncherOutput output() {
        return output;
    }

    /** Stops the launcher (SIGTERM, as {@code ./tendril down}), forcibly after the guard, and forgets it. */
    private static synchronized void stop() throws InterruptedException {
        if (launcher != null && launcher.isAlive()) {
            launcher.toHandle().destroy();
            if (!launcher.waitFor(EXIT_GUARD.toSeconds(), TimeUnit.SECONDS)) {
                launcher.descendants().forEach(ProcessHandle::destroyForcibly);
                launcher.destroyForcibly();
            }
        }
        launcher = null;
    }

    private static synchronized void remove() throws IOException, InterruptedException {
        stop();
        if (dataDir == null) {
            return;
        }
        // What './tendril down' does after the launcher exited: its stop keeps the kernel pod network.
        FabricTeardown.system(StackFabric.of(dataDir), FabricTeardown.agentPinsOf(dataDir))
                .removeReporting(System.out, "the shared stack's kernel pod network");
        if (failed) {
            System.out.println("A test failed: keeping " + dataDir + " (component logs in its logs/, agent state in"
                    + " agents/) for diagnosis");
        } else {
            try (Stream<Path> tree = Files.walk(dataDir)) {
                tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        dataDir = null;
    }

    /** Registers the stack's removal at the end of the run and notes a failed test of the class. */
    static final class Use implements BeforeAllCallback, TestWatcher {

        @Override
        public void beforeAll(ExtensionContext context) {
            context.getRoot()
                    .getStore(ExtensionContext.Namespace.create(SharedStack.class))
                    .computeIfAbsent(Removal.class, k -> new Removal(), Removal.class);
        }

        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            failed = true;
        }
    }

    /** Closed by the root context when the test run ends. */
    private static final class Removal implements AutoCloseable {
        @Override
        public void close() throws Exception {
            remove();
        }
    }
}
