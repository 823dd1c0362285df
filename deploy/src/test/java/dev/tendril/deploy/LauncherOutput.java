package dev.tendril.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The output of a launcher the end-to-end tests started: every line echoed as {@code [launcher] ...},
 * kept for failure messages, and readable in order until a line the test waits for.
 */
final class LauncherOutput {

    private static final String END = "\u0000end";

    private final List<String> all = new CopyOnWriteArrayList<>();
    private final BlockingQueue<String> unread = new LinkedBlockingQueue<>();

    private LauncherOutput() {}

    /** Starts reading {@code launcher}'s output (stderr merged) on a daemon thread. */
    static LauncherOutput of(Process launcher) {
        LauncherOutput output = new LauncherOutput();
        Thread.ofPlatform().daemon().start(() -> output.pump(launcher));
        return output;
    }

    /** Every line printed so far. */
    List<String> lines() {
        return all;
    }

    /** Every line printed so far, one per line, for assertion messages. */
    String text() {
        return String.join("\n", all);
    }

    /** Reads on until {@code expected}; fails with the output so far if it ends first or the guard passes. */
    void awaitLine(String expected, Duration guard) throws InterruptedException {
        await(expected, guard);
    }

    /** Reads on until the launcher closed its output (it exited). */
    void awaitEnd(Duration guard) throws InterruptedException {
        await(END, guard);
    }

    /** The next unread line, or fails if none comes within {@code guard}. */
    String nextLine(Duration guard) throws InterruptedException {
        String line = unread.poll(guard.toNanos(), TimeUnit.NANOSECONDS);
        if (line == null || line.equals(END)) {
            fail("launcher printed no further line" + (line == null ? " within " + guard : " before it exited") + ":\n"
                    + text());
        }
        return line;
    }

    private void await(String expected, Duration guard) throws InterruptedException {
        long deadline = System.nanoTime() + guard.toNanos();
        while (true) {
            String line = unread.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null || (line.equals(END) && !expected.equals(END))) {
                fail("launcher did not print '" + (expected.equals(END) ? "(end of output)" : expected) + "'"
                        + (line == null ? " within " + guard : " before it exited") + ":\n" + text());
            }
            if (line.equals(expected)) {
                return;
            }
        }
    }

    private void pump(Process launcher) {
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                System.out.println("[launcher] " + line);
                all.add(line);
                unread.add(line);
            }
        } catch (IOException e) {
            unread.add("(launcher output unreadable: " + e + ")");
        }
        unread.add(END);
    }
}
