package dev.tendril.policy.lb;

import java.util.ArrayList;
import java.util.List;

/**
 * What a Service's ClusterMesh annotations say (Cilium's, docs/clustermesh.md "Global Services"):
 * {@code service.cilium.io/global} (balance over the backends of the same-named Service of every peer),
 * {@code service.cilium.io/shared} (offer this cluster's backends to the peers; default true) and
 * {@code service.cilium.io/affinity} (which cluster's backends the slots prefer).
 */
public record MeshScope(boolean global, boolean shared, Affinity affinity) {

    public static final String GLOBAL_ANNOTATION = "service.cilium.io/global";
    public static final String SHARED_ANNOTATION = "service.cilium.io/shared";
    public static final String AFFINITY_ANNOTATION = "service.cilium.io/affinity";

    /** A Service without annotations: this cluster's backends only. */
    public static final MeshScope LOCAL = new MeshScope(false, true, Affinity.NONE);

    public MeshScope {
        affinity = affinity == null ? Affinity.NONE : affinity;
    }

    /** {@code service.cilium.io/affinity}: which backends get the slots while any of them is active. */
    public enum Affinity {
        /** All active backends, local and remote together (annotation absent or {@code none}). */
        NONE("none"),
        /** Only this cluster's active backends while any exists, else the remote ones. */
        LOCAL("local"),
        /** Only the peers' active backends while any exists, else the local ones. */
        REMOTE("remote");

        private final String annotation;

        Affinity(String annotation) {
            this.annotation = annotation;
        }

        public String annotation() {
            return annotation;
        }

        /** The annotation's value, {@code ""} or {@code none} for none; null when it is no affinity. */
        public static Affinity parse(String value) {
            if (value == null || value.isEmpty()) {
                return NONE;
            }
            for (Affinity a : values()) {
                if (a.annotation.equals(value)) {
                    return a;
                }
            }
            return null;
        }

        /**
         * The slots among {@code active} (a frontend's active backends, in order): with an affinity, those of the
         * preferred side (local: {@code cluster} empty; remote: a peer's) while any exists, else the others.
         */
        public <T> List<T> slots(List<T> active, java.util.function.Predicate<T> remote) {
            if (this == NONE) {
                return active;
            }
            List<T> preferred = new ArrayList<>();
            for (T candidate : active) {
                if (remote.test(candidate) == (this == REMOTE)) {
                    preferred.add(candidate);
                }
            }
            return preferred.isEmpty() ? active : preferred;
        }
    }
}
