package dev.tendril.datapath;

/**
 * Which parts of a policy map entry matched, as Hubble's {@code policy_match_type} numbers them
 * ({@code POLICY_MATCH_*} in Cilium's bpf/lib/policy.h).
 */
public enum MatchType {
    NONE(0, "none"),
    L3_ONLY(1, "L3-Only"),
    L3_L4(2, "L3-L4"),
    L4_ONLY(3, "L4-Only"),
    ALL(4, "all"),
    L3_PROTO(5, "L3-Proto"),
    PROTO_ONLY(6, "Proto-Only");

    private final int hubbleValue;
    private final String label;

    MatchType(int hubbleValue, String label) {
        this.hubbleValue = hubbleValue;
        this.label = label;
    }

    public int hubbleValue() {
        return hubbleValue;
    }

    /** The display name (REFERENCE.md section 3), e.g. {@code L3-L4}. */
    public String label() {
        return label;
    }
}
