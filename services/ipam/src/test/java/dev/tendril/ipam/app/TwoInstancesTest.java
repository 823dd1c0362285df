package dev.tendril.ipam.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.StoredEvent;
import dev.tendril.ipam.adapters.persistence.Codecs;
import dev.tendril.ipam.adapters.persistence.JdbcIpamQueries;
import dev.tendril.ipam.adapters.persistence.JdbcIpamStore;
import dev.tendril.ipam.app.IpamQueries.AllocationRow;
import dev.tendril.ipam.domain.IpamSettings;
import dev.tendril.ipam.domain.NodeDecider;
import dev.tendril.ipam.domain.NodeState;
import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import io.agroal.api.AgroalDataSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two service replicas at the database level: two independent {@link IpamService}s (own caches, own
 * connection pools) over the same schema of the real PostgreSQL server, called in parallel.
 */
class TwoInstancesTest {

    private static final IpamSettings SETTINGS = IpamSettings.validated(
            List.of("10.0.0.0/16"), 22, List.of("fd00::/112"), 118, Duration.ofSeconds(30), Duration.ofMinutes(10));

    private final List<AgroalDataSource> pools = new ArrayList<>();
    private final List<IpamService> instances = new ArrayList<>();

    @AfterEach
    void closePools() {
        instances.forEach(IpamService::close);
        pools.forEach(AgroalDataSource::close);
    }

    private IpamService instance(TestSchemas schema) {
        return instance(schema, IpamService.DEFAULT_WRITERS, Clock.systemUTC());
    }

    private IpamService instance(TestSchemas schema, int writers, Clock clock) {
        AgroalDataSource pool = schema.pool(8);
        pools.add(pool);
        EventStore store = TestSchemas.store(pool);
        IpamService service = new IpamService(
                new JdbcIpamStore(store),
                new JdbcIpamQueries(store.transactions()),
                SETTINGS,
                clock,
                "default",
                writers);
        instances.add(service);
        return service;
    }

    @Test
    void fiveHundredParallelAllocationsOnOneNodeAcrossTwoInstancesAreAllDistinct() throws Exception {
        TestSchemas schema = new TestSchemas("ipam_two");
        parallelAllocationsAreDistinct(instance(schema), instance(schema));
    }

    @Test
    void fiveHundredParallelAllocationsAreDistinctWithoutGroupCommitToo() throws Exception {
        TestSchemas schema = new TestSchemas("ipam_two_plain");
        parallelAllocationsAreDistinct(instance(schema, 0, Clock.systemUTC()), instance(schema, 0, Clock.systemUTC()));
    }

    @Test
    void unconfirmedAllocationsExpireAndConfirmedOnesStay() {
        TestSchemas schema = new TestSchemas("ipam_expiry");
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        IpamService ipam = instance(schema, IpamService.DEFAULT_WRITERS, clock);
        ipam.registerNode("exp", List.of("192.168.0.9"));
        ipam.allocate("exp", "demo/a", "a");
        ipam.allocate("exp", "demo/b", "b");
        ipam.confirm("exp", "b");
        clock.now = clock.now.plus(Duration.ofMinutes(10)).minusSeconds(1);
        assertThat(ipam.expireUnconfirmed()).isZero();
        clock.now = clock.now.plusSeconds(1);
        assertThat(ipam.expireUnconfirmed()).isEqualTo(2);
        assertThat(ipam.allocations("exp")).extracting(AllocationRow::uid).containsOnly("b");
    }

    private static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private void parallelAllocationsAreDistinct(IpamService a, IpamService b) throws Exception {
        var node = a.registerNode("busy", List.of("192.168.0.1"));
        assertThat(b.registerNode("busy", List.of("192.168.0.1")).podCidrs()).isEqualTo(node.podCidrs());

        ExecutorService threads = Executors.newFixedThreadPool(16);
        List<Future<PodAddresses.Allocation>> results = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            IpamService replica = i % 2 == 0 ? a : b;
            String uid = "uid-" + i;
            String owner = "demo/pod-" + i;
            results.add(threads.submit(() -> replica.allocate("busy", owner, uid)));
        }
        List<String> all = new ArrayList<>();
        for (Future<PodAddresses.Allocation> result : results) {
            all.addAll(result.get().ips());
        }
        threads.shutdown();

