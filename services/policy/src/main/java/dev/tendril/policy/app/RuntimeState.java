package dev.tendril.policy.app;

import dev.tendril.policy.domain.PolicyEngine;
import dev.tendril.policy.domain.PolicyEngine.Changes;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.PolicyState;
import dev.tendril.policy.domain.StoredPolicy;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What the runtime's parts share, behind one lock: the engine, the stored policies, the policy revision and
 * the position of the last policy event applied. Every engine mutation that is final goes through
 * {@link #mutate} or {@link #changed}, which hand what changed to the publishing side.
 */
final class RuntimeState {

    final ReentrantLock lock = new ReentrantLock();
    final PolicyEngine engine;
    final PolicyMetrics metrics;
    /** The live policies as last applied (under the lock). */
    final Map<PolicyRef, StoredPolicy> stored = new TreeMap<>();
    /** The policy revision as this replica knows it (under the lock). */
    long revision;
    /** Position of the last policy event applied to the engine (under the lock). */
    long position;
    /** The inputs are bootstrapped: the engine is warm and the replica stands for leader. */
    volatile boolean ready;

    volatile boolean stopping;
    private Consumer<Changes> listener = changes -> {};

    RuntimeState(PolicyEngine engine, PolicyMetrics metrics) {
        this.engine = engine;
        this.metrics = metrics;
    }

    /** Who hears of every change of the maps (the publishing side). */
    void onChange(Consumer<Changes> listener) {
        this.listener = listener;
    }

    /** A policy's state: as stored, or absent. */
    PolicyState state(PolicyRef ref) {
        StoredPolicy policy = stored.get(ref);
        return policy == null ? PolicyState.ABSENT : policy;
    }

    /** Under the lock: runs one engine mutation, timed, and hands its changes on. */
    void mutate(Supplier<Changes> mutation) {
        changed(metrics.compile(mutation));
    }

    /** Under the lock: hands on what a mutation computed (a write's maps once its commit returned). */
    void changed(Changes changes) {
        metrics.overflowing(engine.overflows().size());
        listener.accept(changes);
    }

    void locked(Runnable work) {
        lock.lock();
        try {
            work.run();
        } finally {
            lock.unlock();
        }
    }

    <T> T locked(Supplier<T> work) {
        lock.lock();
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }
}
