package dev.tendril.policy.lb;

import dev.tendril.net.IpAddress;
import dev.tendril.net.IpFamily;
import dev.tendril.policy.lb.LbEvent.RevNat;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the live Services hold, kept by {@link LbState} as the events say: each ClusterIP, NodePort (per
 * protocol, {@code port/protocol}) and reverse-NAT index with the Service holding it, and the taken values
 * as {@link TakenRuns}, so that {@link LbDecider} finds an owner or the lowest free value in O(log n)
 * instead of looking at every Service.
 */
final class LbAllocations {

    private final UndoLog undo;
    private final Map<IpAddress, String> clusterIps = new HashMap<>();
    private final TakenRuns<IpAddress> takenIps =
            new TakenRuns<>(LbAllocations::nextAddress, LbAllocations::previousAddress);
    /** {@code nodePort/protocol} to the Service. */
    private final Map<String, String> nodePorts = new HashMap<>();
    /** Protocol to its taken NodePorts. */
    private final Map<String, TakenRuns<Integer>> takenNodePorts = new HashMap<>();

    private final Map<Integer, String> revNats = new HashMap<>();
    private final TakenRuns<Integer> takenRevNats = TakenRuns.ofIntegers();

    LbAllocations(UndoLog undo) {
        this.undo = undo;
    }

    /** The Service's version {@code applied} holds its ClusterIPs, NodePorts and reverse-NAT indexes. */
    void hold(ServiceApplied applied) {
        String owner = applied.service().key();
        for (String ip : applied.service().clusterIPs()) {
            IpAddress address = IpAddress.parse(ip);
            if (!clusterIps.containsKey(address)) {
                undo.put(clusterIps, address, owner);
                undo.add(takenIps, address);
            }
        }
        for (ServicePort p : applied.service().ports()) {
            String key = nodePortKey(p.nodePort(), p.protocol());
            if (p.nodePort() != 0 && !nodePorts.containsKey(key)) {
                undo.put(nodePorts, key, owner);
                TakenRuns<Integer> runs = takenNodePorts.get(p.protocol());
                if (runs == null) {
                    runs = TakenRuns.ofIntegers();
                    undo.put(takenNodePorts, p.protocol(), runs);
                }
                undo.add(runs, p.nodePort());
            }
        }
        for (RevNat r : applied.revNats()) {
            if (!revNats.containsKey(r.index())) {
                undo.put(revNats, r.index(), owner);
                undo.add(takenRevNats, r.index());
            }
        }
    }

    /** The Service's version {@code applied} is replaced or deleted: what it held is free again. */
    void release(ServiceApplied applied) {
        String owner = applied.service().key();
        for (String ip : applied.service().clusterIPs()) {
            IpAddress address = IpAddress.parse(ip);
            if (owner.equals(clusterIps.get(address))) {
                undo.remove(clusterIps, address);
                undo.remove(takenIps, address);
            }
        }
        for (ServicePort p : applied.service().ports()) {
            String key = nodePortKey(p.nodePort(), p.protocol());
            if (p.nodePort() != 0 && owner.equals(nodePorts.get(key))) {
                undo.remove(nodePorts, key);
                undo.remove(takenNodePorts.get(p.protocol()), p.nodePort());
            }
        }
        for (RevNat r : applied.revNats()) {
            if (owner.equals(revNats.get(r.index()))) {
                undo.remove(revNats, r.index());
                undo.remove(takenRevNats, r.index());
            }
        }
    }

    /** The Service holding the ClusterIP, null when none. */
    String clusterIpOwner(IpAddress address) {
        return clusterIps.get(address);
    }

    String nodePortOwner(int nodePort, String protocol) {
        return nodePorts.get(nodePortKey(nodePort, protocol));
    }

    String revNatOwner(int index) {
        return revNats.get(index);
    }

    TakenRuns<IpAddress> takenClusterIps() {
        return takenIps;
    }

    TakenRuns<Integer> takenNodePorts(String protocol) {
        TakenRuns<Integer> runs = takenNodePorts.get(protocol);
        return runs == null ? TakenRuns.ofIntegers() : runs;
    }

    TakenRuns<Integer> takenRevNats() {
        return takenRevNats;
    }

    static String nodePortKey(int nodePort, String protocol) {
        return nodePort + "/" + protocol;
    }

    /** Everything held and every run of taken values, comparable with another state's. */
    record Snapshot(
            Map<IpAddress, String> clusterIps,
            Map<String, String> nodePorts,
            Map<Integer, String> revNats,
            Map<IpAddress, IpAddress> takenClusterIps,
            Map<String, Map<Integer, Integer>> takenNodePorts,
            Map<Integer, Integer> takenRevNats) {}

    Snapshot snapshot() {
        Map<String, Map<Integer, Integer>> ports = new TreeMap<>();
        takenNodePorts.forEach((protocol, runs) -> {
            if (!runs.runs().isEmpty()) {
                ports.put(protocol, runs.runs());
            }
        });
        return new Snapshot(
                new TreeMap<>(clusterIps),
                new TreeMap<>(nodePorts),
                new TreeMap<>(revNats),
                takenIps.runs(),
                ports,
                takenRevNats.runs());
    }

    private static IpAddress nextAddress(IpAddress a) {
        if (a.family() == IpFamily.IPV4) {
            return a.low() == 0xFFFF_FFFFL ? null : new IpAddress(IpFamily.IPV4, 0, a.low() + 1);
        }
        if (a.low() != -1L) {
            return new IpAddress(IpFamily.IPV6, a.high(), a.low() + 1);
        }
        return a.high() == -1L ? null : new IpAddress(IpFamily.IPV6, a.high() + 1, 0);
    }

    private static IpAddress previousAddress(IpAddress a) {
        if (a.family() == IpFamily.IPV4) {
            return a.low() == 0 ? null : new IpAddress(IpFamily.IPV4, 0, a.low() - 1);
        }
        if (a.low() != 0) {
            return new IpAddress(IpFamily.IPV6, a.high(), a.low() - 1);
        }
        return a.high() == 0 ? null : new IpAddress(IpFamily.IPV6, a.high() - 1, -1L);
    }
}
