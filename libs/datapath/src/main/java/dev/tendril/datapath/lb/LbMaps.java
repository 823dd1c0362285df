package dev.tendril.datapath.lb;

import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.maps.MapType;
import java.util.List;

/**
 * The map specs of Cilium's load-balancing maps (bpf/lib/lb.h map definitions), per family. Sizes are
 * Cilium's defaults: {@code --bpf-lb-map-max} 65536 for services, backends, reverse NAT and affinity, and
 * {@code SockRevNATMapEntriesDefault} 262144 for the socket reverse-NAT map. The affinity and reverse
 * socket maps are LRU hashes (the datapath inserts into them), the others plain hashes written by the agent,
 * created with {@code BPF_F_NO_PREALLOC} as Cilium's {@code CONDITIONAL_PREALLOC} is by default (libbpf refuses
 * to reuse a pinned map whose flags differ, so the programs' definitions must say the same).
 */
public final class LbMaps {
    public static final int LB_MAP_MAX_ENTRIES = 65536;
    public static final int SOCK_REV_NAT_MAX_ENTRIES = 262144;

    public static final MapSpec SERVICES_V4 = hash("cilium_lb4_services_v2", LbServiceKey.SIZE_V4, LbServiceValue.SIZE);
    public static final MapSpec BACKENDS_V4 = hash("cilium_lb4_backends_v3", LbBackendKey.SIZE, LbBackendValue.SIZE_V4);
    public static final MapSpec REVERSE_NAT_V4 =
            hash("cilium_lb4_reverse_nat", LbRevNatKey.SIZE, LbRevNatValue.SIZE_V4);
    public static final MapSpec AFFINITY_V4 =
            MapSpec.lruHash("cilium_lb4_affinity", LbAffinityKey.SIZE_V4, LbAffinityValue.SIZE, LB_MAP_MAX_ENTRIES);
    public static final MapSpec REVERSE_SK_V4 = MapSpec.lruHash(
            "cilium_lb4_reverse_sk", LbReverseSkKey.SIZE_V4, LbReverseSkValue.SIZE_V4, SOCK_REV_NAT_MAX_ENTRIES);

    public static final MapSpec SERVICES_V6 = hash("cilium_lb6_services_v2", LbServiceKey.SIZE_V6, LbServiceValue.SIZE);
    public static final MapSpec BACKENDS_V6 = hash("cilium_lb6_backends_v3", LbBackendKey.SIZE, LbBackendValue.SIZE_V6);
    public static final MapSpec REVERSE_NAT_V6 =
            hash("cilium_lb6_reverse_nat", LbRevNatKey.SIZE, LbRevNatValue.SIZE_V6);
    public static final MapSpec AFFINITY_V6 =
            MapSpec.lruHash("cilium_lb6_affinity", LbAffinityKey.SIZE_V6, LbAffinityValue.SIZE, LB_MAP_MAX_ENTRIES);
    public static final MapSpec REVERSE_SK_V6 = MapSpec.lruHash(
            "cilium_lb6_reverse_sk", LbReverseSkKey.SIZE_V6, LbReverseSkValue.SIZE_V6, SOCK_REV_NAT_MAX_ENTRIES);

    /** The maps the agent writes from the Service state (services, backends, reverse NAT), v4 then v6. */
    public static final List<MapSpec> AGENT_WRITTEN =
            List.of(SERVICES_V4, BACKENDS_V4, REVERSE_NAT_V4, SERVICES_V6, BACKENDS_V6, REVERSE_NAT_V6);

    /** Every LB map, the datapath-written LRU ones included. */
    public static final List<MapSpec> ALL = List.of(
            SERVICES_V4,
            BACKENDS_V4,
            REVERSE_NAT_V4,
            AFFINITY_V4,
            REVERSE_SK_V4,
            SERVICES_V6,
            BACKENDS_V6,
            REVERSE_NAT_V6,
            AFFINITY_V6,
            REVERSE_SK_V6);

    private LbMaps() {}

    private static MapSpec hash(String name, int keySize, int valueSize) {
        return new MapSpec(name, MapType.HASH, keySize, valueSize, LB_MAP_MAX_ENTRIES, MapSpec.BPF_F_NO_PREALLOC);
    }

    public static MapSpec services(boolean v6) {
        return v6 ? SERVICES_V6 : SERVICES_V4;
    }

    public static MapSpec backends(boolean v6) {
        return v6 ? BACKENDS_V6 : BACKENDS_V4;
    }

    public static MapSpec reverseNat(boolean v6) {
        return v6 ? REVERSE_NAT_V6 : REVERSE_NAT_V4;
    }

    public static MapSpec affinity(boolean v6) {
        return v6 ? AFFINITY_V6 : AFFINITY_V4;
    }

    public static MapSpec reverseSk(boolean v6) {
        return v6 ? REVERSE_SK_V6 : REVERSE_SK_V4;
    }
}
