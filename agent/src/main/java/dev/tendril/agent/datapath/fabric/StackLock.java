package dev.tendril.agent.datapath.fabric;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Serialises the changes to one stack's fabric across threads and processes (every agent of the stack
 * wires its own node, but they share the switch): a lock per prefix in this JVM, then an fcntl lock on
 * {@code /run/tendril-fabric/<prefix>.lock}, a tmpfs file like the namespaces themselves.
 */
final class StackLock {
    static final Path DIR = Path.of("/run/tendril-fabric");
    private static final Map<String, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

    private StackLock() {}

    static <T> T holding(StackPrefix prefix, Supplier<T> action) {
        ReentrantLock local = LOCAL.computeIfAbsent(prefix.value(), p -> new ReentrantLock());
        local.lock();
        try {
            if (local.getHoldCount() > 1) {
                return action.get();
            }
            Files.createDirectories(DIR);
            try (FileChannel ch = FileChannel.open(file(prefix), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = ch.lock()) {
                return action.get();
            }
        } catch (IOException e) {
            throw new FabricException("cannot lock " + file(prefix) + ": " + e.getMessage(), e);
        } finally {
            local.unlock();
        }
    }

    static Path file(StackPrefix prefix) {
        return DIR.resolve(prefix.value() + ".lock");
    }

    /** Removes the lock file (at the end of {@code removeAll}, the stack gone). */
    static void remove(StackPrefix prefix) {
        try {
            Files.deleteIfExists(file(prefix));
        } catch (IOException e) {
            throw new FabricException("cannot remove " + file(prefix) + ": " + e.getMessage(), e);
        }
    }
}
