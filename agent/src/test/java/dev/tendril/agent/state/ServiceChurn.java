package dev.tendril.agent.state;

import dev.tendril.api.v1.LbBackend;
import dev.tendril.api.v1.LbFrontend;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.datapath.lb.LbFlags;
import dev.tendril.datapath.lb.LbMaps;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.policymap.IpProtocol;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Random {@code tendril.services} batches over a dozen Services for the LB maps' tests: Services added, changed and
 * deleted; backend ids (each one address, as the policy service allocates them) shared between Services, some on
 * this node, some IPv6; {@code node_local} frontends; now and then what the agent must skip (a frontend naming a
 * backend its Service does not list, an address that does not parse) or what the policy service never publishes
 * but the agent must still write one way (one backend with another state in two Services, one frontend or reverse
 * NAT index in two Services).
 */
final class ServiceChurn {

    private static final int SERVICES = 12;
    private static final int BACKEND_IDS = 30;
    private static final int V6_FROM = 25;

    private final Random random;
    private final String localNode;
    private final Map<String, Long> revisions = new HashMap<>();

    ServiceChurn(Random random, String localNode) {
        this.random = random;
        this.localNode = localNode;
    }

    /** A delta over {@code image} with one to three Services added, changed or deleted. */
    NodeDelta next(NodeImage image) {
        NodeDelta delta = new NodeDelta(image);
        int records = 1 + random.nextInt(3);
        for (int r = 0; r < records; r++) {
            int i = random.nextInt(SERVICES);
            String key = "shop/svc-" + i;
            boolean delete = image.services().containsKey(key) && random.nextInt(10) < 3;
            delta.replay(StateTopic.SERVICES, key, delete ? null : service(i).toByteArray());
        }
        return delta;
    }

    private ServiceMaps service(int i) {
        ServiceMaps.Builder service = ServiceMaps.newBuilder()
                .setNamespace("shop")
                .setName("svc-" + i)
                .setRevision(revisions.merge("shop/svc-" + i, 1L, Long::sum))
                .setType("ClusterIP");
        List<Integer> listed = new ArrayList<>();
        int backends = random.nextInt(6);
        for (int b = 0; b < backends; b++) {
            int id = 1 + random.nextInt(BACKEND_IDS);
            listed.add(id);
            service.addBackends(backend(id));
        }
        if (random.nextInt(20) == 0) {
            service.addBackends(LbBackend.newBuilder()
                    .setId(100 + i)
                    .setAddress("not-an-ip")
                    .setPort(8080)
                    .setProtocol(IpProtocol.TCP));
        }
        int frontends = 1 + random.nextInt(3);
        for (int f = 0; f < frontends; f++) {
            service.addFrontends(frontend(i, f, listed));
        }
        return service.build();
    }

    private LbBackend backend(int id) {
        return LbBackend.newBuilder()
                .setId(id)
                .setAddress(id >= V6_FROM ? "fd00::" + Integer.toHexString(id) : "10.0." + (id % 3) + "." + id)
                .setPort(8080)
                .setProtocol(IpProtocol.TCP)
                .setNode(id % 3 == 0 ? localNode : "node-" + (2 + id % 2))
                .setState(random.nextInt(8) == 0 ? 1 : 0)
                .build();
    }

    private LbFrontend frontend(int i, int f, List<Integer> listed) {
        boolean v6 = random.nextInt(4) == 0;
        boolean clash = random.nextInt(15) == 0;
        int n = i * 4 + f + 1;
        LbFrontend.Builder frontend = LbFrontend.newBuilder()
                .setAddress(clash ? (v6 ? "fd00:96::99" : "10.96.9.9") : (v6 ? "fd00:96::" + n : "10.96.0." + n))
                .setPort(random.nextInt(5) == 0 ? 443 : 80)
                .setProtocol(IpProtocol.TCP)
                .setRevNatIndex(clash ? 99 : n)
                .setFlags(random.nextBoolean() ? 0 : LbFlags.NODEPORT)
                .setNodeLocal(random.nextInt(3) == 0)
                .setAffinityTimeoutSeconds(random.nextInt(4) == 0 ? 10800 : 0);
        for (int id : listed) {
            if (random.nextInt(4) != 0) {
                frontend.addBackendIds(id);
            }
        }
        if (random.nextInt(25) == 0) {
            frontend.addBackendIds(BACKEND_IDS + 1); // listed by no Service
        }
        return frontend.build();
    }

    /** Every agent-written LB map's content as hex strings, a missing map as empty: comparable with equals. */
    static Map<String, Map<String, String>> hex(Function<String, Map<ByteBuffer, byte[]>> content) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (MapSpec spec : LbMaps.AGENT_WRITTEN) {
            Map<String, String> map = new TreeMap<>();
            content.apply(spec.name())
                    .forEach((k, v) -> map.put(
                            HexFormat.of().formatHex(bytes(k)), HexFormat.of().formatHex(v)));
            out.put(spec.name(), map);
        }
        return out;
    }

    /** What the backend's LB maps hold now. */
    static Map<String, Map<String, String>> lbMapsOf(MapBackend backend) {
        return hex(name -> backend.open(name).map(MapReconciler::read).orElse(Map.of()));
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
