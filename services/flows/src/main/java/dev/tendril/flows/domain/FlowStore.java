package dev.tendril.flows.domain;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The rings of all nodes, and queries merged across them by time, like hubble-relay merges its nodes'
 * streams. One thread writes (the ingest loop); any number read.
 */
public final class FlowStore {

    private static final Comparator<StoredFlow> BY_TIME = Comparator.comparingLong(f -> f.timeNanos);

    private static final int SCAN_BLOCK = 256;

    private final int ringCapacity;
    private final Map<String, FlowRing> rings = new ConcurrentHashMap<>();
    private final LongAdder lost = new LongAdder();

    public FlowStore(int ringCapacity) {
        FlowRing.validateCapacity(ringCapacity);
        this.ringCapacity = ringCapacity;
    }

    public int ringCapacity() {
        return ringCapacity;
    }

    public void add(StoredFlow flow, long nowMillis) {
        FlowRing ring = rings.get(flow.node);
        if (ring == null) {
            ring = rings.computeIfAbsent(flow.node, n -> new FlowRing(n, ringCapacity));
        }
        ring.write(flow, nowMillis);
    }

    public Collection<FlowRing> rings() {
        return rings.values();
    }

    public FlowRing ring(String node) {
        return rings.get(node);
    }

    /** Flows ever lost to readers (queries and followers), for ServerStatus and metrics. */
    public long lostToReaders() {
        return lost.sum();
    }

    /** The namespaces of either side of the flows the rings hold, sorted (GetNamespaces). */
    public SortedSet<String> namespaces() {
        SortedSet<String> namespaces = new TreeSet<>();
        for (FlowRing ring : rings.values()) {
            FlowRing.Cursor cursor = ring.cursor();
            long end = ring.written();
            for (long seq = Math.max(0, end - ring.capacity()); seq < end; seq++) {
                cursor.at(seq);
                add(namespaces, cursor.source());
                add(namespaces, cursor.destination());
            }
        }
        return namespaces;
    }

    private static void add(SortedSet<String> namespaces, Peer peer) {
        if (peer != null && !peer.namespace().isEmpty()) {
            namespaces.add(peer.namespace());
        }
    }

    /**
     * Flows per second over the minute before {@code nowNanos}, by the flows' own times, as Hubble's
     * ServerStatus computes {@code flows_rate}: when the rings hold less than a minute of flows the
     * window starts at the oldest one, so a fresh burst is not diluted over time nobody recorded.
     */
    public double flowRate(long nowNanos) {
        long since = nowNanos - 60_000_000_000L;
        long oldest = Long.MAX_VALUE;
        long count = 0;
        boolean older = false;
        for (FlowRing ring : rings.values()) {
            FlowRing.Cursor cursor = ring.cursor();
            long end = ring.written();
            long start = Math.max(0, end - ring.capacity());
            for (long seq = end - 1; seq >= start; seq--) {
                long time = cursor.at(seq).timeNanos();
                if (time < since) {
                    older = true;
                    break;
                }
                if (time <= nowNanos) {
                    count++;
                    oldest = Math.min(oldest, time);
                }
            }
        }
        if (count == 0) {
            return 0;
        }
        long window = older ? nowNanos - since : nowNanos - oldest;
        return window <= 0 ? 0 : count / (window / 1e9);
    }

    /** Where every ring's writer stands now: the end of a query and the start of a follow. */
    public Map<FlowRing, Long> mark() {
        Map<FlowRing, Long> mark = new HashMap<>();
        for (FlowRing ring : rings.values()) {
            mark.put(ring, ring.written());
        }
        return mark;
    }

    /**
     * The stored flows a query asks for, up to {@code mark}, oldest first; plus Lost events when flows
     * the query had started reading were overwritten under it.
     */
    public Result query(FlowQuery query, Map<FlowRing, Long> mark) {
        long limit = query.number() == 0 ? Long.MAX_VALUE : query.number();
        // Rings are independent: scan them in parallel (hubble-relay asks its nodes concurrently too).
        List<RingResult> perRing = mark.entrySet().parallelStream()
                .map(entry -> {
                    FlowRing ring = entry.getKey();
                    long end = entry.getValue();
                    long start = Math.max(0, end - ring.capacity());
                    List<StoredFlow> found = new ArrayList<>();
                    long missed = query.fromStart()
                            ? scanForward(ring, start, end, query, limit, found)
                            : scanBackward(ring, start, end, query, limit, found);
                    return new RingResult(ring.node(), found, missed);
                })
                .toList();
        List<StoredFlow> flows = new ArrayList<>();
        List<FlowEvent.Lost> losses = new ArrayList<>();
        for (RingResult result : perRing) {
            flows.addAll(result.flows());
            if (result.missed() > 0) {
                lost.add(result.missed());
                losses.add(new FlowEvent.Lost(result.node(), result.missed()));
            }
        }
        flows.sort(BY_TIME);
        if (flows.size() > limit) {
            flows = query.fromStart()
                    ? flows.subList(0, (int) limit)
                    : flows.subList((int) (flows.size() - limit), flows.size());
        }
        return new Result(List.copyOf(flows), List.copyOf(losses));
    }

