package dev.tendril.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaBrokerTest {

    @TempDir
    Path dataDir;

    @Test
    void deliversAProducedRecordToAConsumer() throws Exception {
        try (var broker = KafkaBroker.start(dataDir, 0)) {
            KafkaClients.send(broker.bootstrapServers(), "greetings", "hello");

            assertThat(KafkaClients.readFromBeginning(broker.bootstrapServers(), "greetings", 1))
                    .containsExactly("hello");
            assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + broker.port());
        }
    }

    @Test
    void keepsRecordsAcrossBrokerRestartOnSamePort() throws Exception {
        try (var broker = KafkaBroker.start(dataDir, 0);
                var producer = KafkaClients.producer(broker.bootstrapServers())) {
            int port = broker.port();
            producer.send(new ProducerRecord<>("events", "before outage")).get();

            broker.stop();
            assertThat(broker.isRunning()).isFalse();
            assertThat(portIsFree(port)).as("port %d released by stop()", port).isTrue();

            broker.restart();
            assertThat(broker.isRunning()).isTrue();
            assertThat(broker.port()).isEqualTo(port);
            // The producer created before the outage must reconnect to the same address on its own.
            producer.send(new ProducerRecord<>("events", "after outage")).get();

            assertThat(KafkaClients.readFromBeginning(broker.bootstrapServers(), "events", 2))
                    .containsExactly("before outage", "after outage");
        }
    }

    @Test
    void keepsTopicsWhenANewBrokerStartsOnTheSameDataDir() throws Exception {
        try (var first = KafkaBroker.start(dataDir, 0)) {
            KafkaClients.send(first.bootstrapServers(), "durable", "written by the first broker");
        }

        try (var second = KafkaBroker.start(dataDir, 0)) {
            KafkaClients.send(second.bootstrapServers(), "durable", "written by the second broker");

            assertThat(KafkaClients.readFromBeginning(second.bootstrapServers(), "durable", 2))
                    .containsExactly("written by the first broker", "written by the second broker");
        }
    }

    @Test
    void listensOnTheRequestedPort() throws Exception {
        int port = FreePorts.pick();
        try (var broker = KafkaBroker.start(dataDir, port)) {
            assertThat(broker.port()).isEqualTo(port);
            assertThat(portIsFree(port)).isFalse();
        }
        assertThat(portIsFree(port)).isTrue();
    }

    private static boolean portIsFree(int port) {
        try (var socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
