package dev.tendril.agent.endpoint;

import dev.tendril.api.v1.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** IPAM in memory: one IPv4 and one IPv6 address per uid, the same again on a retry. */
final class FakeIpam implements IpamClient {

    final Map<String, List<String>> held = new HashMap<>();
    final List<String> calls;
    RuntimeException failAllocate;
    RuntimeException failRelease;
    private int next = 10;

    FakeIpam(List<String> calls) {
        this.calls = calls;
    }

    @Override
    public Node registerNode(String node, List<String> ips) {
        calls.add("ipam.registerNode " + node);
        return Node.newBuilder()
                .setName(node)
                .addAllIps(ips)
                .addPodCidrs("10.0.1.0/24")
                .build();
    }

    @Override
    public List<String> allocatePodIps(String node, String owner, String uid) {
        calls.add("ipam.allocate " + owner + " " + uid);
        if (failAllocate != null) {
            throw failAllocate;
        }
        return held.computeIfAbsent(uid, u -> {
            int n = next++;
            return List.of("10.0.1." + n, "fd00::1" + n);
        });
    }

    @Override
    public List<String> releasePod(String node, String uid, boolean rollback) {
        calls.add((rollback ? "ipam.rollback " : "ipam.release ") + uid);
        if (failRelease != null) {
            throw failRelease;
        }
        List<String> gone = held.remove(uid);
        return gone == null ? List.of() : new ArrayList<>(gone);
    }
}
