package dev.tendril.policy.app;

import java.util.function.Consumer;

/**
 * Port: the election of the replica that publishes, and its fencing. Only the leader publishes, and it
 * confirms it still leads before every publish round.
 */
public interface Leadership extends AutoCloseable {

    /**
     * Stands for leader from now on; {@code onChange} hears {@code true} when this replica became leader and
     * {@code false} when it lost it (on the election's thread, or on the thread of a failed {@link #confirm}).
     */
    void start(Consumer<Boolean> onChange);

    /** Fencing: whether this replica still leads, asked of the authority; steps down when it does not. */
    boolean confirm();

    /** For tests and drills: gives the leadership up as a dying leader would and never takes it again. */
    void resign();

    /** Gives the leadership up at once, so that a standby takes over without waiting. */
    @Override
    void close();
}
