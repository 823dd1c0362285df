package dev.tendril.topics;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Follows compacted topics on one thread of its own, without a consumer group (Kafka KRaft's metadata
 * loader, Cilium's "sync, then watch"): assigns every partition, captures the end offsets, reads from
 * the {@link StartPosition} and hands the records to a {@link FollowerHandler} in batches. Once every
 * partition reached the captured end it says so once ({@link FollowerHandler#caughtUp}, {@link #caughtUp()})
 * and goes on following. Every {@link FollowerConfig#checkEvery()} it re-reads the partitions (new ones
 * are followed from their start) and the end offsets (the lag, and the way a dead broker shows).
 *
 * <p>A failed step (Kafka unreachable, the handler threw) is retried with a capped exponential backoff
 * from the positions the handler has reached, so nothing is lost and nothing handed over twice except the
 * batch the handler failed on. The status says {@link FollowerState#RETRYING} with the failure meanwhile.
 */
public final class TopicFollower<K, V> implements AutoCloseable {

    private final FollowerConfig config;
    private final FollowerLoop<K, V> loop;
    private Thread thread;

    TopicFollower(
            FollowerConfig config,
            Deserializer<K> keys,
            Deserializer<V> values,
            FollowerHandler<K, V> handler,
            Runnable prepare) {
        this.config = config;
        this.loop = new FollowerLoop<>(config, keys, values, handler, prepare);
    }

    /** A follower reading keys and values with these deserializers (which it closes on {@link #close()}). */
    public static <K, V> FollowerBuilder<K, V> builder(Deserializer<K> keys, Deserializer<V> values) {
        return new FollowerBuilder<>(keys, values);
    }

    /** Starts the follower's thread; once only. */
    public synchronized TopicFollower<K, V> start() {
        if (thread != null || loop.closed()) {
            throw new IllegalStateException(config.name() + " was started or closed already");
        }
        thread = Thread.ofPlatform().name(config.name()).daemon().start(loop);
        return this;
    }

    public FollowerConfig config() {
        return config;
    }

    public FollowerStatus status() {
        return loop.status();
    }

    /**
     * Completes (on the follower thread) once every partition reached the end offset captured at the
     * start and the handler was told; completes exceptionally with a {@link CancellationException} when
     * the follower is closed first.
     */
    public CompletableFuture<FollowerStatus> caughtUp() {
        return loop.caughtUp().copy();
    }

    /**
     * Completes once the handler has applied every record the topics hold now (as the follower thread sees
     * them on its next step, partitions created meanwhile included): read-your-writes for a caller that
     * just saw a record produced. Waits through outages; completes exceptionally when the follower closes.
     */
    public CompletableFuture<FollowerStatus> readToEnd() {
        CompletableFuture<FollowerStatus> done = new CompletableFuture<>();
        loop.readToEnd(done);
        return done.copy();
    }

    /**
     * Tells the follower that its handler has work of its own (an answer another thread produced): a poll waiting
     * for records is woken, and the handler's {@link FollowerHandler#drained()} runs on the follower's thread at
     * once (while following) instead of after the poll's timeout. A batch being polled when the nudge comes is
     * polled again: nothing is lost or applied twice.
     */
    public void nudge() {
        loop.nudge();
    }

    /**
     * Stops the thread (a poll or Kafka request in flight is woken up) and waits for it, at most
     * {@link FollowerConfig#closeTimeout()}; the thread closes the consumer. Idempotent.
     */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            loop.stop();
            t = thread;
        }
        if (t == null) {
            loop.finish();
        } else if (t != Thread.currentThread()) {
            try {
                t.join(config.closeTimeout());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
