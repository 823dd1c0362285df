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

    /** A prefix minus exceptions, matched against CIDR (and world) identities. */
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
