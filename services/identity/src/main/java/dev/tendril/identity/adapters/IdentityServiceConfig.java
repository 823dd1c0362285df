package dev.tendril.identity.adapters;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code tendril.identity.*}: the installation's cluster, the label filter, GC and topic names. */
@ConfigMapping(prefix = "tendril.identity")
public interface IdentityServiceConfig {

    /** ClusterMesh cluster name: at most 32 lower-case alphanumerics or '-'. */
    @WithDefault("default")
    String clusterName();

    /** 0 without ClusterMesh (ids from 256), else 1..255 (or 1..511): ids in [id<<16, ((id+1)<<16)-1]. */
    @WithDefault("0")
    int clusterId();

    /** 255 or 511. */
    @WithDefault("255")
    int maxConnectedClusters();

    /** Whether world is split into world-ipv4 (9) and world-ipv6 (10). */
    @WithDefault("true")
    boolean dualStack();

    LabelFilter labelFilter();

    Gc gc();

    Nodes nodes();

    Topics topics();

    interface LabelFilter {
        /** Patterns added to Cilium's defaults, e.g. {@code k8s:team} or {@code !k8s:uid}. */
        Optional<List<String>> extra();
    }

    interface Gc {
        /** How long an identity must be unused by any endpoint before it is released. */
        @WithDefault("15m")
        Duration grace();

        @WithDefault("30s")
        Duration interval();

        /** Identities released per transaction. */
        @WithDefault("1000")
        int batchSize();
    }

    interface Nodes {
        /**
         * Follow tendril.nodes and refuse endpoints on nodes IPAM has not registered (422) and endpoint
         * addresses that are a node's own (409). Off by default: endpoints may be registered without IPAM.
         */
        @WithDefault("false")
        boolean requireRegistered();

        /** How long a registration on a node not seen yet waits for tendril.nodes to catch up. */
        @WithDefault("2s")
        Duration catchUp();
    }

    interface Topics {
        @WithDefault("tendril.identities")
        String identities();

        @WithDefault("tendril.endpoints")
        String endpoints();

        /** IPAM's nodes, followed when {@code tendril.identity.nodes.require-registered} is set. */
        @WithDefault("tendril.nodes")
        String nodes();
    }
}
