package dev.tendril.datapath;

/** The drop reasons the policy decision can produce, numbered and described as in Hubble. */
public enum DropReason {
    /** Not dropped. */
    NONE(0, ""),
    /** No policy map entry allows the packet ({@code DROP_POLICY}). */
    POLICY_DENIED(133, "Policy denied"),
    /** A deny entry matched ({@code DROP_POLICY_DENY}). */
    POLICY_DENY(181, "Policy denied by denylist"),
    /** The chosen allow entry requires mutual authentication, which Tendril does not perform. */
    AUTH_REQUIRED(189, "Authentication required");

    private final int code;
    private final String description;

    DropReason(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** Hubble's {@code drop_reason} number. */
    public int code() {
        return code;
    }

    /** Hubble's text for it, as in {@code hubble observe} output. */
    public String description() {
        return description;
    }
}
