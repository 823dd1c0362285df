package dev.tendril.policy.app;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Publishing a keyed compacted topic while this replica leads, on a thread of its own, never under a
 * request: a mutation marks the keys it changed ({@link #changed}) and returns; the publishing thread takes
 * the marked keys' current values under the lock and sends them without it, after confirming the
 * leadership (fencing). While Kafka is unreachable it reconciles everything again every
 * {@link #PUBLISH_RETRY} until the topic holds every value.
 *
 * <p>Taking over: the new leader makes a fresh {@link TopicPublisher} (which reads the topic back), runs
 * {@code onTakeOver} and reconciles every value once, which sends only what the previous leader had not
 * published. The policy maps (tendril.policy) and the Services (tendril.services) each have one.
 *
 * @param <K> the key
 * @param <V> what a key holds
 */
final class KeyedTopicPublishing<K extends Comparable<K>, V> {

    private static final System.Logger LOG = System.getLogger(KeyedTopicPublishing.class.getName());
    /** Wait before reconciling again after a failed send. */
    static final Duration PUBLISH_RETRY = Duration.ofSeconds(1);

    /** What is published, read under the lock. */
    record Source<K, V>(
            String threadName,
            Supplier<Map<K, V>> values,
            Supplier<Collection<K>> keep,
            LongSupplier revision,
            Runnable onTakeOver) {}

    private final RuntimeState state;
    private final Leadership leadership;
    private final String topic;
    private final Source<K, V> source;
    /** Signalled when keys are marked for publishing, a reconcile is due, leadership changes or the service stops. */
    private final Condition work;
    /** Keys changed since the publishing thread last took them (under the lock). */
    private final Set<K> toPublish = new TreeSet<>();
    /** Everything must be reconciled with the topic: at takeover and after a failed send (under the lock). */
    private boolean reconcileDue;

    private boolean firstReconcile = true;
    /** The publishing thread is sending what it took (under the lock). */
    private boolean sending;

    private Thread thread;
    private TopicPublisher<K, V> publisher;
    /** Makes the publisher of a new leadership: creates the topic if missing and reads it back. */
    private Supplier<? extends TopicPublisher<K, V>> publishers;
    /** This replica leads (under the lock; volatile for health checks). */
    private volatile boolean leading;
    /** Leaderships this replica began (under the lock): a publisher made for an earlier one is stale. */
    private long leaderships;

    KeyedTopicPublishing(RuntimeState state, Leadership leadership, String topic, Source<K, V> source) {
        this.state = state;
        this.leadership = leadership;
        this.topic = topic;
        this.source = source;
        this.work = state.lock.newCondition();
    }

    boolean leading() {
        return leading;
    }

    /** Under the lock: the inputs are bootstrapped; starts the publishing thread, which waits for leadership. */
    void begin(Supplier<? extends TopicPublisher<K, V>> publishers) {
        this.publishers = publishers;
        if (thread == null && publishers != null) {
            thread = Thread.ofPlatform().name(source.threadName()).daemon().start(this::loop);
        }
    }

    /** The election's word: this replica leads now, or no longer. Never called under the lock. */
    void leading(boolean now) {
        TopicPublisher<K, V> retired = null;
        state.lock.lock();
        try {
            leading = now;
            if (now) {
                leaderships++;
            } else {
                retired = publisher;
                publisher = null;
                toPublish.clear();
                reconcileDue = false;
                if (retired != null) {
                    LOG.log(Level.INFO, "this replica stands by: it no longer publishes " + topic);
                }
            }
            work.signalAll();
        } finally {
            state.lock.unlock();
        }
        if (retired != null) {
            // Not on the caller's thread: the election waits for nothing while the producer drains.
            TopicPublisher<K, V> closing = retired;
            Thread.ofVirtual().name(source.threadName() + "-close").start(closing::close);
        }
    }

    /**
     * Under the lock: marks keys a mutation changed (or removed) for the publishing thread. False when this
     * replica does not publish now: a standby (or a leader still reading the topic back) reconciles
     * everything when it begins.
     */
    boolean changed(Collection<K> keys) {
        if (!state.ready || !leading || publisher == null) {
            return false;
        }
        if (toPublish.addAll(keys)) {
            work.signalAll();
        }
        return true;
    }

    /** Has the publishing thread send again what failed to publish. */
    void retryFailed() {
        state.locked(() -> {
            if (publisher != null && publisher.hasFailures()) {
                reconcileDue = true;
                work.signalAll();
            }
        });
    }

    Set<K> unpublished() {
        return state.locked(() -> publisher == null ? Set.<K>of() : publisher.unknown());
    }

    /** Whether this replica leads and everything changed so far reached the topic. */
    boolean publishedAll() {
        return state.locked(() -> state.ready
                && leading
                && publisher != null
                && toPublish.isEmpty()
                && !reconcileDue
                && !sending
                && !publisher.hasFailures());
    }

    /** The revision last published for a key, 0 when never (or on a standby). */
    long publishedRevision(K key) {
        return state.locked(() -> publisher == null ? 0L : publisher.publishedRevision(key));
    }

    /** Ends the publishing thread (the state says it is stopping). */
    void stopThread() {
        Thread t = state.locked(() -> {
            work.signalAll();
            return thread;
        });
        PolicyRuntime.join(t);
    }

    /** Closes the publisher of the last leadership, once the thread ended. */
    void closePublisher() {
        TopicPublisher<K, V> last = state.locked(() -> {
            TopicPublisher<K, V> p = publisher;
            publisher = null;
            return p;
        });
        if (last != null) {
            last.close();
        }
    }

    /**
     * The publishing thread: while this replica leads, takes what is marked (or everything) under the lock
     * and sends it without, after confirming the leadership (fencing).
     */
    private void loop() {
        while (true) {
            Runnable send;
            TopicPublisher<K, V> target;
            long leadershipAtTake;
            state.lock.lock();
            try {
                while (!state.stopping && !(leading && (publisher == null || !toPublish.isEmpty() || reconcileDue))) {
                    work.awaitUninterruptibly();
                }
                if (state.stopping) {
                    return;
                }
                target = publisher;
                leadershipAtTake = leaderships;
                send = target == null ? null : takeWork(target);
                sending = target != null;
            } finally {
                state.lock.unlock();
            }
            if (target == null) {
                takeOver(leadershipAtTake);
                continue;
            }
            boolean failed;
            try {
                if (!leadership.confirm()) {
                    // Lost between taking the work and sending it: the new leader reconciles instead.
                    state.locked(() -> sending = false);
                    continue;
                }
                send.run();
                failed = target.hasFailures();
            } catch (RuntimeException e) {
                LOG.log(
                        Level.ERROR,
                        "publishing to %s failed; reconciling again in %s".formatted(target.topic(), PUBLISH_RETRY),
                        e);
                failed = true;
            }
            state.lock.lock();
            try {
                sending = false;
                if (failed && target == publisher) {
                    reconcileDue = true;
                    if (!state.stopping) {
                        work.await(PUBLISH_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                state.lock.unlock();
            }
        }
    }

    /**
     * Begins publishing as the new leader: reads the topic back (what the previous leader published) with a
     * fresh publisher and has everything reconciled. Retried every {@link #PUBLISH_RETRY} while Kafka is
     * unreachable.
     */
    private void takeOver(long leadershipAtTake) {
        TopicPublisher<K, V> fresh;
        try {
            fresh = publishers.get();
        } catch (RuntimeException e) {
            LOG.log(
                    Level.WARNING,
                    "cannot read %s back to begin publishing (retrying in %s): %s"
                            .formatted(topic, PUBLISH_RETRY, e.getMessage()));
            state.lock.lock();
            try {
                if (!state.stopping) {
                    work.await(PUBLISH_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            } finally {
                state.lock.unlock();
            }
            return;
        }
        state.lock.lock();
        try {
            if (leading && !state.stopping && publisher == null && leaderships == leadershipAtTake) {
                publisher = fresh;
                fresh = null;
                reconcileDue = true;
                firstReconcile = true;
                source.onTakeOver().run();
                LOG.log(
                        Level.INFO,
                        "leading with %d keys; reconciling %s"
                                .formatted(source.values().get().size(), publisher.topic()));
            }
        } finally {
            state.lock.unlock();
        }
        if (fresh != null) {
            fresh.close();
        }
    }

    /** Under the lock: what to send next, as a snapshot of the current values. */
    private Runnable takeWork(TopicPublisher<K, V> target) {
        long revision = source.revision().getAsLong();
        Map<K, V> current = source.values().get();
        if (reconcileDue) {
            reconcileDue = false;
            toPublish.clear();
            Map<K, V> all = new TreeMap<>(current);
            List<K> keep = List.copyOf(source.keep().get());
            boolean first = firstReconcile;
            firstReconcile = false;
            return () -> {
                int sent = target.reconcile(all, keep, revision);
                if (first) {
                    LOG.log(
                            Level.INFO,
                            "%d keys, %d sent to %s (the rest already published)"
                                    .formatted(all.size(), sent, target.topic()));
                }
            };
        }
        List<V> changed = new ArrayList<>();
        List<K> removed = new ArrayList<>();
        for (K key : toPublish) {
            V value = current.get(key);
            if (value != null) {
                changed.add(value);
            } else {
                removed.add(key);
            }
        }
        toPublish.clear();
        return () -> target.publish(changed, removed, revision);
    }
}
