package dev.tendril.policy.app;

import dev.tendril.policy.lb.ServiceLb;
import java.lang.System.Logger.Level;
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
 * Publishing tendril.services while this replica leads, on a thread of its own
 * ({@code tendril-policy-services-publishing}), as {@link Publishing} does for the policy maps: a change marks
 * the Service ({@link #changed}); the thread takes the marked Services' content under the lock, confirms the
 * leadership and sends without the lock. A new leader reads the topic back and reconciles everything once; a
 * failed send reconciles again after {@link Publishing#PUBLISH_RETRY}.
 */
final class LbPublishing {

    private static final System.Logger LOG = System.getLogger(LbPublishing.class.getName());

    private final RuntimeState state;
    private final Leadership leadership;
    private final Supplier<Map<String, ServiceLb>> content;
    private final Condition work;
    private final Set<String> toPublish = new TreeSet<>();
    private boolean reconcileDue;
    private boolean sending;
    private volatile boolean leading;
    private long leaderships;
    private ServicePublisher publisher;
    private Supplier<? extends ServicePublisher> publishers;
    private Thread thread;

    /** {@code content} is read under the lock: every Service's current map content by key. */
    LbPublishing(RuntimeState state, Leadership leadership, Supplier<Map<String, ServiceLb>> content) {
        this.state = state;
        this.leadership = leadership;
        this.content = content;
        this.work = state.lock.newCondition();
    }

    /** Under the lock: starts the thread, which waits for the leadership. */
    void begin(Supplier<? extends ServicePublisher> publishers) {
        this.publishers = publishers;
        if (thread == null && publishers != null) {
            thread = Thread.ofPlatform()
                    .name("tendril-policy-services-publishing")
                    .daemon()
                    .start(this::loop);
        }
    }

    void leading(boolean now) {
        ServicePublisher retired = null;
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
            }
            work.signalAll();
        } finally {
            state.lock.unlock();
        }
        if (retired != null) {
            ServicePublisher closing = retired;
            Thread.ofVirtual().name("tendril-policy-services-close").start(closing::close);
        }
    }

    /** Under the lock: the Service's content changed (or it is gone). */
    void changed(String key) {
        if (leading && publisher != null) {
            toPublish.add(key);
            work.signalAll();
        }
    }

    /** Whether this replica leads and everything changed so far reached the topic. */
    boolean publishedAll() {
        return state.locked(() -> leading
                && publisher != null
                && toPublish.isEmpty()
                && !reconcileDue
                && !sending
                && !publisher.hasFailures());
    }

    long publishedRevision(String key) {
        return state.locked(() -> publisher == null ? 0L : publisher.publishedRevision(key));
    }

    void stop() {
        Thread t = state.locked(() -> {
            work.signalAll();
            return thread;
        });
        PolicyRuntime.join(t);
        ServicePublisher last = state.locked(() -> {
            ServicePublisher p = publisher;
            publisher = null;
            return p;
        });
        if (last != null) {
            last.close();
        }
    }

    private void loop() {
        while (true) {
            Runnable send;
            ServicePublisher target;
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
                    state.locked(() -> sending = false);
                    continue;
                }
                send.run();
                failed = target.hasFailures();
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "publishing to %s failed; reconciling again".formatted(target.topic()), e);
                failed = true;
            }
            state.lock.lock();
            try {
                sending = false;
                if (failed && target == publisher) {
                    reconcileDue = true;
                    if (!state.stopping) {
                        work.await(Publishing.PUBLISH_RETRY.toMillis(), TimeUnit.MILLISECONDS);
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

    private void takeOver(long leadershipAtTake) {
        ServicePublisher fresh;
        try {
            fresh = publishers.get();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot read tendril.services back (retrying): " + e.getMessage());
            state.lock.lock();
            try {
                if (!state.stopping) {
                    work.await(Publishing.PUBLISH_RETRY.toMillis(), TimeUnit.MILLISECONDS);
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
            }
        } finally {
            state.lock.unlock();
        }
        if (fresh != null) {
            fresh.close();
        }
    }

    /** Under the lock: a snapshot of what to send. */
    private Runnable takeWork(ServicePublisher target) {
        Map<String, ServiceLb> all = content.get();
        if (reconcileDue) {
            reconcileDue = false;
            toPublish.clear();
            Map<String, ServiceLb> snapshot = new TreeMap<>(all);
            return () -> target.reconcile(snapshot);
        }
        List<ServiceLb> changed = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (String key : toPublish) {
            ServiceLb current = all.get(key);
            if (current != null) {
                changed.add(current);
            } else {
                removed.add(key);
            }
        }
        toPublish.clear();
        return () -> target.publish(changed, removed);
    }
}
