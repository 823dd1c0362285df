package dev.tendril.datapath;

import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;

/**
 * The outcome of the policy decision for one packet at one endpoint.
 *
 * @param verdict FORWARDED or DROPPED
 * @param dropReason {@link DropReason#NONE} when forwarded
 * @param matchType which kind of entry decided; {@link MatchType#NONE} when nothing matched
 * @param remoteIdentity the peer's identity the maps were consulted with
 * @param direction whose policy map decided
 * @param matchedKey the stored policy map key that decided, or null when nothing matched; callers map it
 *     back to the policies that produced it
 * @param matchedValue that entry's value, or null when nothing matched
 */
public record Verdict(
        FlowVerdict verdict,
        DropReason dropReason,
        MatchType matchType,
        long remoteIdentity,
        Direction direction,
        PolicyMapKey matchedKey,
        PolicyMapValue matchedValue) {

    /** Hubble's {@code flow.Verdict} values the policy decision produces. */
    public enum FlowVerdict {
        FORWARDED(1),
        DROPPED(2);

        private final int hubbleValue;

        FlowVerdict(int hubbleValue) {
            this.hubbleValue = hubbleValue;
        }

        public int hubbleValue() {
            return hubbleValue;
        }
    }

    public Verdict {
        if (verdict == null || dropReason == null || matchType == null || direction == null) {
            throw new IllegalArgumentException("verdict, dropReason, matchType and direction must not be null");
        }
        if ((verdict == FlowVerdict.FORWARDED) != (dropReason == DropReason.NONE)) {
            throw new IllegalArgumentException(
                    "dropReason must be NONE exactly when forwarded, got " + verdict + " with " + dropReason);
        }
        if ((matchedKey == null) != (matchedValue == null) || (matchedKey == null) != (matchType == MatchType.NONE)) {
            throw new IllegalArgumentException(
                    "matchedKey, matchedValue and matchType must all be present or all absent");
        }
    }

    public boolean forwarded() {
        return verdict == FlowVerdict.FORWARDED;
    }

    public boolean dropped() {
        return verdict == FlowVerdict.DROPPED;
    }
}
