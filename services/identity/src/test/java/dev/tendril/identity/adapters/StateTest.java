package dev.tendril.identity.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.identity.adapters.kafka.ProtoMapping;
import dev.tendril.identity.adapters.persistence.StateRebuilder;
import dev.tendril.identity.app.EndpointRegistry;
import dev.tendril.identity.app.IdentityAllocator;
import dev.tendril.identity.domain.EndpointSpec;
import dev.tendril.identity.domain.LabelSyntax;
import dev.tendril.identity.domain.NamedPort;
import dev.tendril.identity.domain.Namespace;
import dev.tendril.identity.domain.StateSnapshot;
import dev.tendril.testing.CompactedTopic;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The compacted topics and the event log both hold exactly the current state. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class StateTest {

    @Inject
    EndpointRegistry registry;

    @Inject
    IdentityAllocator allocator;

    @Inject
    IdentityGarbageCollector collector;

    @Inject
    StateRebuilder rebuilder;

    private static final AtomicInteger NEXT_NET = new AtomicInteger(1);

    private void churn() {
        String ns = "state-" + UUID.randomUUID().toString().substring(0, 8);
        registry.upsertNamespace(Namespace.of(ns, Map.of("env", "a")));
        // Each churn gets its own /24: both tests share one database, and a random pick collided once in CI.
        int net = NEXT_NET.getAndIncrement();
        for (int i = 0; i < 5; i++) {
            registry.register(EndpointSpec.of(
                    ns,
                    "pod-" + i,
                    "uid-" + i,
                    "node-" + (i % 2),
                    List.of("10.95." + net + "." + (i + 1), "fd00:95:" + Integer.toHexString(net) + "::" + (i + 1)),
                    Map.of("app", "app" + (i % 3)),
                    "sa",
                    List.of(new NamedPort.Requested("http", 80, "TCP"))));
        }
        registry.deregister(ns, "pod-4");
        // Terminating before the relabel: re-registered by it, it stays terminating.
        registry.markTerminating(ns, "pod-3", "uid-3");
        registry.upsertNamespace(Namespace.of(ns, Map.of("env", "b")));
        allocator.allocate(LabelSyntax.parseLabels(List.of("k8s:app=transient-" + ns), "labels"));
        collector.collect(Duration.ZERO);
    }

    @Test
    void compactedTopicsHoldExactlyTheCurrentIdentitiesAndEndpoints() throws Exception {
        churn();
        Map<String, byte[]> identities = Map.of();
        Map<String, byte[]> endpoints = Map.of();
        Map<String, Identity> expectedIdentities = Map.of();
        Map<String, Endpoint> expectedEndpoints = Map.of();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            StateSnapshot state = rebuilder.readModel();
            expectedIdentities = new TreeMap<>();
            for (var entry : state.identities().entrySet()) {
                expectedIdentities.put(
                        Long.toString(entry.getKey()), ProtoMapping.identity(entry.getKey(), entry.getValue()));
            }
            expectedEndpoints = new TreeMap<>();
            for (var endpoint : state.endpoints().values()) {
                expectedEndpoints.put(endpoint.key(), ProtoMapping.endpoint(endpoint));
            }
            identities = CompactedTopic.read("tendril.identities");
            endpoints = CompactedTopic.read("tendril.endpoints");
            if (decode(identities, Identity::parseFrom).equals(expectedIdentities)
                    && decode(endpoints, Endpoint::parseFrom).equals(expectedEndpoints)) {
                break;
            }
            Thread.sleep(200);
        }
        assertThat(decode(identities, Identity::parseFrom)).isEqualTo(expectedIdentities);
        assertThat(decode(endpoints, Endpoint::parseFrom)).isEqualTo(expectedEndpoints);
        assertThat(expectedEndpoints.values()).anySatisfy(e -> {
            assertThat(e.getIpv6()).startsWith("fd00:95:");
            assertThat(e.getNamedPortsList()).hasSize(1);
        });
        assertThat(expectedEndpoints.values())
                .as("the terminating pod-3 of each churn")
                .anySatisfy(e -> {
                    assertThat(e.getPod()).isEqualTo("pod-3");
                    assertThat(e.getTerminating()).isTrue();
                });
    }

    @Test
    void replayingTheEventsRebuildsTheSameState() {
        churn();
        StateSnapshot live = rebuilder.readModel();
        StateSnapshot replayed = rebuilder.replay();
        assertThat(replayed.identities()).isEqualTo(live.identities());
        assertThat(replayed.namespaces()).isEqualTo(live.namespaces());
        assertThat(replayed.endpoints()).isEqualTo(live.endpoints());
        assertThat(live.endpoints().values())
                .as("terminating, after a namespace relabel re-registered it")
                .anySatisfy(e -> {
                    assertThat(e.spec().pod()).isEqualTo("pod-3");
                    assertThat(e.terminating()).isTrue();
                });
        assertThat(replayed.endpointCounts()).isEqualTo(live.endpointCounts());

        rebuilder.rebuild();

        assertThat(rebuilder.readModel()).isEqualTo(live);
    }

    interface Parser<T> {
        T parse(byte[] bytes) throws Exception;
    }

    private static <T> Map<String, T> decode(Map<String, byte[]> raw, Parser<T> parser) throws Exception {
        Map<String, T> decoded = new TreeMap<>();
        for (var entry : raw.entrySet()) {
            decoded.put(entry.getKey(), parser.parse(entry.getValue()));
        }
        return decoded;
    }
}
