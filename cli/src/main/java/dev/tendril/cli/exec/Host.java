package dev.tendril.cli.exec;

import dev.tendril.cli.stack.StackFabric;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What {@code tendril exec} asks of this machine; tests give a fake one. */
interface Host {

    /** Whether ip-netns(8) has a network namespace named {@code name}. */
    boolean hasNetns(String name);

    /** Whether this process runs as root (the effective user id), which entering a namespace needs. */
    boolean root();

    /** Runs {@code command} with this process's standard input, output and error; its exit code. */
    int run(List<String> command);

    static Host system() {
        return new Host() {
            @Override
            public boolean hasNetns(String name) {
                return Files.exists(StackFabric.NETNS_DIR.resolve(name));
            }

            @Override
            public boolean root() {
                try {
                    return Files.readAllLines(Path.of("/proc/self/status")).stream()
                            .filter(l -> l.startsWith("Uid:"))
                            .findFirst()
                            .map(l -> l.substring("Uid:".length()).trim().split("\\s+"))
                            .filter(ids -> ids.length > 1 && ids[1].equals("0"))
                            .isPresent();
                } catch (IOException e) {
                    return false;
                }
            }

            @Override
            public int run(List<String> command) {
                try {
                    return new ProcessBuilder(command).inheritIO().start().waitFor();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot run " + command.getFirst() + ": " + e.getMessage(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 130;
                }
            }
        };
    }
}
