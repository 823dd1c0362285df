package dev.tendril.policy.app;

import dev.tendril.policy.domain.PolicyEngine.Changes;
import dev.tendril.policy.domain.PolicyEngine.Overflow;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.SubjectEvent.PolicyMapOverflowed;
import dev.tendril.policy.domain.SubjectPolicy;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.function.Supplier;

/**
 * Publishing the maps while this replica leads, on a thread of its own ({@code tendril-policy-publishing}),
 * never under a request: a mutation marks the subjects it changed ({@link #changed}) and returns; the
 * publishing thread takes the marked subjects' current maps under the lock and sends them without it,
 * after confirming the leadership (fencing). While Kafka is unreachable it reconciles the whole engine
 * again every {@link #PUBLISH_RETRY} until the topic holds every map.
 *
 * <p>Taking over: the new leader makes a fresh {@link MapPublisher} (which reads the topic back), reports
 * the overflowing subjects and reconciles the whole (already warm) engine once, which sends only what the
 * previous leader had not published.
 */
final class Publishing {

    private static final System.Logger LOG = System.getLogger(Publishing.class.getName());
    /** Wait before reconciling again after a failed send. */
    static final Duration PUBLISH_RETRY = Duration.ofSeconds(1);

    private final RuntimeState state;
    private final PolicyRepository store;
    private final Leadership leadership;
    private final String topic;
    /** Signalled when subjects are marked for publishing, a reconcile is due, leadership changes or the service stops. */
    private final Condition work;
    /** Subjects changed since the publishing thread last took them (under the lock). */
    private final Set<Long> toPublish = new TreeSet<>();
    /** The whole engine must be reconciled with the topic: at takeover and after a failed send (under the lock). */
    private boolean reconcileDue;

    private boolean firstReconcile = true;
    /** The publishing thread is sending what it took (under the lock). */
    private boolean sending;

    private Thread thread;
    private MapPublisher publisher;
    /** Makes the publisher of a new leadership: creates the topic if missing and reads it back. */
    private Supplier<? extends MapPublisher> publishers;
    /** This replica leads (under the lock; volatile for health checks). */
    private volatile boolean leading;
    /** Leaderships this replica began (under the lock): a publisher made for an earlier one is stale. */
    private long leaderships;

    Publishing(RuntimeState state, PolicyRepository store, Leadership leadership, String topic) {
        this.state = state;
        this.store = store;
        this.leadership = leadership;
        this.topic = topic;
        this.work = state.lock.newCondition();
    }

    boolean leading() {
        return leading;
    }

    /** Under the lock: the inputs are bootstrapped; starts the publishing thread, which waits for leadership. */
    void begin(Supplier<? extends MapPublisher> publishers) {
        this.publishers = publishers;
        if (thread == null) {
            thread = Thread.ofPlatform()
                    .name("tendril-policy-publishing")
                    .daemon()
                    .start(this::loop);
        }
    }

    /** The election's word: this replica leads now, or no longer. Never called under the lock. */
    void leading(boolean now) {
        MapPublisher retired = null;
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
                LOG.log(Level.INFO, "this replica stands by: it no longer publishes " + topic);
            }
            work.signalAll();
        } finally {
            state.lock.unlock();
        }
        if (retired != null) {
            // Not on the caller's thread: the election waits for nothing while the producer drains.
            MapPublisher closing = retired;
            Thread.ofVirtual().name("tendril-policy-publisher-close").start(closing::close);
        }
    }

    /** Under the lock: marks what a mutation changed for the publishing thread and reports new overflows. */
    void changed(Changes changes) {
        if (!state.ready || !leading || publisher == null || changes.isEmpty()) {
            // A standby (or a leader still reading the topic back) reconciles everything when it begins.
            return;
        }
        toPublish.addAll(changes.changed().keySet());
        toPublish.addAll(changes.removed());
        if (!toPublish.isEmpty()) {
            work.signalAll();
        }
        report(changes.overflows());
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

    Set<Long> unpublished() {
        return state.locked(() -> publisher == null ? Set.<Long>of() : publisher.unknown());
    }

    boolean publishedAll() {
        return state.locked(() -> state.ready
                && leading
                && publisher != null
                && toPublish.isEmpty()
                && !reconcileDue
                && !sending
                && !publisher.hasFailures());
    }

    /** Under the lock: the revision last published for a subject, 0 when never (or on a standby). */
    long publishedRevision(long subject) {
        return publisher == null ? 0 : publisher.publishedRevision(subject);
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
        MapPublisher last = state.locked(() -> {
            MapPublisher p = publisher;
            publisher = null;
            return p;
        });
        if (last != null) {
            last.close();
        }
    }

    /**
     * The publishing thread: while this replica leads, takes what is marked (or the whole engine) under the
     * lock and sends it without, after confirming the leadership (fencing).
     */
    private void loop() {
        while (true) {
            Runnable send;
            MapPublisher target;
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
                send = target == null ? null : takeWork();
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
     * fresh publisher, reports overflowing subjects, and has the whole engine reconciled. Retried every
     * {@link #PUBLISH_RETRY} while Kafka is unreachable.
     */
    private void takeOver(long leadershipAtTake) {
        MapPublisher fresh;
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
                report(state.engine.overflows());
                LOG.log(
                        Level.INFO,
                        "leading with %d subjects; reconciling %s"
                                .formatted(state.engine.subjects().size(), publisher.topic()));
            }
        } finally {
            state.lock.unlock();
        }
        if (fresh != null) {
            fresh.close();
        }
    }

    /** Under the lock: what to send next, as a snapshot of the engine's current maps. */
    private Runnable takeWork() {
        long policyRevision = state.revision;
        MapPublisher target = publisher;
        if (reconcileDue) {
            reconcileDue = false;
            toPublish.clear();
            Map<Long, SubjectPolicy> all = new TreeMap<>(state.engine.subjects());
            List<Long> keep =
                    state.engine.overflows().stream().map(Overflow::subject).toList();
            boolean first = firstReconcile;
            firstReconcile = false;
            return () -> {
                int sent = target.reconcile(all, keep, policyRevision);
                if (first) {
                    LOG.log(
                            Level.INFO,
                            "%d subjects, %d sent to %s (the rest already published)"
                                    .formatted(all.size(), sent, target.topic()));
                }
            };
        }
        List<SubjectPolicy> changed = new ArrayList<>();
        List<Long> removed = new ArrayList<>();
        for (long subject : toPublish) {
            SubjectPolicy current = state.engine.subjects().get(subject);
            if (current != null) {
                changed.add(current);
            } else {
                removed.add(subject);
            }
        }
        toPublish.clear();
        return () -> target.publish(changed, removed, policyRevision);
    }

    /** Under the lock: logs, counts and records the subjects whose maps overflow. */
    private void report(List<Overflow> overflows) {
        for (Overflow o : overflows) {
            List<String> refs = o.policies().stream().map(PolicyRef::toString).toList();
            LOG.log(
                    Level.ERROR,
                    ("policy map of subject %d needs %d entries, more than map-max-entries %d; not "
                                    + "published (agents keep its previous content). Policies: %s")
                            .formatted(o.subject(), o.entries(), o.maxEntries(), refs));
            state.metrics.overflowed(o.subject());
            try {
                store.overflowed(new PolicyMapOverflowed(o.subject(), o.entries(), o.maxEntries(), refs));
            } catch (RuntimeException e) {
                LOG.log(
                        Level.ERROR,
                        "cannot record the overflow of subject %d: %s".formatted(o.subject(), e.getMessage()));
            }
        }
    }
}
