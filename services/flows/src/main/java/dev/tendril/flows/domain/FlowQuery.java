package dev.tendril.flows.domain;

/**
 * A GetFlows request in domain terms. {@code number} 0 means no limit; {@code first} takes the oldest
 * {@code number} flows instead of the newest. Times are Unix nanoseconds; {@code since} inclusive,
 * {@code until} inclusive, {@link Long#MIN_VALUE}/{@link Long#MAX_VALUE} when absent.
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
