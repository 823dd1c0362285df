package dev.tendril.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.jboss.logging.Logger;

/**
 * The thread behind a {@link TopicFollower}: one step assigns (once), checks partitions and end offsets
 * when due, polls, hands the batch to the handler and publishes a {@link FollowerStatus}; a failed step is
 * retried with backoff from the handler's positions.
 */
final class FollowerLoop<K, V> implements Runnable {

    private static final Logger LOG = Logger.getLogger(TopicFollower.class);

    private final FollowerConfig config;
    private final Deserializer<K> keys;
    private final Deserializer<V> values;
    private final FollowerHandler<K, V> handler;
    private final Runnable prepare;
    private final CompletableFuture<FollowerStatus> caughtUp = new CompletableFuture<>();
    private final Queue<CompletableFuture<FollowerStatus>> readToEnd = new ConcurrentLinkedQueue<>();
    private final Object pause = new Object();
    private volatile boolean closed;
    private volatile boolean nudged;
    private volatile KafkaConsumer<K, V> consumer;
    private volatile FollowerStatus status;
    private boolean finished;

    // The follower thread's alone.
    private final Progress progress = new Progress();
    private final PartitionAssignment partitions;
    private final Retry retry;
    private boolean prepared;
    private boolean assigned;
    private boolean signalled;
    private long started;
    private long nextCheck;
    private long nextTick;

    FollowerLoop(
            FollowerConfig config,
            Deserializer<K> keys,
            Deserializer<V> values,
            FollowerHandler<K, V> handler,
            Runnable prepare) {
        this.config = config;
        this.keys = keys;
        this.values = values;
        this.handler = handler;
        this.prepare = prepare;
        this.retry = new Retry(config.minBackoff(), config.maxBackoff());
        this.partitions = new PartitionAssignment(config, progress);
        this.status = new FollowerStatus(FollowerState.BOOTSTRAPPING, false, Map.of(), 0, 0, Optional.empty());
    }

    FollowerStatus status() {
        return status;
    }

    CompletableFuture<FollowerStatus> caughtUp() {
        return caughtUp;
    }

    boolean closed() {
        return closed;
    }

    void readToEnd(CompletableFuture<FollowerStatus> done) {
        readToEnd.add(done);
        if (closed) {
            done.completeExceptionally(new CancellationException(config.name() + " is closed"));
        } else {
            wake();
        }
    }

    /** Work of the handler's own came in: wakes a waiting poll (once per step), and drained() follows at once. */
    void nudge() {
        if (!nudged) {
            nudged = true;
            wake();
        }
    }

    /** Asks the thread to end: wakes a poll, a Kafka request or a pause. */
    void stop() {
        closed = true;
        wake();
    }

    private void wake() {
        KafkaConsumer<K, V> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        synchronized (pause) {
            pause.notifyAll();
        }
    }

    @Override
    public void run() {
        started = System.nanoTime();
        try {
            while (!closed) {
                try {
                    step();
                    recovered();
                } catch (WakeupException e) {
                    // close(), readToEnd() or nudge(): the loop condition and the next step look at each.
                } catch (RuntimeException e) {
                    if (closed) {
                        break;
                    }
                    failed(e);
                }
            }
        } finally {
            finish();
        }
    }

    private void step() {
        if (!prepared) {
            prepare.run();
            prepared = true;
        }
        KafkaConsumer<K, V> c = consumer();
        if (!assigned) {
            assignAtStart(c);
        }
        if (System.nanoTime() - nextCheck >= 0 || !readToEnd.isEmpty()) {
            check(c);
        }
        signalCaughtUp();
        // A readToEnd() whose records were all applied before it came is answered now: the poll below
        // may wait its whole timeout for records that never come.
        progress.reachedBarriers().forEach(done -> done.complete(publish()));
        poll(c);
        signalCaughtUp();
        progress.reachedBarriers().forEach(done -> done.complete(publish()));
        publish();
        tick();
    }

