package dev.tendril.topics;

import java.util.Iterator;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The records of one poll, in offset order within each partition; a tombstone is a record with a null value.
 *
 * @param bootstrapping true until the handler was told it caught up: these records are part of the snapshot
 */
public record Batch<K, V>(List<ConsumerRecord<K, V>> records, boolean bootstrapping)
        implements Iterable<ConsumerRecord<K, V>> {

    public Batch {
        records = List.copyOf(records);
    }

    public int size() {
        return records.size();
    }

    @Override
    public Iterator<ConsumerRecord<K, V>> iterator() {
        return records.iterator();
    }
}
