package dev.tendril.agent.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.adapters.DatapathMaps;
import dev.tendril.agent.adapters.NodeStateConsumer;
import dev.tendril.agent.sim.StandaloneAgentConfig;
import dev.tendril.agent.state.EndpointsMap;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A change elsewhere in the cluster costs the agent a few bpf(2) calls, however large its maps: the
 * production consumer and maps on real kernel maps, driven through the consumer's own entry points (no
 * Kafka), counted with {@link BpfSyscalls}. The same changes on a cluster ten times larger cost the same
 * calls, and none of them reads a map. Needs root or CAP_BPF and a bpffs at /sys/fs/bpf (skipped with the
 * reason printed otherwise).
 */
class KernelChangeSyscallsTest {

    private static final String NODE = "node-1";
    private static final int LOCAL = 3;
    private static final int IDENTITIES = 20;

    @TempDir
    Path stateDir;

    /** bpf(2) calls by command of one batch. */
    private record Calls(long total, Map<String, Long> byCommand) {}

    @Test
    void aChangeCostsTheSameCallsOnASmallAndATenTimesLargerCluster() throws Exception {
        Map<String, Calls> small = run(2_000);
        Map<String, Calls> large = run(20_000);

        assertThat(large).isEqualTo(small);
        // One batch per changed map: the ipcache's key (in the trie and in its host hash), the policy map's
        // changed entry, cilium_lxc's address.
        assertThat(small.get("remote endpoint added").total()).isEqualTo(2);
        assertThat(small.get("remote endpoint changed identity").total()).isEqualTo(2);
        assertThat(small.get("remote endpoint deleted").total()).isEqualTo(2);
        assertThat(small.get("policy of a local identity changed").total()).isBetween(1L, 2L);
        assertThat(small.get("local endpoint relabelled").total()).isBetween(1L, 5L);
        assertThat(small.get("record of another node repeated").total()).isZero();
        small.forEach((change, calls) -> assertThat(calls.byCommand())
                .as("%s reads no map back", change)
                .doesNotContainKeys("MAP_GET_NEXT_KEY", "MAP_LOOKUP_ELEM"));
    }

    /** Bootstraps an agent with {@code remote} endpoints on other nodes, then applies one change per batch. */
    private Map<String, Calls> run(int remote) throws Exception {
        Path pins = BpfTestSupport.newPinDirectory();
        Path state = Files.createDirectories(stateDir.resolve("n" + remote));
        AgentConfig config = StandaloneAgentConfig.withoutPeriodicPass(NODE, AgentConfig.Datapath.BPF, pins, state);
        DatapathMaps maps = DatapathMaps.open(
                config, new SimpleMeterRegistry(), new ObjectMapper(), new KernelMapBackend(pins.resolve(NODE)));
        Records records = new Records();
        try {
            NodeStateConsumer consumer = NodeStateConsumer.create(config, maps, "unused:9092", Map.of(), null);
            consumer.bootstrap(records.cluster(remote));
            assertThat(maps.ipcache().size()).isEqualTo(LOCAL + remote + 10);

            Map<String, Calls> out = new TreeMap<>();
            Endpoint added = endpoint(remote + LOCAL, "node-2", 257);
            out.put("remote endpoint added", measure(consumer, records.upsert(added)));
            out.put(
                    "remote endpoint changed identity",
                    measure(consumer, records.upsert(endpoint(LOCAL, "node-3", 258))));
            out.put("remote endpoint deleted", measure(consumer, records.deleted(endpoint(LOCAL + 1, "node-4", 256))));
            out.put("record of another node repeated", measure(consumer, records.upsert(added)));
            out.put("policy of a local identity changed", measure(consumer, records.policy(256, 2)));
            out.put("local endpoint relabelled", measure(consumer, records.upsert(endpoint(0, NODE, 259))));

            assertThat(maps.ipcache()
                            .lookup(IpcacheKey.ofAddress(added.getIpv4()).encode()))
                    .map(v -> IpcacheValue.decode(v).identity())
                    .contains(257L);
            assertThat(maps.ipcache()
                            .lookup(IpcacheKey.ofAddress(address(LOCAL + 1)).encode()))
                    .isEmpty();
            assertThat(maps.ipcache().size()).isEqualTo(LOCAL + remote + 10);
            assertThat(maps.entries(DatapathMaps.IPCACHE)).isEqualTo(LOCAL + remote + 10);
            assertThat(maps.entries(EndpointsMap.NAME)).isEqualTo(LOCAL);
            // The batches left every map as a full pass wants it.
            NodeMapsReconciler.Outcome full = maps.reconcileCurrent("periodic").orElseThrow();
            assertThat(full.total()).isZero();
            assertThat(full.problems()).isEmpty();
            return out;
        } finally {
            maps.close();
            BpfTestSupport.deleteRecursively(pins);
        }
    }

