package dev.tendril.identity.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.eventstore.NewEvent;
import dev.tendril.eventstore.StoredEvent;
import dev.tendril.identity.domain.Endpoint;
import dev.tendril.identity.domain.EndpointEvent;
import dev.tendril.identity.domain.EndpointSpec;
import dev.tendril.identity.domain.IdentityEvent;
import dev.tendril.identity.domain.LabelSyntax;
import dev.tendril.identity.domain.NamespaceEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Events are stored with the schema version their sealed type declares, by the codec of that type. */
class CodecsTest {

    @Test
    void storesEachEventTypeWithItsDeclaredSchemaVersion() {
        assertThat(Codecs.of(IdentityEvent.class)
                        .encode(new IdentityEvent.IdentityReleased(
                                300, LabelSyntax.parseLabels(List.of("k8s:app=web"), "labels")))
                        .schemaVersion())
                .isEqualTo(IdentityEvent.SCHEMA_VERSION);
        assertThat(Codecs.of(NamespaceEvent.class)
                        .encode(new NamespaceEvent.NamespaceDeleted("shop"))
                        .schemaVersion())
                .isEqualTo(NamespaceEvent.SCHEMA_VERSION);
        Endpoint endpoint = new Endpoint(
                EndpointSpec.of(
                        "shop", "web-1", "uid-1", "node-1", List.of("10.0.1.5"), Map.of("app", "web"), "", List.of()),
                300);
        assertThat(Codecs.of(EndpointEvent.class)
                        .encode(new EndpointEvent.EndpointDeregistered(endpoint))
                        .schemaVersion())
                .isEqualTo(EndpointEvent.SCHEMA_VERSION);
    }

    @Test
    void terminatingRoundTripsAndEventsStoredBeforeTheFlagReplayAsLive() {
        Endpoint endpoint = new Endpoint(
                EndpointSpec.of(
                        "shop", "web-1", "uid-1", "node-1", List.of("10.0.1.5"), Map.of("app", "web"), "", List.of()),
                300,
                true);
        var encoded = Codecs.ENDPOINT.encode(new EndpointEvent.EndpointTerminating(endpoint));
        assertThat(Codecs.ENDPOINT.decode(stored(encoded.type(), encoded.payload())))
                .isEqualTo(new EndpointEvent.EndpointTerminating(endpoint));

        String before = new String(
                        Codecs.ENDPOINT
                                .encode(new EndpointEvent.EndpointRegistered(endpoint))
                                .payload(),
                        StandardCharsets.UTF_8)
                .replace(",\"terminating\":true", "");
        assertThat(before).doesNotContain("terminating");
        assertThat(Codecs.ENDPOINT.decode(stored("EndpointRegistered", before.getBytes(StandardCharsets.UTF_8))))
                .isEqualTo(new EndpointEvent.EndpointRegistered(new Endpoint(endpoint.spec(), 300)));
    }

    private static StoredEvent stored(String type, byte[] payload) {
        return new StoredEvent(
                1, "endpoint/shop/web-1", 1, type, EndpointEvent.SCHEMA_VERSION, NewEvent.JSON, payload, Instant.EPOCH);
    }
}
