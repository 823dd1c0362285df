package dev.tendril.eventstore;

/** The database failed underneath the event store; the surrounding transaction was rolled back. */
public final class EventStoreException extends RuntimeException {

    public EventStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