    private KafkaConsumer<K, V> consumer() {
        KafkaConsumer<K, V> c = consumer;
        if (c == null) {
            c = new KafkaConsumer<>(
                    config.kafkaProperties(), new UnclosedDeserializer<>(keys), new UnclosedDeserializer<>(values));
            consumer = c;
            if (closed) {
                c.wakeup();
            }
            // A new consumer after a failed one: carry on from what the handler has applied.
            if (!progress.partitions().isEmpty()) {
                c.assign(progress.partitions());
                progress.positions().forEach(c::seek);
            }
        }
        return c;
    }

    /** Assigns every partition there is, captures the end offsets to bootstrap to, seeks to the start. */
    private void assignAtStart(KafkaConsumer<K, V> c) {
        List<String> missing = new ArrayList<>();
        List<TopicPartition> found = partitions.existing(c, missing);
        if (config.requireTopics() && !missing.isEmpty()) {
            throw new StepFailure("waiting for topics " + missing + " to exist", null);
        }
        partitions.follow(c, found);
        progress.captureBootstrapTargets();
        assigned = true;
        nextCheck = System.nanoTime() + config.checkEvery().toNanos();
    }

    /** Follows partitions created meanwhile and re-reads the end offsets (a dead broker fails here). */
    private void check(KafkaConsumer<K, V> c) {
        List<TopicPartition> added = partitions.existing(c, new ArrayList<>()).stream()
                .filter(p -> !progress.partitions().contains(p))
                .toList();
        if (!added.isEmpty()) {
            partitions.follow(c, added);
            LOG.infof("%s: following new partitions %s", config.name(), added);
        }
        progress.ends(c.endOffsets(progress.partitions(), config.kafkaTimeout()));
        nextCheck = System.nanoTime() + config.checkEvery().toNanos();
        for (CompletableFuture<FollowerStatus> done; (done = readToEnd.poll()) != null; ) {
            progress.await(done);
        }
    }

    /** One poll handed to the handler; on any failure the consumer goes back to the batch's first offsets. */
    private void poll(KafkaConsumer<K, V> c) {
        if (progress.partitions().isEmpty()) {
            // No topic exists yet, and poll() refuses an empty assignment.
            pause(config.pollTimeout());
            return;
        }
        ConsumerRecords<K, V> records;
        try {
            // After a nudge only what has arrived: the handler's drained() is due now.
            records = c.poll(nudged && signalled ? Duration.ZERO : config.pollTimeout());
        } catch (RecordDeserializationException e) {
            skip(c, e);
            return;
        }
        Map<TopicPartition, Long> firsts = new HashMap<>();
        List<ConsumerRecord<K, V>> list = new ArrayList<>(records.count());
        for (TopicPartition p : records.partitions()) {
            List<ConsumerRecord<K, V>> of = records.records(p);
            firsts.put(p, of.getFirst().offset());
            list.addAll(of);
        }
        try {
            // Past compacted-away offsets and transaction markers too, which no record shows.
            Map<TopicPartition, Long> next = new HashMap<>();
            for (TopicPartition p : progress.partitions()) {
                next.put(p, c.position(p, config.kafkaTimeout()));
            }
            if (!list.isEmpty()) {
                applyBatch(list);
            }
            next.forEach(progress::advance);
            if ((list.isEmpty() || nudged) && signalled) {
                nudged = false;
                drained();
            }
        } catch (RuntimeException e) {
            firsts.forEach(c::seek);
            throw e;
        }
    }

    private void applyBatch(List<ConsumerRecord<K, V>> records) {
        try {
            handler.apply(new Batch<>(records, !signalled));
        } catch (RuntimeException e) {
            ConsumerRecord<K, V> first = records.getFirst();
            throw new StepFailure(
                    "handler failed on a batch of " + records.size() + " from " + first.topic() + "-"
                            + first.partition() + "@" + first.offset() + ": " + e,
                    e);
        }
        progress.applied(records.size());
    }

