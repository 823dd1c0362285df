package dev.tendril.eventstore;

/**
 * A committed event the relay cannot turn into Kafka records: its projection or encoding fails for a
 * reason that retrying will not cure (a null where the schema needs a value, a record over the
 * broker's size limit). Names the event so an operator can find it.
 */
public final class PoisonEventException extends Exception {

    private final String event;

    PoisonEventException(StoredEvent event, Throwable cause) {
        super("event " + describe(event) + " cannot be published: " + cause, cause);
        this.event = describe(event);
    }

    /** {@code stream@version (position N, type T)}. */
    public String event() {
        return event;
    }

    static String describe(StoredEvent event) {
        return event.streamId() + "@" + event.version() + " (position " + event.position() + ", type " + event.type()
                + ")";
    }
}
