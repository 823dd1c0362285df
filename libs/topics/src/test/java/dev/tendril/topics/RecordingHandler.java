package dev.tendril.topics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A handler that keeps what it was given: every delivery, the state per key (a tombstone removes it), the
 * batches' bootstrapping flags and how many records it had when told it caught up. Can be told to fail.
 */
final class RecordingHandler implements FollowerHandler<String, String> {

    /** One record as delivered. */
    record Delivery(String topic, int partition, long offset, String key, String value, boolean bootstrapping) {}

    final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    final List<RejectedRecord> rejected = new CopyOnWriteArrayList<>();
    /** Per {@link #drained} call: the records delivered by then, or -1 when it came before the caught-up signal. */
    final List<Integer> drains = new CopyOnWriteArrayList<>();

    private final Map<String, String> state = new HashMap<>();
    private volatile int recordsAtCaughtUp = -1;
    private volatile Predicate<ConsumerRecord<String, String>> failOn = r -> false;
    private final AtomicInteger failures = new AtomicInteger();

    /** Throws on a batch holding a record {@code failOn} matches, {@code times} times. */
    void failOn(Predicate<ConsumerRecord<String, String>> failOn, int times) {
        this.failures.set(times);
        this.failOn = failOn;
    }

    @Override
    public void apply(Batch<String, String> batch) {
        for (ConsumerRecord<String, String> r : batch) {
            if (failOn.test(r) && failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("store unavailable for " + r.key());
            }
        }
        synchronized (state) {
            for (ConsumerRecord<String, String> r : batch) {
                deliveries.add(
                        new Delivery(r.topic(), r.partition(), r.offset(), r.key(), r.value(), batch.bootstrapping()));
                if (r.value() == null) {
                    state.remove(r.key());
                } else {
                    state.put(r.key(), r.value());
                }
            }
        }
    }

    @Override
    public void caughtUp(FollowerStatus status) {
        recordsAtCaughtUp = deliveries.size();
    }

    @Override
    public void drained() {
        drains.add(recordsAtCaughtUp < 0 ? -1 : deliveries.size());
    }

    @Override
    public void rejected(RejectedRecord record) {
        rejected.add(record);
    }

    int recordsAtCaughtUp() {
        return recordsAtCaughtUp;
    }

    Map<String, String> state() {
        synchronized (state) {
            return new HashMap<>(state);
        }
    }

    List<String> keys() {
        List<String> out = new ArrayList<>();
        deliveries.forEach(d -> out.add(d.key()));
        return out;
    }
}