    private static Calls measure(NodeStateConsumer consumer, ConsumerRecord<String, byte[]> record) {
        Map<String, Long> before = BpfSyscalls.byCommand();
        long total = BpfSyscalls.total();
        consumer.apply(List.of(record));
        Map<String, Long> by = new HashMap<>();
        BpfSyscalls.byCommand().forEach((cmd, n) -> {
            long d = n - before.getOrDefault(cmd, 0L);
            if (d > 0) {
                by.put(cmd, d);
            }
        });
        return new Calls(BpfSyscalls.total() - total, by);
    }

    /** Endpoint i: identities 256.., the first {@link #LOCAL} on this node. */
    private static Endpoint endpoint(int i, String node, int identity) {
        return Endpoint.newBuilder()
                .setNamespace("ns")
                .setPod("pod-" + i)
                .setUid(new UUID(7, i).toString())
                .setNode(node)
                .setIpv4(address(i))
                .setIdentity(identity)
                .build();
    }

    private static String address(int i) {
        return "10." + (i >> 16) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF);
    }

    /** Records of the four topics, with offsets as a partition would give them. */
    private static final class Records {
        private final Map<String, Long> offsets = new HashMap<>();

        List<ConsumerRecord<String, byte[]>> cluster(int remote) {
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            for (int id = 256; id < 256 + IDENTITIES; id++) {
                Identity identity = Identity.newBuilder()
                        .setId(id)
                        .addLabels(Label.newBuilder()
                                .setSource("k8s")
                                .setKey("app")
                                .setValue("app-" + id))
                        .build();
                out.add(record("tendril.identities", Integer.toString(id), identity.toByteArray()));
                out.add(policy(id, 1));
            }
            for (int n = 1; n <= 10; n++) {
                Node node = Node.newBuilder()
                        .setName("node-" + n)
                        .addIps("172.16.0." + n)
                        .build();
                out.add(record("tendril.nodes", node.getName(), node.toByteArray()));
            }
            for (int i = 0; i < LOCAL + remote; i++) {
                out.add(upsert(endpoint(i, i < LOCAL ? NODE : "node-" + (2 + i % 9), 256 + i % IDENTITIES)));
            }
            return out;
        }

        ConsumerRecord<String, byte[]> upsert(Endpoint e) {
            return record("tendril.endpoints", e.getNamespace() + "/" + e.getPod(), e.toByteArray());
        }

        ConsumerRecord<String, byte[]> deleted(Endpoint e) {
            return record("tendril.endpoints", e.getNamespace() + "/" + e.getPod(), null);
        }

        /** Ingress TCP from every identity; each revision moves the port of the first peer only. */
        ConsumerRecord<String, byte[]> policy(int subject, long revision) {
            SubjectPolicyMap.Builder b =
                    SubjectPolicyMap.newBuilder().setSubject(subject).setRevision(revision);
            for (int peer = 256; peer < 256 + 4; peer++) {
                PolicyMapKey key = PolicyMapKey.of(
                        peer, Direction.INGRESS, IpProtocol.TCP, peer == 256 ? 8000 + (int) revision : 80);
                b.addEntries(PolicyMapEntry.newBuilder()
                        .setKey(ByteString.copyFrom(key.encode()))
                        .setValue(ByteString.copyFrom(PolicyMapValue.allow(key).encode())));
            }
            return record("tendril.policy", Integer.toString(subject), b.build().toByteArray());
        }

        private ConsumerRecord<String, byte[]> record(String topic, String key, byte[] value) {
            long offset = offsets.merge(topic, 1L, Long::sum) - 1;
            return new ConsumerRecord<>(topic, 0, offset, key, value);
        }
    }
}