    private static long scanForward(
            FlowRing ring, long start, long end, FlowQuery query, long limit, List<StoredFlow> out) {
        long taken = 0;
        long missed = 0;
        FlowRing.Cursor cursor = ring.cursor();
        for (long seq = start; seq < end && taken < limit; seq++) {
            cursor.at(seq);
            boolean wanted = cursor.timeNanos() <= query.until()
                    && query.inTime(cursor)
                    && query.selection().matches(cursor);
            boolean past = cursor.timeNanos() > query.until();
            if (!ring.valid(seq)) {
                long oldest = ring.oldest();
                missed += Math.min(end, oldest) - seq;
                seq = oldest - 1;
                continue;
            }
            if (past) {
                break;
            }
            if (wanted) {
                StoredFlow flow = cursor.flow();
                if (flow == null) {
                    long oldest = ring.oldest();
                    missed += Math.min(end, oldest) - seq;
                    seq = oldest - 1;
                    continue;
                }
                out.add(flow);
                taken++;
            }
        }
        return missed;
    }

    private static long scanBackward(
            FlowRing ring, long start, long end, FlowQuery query, long limit, List<StoredFlow> out) {
        long taken = 0;
        FlowRing.Cursor cursor = ring.cursor();
        long checkedDownTo = end;
        for (long seq = end - 1; seq >= start && taken < limit; seq--) {
            if (seq < checkedDownTo) {
                // The writer only overwrites the oldest flows: one check covers the next block, and a
                // flow read past a check that later fails is re-checked when it is returned.
                if (!ring.valid(seq)) {
                    return seq - start + 1;
                }
                checkedDownTo = Math.max(start, seq - SCAN_BLOCK);
            }
            cursor.at(seq);
            long time = cursor.timeNanos();
            if (time < query.since()) {
                break;
            }
            if (query.inTime(cursor) && query.selection().matches(cursor)) {
                StoredFlow flow = cursor.flow();
                if (flow == null) {
                    return seq - start + 1;
                }
                out.add(flow);
                taken++;
            }
        }
        return 0;
    }

    /** A follower starting after {@code mark}: it sees every flow written later, or a Lost for it. */
    public Follower follow(FlowQuery query, Map<FlowRing, Long> mark) {
        return new Follower(this, query, mark);
    }

    void countLost(long count) {
        lost.add(count);
    }

    private record RingResult(String node, List<StoredFlow> flows, long missed) {}

    public record Result(List<StoredFlow> flows, List<FlowEvent.Lost> lost) {}

    /** One streaming reader; not thread-safe (one per request). */
    public static final class Follower {

        private final FlowStore store;
        private final FlowQuery query;
        private final Map<FlowRing, Long> cursors;

        Follower(FlowStore store, FlowQuery query, Map<FlowRing, Long> mark) {
            this.store = store;
            this.query = query;
            this.cursors = new HashMap<>(mark);
        }

        /**
         * Everything written since the last poll, at most {@code max} flows per ring: Lost events first
         * (rings that overwrote flows before this follower read them), then the flows merged by time.
         */
        public List<FlowEvent> poll(int max) {
            List<FlowEvent> events = new ArrayList<>();
            List<StoredFlow> flows = new ArrayList<>();
            for (FlowRing ring : store.rings()) {
                // A ring created after the follow started holds only new flows: read it from 0.
                long cursor = cursors.getOrDefault(ring, 0L);
                long end = ring.written();
                long missed = 0;
                int read = 0;
                while (cursor < end && read < max) {
                    StoredFlow flow = ring.read(cursor);
                    if (flow == null) {
                        long oldest = ring.oldest();
                        missed += oldest - cursor;
                        cursor = oldest;
                        continue;
                    }
                    cursor++;
                    read++;
                    if (query.inTime(flow) && query.selection().matches(flow)) {
                        flows.add(flow);
                    }
                }
                cursors.put(ring, cursor);
                if (missed > 0) {
                    store.countLost(missed);
                    events.add(new FlowEvent.Lost(ring.node(), missed));
                }
            }
            flows.sort(BY_TIME);
            for (StoredFlow flow : flows) {
                events.add(new FlowEvent.Flowed(flow));
            }
            return events;
        }
    }
}