    private void drained() {
        try {
            handler.drained();
        } catch (RuntimeException e) {
            LOG.warnf(e, "%s: handler failed on drained", config.name());
        }
    }

    private void skip(KafkaConsumer<K, V> c, RecordDeserializationException e) {
        TopicPartition p = e.topicPartition();
        LOG.warnf("%s: skipping unreadable record %s@%d: %s", config.name(), p, e.offset(), e.getMessage());
        progress.rejected();
        c.seek(p, e.offset() + 1);
        progress.advance(p, e.offset() + 1);
        try {
            handler.rejected(new RejectedRecord(p, e.offset(), e.getCause() == null ? e : e.getCause()));
        } catch (RuntimeException handlerFailure) {
            LOG.warnf(handlerFailure, "%s: handler failed on a rejected record", config.name());
        }
    }

    private void signalCaughtUp() {
        if (signalled || !progress.bootstrapReached()) {
            return;
        }
        FollowerStatus now = progress.status(FollowerState.FOLLOWING, true, retry.last());
        try {
            handler.caughtUp(now);
        } catch (RuntimeException e) {
            throw new StepFailure("handler failed on caught up: " + e, e);
        }
        signalled = true;
        LOG.infof(
                "%s: caught up with %s after %d records in %d ms",
                config.name(),
                config.topics(),
                progress.appliedCount(),
                Duration.ofNanos(System.nanoTime() - started).toMillis());
        caughtUp.complete(publish());
    }

    private void tick() {
        if (System.nanoTime() - nextTick < 0) {
            return;
        }
        nextTick = System.nanoTime() + config.checkEvery().toNanos();
        try {
            handler.periodically(status);
        } catch (RuntimeException e) {
            LOG.warnf(e, "%s: periodic handler work failed", config.name());
        }
    }

    private void failed(RuntimeException e) {
        String message = e instanceof StepFailure ? e.getMessage() : e.toString();
        if (!retry.failing()) {
            LOG.warnf("%s: %s; retrying", config.name(), message);
        } else {
            LOG.debugf("%s: still failing: %s", config.name(), message);
        }
        Duration backoff = retry.failed(message);
        nextCheck = System.nanoTime();
        if (!(e instanceof StepFailure || e instanceof RetriableException)) {
            // Possibly a broken consumer: a new one resumes from the handler's positions.
            closeConsumer();
        }
        publish();
        tick();
        pause(backoff);
    }

    private void recovered() {
        if (retry.recovered()) {
            LOG.infof("%s: recovered", config.name());
            publish();
        }
    }

    private FollowerStatus publish() {
        FollowerState state = retry.failing()
                ? FollowerState.RETRYING
                : signalled ? FollowerState.FOLLOWING : FollowerState.BOOTSTRAPPING;
        status = progress.status(state, signalled, retry.last());
        return status;
    }

    /** Waits, cut short by close() and by a read-to-end request. */
    private void pause(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        synchronized (pause) {
            for (long left = d.toNanos();
                    left > 0 && !closed && readToEnd.isEmpty();
                    left = until - System.nanoTime()) {
                try {
                    pause.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Ends the follower: consumer closed, waiting callers told, status CLOSED. */
    synchronized void finish() {
        if (finished) {
            return;
        }
        finished = true;
        closeConsumer();
        CancellationException why = new CancellationException(config.name() + " is closed");
        caughtUp.completeExceptionally(why);
        progress.cancelBarriers(why);
        for (CompletableFuture<FollowerStatus> done; (done = readToEnd.poll()) != null; ) {
            done.completeExceptionally(why);
        }
        keys.close();
        values.close();
        status = progress.status(FollowerState.CLOSED, signalled, retry.last());
    }

    private void closeConsumer() {
        KafkaConsumer<K, V> c = consumer;
        consumer = null;
        if (c != null) {
            try {
                c.close(CloseOptions.timeout(Duration.ofSeconds(1)));
            } catch (RuntimeException e) {
                LOG.debugf("%s: closing the consumer: %s", config.name(), e);
            }
        }
    }
}
