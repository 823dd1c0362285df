package dev.tendril.policy.domain;

import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelSource;

/**
 * Cilium's policy entities ({@code fromEntities}/{@code toEntities}): named sets of identities.
 * {@code all} selects every peer, inside or outside the cluster; {@code cluster} the reserved in-cluster
 * identities plus every pod of the local cluster; {@code none} nothing.
 */
public enum Entity {
    ALL("all"),
    WORLD("world"),
    CLUSTER("cluster"),
    HOST("host"),
    REMOTE_NODE("remote-node"),
    KUBE_APISERVER("kube-apiserver"),
    HEALTH("health"),
    INIT("init"),
    INGRESS("ingress"),
    UNMANAGED("unmanaged"),
    NONE("none");

    private final String value;

    Entity(String value) {
        this.value = value;
    }

    /** The name as written in a manifest. */
    public String value() {
        return value;
    }

    public static java.util.Optional<Entity> parse(String text) {
        for (Entity e : values()) {
            if (e.value.equals(text)) {
                return java.util.Optional.of(e);
            }
        }
        return java.util.Optional.empty();
    }

    /** Whether this entity selects {@code identity} in cluster {@code clusterName} ({@code all} is handled as "any peer"). */
    public boolean selects(Identity identity, String clusterName) {
        return switch (this) {
            case ALL -> true;
            case NONE -> false;
            case WORLD ->
                identity.hasReserved("world")
                        || identity.hasReserved("world-ipv4")
                        || identity.hasReserved("world-ipv6");
            case CLUSTER ->
                identity.hasReserved("host")
                        || identity.hasReserved("remote-node")
                        || identity.hasReserved("health")
                        || identity.hasReserved("init")
                        || identity.hasReserved("unmanaged")
                        || identity.hasReserved("kube-apiserver")
                        || identity.hasReserved("ingress")
                        || identity.label(LabelSource.K8S, Label.CLUSTER_KEY)
                                .map(l -> l.value().equals(clusterName))
                                .orElse(false);
            case HOST -> identity.hasReserved("host");
            case REMOTE_NODE -> identity.hasReserved("remote-node");
            case KUBE_APISERVER -> identity.hasReserved("kube-apiserver");
            case HEALTH -> identity.hasReserved("health");
            case INIT -> identity.hasReserved("init");
            case INGRESS -> identity.hasReserved("ingress");
            case UNMANAGED -> identity.hasReserved("unmanaged");
        };
    }
}
