package dev.tendril.policy.domain;

import dev.tendril.k8s.labels.LabelSelector;

/** What a rule's peer part selects, once a manifest's peer has been normalised (namespace added, keys prefixed). */
public sealed interface Peer {

    /** Whether this peer selects {@code identity} in cluster {@code clusterName}. */
    boolean selects(Identity identity, String clusterName);

    /** Endpoints whose labels match the selector. */
    record Endpoints(LabelSelector selector) implements Peer {
        @Override
        public boolean selects(Identity identity, String clusterName) {
            return selector.matches(identity);
        }

        @Override
        public String toString() {
            return "endpoints" + selector;
        }
    }

    /** A Cilium entity. */
    record Entities(Entity entity) implements Peer {
        @Override
        public boolean selects(Identity identity, String clusterName) {
            return entity.selects(identity, clusterName);
        }

        @Override
        public String toString() {
            return "entity " + entity.value();
        }
    }

    /**
     * A Kubernetes NetworkPolicy {@code ipBlock}: the CIDR (and world) identities {@link Cidrs} selects, plus
     * the pod identities whose endpoints' addresses lie in the block; the selector cache adds those from the
     * endpoint addresses it is told (Kubernetes matches pod addresses, Cilium's CIDR rules do not).
     */
    record IpBlock(CidrSet set) implements Peer {
        @Override
        public boolean selects(Identity identity, String clusterName) {
            return set.selects(identity);
        }

        @Override
        public String toString() {
            return "ipBlock " + set;
        }
    }

    /** A prefix minus exceptions, matched against CIDR (and world) identities only (Cilium's CIDR rules). */
    record Cidrs(CidrSet set) implements Peer {
        @Override
        public boolean selects(Identity identity, String clusterName) {
            return set.selects(identity);
        }

        @Override
        public String toString() {
            return "cidr " + set;
        }
    }
}
