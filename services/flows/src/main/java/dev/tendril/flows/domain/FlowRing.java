package dev.tendril.flows.domain;

import dev.tendril.net.IpAddress;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One node's ring buffer, Hubble's design: capacity 2^n-1 (1..65535) in 2^n slots, one writer,
 * lock-free readers. Flow number {@code s} (0-based, ever growing) lives in slot {@code s & mask}. The
 * spare slot is what lets a reader tell a slot it read from one the writer was already overwriting:
 * a read of {@code s} is valid when, after reading, {@code s >= written - capacity}.
 *
 * <p>Slots are columns (parallel arrays of times, interned peers and addresses, packed ports and
 * codes, payloads), not one object per flow: a filtered scan streams through a few dense arrays
 * with a {@link Cursor} and materializes a {@link StoredFlow} only for flows it returns.
 */
public final class FlowRing {

    public static final int MAX_CAPACITY = 65535;

    private final String node;
    private final int capacity;
    private final int mask;
    private final long[] times;
    private final long[] offsets;
    private final Peer[] sources;
    private final Peer[] destinations;
    private final IpAddress[] sourceIps;
    private final IpAddress[] destinationIps;
    // source port << 16 | destination port
    private final int[] ports;
    // protocol | verdict << 4 | direction << 8 | reply << 12 | ip version << 16 | tcp flags << 20
    private final int[] codes;
    private final FlowDetails[] details;
    private final byte[][] payloads;
    private final AtomicLong written = new AtomicLong();
    private volatile long lastWriteMillis;

    public FlowRing(String node, int capacity) {
        validateCapacity(capacity);
        this.node = node;
        this.capacity = capacity;
        this.mask = capacity;
        int slots = capacity + 1;
        times = new long[slots];
        offsets = new long[slots];
        sources = new Peer[slots];
        destinations = new Peer[slots];
        sourceIps = new IpAddress[slots];
        destinationIps = new IpAddress[slots];
        ports = new int[slots];
        codes = new int[slots];
        details = new FlowDetails[slots];
        payloads = new byte[slots][];
    }

    /** Hubble's rule: 2^n-1 between 1 and 65535. */
    public static void validateCapacity(int capacity) {
        if (capacity < 1 || capacity > MAX_CAPACITY || ((capacity + 1) & capacity) != 0) {
            throw new IllegalArgumentException(
                    "ring capacity must be 2^n-1 between 1 and " + MAX_CAPACITY + ", got " + capacity);
        }
    }

    public String node() {
        return node;
    }

    public int capacity() {
        return capacity;
    }

    /** Single writer only. The flow's node is this ring's. */
    public void write(StoredFlow flow, long nowMillis) {
        long seq = written.get();
        int slot = (int) (seq & mask);
        times[slot] = flow.timeNanos;
        offsets[slot] = flow.offset;
        sources[slot] = flow.source;
        destinations[slot] = flow.destination;
        sourceIps[slot] = flow.sourceIp;
        destinationIps[slot] = flow.destinationIp;
        ports[slot] = (flow.sourcePort & 0xffff) << 16 | (flow.destinationPort & 0xffff);
        codes[slot] = (flow.protocol & 0xf)
                | (flow.verdict & 0xf) << 4
                | (flow.direction & 0xf) << 8
                | (flow.reply & 0xf) << 12
                | (flow.ipVersion & 0xf) << 16
                | (flow.tcpFlags & 0x1ff) << 20;
        details[slot] = flow.details;
        payloads[slot] = flow.payload();
        written.setRelease(seq + 1);
        lastWriteMillis = nowMillis;
    }

    /** Flows ever written: the next flow's number. */
    public long written() {
        return written.getAcquire();
    }

    /** Number of the oldest flow still held. */
    public long oldest() {
        return Math.max(0, written() - capacity);
    }

    public int size() {
        return (int) Math.min(capacity, written());
    }

    public long lastWriteMillis() {
        return lastWriteMillis;
    }

    /** Flow number {@code seq}, or null when it was overwritten (or not yet written). */
    public StoredFlow read(long seq) {
        if (seq < 0 || seq >= written()) {
            return null;
        }
        StoredFlow flow = materialize((int) (seq & mask));
        VarHandle.acquireFence();
        return valid(seq) ? flow : null;
    }

    /** Whether flow {@code seq}, read before this call, was still intact (not being overwritten). */
    boolean valid(long seq) {
        return seq >= written.getAcquire() - capacity;
    }

    private StoredFlow materialize(int slot) {
        int code = codes[slot];
        int port = ports[slot];
        return new StoredFlow(
                times[slot],
                offsets[slot],
                node,
                sources[slot],
                destinations[slot],
                sourceIps[slot],
                destinationIps[slot],
                port >>> 16,
                port & 0xffff,
                code & 0xf,
                (code >>> 4) & 0xf,
                (code >>> 8) & 0xf,
                (code >>> 12) & 0xf,
                (code >>> 16) & 0xf,
                (code >>> 20) & 0x1ff,
                details[slot],
                payloads[slot]);
    }

    Cursor cursor() {
        return new Cursor();
    }

    /** Reads slots in place for filtering; {@link #flow()} copies the current one out. Not thread-safe. */
    final class Cursor implements FlowView {

        private long seq;
        private int slot;

        Cursor at(long seq) {
            this.seq = seq;
            this.slot = (int) (seq & mask);
            return this;
        }

        /** The current flow, or null when the writer overwrote it. */
        StoredFlow flow() {
            StoredFlow flow = materialize(slot);
            VarHandle.acquireFence();
            return valid(seq) ? flow : null;
        }

        @Override
        public long timeNanos() {
            return times[slot];
        }

        @Override
        public String node() {
            return node;
        }

        @Override
        public Peer source() {
            return sources[slot];
        }

        @Override
        public Peer destination() {
            return destinations[slot];
        }

        @Override
        public IpAddress sourceIp() {
            return sourceIps[slot];
        }

        @Override
        public IpAddress destinationIp() {
            return destinationIps[slot];
        }

        @Override
        public int sourcePort() {
            return ports[slot] >>> 16;
        }

        @Override
        public int destinationPort() {
            return ports[slot] & 0xffff;
        }

        @Override
        public int protocol() {
            return codes[slot] & 0xf;
        }

        @Override
        public int verdict() {
            return (codes[slot] >>> 4) & 0xf;
        }

        @Override
        public int direction() {
            return (codes[slot] >>> 8) & 0xf;
        }

        @Override
        public int reply() {
            return (codes[slot] >>> 12) & 0xf;
        }

        @Override
        public int ipVersion() {
            return (codes[slot] >>> 16) & 0xf;
        }

        @Override
        public int tcpFlags() {
            return (codes[slot] >>> 20) & 0x1ff;
        }

        @Override
        public FlowDetails details() {
            return details[slot];
        }
    }
}
