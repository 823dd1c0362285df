package dev.tendril.policy.app;

import java.util.List;
import java.util.function.Function;

/**
 * Port: one kind of event (policy, load-balancing) in the event store with its read model and a service-wide
 * revision. Every write holds the revision lock from before its first append until it commits
 * ({@link #write}), so the events become visible in position order and a replica can follow the others'
 * writes by position ({@link #after}) without a gap.
 *
 * @param <E> the events, each carrying the revision of the write that committed it
 */
public interface RevisionLog<E> {

    /** An event as logged, with its position in the store. */
    record Logged<E>(long position, E event) {}

    /** A write as appended: the request's revision and the position of its last event. */
    record Committed(long revision, long position) {}

    /** A write in progress: the revision is locked, so no other replica commits meanwhile. */
    interface Locked<E> {

        /** The revision as locked; a commit in this write is {@code revision() + 1}. */
        long revision();

        /** The events committed after {@code position}: what this replica has not seen yet. */
        List<Logged<E>> after(long position);

        /** Appends the events of one request, which all carry {@code revision() + 1}, and updates the read model. */
        Committed commit(List<E> events);
    }

    /** The events committed after {@code position}, at most {@code limit}, in position order. */
    List<Logged<E>> after(long position, int limit);

    /** The revision as stored (the last write's). */
    long revision();

    /**
     * Runs one request's write in one transaction holding the revision lock; whatever {@code work} throws
     * rolls everything back and reaches the caller.
     */
    <T> T write(Function<Locked<E>, T> work);
}
