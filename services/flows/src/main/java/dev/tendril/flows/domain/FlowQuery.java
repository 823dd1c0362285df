package dev.tendril.flows.domain;

/**
 * A GetFlows request in domain terms, read as Hubble's server reads it. {@code number} 0 means no limit
 * (the proto's uint64: callers pass values past {@link Long#MAX_VALUE}, such as the 2^64-1 of
 * {@code hubble observe --all}, as {@link Long#MAX_VALUE}). {@code first}, or a {@code since}, takes the
 * oldest {@code number} flows of the range instead of the newest. A follow without {@code number} and
 * without {@code since} replays nothing: it starts at the end of the rings. Times are Unix nanoseconds;
 * {@code since} inclusive, {@code until} inclusive, {@link Long#MIN_VALUE}/{@link Long#MAX_VALUE} when
 * absent.
 */
public record FlowQuery(long number, boolean first, boolean follow, long since, long until, FlowSelection selection) {

    public FlowQuery {
        if (number < 0) {
            throw new InvalidFilterException("number", "must not be negative");
        }
        if (since != Long.MIN_VALUE && until != Long.MAX_VALUE && since > until) {
            throw new InvalidFilterException("since", "is after until");
        }
        if (first && follow) {
            throw new InvalidFilterException("first", "cannot be combined with follow");
        }
    }

    /** Unsigned {@code uint64} to {@link #number}: anything past {@link Long#MAX_VALUE} is "all". */
    public static long unsignedNumber(long uint64) {
        return uint64 < 0 ? Long.MAX_VALUE : uint64;
    }

    /**
     * Whether the {@code number} flows are counted from the start of the range (Hubble: {@code first},
     * or a {@code since}, which takes precedence over "the last N").
     */
    public boolean fromStart() {
        return first || hasSince();
    }

    /** Whether stored flows are sent before following: not for a bare follow, which starts at the end. */
    public boolean replays() {
        return !(follow && number == 0 && !hasSince());
    }

    public boolean hasSince() {
        return since != Long.MIN_VALUE;
    }

    public boolean hasUntil() {
        return until != Long.MAX_VALUE;
    }

    boolean inTime(FlowView flow) {
        long time = flow.timeNanos();
        return time >= since && time <= until;
    }

    /** Whether a follow should stream at all: not when {@code until} is already past. */
    public boolean followsAt(long nowNanos) {
        return follow && until >= nowNanos;
    }
}
