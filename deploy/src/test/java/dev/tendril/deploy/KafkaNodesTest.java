package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.testing.KafkaQuorum;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stack's Kafka layout, without starting a broker. */
class KafkaNodesTest {

    @TempDir
    Path dir;

    @Test
    void aClusterListensOnTheKafkaPortAndTheNextFreeOnesAndKeepsItsIdAcrossStarts() throws Exception {
        KafkaNodes first = new KafkaNodes(config(3), new DataDir(dir));
        Set<Integer> reserved = new HashSet<>();
        first.choosePorts(reserved);

        List<String> addresses = List.of(first.bootstrapServers().split(","));
        assertThat(addresses)
                .hasSize(3)
                .allMatch(a -> a.startsWith("127.0.0.1:"))
                .doesNotHaveDuplicates();
        // three client ports and three controller ports, none reused
        assertThat(reserved).hasSize(6);
        String clusterId =
                Files.readString(dir.resolve(KafkaNodes.CLUSTER_ID_FILE)).trim();
        assertThat(clusterId).hasSize(22);

        new KafkaNodes(config(3), new DataDir(dir)).choosePorts(new HashSet<>());
        assertThat(Files.readString(dir.resolve(KafkaNodes.CLUSTER_ID_FILE)).trim())
                .isEqualTo(clusterId);
    }

    @Test
    void oneBrokerIsPlainKafkaOnOnePort() {
        KafkaNodes single = new KafkaNodes(config(1), new DataDir(dir));
        single.choosePorts(new HashSet<>());

        assertThat(single.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
        assertThat(dir.resolve(KafkaNodes.CLUSTER_ID_FILE)).doesNotExist();
    }

    @Test
    void refusesADataDirectoryMadeWithTheOtherBrokerCount() throws Exception {
        Files.createDirectories(dir.resolve("kafka/kafka-logs"));
        assertThatThrownBy(() -> new KafkaNodes(config(3), new DataDir(dir)).choosePorts(new HashSet<>()))
                .isInstanceOf(StartupFailure.class)
                .hasMessageContaining("holds a one-broker Kafka")
                .hasMessageContaining("--fresh");

        Files.createDirectories(dir.resolve("kafka-2/kafka-logs"));
        assertThatThrownBy(() -> new KafkaNodes(config(1), new DataDir(dir)).choosePorts(new HashSet<>()))
                .isInstanceOf(StartupFailure.class)
                .hasMessageContaining("holds a Kafka cluster of three nodes")
                .hasMessageContaining("--brokers 3");
    }

    @Test
    void aNodeLearnsItsPlaceInTheClusterFromThreeProperties() {
        KafkaQuorum quorum = KafkaProcess.quorum("2", "1:19001,2:19002,3:19003", "id");
        assertThat(quorum.nodeId()).isEqualTo(2);
        assertThat(quorum.controllerPorts())
                .containsExactly(
                        java.util.Map.entry(1, 19001), java.util.Map.entry(2, 19002), java.util.Map.entry(3, 19003));
        assertThat(KafkaProcess.quorum(null, null, null)).isNull();
        assertThatThrownBy(() -> KafkaProcess.quorum("2", null, "id"))
                .hasMessageContaining("a cluster node needs all of");
        assertThatThrownBy(() -> KafkaProcess.quorum("2", "1=19001", "id")).hasMessageContaining("must be ID:PORT");
    }

    private StackConfig config(int brokers) {
        return new StackConfig(dir, dir, false, 1, 0, 0, 0, Duration.ofSeconds(1)).withBrokers(brokers);
    }
}
