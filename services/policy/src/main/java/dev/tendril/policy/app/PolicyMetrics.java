package dev.tendril.policy.app;

import java.util.function.Supplier;

/** Port: the runtime's metrics. */
public interface PolicyMetrics {

    /** Runs and times one recomputation of the policy maps. */
    <T> T compile(Supplier<T> mutation);

    /** How many subjects' maps need more entries than map-max-entries now. */
    void overflowing(int subjects);

    /** A subject's computed map exceeded map-max-entries once more. */
    void overflowed(long subject);
}
