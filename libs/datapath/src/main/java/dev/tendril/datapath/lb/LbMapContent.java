package dev.tendril.datapath.lb;

import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.MapSpec;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The content of the agent-written LB maps (services, backends, reverse NAT, both families) for a set of
 * frontends and the backends they name: a master entry per frontend, one slot per backend in order, a
 * reverse-NAT entry per rev NAT index, and every named backend once. Keyed by map name, then by key bytes.
 */
public final class LbMapContent {

    /**
     * One frontend as the maps hold it.
     *
     * @param backendIds the backends in slot order (slot = index + 1)
     */
    public record Frontend(
            InetAddress address,
            int port,
            int protocol,
            int revNatIndex,
            int flags,
            int flags2,
            long affinityTimeoutSeconds,
            List<Long> backendIds) {
        public Frontend {
            LbBytes.requireAddress(address, "address");
            LbBytes.requireRange(port, 0xFFFF, "port");
            LbBytes.requireRange(protocol, 0xFF, "protocol");
            LbBytes.requireRange(revNatIndex, 0xFFFF, "revNatIndex");
            LbBytes.requireRange(flags, 0xFF, "flags");
            LbBytes.requireRange(flags2, 0xFF, "flags2");
            if (affinityTimeoutSeconds < 0 || affinityTimeoutSeconds > LbServiceValue.AFFINITY_TIMEOUT_MASK) {
                throw new IllegalArgumentException("affinityTimeoutSeconds must be 0.."
                        + LbServiceValue.AFFINITY_TIMEOUT_MASK + ", got " + affinityTimeoutSeconds);
            }
            if (backendIds.size() > 0xFFFF) {
                throw new IllegalArgumentException("at most 65535 backends per frontend, got " + backendIds.size());
            }
            backendIds = List.copyOf(backendIds);
        }
    }

    private final Map<String, Map<ByteBuffer, byte[]>> maps = new LinkedHashMap<>();

    private LbMapContent() {
        for (MapSpec spec : LbMaps.AGENT_WRITTEN) {
            maps.put(spec.name(), new HashMap<>());
        }
    }

    /**
     * @param backends id to backend, at least every id a frontend names; a frontend naming an unknown id
     *     has that slot left out (the agent reports it). A terminating backend is in no slot but keeps its
     *     backend entry, as Cilium keeps it for the connections it already has.
     */
    public static LbMapContent of(List<Frontend> frontends, Map<Long, LbBackendValue> backends) {
        LbMapContent out = new LbMapContent();
        for (Frontend f : frontends) {
            boolean v6 = LbBytes.isV6(f.address());
            List<Long> ids = f.backendIds().stream()
                    .filter(id -> backends.containsKey(id)
                            && LbBytes.isV6(backends.get(id).address()) == v6)
                    .toList();
            LbServiceKey master = LbServiceKey.master(f.address(), f.port(), f.protocol());
            out.put(
                    LbMaps.services(v6),
                    master.encode(),
                    LbServiceValue.master(
                                    f.affinityTimeoutSeconds(), ids.size(), f.revNatIndex(), f.flags(), f.flags2())
                            .encode());
            for (int i = 0; i < ids.size(); i++) {
                long id = ids.get(i);
                out.put(
                        LbMaps.services(v6),
                        master.withSlot(i + 1).encode(),
                        LbServiceValue.slot(id, f.revNatIndex(), f.flags(), f.flags2())
                                .encode());
                out.put(
                        LbMaps.backends(v6),
                        new LbBackendKey(id).encode(),
                        backends.get(id).encode());
            }
            out.put(
                    LbMaps.reverseNat(v6),
                    new LbRevNatKey(f.revNatIndex()).encode(),
                    new LbRevNatValue(f.address(), f.port()).encode());
        }
        backends.forEach((id, backend) -> {
            if (backend.flags() == LbFlags.BACKEND_TERMINATING) {
                out.put(
                        LbMaps.backends(LbBytes.isV6(backend.address())),
                        new LbBackendKey(id).encode(),
                        backend.encode());
            }
        });
        return out;
    }

    private void put(MapSpec spec, byte[] key, byte[] value) {
        maps.get(spec.name()).put(ByteBuffer.wrap(key), value);
    }

    /** The content of one map by name ({@link LbMaps#AGENT_WRITTEN}); read-only. */
    public Map<ByteBuffer, byte[]> map(String name) {
        Map<ByteBuffer, byte[]> m = maps.get(name);
        if (m == null) {
            throw new IllegalArgumentException(name + " is not an agent-written LB map");
        }
        return Collections.unmodifiableMap(m);
    }

    /** Writes the content into maps opened by spec (tests and simple callers; the agent diffs instead). */
    public void writeTo(Function<MapSpec, BpfMap> open) {
        for (MapSpec spec : LbMaps.AGENT_WRITTEN) {
            BpfMap map = open.apply(spec);
            maps.get(spec.name()).forEach((k, v) -> map.put(k.array(), v));
        }
    }

    public int size() {
        return maps.values().stream().mapToInt(Map::size).sum();
    }
}
