package dev.tendril.identity.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.identity.app.Allocation;
import dev.tendril.identity.domain.ClusterConfig;
import dev.tendril.identity.domain.IdRange;
import dev.tendril.identity.domain.LabelSyntax;
import dev.tendril.k8s.labels.Labels;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.SharedInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Allocate-or-reuse against the real database, with two service instances (two pools) competing. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class IdentityAllocatorTest {

    @Test
    void allocatesOneIdForOneLabelSetAcrossTwoInstancesUnderConcurrency() throws Exception {
        String app = "race-" + UUID.randomUUID().toString().substring(0, 8);
        Labels labels =
                LabelSyntax.parseLabels(List.of("k8s:app=" + app, "k8s:io.kubernetes.pod.namespace=race"), "labels");
        try (Replica one = new Replica(SharedInfrastructure.postgres(), PostgresTestResource.DATABASE);
                Replica two = new Replica(SharedInfrastructure.postgres(), PostgresTestResource.DATABASE)) {
            ExecutorService threads = Executors.newFixedThreadPool(32);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Allocation>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                Replica replica = i % 2 == 0 ? one : two;
                results.add(threads.submit(() -> {
                    start.await();
                    return replica.allocator.allocate(labels);
                }));
            }
            start.countDown();
            Set<Long> ids = results.stream()
                    .map(IdentityAllocatorTest::get)
                    .map(Allocation::id)
                    .collect(Collectors.toSet());
            long created = results.stream()
                    .map(IdentityAllocatorTest::get)
                    .filter(Allocation::created)
                    .count();
            threads.shutdown();

            assertThat(ids).hasSize(1);
            assertThat(created).isEqualTo(1);
            long id = ids.iterator().next();
            assertThat(ClusterConfig.of("default", 0).range().contains(id)).isTrue();
            assertThat(count(one, "SELECT count(*) FROM identities WHERE labels = ?::text[]", labels))
                    .isEqualTo(1);
            assertThat(countEvents(one, app)).isEqualTo(1);
        }
    }

    @Test
    void clusterFiveAllocatesInsideItsRange() {
        IdRange five = ClusterConfig.of("five", 5).range();
        try (Replica replica = new Replica(SharedInfrastructure.postgres(), PostgresTestResource.DATABASE, five, 4)) {
            for (int i = 0; i < 20; i++) {
                Allocation allocation = replica.allocator.allocate(
                        LabelSyntax.parseLabels(List.of("k8s:app=five-" + UUID.randomUUID()), "labels"));
                assertThat(allocation.id()).isBetween(5L << 16, (6L << 16) - 1);
            }
        }
    }

    @Test
    void exhaustingTheRangeIsAClearErrorNotAWrapAround() {
        IdRange tiny = new IdRange((7L << 16) + 100, (7L << 16) + 102);
        try (Replica replica = new Replica(SharedInfrastructure.postgres(), PostgresTestResource.DATABASE, tiny, 2)) {
            String run = UUID.randomUUID().toString().substring(0, 8);
            Set<Long> ids = new java.util.HashSet<>();
            for (int i = 0; i < 3; i++) {
                ids.add(replica.allocator
                        .allocate(LabelSyntax.parseLabels(List.of("k8s:app=tiny-" + run + "-" + i), "labels"))
                        .id());
            }
            assertThat(ids).containsExactlyInAnyOrder(tiny.min(), tiny.min() + 1, tiny.max());
            assertThatThrownBy(() -> replica.allocator.allocate(
                            LabelSyntax.parseLabels(List.of("k8s:app=tiny-" + run + "-3"), "labels")))
                    .isInstanceOfSatisfying(CommandRejectedException.class, e -> {
                        assertThat(e.kind()).isEqualTo(CommandRejectedException.Kind.CONFLICT);
                        assertThat(e.reason()).contains("exhausted");
                    });
            // the same label set again is still a reuse, not an error
            assertThat(replica.allocator
                            .allocate(LabelSyntax.parseLabels(List.of("k8s:app=tiny-" + run + "-0"), "labels"))
                            .created())
                    .isFalse();
        }
    }

    private static long countEvents(Replica replica, String needle) throws Exception {
        try (Connection connection = replica.dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT count(*) FROM events WHERE "
                        + "event_type = 'IdentityAllocated' AND strpos(convert_from(payload, 'UTF8'), ?) > 0")) {
            select.setString(1, needle);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    private static Allocation get(Future<Allocation> future) {
        try {
            return future.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static long count(Replica replica, String sql, Labels labels) throws Exception {
        try (Connection connection = replica.dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(sql)) {
            select.setArray(1, connection.createArrayOf("text", labels.strings().toArray()));
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }
}
