package dev.tendril.datapath.lb;

import java.util.ArrayList;
import java.util.List;

/**
 * Cilium's service flags ({@code SVC_FLAG_*} of {@code lb{4,6}_service.flags} and {@code .flags2}) and backend
 * states ({@code BE_STATE_*}), bpf/lib/lb.h, with the names {@code cilium bpf lb list} prints
 * (pkg/loadbalancer ServiceFlags.String).
 */
public final class LbFlags {
    // flags
    public static final int EXTERNAL_IP = 1;
    public static final int NODEPORT = 1 << 1;
    /** externalTrafficPolicy=Local. */
    public static final int EXT_LOCAL_SCOPE = 1 << 2;

    public static final int HOSTPORT = 1 << 3;
    /** sessionAffinity=ClientIP. */
    public static final int AFFINITY = 1 << 4;

    public static final int LOADBALANCER = 1 << 5;
    /** Not a surrogate or ClusterIP entry. */
    public static final int ROUTABLE = 1 << 6;

    public static final int SOURCE_RANGE = 1 << 7;

    // flags2
    public static final int LOCALREDIRECT = 1;
    public static final int NAT_46X64 = 1 << 1;
    public static final int L7_LOADBALANCER = 1 << 2;
    public static final int LOOPBACK = 1 << 3;
    /** internalTrafficPolicy=Local. */
    public static final int INT_LOCAL_SCOPE = 1 << 4;

    public static final int TWO_SCOPES = 1 << 5;

    // backend states (lb{4,6}_backend.flags)
    public static final int BACKEND_ACTIVE = 0;
    public static final int BACKEND_TERMINATING = 1;
    public static final int BACKEND_QUARANTINED = 2;
    public static final int BACKEND_MAINTENANCE = 3;

    private LbFlags() {}

    /** The Service type a frontend's flags say: ClusterIP, NodePort, ExternalIPs, HostPort, LoadBalancer, LocalRedirect. */
    public static String type(int flags, int flags2) {
        if ((flags2 & LOCALREDIRECT) != 0) {
            return "LocalRedirect";
        }
        if ((flags & EXTERNAL_IP) != 0) {
            return "ExternalIPs";
        }
        if ((flags & NODEPORT) != 0) {
            return "NodePort";
        }
        if ((flags & LOADBALANCER) != 0) {
            return "LoadBalancer";
        }
        if ((flags & HOSTPORT) != 0) {
            return "HostPort";
        }
        return "ClusterIP";
    }

    /** The flag names in Cilium's order, the type first ({@code [ClusterIP, sessionAffinity, non-routable]}). */
    public static List<String> names(int flags, int flags2) {
        List<String> out = new ArrayList<>();
        out.add(type(flags, flags2));
        if ((flags & EXT_LOCAL_SCOPE) != 0) {
            out.add("Local");
        }
        if ((flags2 & INT_LOCAL_SCOPE) != 0) {
            out.add("InternalLocal");
        }
        if ((flags2 & TWO_SCOPES) != 0) {
            out.add("two-scopes");
        }
        if ((flags & AFFINITY) != 0) {
            out.add("sessionAffinity");
        }
        if ((flags & ROUTABLE) == 0) {
            out.add("non-routable");
        }
        if ((flags & SOURCE_RANGE) != 0) {
            out.add("check source-range");
        }
        if ((flags2 & NAT_46X64) != 0) {
            out.add("46x64");
        }
        if ((flags2 & L7_LOADBALANCER) != 0) {
            out.add("l7-load-balancer");
        }
        if ((flags2 & LOOPBACK) != 0) {
            out.add("loopback");
        }
        return List.copyOf(out);
    }

    /** active, terminating, quarantined, maintenance, else the number. */
    public static String backendState(int state) {
        return switch (state) {
            case BACKEND_ACTIVE -> "active";
            case BACKEND_TERMINATING -> "terminating";
            case BACKEND_QUARANTINED -> "quarantined";
            case BACKEND_MAINTENANCE -> "maintenance";
            default -> Integer.toString(state);
        };
    }
}
