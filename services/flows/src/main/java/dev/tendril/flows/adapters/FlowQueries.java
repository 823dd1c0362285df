package dev.tendril.flows.adapters;

import dev.tendril.flows.adapters.kafka.FlowHistory;
import dev.tendril.flows.domain.FlowEvent;
import dev.tendril.flows.domain.FlowQuery;
import dev.tendril.flows.domain.FlowRing;
import dev.tendril.flows.domain.FlowStore;
import dev.tendril.flows.domain.SortBuffer;
import dev.tendril.flows.domain.StoredFlow;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs a GetFlows request for gRPC and REST alike: history from Kafka when {@code since} reaches past
 * the rings, then the rings up to one mark, then (follow) every flow written after that mark, in order,
 * with a Lost event where a ring overwrote flows before this reader got them. Followed flows of several
 * nodes pass a {@link SortBuffer} ({@code tendril.flows.follow-sort-window}) to come out in time order.
 */
@ApplicationScoped
public class FlowQueries {

    /** Where the events go; {@link #open()} turns false when the client went away. */
    public interface Sink {
        void flow(StoredFlow flow);

        void lost(String node, long count);

        boolean open();

        /** Called when the flows given so far should reach the client now (a sink may batch them). */
        default void flush() {}

        /** Called while a follow has had nothing to send for a while: a chance to notice a gone client. */
        default void idle() {}
    }

    private static final long IDLE_NANOS = 5_000_000_000L;

    /** A virtual thread's timed park costs a timer task: no shorter than this (a flow goes 1 ms late at most). */
    private static final long MIN_PARK_NANOS = 1_000_000L;

    private volatile boolean stopping;
    private final AtomicInteger followers = new AtomicInteger();

    @Inject
    MeterRegistry registry;

    @PostConstruct
    void registerFollowerGauge() {
        Gauge.builder("tendril_flows_followers", followers, AtomicInteger::get)
                .description("GetFlows requests following new flows right now (gRPC follow and REST SSE)")
                .register(registry);
    }

    /**
     * Followers whose mark is taken: every flow written from now on reaches each of them. Tests wait
     * for this instead of sleeping until a subscription has attached.
     */
    public int activeFollowers() {
        return followers.get();
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    @Inject
    FlowStore store;

    @Inject
    FlowHistory history;

    @Inject
    FlowMetrics metrics;

    @Inject
    FlowsConfig config;

    public void run(FlowQuery query, Sink sink) {
        Map<FlowRing, Long> mark = store.mark();
        int limit = query.number() == 0 ? config.maxResults() : (int) Math.min(query.number(), config.maxResults());
        List<StoredFlow> flows = new ArrayList<>();
        if (query.replays() && history.needed(query, mark)) {
            flows.addAll(history.read(query, mark, limit));
        }
        // A bare follow starts at the end (Hubble): nothing stored is sent.
        FlowStore.Result stored =
                query.replays() ? store.query(query, mark) : new FlowStore.Result(List.of(), List.of());
        for (FlowEvent.Lost lost : stored.lost()) {
            metrics.lost(FlowMetrics.HUBBLE_RING_BUFFER, lost.count());
            sink.lost(lost.node(), lost.count());
        }
        flows.addAll(stored.flows());
        flows.sort(Comparator.comparingLong(f -> f.timeNanos));
        if (flows.size() > limit) {
            flows = query.fromStart() ? flows.subList(0, limit) : flows.subList(flows.size() - limit, flows.size());
        }
        for (StoredFlow flow : flows) {
            if (!sink.open()) {
                return;
            }
            sink.flow(flow);
        }
        sink.flush();
        if (!query.followsAt(System.currentTimeMillis() * 1_000_000L)) {
            return;
        }
        FlowStore.Follower follower = store.follow(query, mark);
        followers.incrementAndGet();
        try {
            follow(query, sink, follower);
        } finally {
            followers.decrementAndGet();
        }
    }

    private void follow(FlowQuery query, Sink sink, FlowStore.Follower follower) {
        long interval = config.followInterval().toNanos();
        SortBuffer sorted = new SortBuffer(config.followSortWindow().toNanos(), 10_000);
        long lastSent = System.nanoTime();
        while (!stopping && sink.open() && query.until() >= System.currentTimeMillis() * 1_000_000L) {
            List<FlowEvent> events = follower.poll(4096);
            long now = System.nanoTime();
            for (FlowEvent event : events) {
                switch (event) {
                    case FlowEvent.Flowed flowed -> sorted.add(flowed.flow(), now);
                    case FlowEvent.Lost lost -> {
                        metrics.lost(FlowMetrics.HUBBLE_RING_BUFFER, lost.count());
                        sink.lost(lost.node(), lost.count());
                    }
                }
            }
            int ready = sorted.drain(now, sink::flow);
            sink.flush();
            if (!events.isEmpty() || ready > 0) {
                lastSent = now;
            } else if (now - lastSent > IDLE_NANOS) {
                sink.idle();
                lastSent = now;
            } else {
                // Not a whole interval when a waiting flow falls due sooner: it goes out on time, not up
                // to an interval after its sort window.
                LockSupport.parkNanos(Math.max(MIN_PARK_NANOS, Math.min(interval, sorted.nanosUntilDue(now))));
            }
        }
    }
}
