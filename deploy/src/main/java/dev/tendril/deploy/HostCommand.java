package dev.tendril.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A command of this machine ({@code ip}, ...) run as a child process with a deadline: its output is read on a thread
 * of its own while the caller waits for the exit, so a command that never ends (or a child of it that keeps the pipe
 * open) is killed at the deadline and reported, never waited for.
 */
final class HostCommand {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private HostCommand() {}

    /** Runs {@code command}, returning what it printed (stdout and stderr); throws naming it when it fails. */
    static String run(List<String> command) {
        return run(command, TIMEOUT);
    }

    static String run(List<String> command, Duration timeout) {
        String line = String.join(" ", command);
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + line + ": " + e.getMessage(), e);
        }
        try {
            p.getOutputStream().close();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(
                    () -> drain(p.getInputStream()),
                    r -> Thread.ofPlatform().daemon().name("command-output").start(r));
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IllegalStateException(line + ": no answer within " + timeout.toSeconds() + " s (killed)");
            }
            // The pipe ends with the process, unless a child of it kept it open: then what was read so far.
            String said;
            try {
                said = output.get(1, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException e) {
                p.getInputStream().close();
                said = "";
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(line + ": exit " + p.exitValue() + ": " + said.strip());
            }
            return said;
        } catch (IOException e) {
            p.destroyForcibly();
            throw new UncheckedIOException("cannot run " + line + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(line + ": interrupted", e);
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
