package dev.tendril.policy.adapters;

import dev.tendril.policy.app.PolicyMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The runtime's metrics in Micrometer: compile time, overflowing subjects, overflows per subject, leadership. */
public final class PolicyMeters implements PolicyMetrics {

    private final MeterRegistry registry;
    private final Timer compile;
    private final AtomicInteger overflowing = new AtomicInteger();
    private final Map<Long, Counter> overflows = new ConcurrentHashMap<>();

    public PolicyMeters(MeterRegistry registry) {
        this.registry = registry;
        compile = Timer.builder("tendril.policy.compile")
                .description("Time to recompute the policy maps after one mutation")
                .register(registry);
        Gauge.builder("tendril.policy.map.overflowing", overflowing, AtomicInteger::get)
                .description("Subjects whose policy map needs more entries than map-max-entries")
                .register(registry);
    }

    /** Registers {@code tendril.policy.leader}: 1 while this replica leads. */
    public void leader(BooleanSupplier leading) {
        Gauge.builder("tendril.policy.leader", () -> leading.getAsBoolean() ? 1 : 0)
                .description("1 while this replica leads and publishes tendril.policy, 0 on a standby")
                .register(registry);
    }

    @Override
    public <T> T compile(Supplier<T> mutation) {
        return compile.record(mutation);
    }

    @Override
    public void overflowing(int subjects) {
        overflowing.set(subjects);
    }

    @Override
    public void overflowed(long subject) {
        overflows
                .computeIfAbsent(
                        subject,
                        s -> Counter.builder("tendril.policy.map.overflow")
                                .description("Times a subject's computed policy map exceeded map-max-entries")
                                .tag("subject", Long.toString(s))
                                .register(registry))
                .increment();
    }
}
