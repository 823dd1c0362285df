package dev.tendril.identity.domain;

import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelSource;
import dev.tendril.k8s.labels.Labels;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Cilium's reserved identities 1..10: fixed ids and labels every node knows without allocating. */
public enum ReservedIdentity {
    HOST(1, "host"),
    WORLD(2, "world"),
    UNMANAGED(3, "unmanaged"),
    HEALTH(4, "health"),
    INIT(5, "init"),
    REMOTE_NODE(6, "remote-node"),
    KUBE_APISERVER(7, "kube-apiserver"),
    INGRESS(8, "ingress"),
    WORLD_IPV4(9, "world-ipv4"),
    WORLD_IPV6(10, "world-ipv6");

    /** Identity 0: no identity known. Never allocated. */
    public static final long UNKNOWN = 0;

    /** Ids below this are reserved (1..10), well-known (100..115) or user-reserved (128..255). */
    public static final long FIRST_ALLOCATABLE = 256;

    private final long id;
    private final String name;

    ReservedIdentity(long id, String name) {
        this.id = id;
        this.name = name;
    }

    public long id() {
        return id;
    }

    /** Cilium's name, e.g. {@code remote-node}. */
    public String label() {
        return name;
    }

    /** {@code reserved:<name>}, plus {@code reserved:world} for the dual-stack world halves as Cilium does. */
    public Labels labels() {
        if (this == WORLD_IPV4 || this == WORLD_IPV6) {
            return Labels.of(new Label(LabelSource.RESERVED, name, ""), new Label(LabelSource.RESERVED, "world", ""));
        }
        return Labels.of(new Label(LabelSource.RESERVED, name, ""));
    }

    public static Optional<ReservedIdentity> byId(long id) {
        return Arrays.stream(values()).filter(r -> r.id == id).findFirst();
    }

    public static Optional<ReservedIdentity> byLabelKey(String key) {
        return Arrays.stream(values()).filter(r -> r.name.equals(key)).findFirst();
    }

    /**
     * The reserved identities in use. Dual-stack adds 9 and 10 (world-ipv4, world-ipv6, which addresses
     * outside the cluster resolve to) beside 2, which stays defined as Cilium lists it; single-stack has
     * world 2 alone.
     */
    public static List<ReservedIdentity> inUse(boolean dualStack) {
        return Arrays.stream(values())
                .filter(r -> dualStack || (r != WORLD_IPV4 && r != WORLD_IPV6))
                .toList();
    }

    /** The world identity an address of this family falls into. */
    public static ReservedIdentity world(boolean dualStack, boolean ipv6) {
        if (!dualStack) {
            return WORLD;
        }
        return ipv6 ? WORLD_IPV6 : WORLD_IPV4;
    }
}
