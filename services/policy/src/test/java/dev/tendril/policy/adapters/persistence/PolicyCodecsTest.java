package dev.tendril.policy.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.eventstore.JsonEventCodec;
import dev.tendril.eventstore.NewEvent;
import dev.tendril.eventstore.StoredEvent;
import dev.tendril.policy.domain.PolicyEvent;
import dev.tendril.policy.domain.PolicyEvent.PolicyApplied;
import dev.tendril.policy.domain.PolicyEvent.PolicyDeleted;
import dev.tendril.policy.domain.SubjectEvent;
import dev.tendril.policy.domain.SubjectEvent.PolicyMapOverflowed;
import dev.tendril.policy.manifest.Manifests;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The stored format of the policy events does not change with their classes: events written before the
 * events moved into the domain (a {@code JsonNode} manifest) decode, and new ones are written byte for byte
 * as those were, so existing databases keep working.
 */
class PolicyCodecsTest {

    private static final String MANIFEST = "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\","
            + "\"metadata\":{\"name\":\"allow-web\",\"namespace\":\"demo\"},\"spec\":{\"podSelector\":{\"matchLabels\":"
            + "{\"app\":\"db\"}},\"ingress\":[{\"from\":[{\"podSelector\":{\"matchLabels\":{\"app\":\"web\"}}}],"
            + "\"ports\":[{\"port\":5432,\"protocol\":\"TCP\"}]}]}}";

    /** The event class as it was stored until now: the manifest a Jackson tree. */
    record LegacyPolicyApplied(String kind, String namespace, String name, JsonNode manifest, long revision) {}

    private static StoredEvent stored(String type, String json) {
        return new StoredEvent(
                1,
                "policy/NetworkPolicy/demo/allow-web",
                1,
                type,
                1,
                NewEvent.JSON,
                json.getBytes(StandardCharsets.UTF_8),
                Instant.EPOCH);
    }

    @Test
    void storedPolicyEventsDecodeIntoTheDomainEvents() {
        String applied = "{\"kind\":\"NetworkPolicy\",\"namespace\":\"demo\",\"name\":\"allow-web\",\"manifest\":"
                + MANIFEST + ",\"revision\":7}";
        PolicyEvent event = Codecs.POLICY.decode(stored("PolicyApplied", applied));
        assertThat(event).isInstanceOfSatisfying(PolicyApplied.class, a -> {
            assertThat(a.ref().toString()).isEqualTo("NetworkPolicy/demo/allow-web");
            assertThat(a.revision()).isEqualTo(7);
            assertThat(Manifests.policy(a.manifest()).ref()).isEqualTo(a.ref());
        });
        assertThat(Codecs.POLICY.decode(stored(
                        "PolicyDeleted",
                        "{\"kind\":\"NetworkPolicy\",\"namespace\":\"demo\",\"name\":\"allow-web\",\"revision\":8}")))
                .isEqualTo(new PolicyDeleted("NetworkPolicy", "demo", "allow-web", 8));
        assertThat(
                        Codecs.SUBJECT.decode(
                                stored(
                                        "PolicyMapOverflowed",
                                        "{\"subject\":5001,\"entries\":300,\"maxEntries\":256,\"policies\":[\"NetworkPolicy/demo/big\"]}")))
                .isEqualTo(new PolicyMapOverflowed(5001, 300, 256, List.of("NetworkPolicy/demo/big")));
    }

    @Test
    void newEventsAreWrittenExactlyAsBeforeUnderTheSameTypeAndSchemaVersion() throws Exception {
        JsonNode tree = PolicyJson.MAPPER.readTree(MANIFEST);
        byte[] legacy = PolicyJson.MAPPER.writeValueAsBytes(
                new LegacyPolicyApplied("NetworkPolicy", "demo", "allow-web", tree, 7));
        PolicyApplied event = (PolicyApplied) Manifests.parse(MANIFEST).stream()
                .map(d -> (PolicyEvent) new PolicyApplied("NetworkPolicy", "demo", "allow-web", d.manifest(), 7))
                .findFirst()
                .orElseThrow();

        NewEvent encoded = Codecs.POLICY.encode(event);
        assertThat(encoded.type()).isEqualTo("PolicyApplied");
        assertThat(encoded.schemaVersion())
                .isEqualTo(PolicyEvent.SCHEMA_VERSION)
                .isEqualTo(JsonEventCodec.SCHEMA_VERSION);
        assertThat(new String(encoded.payload(), StandardCharsets.UTF_8))
                .isEqualTo(new String(legacy, StandardCharsets.UTF_8));
        assertThat(Codecs.POLICY.decode(stored("PolicyApplied", new String(encoded.payload(), StandardCharsets.UTF_8))))
                .isEqualTo(event);
        assertThat(Codecs.SUBJECT
                        .encode(new PolicyMapOverflowed(1, 2, 3, List.of()))
                        .schemaVersion())
                .isEqualTo(SubjectEvent.SCHEMA_VERSION);
    }
}
