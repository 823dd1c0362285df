package dev.tendril.agent.sim;

import java.time.Duration;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * A churn run's source of cluster state: {@link ChurnDriver} publishing straight into the topics, or
 * {@link ServicesChurnDriver} driving the real identity and policy services, which publish.
 */
public interface ClusterChurn extends AutoCloseable {

    /** The seed, on the topics when this returns. */
    void seed();

    /**
     * The churn, from {@code startMicros} (the epoch time the schedule counts from) for the plan's duration; at each of
     * {@code restartTimes} (since the start) {@code restart} is called with its index, on this thread.
     */
    ChurnDriver.Totals churn(long startMicros, List<Duration> restartTimes, IntConsumer restart);

    /** Waits until all the churn caused is on the topics (at most {@code guard}); the totals then. */
    ChurnDriver.Totals settle(Duration guard);

    @Override
    void close();
}
