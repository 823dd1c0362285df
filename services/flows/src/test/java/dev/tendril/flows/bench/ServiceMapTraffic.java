package dev.tendril.flows.bench;

import com.google.protobuf.BoolValue;
import dev.tendril.api.hubble.flow.Endpoint;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.TrafficDirection;
import dev.tendril.flows.adapters.HubbleFlows;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * For {@link ServiceMapPageBenchmark}: the traffic of one namespace of {@code workloads} workloads (distinct
 * {@code k8s:app=} labels, three pods each) in five tiers as a shop's would be: each workload of a tier calls 2-4 of the
 * next tier and now and then one two tiers down; world calls the first tier, host probes a tenth of the workloads, a
 * tenth of the fourth tier calls out to world. One call pair in twenty is dropped by policy, one in fifty has a second
 * port that is dropped while the first is allowed (a mixed edge); a fifth of the flows are replies (the map leaves them
 * out). The flows are serialized without their time: {@link FollowBenchmark#stamped} prepends it when one is sent.
 */
final class ServiceMapTraffic {

    private static final double[] TIER_SHARE = {0.08, 0.16, 0.26, 0.30, 0.20};
    private static final String[] TIER_NAME = {"web", "api", "svc", "core", "store"};
    private static final int[] TIER_PORT = {8080, 9090, 8080, 8443, 5432};
    private static final int PODS = 3;

    private record Call(int from, int to, int port, boolean dropped) {}

    final String namespace;
    private final List<String> apps = new ArrayList<>();
    private final List<Integer> tierOf = new ArrayList<>();
    private final List<Call> calls = new ArrayList<>();
    private final Set<String> edges = new LinkedHashSet<>();
    private final Set<String> nodes = new LinkedHashSet<>();
    private final Random random = new Random(19);
    private int probes;

    ServiceMapTraffic(String namespace, int workloads) {
        this.namespace = namespace;
        List<List<Integer>> tiers = new ArrayList<>();
        for (int t = 0; t < TIER_SHARE.length; t++) {
            int size =
                    t == TIER_SHARE.length - 1 ? workloads - apps.size() : (int) Math.round(workloads * TIER_SHARE[t]);
            List<Integer> tier = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                tier.add(apps.size());
                tierOf.add(t);
                apps.add(String.format("%s-%03d", TIER_NAME[t], i));
            }
            tiers.add(tier);
        }
        int world = -1;
        int host = -2;
        for (int w = 0; w < apps.size(); w++) {
            int t = tierOf.get(w);
            if (t == 0) {
                call(world, w, 443, false);
            }
            if (random.nextInt(10) == 0) {
                call(host, w, 8081, false);
            }
            if (t == 3 && random.nextInt(10) == 0) {
                call(w, world, 443, false);
            }
            if (t + 1 < tiers.size()) {
                List<Integer> next = tiers.get(t + 1);
                int fanOut = 2 + random.nextInt(3);
                Set<Integer> picked = new java.util.HashSet<>();
                for (int k = 0; k < fanOut; k++) {
                    int to = next.get(random.nextInt(next.size()));
                    if (!picked.add(to)) {
                        continue;
                    }
                    int port = TIER_PORT[t + 1];
                    int kind = random.nextInt(100);
                    call(w, to, port, kind < 5);
                    if (kind >= 5 && kind < 7) {
                        call(w, to, port + 1, true);
                    }
                }
                if (t + 2 < tiers.size() && random.nextInt(5) == 0) {
                    List<Integer> skip = tiers.get(t + 2);
                    call(w, skip.get(random.nextInt(skip.size())), TIER_PORT[t + 2], false);
                }
            }
        }
    }

    private void call(int from, int to, int port, boolean dropped) {
        calls.add(new Call(from, to, port, dropped));
        edges.add(nodeId(from) + "->" + nodeId(to));
        nodes.add(nodeId(from));
        nodes.add(nodeId(to));
    }

    /** The map's node id of a workload (namespace/app) or of world (-1) and host (-2). */
    String nodeId(int workload) {
        return workload == -1 ? "world" : workload == -2 ? "host" : namespace + "/" + apps.get(workload);
    }

    int workloads() {
        return apps.size();
    }

    /** The boxes the complete map has: the workloads that call or are called, world and host. */
    int nodes() {
        return nodes.size();
    }

    /** The arrows the complete map has: one per calling pair. */
    int edges() {
        return edges.size();
    }

    private Endpoint endpoint(int workload, int pod) {
        if (workload == -1) {
            return HubbleFlows.world();
        }
        if (workload == -2) {
            return Endpoint.newBuilder()
                    .setIdentity(1)
                    .addLabels("reserved:host")
                    .build();
        }
        String app = apps.get(workload);
        return HubbleFlows.pod(namespace, app + "-7c9f-" + pod, 10_000 + workload, app);
    }

    private static String ip(int workload, int pod) {
        return workload < 0
                ? "203.0.113." + (-workload)
                : "10.1." + (workload / 250) + "." + (workload % 250 * 3 + pod);
    }

    /** {@code count} flows over the calls, each chosen at random, without time or node (set when sent). */
    byte[][] corpus(int count) {
        byte[][] out = new byte[count][];
        Instant unused = Instant.EPOCH;
        for (int i = 0; i < count; i++) {
            Call c = calls.get(random.nextInt(calls.size()));
            int sp = random.nextInt(PODS);
            int dp = random.nextInt(PODS);
            int sport = 32768 + random.nextInt(28000);
            Flow.Builder flow = c.dropped()
                    ? HubbleFlows.denied(
                            unused,
                            "",
                            endpoint(c.from(), sp),
                            ip(c.from(), sp),
                            sport,
                            endpoint(c.to(), dp),
                            ip(c.to(), dp),
                            c.port(),
                            namespace,
                            "deny-" + c.to())
                    : HubbleFlows.forwarded(
                            unused,
                            "",
                            endpoint(c.from(), sp),
                            ip(c.from(), sp),
                            sport,
                            endpoint(c.to(), dp),
                            ip(c.to(), dp),
                            c.port());
            if (!c.dropped() && random.nextInt(5) == 0) {
                // The reply of an allowed connection: the peer's packet back to the initiator.
                flow = HubbleFlows.forwarded(
                                unused,
                                "",
                                endpoint(c.to(), dp),
                                ip(c.to(), dp),
                                c.port(),
                                endpoint(c.from(), sp),
                                ip(c.from(), sp),
                                sport)
                        .setIsReply(BoolValue.of(true))
                        .setTrafficDirection(TrafficDirection.EGRESS);
            }
            out[i] = flow.clearTime().clearNodeName().build().toByteArray();
        }
        return out;
    }

    /**
     * A drop on a pair that never talks (a workload of the first tier calling one of the last, in turn: forward, so the
     * columns stay as they are): a new arrow whose appearance on the open page measures the live lag. Its map id and
     * the flow, without time.
     */
    Probe probe() {
        List<Integer> first = new ArrayList<>();
        List<Integer> last = new ArrayList<>();
        for (int w = 0; w < apps.size(); w++) {
            if (tierOf.get(w) == 0) {
                first.add(w);
            } else if (tierOf.get(w) == TIER_SHARE.length - 1) {
                last.add(w);
            }
        }
        int n = probes++;
        int from = first.get(n % first.size());
        int to = last.get((n / first.size()) % last.size());
        Flow flow = HubbleFlows.denied(
                        Instant.EPOCH,
                        "",
                        endpoint(from, 0),
                        ip(from, 0),
                        40000 + n,
                        endpoint(to, 0),
                        ip(to, 0),
                        7,
                        namespace,
                        "probe")
                .clearTime()
                .clearNodeName()
                .build();
        return new Probe(nodeId(from) + "->" + nodeId(to), flow.toByteArray());
    }

    record Probe(String edgeId, byte[] flow) {}
}