        assertThat(all).hasSize(1000).doesNotHaveDuplicates();
        List<Cidr> cidrs = node.podCidrs().stream().map(Cidr::parse).toList();
        Set<String> reserved = new HashSet<>(node.routerIps());
        cidrs.forEach(c -> reserved.add(c.network().toString()));
        reserved.add(cidrs.getFirst().last().toString());
        for (String ip : all) {
            IpAddress address = IpAddress.parse(ip);
            assertThat(cidrs).anyMatch(c -> c.contains(address));
            assertThat(reserved).doesNotContain(ip);
        }
        // Both replicas and the read model agree: each sees the other's allocations as its own retry.
        assertThat(a.allocations("busy")).hasSize(1000);
        assertThat(b.allocate("busy", "demo/pod-0", "uid-0").created()).isFalse();
        assertThat(a.allocate("busy", "demo/pod-1", "uid-1").created()).isFalse();
    }

    @Test
    void aRestartedInstanceRebuildsTheSameStateFromTheEvents() {
        TestSchemas schema = new TestSchemas("ipam_restart");
        IpamService first = instance(schema);
        List<String> cidrs = first.registerNode("n1", List.of("192.168.0.1")).podCidrs();
        first.registerNode("n2", List.of("192.168.0.2"));
        first.registerNode("n3", List.of("192.168.0.3"));
        List<List<String>> given = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            given.add(first.allocate("n1", "demo/p" + i, "u" + i).ips());
        }
        for (int i = 0; i < 20; i += 3) {
            first.release("n1", given.get(i).get(0), "u" + i);
        }
        first.confirm("n1", "u1");
        first.deregisterNode("n3", false);

        IpamService restarted = instance(schema);
        assertThat(restarted.registerNode("n1", List.of("192.168.0.1")).podCidrs())
                .isEqualTo(cidrs);
        for (int i = 1; i < 20; i += 3) {
            assertThat(restarted.allocate("n1", "demo/p" + i, "u" + i).ips()).isEqualTo(given.get(i));
        }
        // The read model equals the node state folded from its events alone.
        EventStore store = TestSchemas.store(pools.getFirst());
        var codec = Codecs.NODE;
        NodeDecider decider = new NodeDecider("n1", SETTINGS);
        NodeState folded = decider.fold(store.readStream(IpamService.nodeStream("n1")).stream()
                .map(codec::decode)
                .toList());
        Set<String> fromEvents = folded.allocations().stream()
                .flatMap(p -> p.ips().stream())
                .map(IpAddress::toString)
                .collect(Collectors.toSet());
        Set<String> fromReadModel =
                restarted.allocations("n1").stream().map(AllocationRow::ip).collect(Collectors.toSet());
        assertThat(fromReadModel).isEqualTo(fromEvents).hasSize(2 * (20 - 7) + 7);
        assertThat(restarted.allocations("n1"))
                .filteredOn(AllocationRow::confirmed)
                .extracting(AllocationRow::uid)
                .containsOnly("u1");
        assertThat(restarted.nodes()).extracting(n -> n.name()).containsExactly("n1", "n2");
        // A new allocation on the restarted instance does not collide with anything held.
        List<String> fresh = restarted.allocate("n1", "demo/new", "u-new").ips();
        assertThat(fromEvents).doesNotContainAnyElementsOf(fresh);
        List<StoredEvent> poolEvents = store.readStream(IpamService.POOL_STREAM);
        assertThat(poolEvents).extracting(StoredEvent::type).contains("PodCidrAllocated", "PodCidrReleased");
    }
}
