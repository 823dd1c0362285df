package dev.tendril.agent.state;

import dev.tendril.api.v1.LbBackend;
import dev.tendril.api.v1.LbFrontend;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.datapath.lb.LbBackendValue;
import dev.tendril.datapath.lb.LbMapContent;
import dev.tendril.datapath.lb.LbMaps;
import dev.tendril.datapath.maps.MapSpec;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The content of a node's LB maps (services, backends, reverse NAT, both families) for an image's Services:
 * every frontend of every Service with its backends in the published slot order, except that a
 * {@code node_local} frontend keeps only the backends on this node: never a ClusterMesh peer's backend
 * ({@code cluster} set), whose node is the peer's even when it has this node's name. A backend's entry carries
 * its cluster id. A backend is written once however many
 * frontends name it, and not at all when none does. What cannot be written (an unparsable address, a
 * frontend naming a backend its Service does not list) is skipped and said in {@code problems}. A key that
 * several Services want with different values (a backend whose state differs between them) holds the value of
 * the first of them by {@code namespace/name}. Computed from scratch here, for the agent's full passes;
 * {@link LbIndex} keeps the same content Service by Service for the batches.
 */
public final class LbDesired {

    private static final Pattern IP_LITERAL = Pattern.compile("[0-9a-fA-F:.]+");

    private LbDesired() {}

    /** Map name ({@link LbMaps#AGENT_WRITTEN}) to its content, key bytes to value bytes. */
    public static Map<String, Map<ByteBuffer, byte[]>> of(NodeImage image, String localNode, List<String> problems) {
        Map<String, Map<ByteBuffer, byte[]>> out = new HashMap<>();
        for (MapSpec spec : LbMaps.AGENT_WRITTEN) {
            out.put(spec.name(), new HashMap<>());
        }
        for (String key : new TreeSet<>(image.services().keySet())) {
            LbMapContent own = ofService(key, image.services().get(key), localNode, problems);
            out.forEach((name, content) -> own.map(name).forEach(content::putIfAbsent));
        }
        return out;
    }

    /** The entries one Service wants, as if it were the only one. */
    static LbMapContent ofService(String key, ServiceMaps service, String localNode, List<String> problems) {
        List<LbMapContent.Frontend> frontends = new ArrayList<>();
        Map<Long, LbBackendValue> backends = new HashMap<>();
        add(key, service, localNode, frontends, backends, problems);
        return LbMapContent.of(frontends, backends);
    }

    private static void add(
            String key,
            ServiceMaps service,
            String localNode,
            List<LbMapContent.Frontend> frontends,
            Map<Long, LbBackendValue> backends,
            List<String> problems) {
        Map<Long, LbBackend> listed = new HashMap<>();
        for (LbBackend b : service.getBackendsList()) {
            try {
                backends.put(
                        Integer.toUnsignedLong(b.getId()),
                        new LbBackendValue(
                                address(b.getAddress()),
                                b.getPort(),
                                b.getProtocol(),
                                b.getState(),
                                b.getClusterId(),
                                0));
                listed.put(Integer.toUnsignedLong(b.getId()), b);
            } catch (IllegalArgumentException e) {
                problems.add("service " + key + ": backend " + b.getId() + " skipped: " + e.getMessage());
            }
        }
        for (LbFrontend f : service.getFrontendsList()) {
            List<Long> ids = new ArrayList<>();
            for (int id : f.getBackendIdsList()) {
                LbBackend b = listed.get(Integer.toUnsignedLong(id));
                if (b == null) {
                    problems.add("service " + key + ": frontend " + f.getAddress() + ":" + f.getPort()
                            + " names backend " + Integer.toUnsignedLong(id) + ", which it does not list");
                } else if (!f.getNodeLocal() || onThisNode(b, localNode)) {
                    ids.add(Integer.toUnsignedLong(id));
                }
            }
            try {
                frontends.add(new LbMapContent.Frontend(
                        address(f.getAddress()),
                        f.getPort(),
                        f.getProtocol(),
                        f.getRevNatIndex(),
                        f.getFlags(),
                        f.getFlags2(),
                        f.getAffinityTimeoutSeconds(),
                        ids));
            } catch (IllegalArgumentException e) {
                problems.add("service " + key + ": frontend " + f.getAddress() + ":" + f.getPort() + " skipped: "
                        + e.getMessage());
            }
        }
    }

    /** A backend of this cluster on this node; a peer's backend never is, whatever its node's name. */
    static boolean onThisNode(LbBackend backend, String localNode) {
        return backend.getCluster().isEmpty() && backend.getNode().equals(localNode);
    }

    /** An IP literal; never a name lookup. */
    static InetAddress address(String literal) {
        if (literal == null || !IP_LITERAL.matcher(literal).matches()) {
            throw new IllegalArgumentException("'" + literal + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + literal + "' is not an IP address", e);
        }
    }
}
