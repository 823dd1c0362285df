package dev.tendril.policy.lb;

/**
 * Cilium's {@code SVC_FLAG_*} bits of a services-map master entry (upstream bpf/lib/common.h): {@code flags}
 * and {@code flags2}. A ClusterIP frontend sets none of the type bits (it is neither routable nor NodePort);
 * the NodePort surrogate ({@code 0.0.0.0}/{@code ::}) sets NODEPORT only.
 */
public final class SvcFlags {

    public static final int NODEPORT = 1 << 1;
    public static final int EXT_LOCAL_SCOPE = 1 << 2;
    public static final int AFFINITY = 1 << 4;
    public static final int ROUTABLE = 1 << 6;
    /** In flags2. */
    public static final int INT_LOCAL_SCOPE = 1 << 4;

    private SvcFlags() {}
}
