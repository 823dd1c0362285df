package dev.tendril.topics;

import java.nio.ByteBuffer;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/** Keeps the caller's deserializers open across the consumers a follower makes; it closes them once. */
record UnclosedDeserializer<T>(Deserializer<T> delegate) implements Deserializer<T> {
    @Override
    public T deserialize(String topic, byte[] data) {
        return delegate.deserialize(topic, data);
    }

    @Override
    public T deserialize(String topic, Headers headers, byte[] data) {
        return delegate.deserialize(topic, headers, data);
    }

    @Override
    public T deserialize(String topic, Headers headers, ByteBuffer data) {
        return delegate.deserialize(topic, headers, data);
    }

    @Override
    public void close() {
        // The follower closes the delegate when it ends.
    }
}
