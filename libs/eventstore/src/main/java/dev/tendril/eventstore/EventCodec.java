package dev.tendril.eventstore;

/** Turns an aggregate's events into stored bytes and back, keeping type names and schema versions stable. */
public interface EventCodec<E> {

    NewEvent encode(E event);

    /** Decodes any schema version this codec has ever written (upcasting older ones). */
    E decode(StoredEvent stored);
}
