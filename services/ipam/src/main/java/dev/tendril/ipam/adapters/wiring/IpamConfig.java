package dev.tendril.ipam.adapters.wiring;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;

/** {@code tendril.ipam.*}: pools, quarantine, expiry. Defaults are Cilium's cluster-pool defaults. */
@ConfigMapping(prefix = "tendril.ipam")
public interface IpamConfig {

    Family ipv4();

    Family ipv6();

    /** How long a released address (or node CIDR) is kept from anyone else. */
    @WithDefault("30s")
    Duration quarantine();

    /** How long an allocation without an endpoint lives. */
    @WithDefault("10m")
    Duration unconfirmedExpiry();

    /** How often expired unconfirmed allocations are swept (they also expire lazily on allocation). */
    @WithDefault("30s")
    Duration expirySweep();

    /**
     * Threads that group-commit queued commands (0: each command commits in its caller's thread). More
     * writers overlap more commits but make smaller batches; 2 was fastest on 2 vCPUs (docs/BENCHMARKS.md).
     */
    @WithDefault("2")
    int writers();

    /** This cluster's name, published with every node. */
    @WithDefault("default")
    String cluster();

    /** The compacted node topic. */
    @WithDefault("tendril.nodes")
    String nodesTopic();

    Leaks leaks();

    interface Family {
        @WithDefault("true")
        boolean enabled();

        List<String> cidrs();

        int nodeMask();
    }

    interface Leaks {
        /** The identity service's compacted endpoint topic, read for the leak report. */
        @WithDefault("tendril.endpoints")
        String endpointsTopic();

        /** Release leaked addresses automatically once they have been leaked this long. */
        @WithDefault("false")
        boolean release();

        @WithDefault("5m")
        Duration grace();
    }
}
