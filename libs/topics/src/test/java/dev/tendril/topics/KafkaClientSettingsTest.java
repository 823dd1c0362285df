package dev.tendril.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KafkaClientSettingsTest {

    @Test
    void everyKafkaKeyButTheBootstrapServersIsAClientProperty() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("kafka.bootstrap.servers", "127.0.0.1:9092");
        config.put("kafka.security.protocol", "SSL");
        config.put("kafka.ssl.keystore.location", "/data/pki/kafka-clients/identity.pem");
        config.put("quarkus.http.port", "8081");
        config.put("kafkaesque", "no");
        config.put("kafka.", "empty");

        Map<String, Object> settings =
                KafkaClientSettings.from(config.keySet(), name -> Optional.ofNullable(config.get(name)));

        assertThat(settings)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "security.protocol", "SSL", "ssl.keystore.location", "/data/pki/kafka-clients/identity.pem"));
    }

    @Test
    void noKafkaKeysLeaveClientsPlaintext() {
        assertThat(KafkaClientSettings.from(java.util.List.of("quarkus.http.port"), name -> Optional.of("1")))
                .isEmpty();
    }

    @Test
    void aKeyWithoutAValueIsLeftOut() {
        assertThat(KafkaClientSettings.from(java.util.List.of("kafka.security.protocol"), name -> Optional.empty()))
                .isEmpty();
    }
}
