package dev.tendril.identity.app;

import dev.tendril.identity.domain.IdentityEvent.IdentityReleased;
import java.util.List;

/**
 * Port: the event log as one transaction sees it. Streams hold one aggregate's events, of one of the
 * domain's sealed event types ({@code IdentityEvent}, {@code NamespaceEvent}, {@code EndpointEvent}).
 */
public interface EventStreams {

    /** The stream's events in order; its version is their number. */
    <E> List<E> read(String streamId, Class<E> type);

    /**
     * Appends to a stream that must be at {@code expectedVersion}, else throws
     * {@link dev.tendril.eventstore.ConcurrencyException} (and the transaction must roll back).
     */
    <E> void append(String streamId, long expectedVersion, Class<E> type, List<E> events);

    /** The position of the last event in the log, 0 when it is empty. */
    long lastPosition();

    /**
     * The releases of identities appended after {@code position}, in position order, with the highest
     * position of any event read ({@code position} itself if none).
     */
    Releases releasesAfter(long position);

    record Releases(long highest, List<IdentityReleased> released) {}
}
