package dev.tendril.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.PreparedStatement;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** Every event records who caused it and in which request. */
class ChangeOriginTest {

    private final ChangeOrigin admin = new ChangeOrigin("admin", "req-admin");
    private DataSource dataSource;

    @BeforeEach
    void freshSchema() {
        dataSource = TestDatabase.freshSchema();
    }

    @Test
    void stampsTheStoresCurrentOriginOnEveryAppendedEvent() {
        EventStore store = new EventStore(new Transactions(dataSource), () -> admin);

        List<StoredEvent> appended =
                store.append("counter/a", 0, List.of(Counter.event("Created"), Counter.event("Renamed")));

        assertThat(appended).extracting(StoredEvent::origin).containsOnly(admin);
        assertThat(store.readStream("counter/a"))
                .extracting(StoredEvent::origin)
                .containsExactly(admin, admin);
        assertThat(store.readAll(0, 10)).extracting(StoredEvent::origin).containsOnly(admin);
    }

    @Test
    void aStoreWithoutAnOriginSourceRecordsSystem() {
        EventStore store = new EventStore(new Transactions(dataSource));

        store.append("counter/a", 0, List.of(Counter.event("Created")));

        assertThat(store.readStream("counter/a").getFirst().origin()).isEqualTo(new ChangeOrigin("system", null));
    }

    @Test
    void anEventsOwnOriginAndABoundOriginWinOverTheStoresSource() {
        EventStore store = new EventStore(new Transactions(dataSource), () -> ChangeOrigin.system("test"));
        ChangeOrigin node = new ChangeOrigin("node:worker-1", "req-node");

        ChangeOrigin.supplyAs(node, () -> store.append("counter/a", 0, List.of(Counter.event("ByNode"))));
        store.append("counter/a", 1, List.of(Counter.event("ByAdmin").withOrigin(admin)));
        store.append("counter/a", 2, List.of(Counter.event("BySystem")));

        assertThat(store.readStream("counter/a"))
                .extracting(StoredEvent::origin)
                .containsExactly(node, admin, ChangeOrigin.system("test"));
    }

    @Test
    void groupAppendsStampEachEventWithItsCallersOriginOrTheGivenOne() {
        EventStore store = new EventStore(new Transactions(dataSource));
        ChangeOrigin node = new ChangeOrigin("node:worker-1", "req-node");

        store.transactions().inTransaction(tx -> {
            StreamAppends.appendAll(
                    tx,
                    List.of(
                            new StreamAppends.Append(
                                    "s/a", 0, List.of(Counter.event("A1").withOrigin(admin), Counter.event("A2"))),
                            new StreamAppends.Append(
                                    "s/b", 0, List.of(Counter.event("B1").withOrigin(node)))),
                    ChangeOrigin.system("ipam"));
            return null;
        });

        assertThat(store.readStream("s/a"))
                .extracting(StoredEvent::origin)
                .containsExactly(admin, ChangeOrigin.system("ipam"));
        assertThat(store.readStream("s/b")).extracting(StoredEvent::origin).containsExactly(node);
    }

    @Test
    void upgradingAStoreWithEventsGivesTheOldEventsTheSystemPrincipal() throws Exception {
        PGSimpleDataSource v1 = (PGSimpleDataSource) dataSource;
        String schema = "es_v1_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        v1.setCurrentSchema(schema);
        Flyway.configure()
                .dataSource(v1)
                .schemas(schema)
                .locations(EventStoreSchema.LOCATION)
                .target("1")
                .load()
                .migrate();
        try (var connection = v1.getConnection();
                PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO events (stream_id, version, event_type, schema_version, content_type, payload) "
                                + "VALUES ('counter/old', 1, 'Created', 1, 'application/json', '{}'::bytea)")) {
            insert.executeUpdate();
        }

        EventStoreSchema.migrate(v1, schema);

        EventStore store = new EventStore(new Transactions(v1), () -> admin);
        store.append("counter/new", 0, List.of(Counter.event("Created")));
        assertThat(store.readStream("counter/old").getFirst().origin()).isEqualTo(ChangeOrigin.UNKNOWN);
        assertThat(store.readStream("counter/new").getFirst().origin()).isEqualTo(admin);
    }

    @Test
    void recordsTheCommonNameOfACertificateSubjectAndOtherNamesAsTheyAre() {
        assertThat(ChangeOrigin.principalOf("CN=admin,O=admin")).isEqualTo("admin");
        assertThat(ChangeOrigin.principalOf("O=node,CN=node:worker-1")).isEqualTo("node:worker-1");
        assertThat(ChangeOrigin.principalOf("cn=service:policy, o=service")).isEqualTo("service:policy");
        assertThat(ChangeOrigin.principalOf("alice")).isEqualTo("alice");
        assertThat(ChangeOrigin.principalOf("a=b=c,,")).isEqualTo("a=b=c,,");
        assertThat(ChangeOrigin.principalOf("O=viewers")).isEqualTo("O=viewers");
        assertThat(ChangeOrigin.principalOf(null)).isEqualTo(ChangeOrigin.ANONYMOUS);
    }

    @Test
    void acceptsOnlyShortPrintableRequestIds() {
        assertThat(ChangeOrigin.validRequestId("0f8c2a9e-1b7d-4c1e-9d2b-3f6a5e4d7c8b"))
                .isTrue();
        assertThat(ChangeOrigin.validRequestId("cni.add:worker-1_42")).isTrue();
        assertThat(ChangeOrigin.validRequestId("x".repeat(128))).isTrue();
        assertThat(ChangeOrigin.validRequestId("x".repeat(129))).isFalse();
        assertThat(ChangeOrigin.validRequestId("")).isFalse();
        assertThat(ChangeOrigin.validRequestId("a b")).isFalse();
        assertThat(ChangeOrigin.validRequestId("a\nb")).isFalse();
        assertThatThrownBy(() -> new ChangeOrigin("admin", "a;b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ChangeOrigin(" ", null)).isInstanceOf(IllegalArgumentException.class);
    }
}
