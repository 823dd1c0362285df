package dev.tendril.testing;

import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Where one node of a KRaft cluster stands among its peers: every node is broker and controller (combined mode), all
 * on 127.0.0.1, each in its own JVM. The voter set is static ({@code controller.quorum.voters}), so the controller
 * ports may change from one start of the cluster to the next; the cluster id may not.
 *
 * @param nodeId          this node's {@code node.id}, a key of {@code controllerPorts}
 * @param controllerPorts every node's controller port by node id
 * @param clusterId       the id its storage is formatted with (the same on every node), or null for a one-node
 *                        cluster whose storage gets a new id when it is formatted
 */
public record KafkaQuorum(int nodeId, SortedMap<Integer, Integer> controllerPorts, String clusterId) {

    private static final String HOST = "127.0.0.1";

    public KafkaQuorum {
        controllerPorts = new TreeMap<>(Objects.requireNonNull(controllerPorts, "controllerPorts"));
        if (!controllerPorts.containsKey(nodeId)) {
            throw new IllegalArgumentException("node " + nodeId + " is not one of the voters " + controllerPorts);
        }
        if (controllerPorts.size() > 1 && (clusterId == null || clusterId.isBlank())) {
            throw new IllegalArgumentException("a cluster of " + controllerPorts.size() + " nodes needs a cluster id");
        }
    }

    /** One node (id 1), its own only voter. */
    static KafkaQuorum single(int controllerPort) {
        return new KafkaQuorum(1, new TreeMap<>(Map.of(1, controllerPort)), null);
    }

    int size() {
        return controllerPorts.size();
    }

    int controllerPort() {
        return controllerPorts.get(nodeId);
    }

    /** {@code 1@127.0.0.1:port,2@...}. */
    String voters() {
        return controllerPorts.entrySet().stream()
                .map(e -> e.getKey() + "@" + HOST + ":" + e.getValue())
                .collect(Collectors.joining(","));
    }

    /** Every topic on every node, up to three copies: what survives the loss of one node. */
    int replicationFactor() {
        return Math.min(3, size());
    }

    /** With three copies a write needs two of them, so one node may be down and no acknowledged write is lost. */
    int minInsyncReplicas() {
        return replicationFactor() >= 3 ? 2 : 1;
    }
}
