package dev.tendril.policy.adapters;

import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.net.Cidr;
import dev.tendril.policy.lb.LbSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code tendril.policy.*}: cluster, policy map size, topics and the identity service. */
@ConfigMapping(prefix = "tendril.policy")
public interface PolicyServiceConfig {

    /** The local cluster, for the {@code cluster} entity. */
    @WithDefault("default")
    String clusterName();

    /** Entries of one subject's policy map; as Cilium clamps it, {@value PolicyMap#MIN_MAX_ENTRIES}..65536. */
    @WithDefault("65536")
    int mapMaxEntries();

    /** Base URL of the identity service, which allocates the CIDR identities policies need. */
    @WithDefault("http://127.0.0.1:8081")
    String identityUrl();

    /** Wait between attempts to allocate CIDR identities while the identity service is unreachable. */
    @WithDefault("5s")
    Duration identityRetry();

    /**
     * How long publishing waits, once the local inputs are bootstrapped, for the ClusterMesh peers listed at
     * start to be bootstrapped too; after that it publishes and the peers' identities follow as deltas.
     */
    @WithDefault("60s")
    Duration meshBootstrapTimeout();

    Topics topics();

    interface Topics {
        @WithDefault("tendril.identities")
        String identities();

        @WithDefault("tendril.endpoints")
        String endpoints();

        /** The compacted output topic: key subject identity, value tendril.v1.SubjectPolicyMap. */
        @WithDefault("tendril.policy")
        String policy();

        /**
         * The compacted topic of each subject's latest revision on {@link #policy()} (key subject identity, value
         * tendril.v1.SubjectPolicyRevision), which agents follow whole; same partitions as the policy topic.
         */
        @WithDefault("tendril.policy.revisions")
        String policyRevisions();

        /**
         * The ClusterMesh peer list (key: cluster name, value: tendril.v1.MeshPeer); for each peer the service
         * follows {@code <peer>.<identities topic>}, replicated by MirrorMaker 2.
         */
        @WithDefault("tendril.mesh.peers")
        String meshPeers();

        /** Partitions of the output topics (policy and its revisions) when the service creates them. */
        @WithDefault("1")
        int policyPartitions();

        /** The compacted Services topic: key namespace/name, value tendril.v1.ServiceMaps. */
        @WithDefault("tendril.services")
        String services();

        /**
         * The peers' Services topic as they name it: each peer's is followed as {@code <peer>.<this>}, replicated by
         * MirrorMaker 2, for global Services.
         */
        @WithDefault("tendril.services")
        String peerServices();
    }

    Services services();

    /** {@code tendril.policy.services.*}: Kubernetes' defaults (docs/services.md). */
    interface Services {
        @WithDefault("10.96.0.0/12")
        String cidr();

        @WithDefault("fd00:10:96::/108")
        String cidr6();

        /** The NodePort range, {@code min-max}. */
        @WithDefault("30000-32767")
        String nodePortRange();

        /** sessionAffinity ClientIP timeout when the Service names none. */
        @WithDefault("10800")
        int affinityTimeoutSeconds();
    }

    /** The load-balancing settings, refusing a malformed CIDR or range. */
    static LbSettings lbSettings(Services s) {
        String[] range = s.nodePortRange().split("-");
        if (range.length != 2) {
            throw new IllegalArgumentException("tendril.policy.services.node-port-range must be min-max");
        }
        return new LbSettings(
                Cidr.parse(s.cidr()),
                Cidr.parse(s.cidr6()),
                Integer.parseInt(range[0].trim()),
                Integer.parseInt(range[1].trim()),
                s.affinityTimeoutSeconds());
    }

    /** Refuses a map size outside Cilium's clamp. */
    static int validMapMaxEntries(int value) {
        if (value < PolicyMap.MIN_MAX_ENTRIES || value > PolicyMap.MAX_MAX_ENTRIES) {
            throw new IllegalArgumentException("tendril.policy.map-max-entries must be " + PolicyMap.MIN_MAX_ENTRIES
                    + ".." + PolicyMap.MAX_MAX_ENTRIES + ", got " + value);
        }
        return value;
    }
}
