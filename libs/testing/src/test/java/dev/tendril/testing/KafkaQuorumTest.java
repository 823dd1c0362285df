package dev.tendril.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaQuorumTest {

    @TempDir
    Path dir;

    @Test
    void threeNodesKeepEveryAcknowledgedWriteAndTakeNewOnesWhileOneIsDown() throws Exception {
        KafkaCluster cluster = KafkaCluster.start(dir, 3);
        List<KafkaBroker> nodes = cluster.nodes();
        String bootstrap = cluster.bootstrapServers();
        try (var producer = KafkaClients.producer(bootstrap)) {
            producer.send(new ProducerRecord<>("events", "all three up")).get();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                var partition = admin.describeTopics(List.of("events"))
                        .allTopicNames()
                        .get()
                        .get("events")
                        .partitions()
                        .getFirst();
                assertThat(partition.replicas()).hasSize(3);
            }

            nodes.get(1).stop();
            producer.send(new ProducerRecord<>("events", "node 2 down")).get();

            nodes.get(1).restart();
            producer.send(new ProducerRecord<>("events", "node 2 back")).get();
            nodes.get(0).stop();
            assertThat(KafkaClients.readFromBeginning(bootstrap, "events", 3))
                    .as("every acknowledged write, with node 1 down now")
                    .containsExactly("all three up", "node 2 down", "node 2 back");
        } finally {
            cluster.stop();
        }
    }

    @Test
    void aClusterOfSeveralNodesNeedsOneClusterIdAndEachNodeIsAVoter() {
        TreeMap<Integer, Integer> controllers = new TreeMap<>(Map.of(1, 19001, 2, 19002, 3, 19003));
        assertThatThrownBy(() -> new KafkaQuorum(1, controllers, null))
                .hasMessageContaining("a cluster of 3 nodes needs a cluster id");
        assertThatThrownBy(() -> new KafkaQuorum(4, controllers, "x"))
                .hasMessageContaining("node 4 is not one of the voters");
        KafkaQuorum second = new KafkaQuorum(2, controllers, "x");
        assertThat(second.voters()).isEqualTo("1@127.0.0.1:19001,2@127.0.0.1:19002,3@127.0.0.1:19003");
        assertThat(second.controllerPort()).isEqualTo(19002);
        assertThat(second.replicationFactor()).isEqualTo(3);
        assertThat(second.minInsyncReplicas()).isEqualTo(2);
        assertThat(KafkaQuorum.single(19009).minInsyncReplicas()).isEqualTo(1);
    }
}
