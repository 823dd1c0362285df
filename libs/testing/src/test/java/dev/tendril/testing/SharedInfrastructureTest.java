package dev.tendril.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.net.URL;
import java.net.URLClassLoader;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;

class SharedInfrastructureTest {

    @Test
    void returnsTheSameRunningBrokerOnEveryCall() {
        var broker = SharedInfrastructure.kafka();

        assertThat(SharedInfrastructure.kafka()).isSameAs(broker);
        assertThat(broker.isRunning()).isTrue();
    }

    @Test
    void restartsTheSharedBrokerWhenATestLeftItStopped() throws Exception {
        var broker = SharedInfrastructure.kafka();
        broker.stop();

        assertThat(SharedInfrastructure.kafka()).isSameAs(broker);
        assertThat(broker.isRunning()).isTrue();
        KafkaClients.send(broker.bootstrapServers(), "after-shared-outage", "still usable");
    }

    @Test
    void returnsTheSamePostgresServerOnEveryCall() {
        var server = SharedInfrastructure.postgres();

        assertThat(SharedInfrastructure.postgres()).isSameAs(server);
    }

    @Test
    void kafkaTestResourcePointsQuarkusAtTheSharedBroker() throws Exception {
        var config = new KafkaTestResource().start();

        assertThat(config)
                .containsExactly(entry(
                        "kafka.bootstrap.servers", SharedInfrastructure.kafka().bootstrapServers()));
        KafkaClients.send(config.get("kafka.bootstrap.servers"), "via-test-resource", "configured");
        assertThat(KafkaClients.readFromBeginning(config.get("kafka.bootstrap.servers"), "via-test-resource", 1))
                .containsExactly("configured");
    }

    @Test
    void postgresTestResourcePointsQuarkusAtAnExistingTendrilDatabase() throws Exception {
        var config = new PostgresTestResource().start();
        var postgres = SharedInfrastructure.postgres();
        // Embedded 127.0.0.1 (PostgresServerTest), a container the Docker host's address: the same in both URLs.
        String hostAndPort = postgres.jdbcUrl("tendril")
                .substring("jdbc:postgresql://".length())
                .replace("/tendril", "");

        assertThat(hostAndPort).endsWith(":" + postgres.port());
        assertThat(config)
                .containsEntry("quarkus.datasource.jdbc.url", "jdbc:postgresql://" + hostAndPort + "/tendril")
                .containsEntry(
                        "quarkus.datasource.reactive.url", "vertx-reactive:postgresql://" + hostAndPort + "/tendril");
        try (var connection = DriverManager.getConnection(
                        config.get("quarkus.datasource.jdbc.url"),
                        config.get("quarkus.datasource.username"),
                        config.get("quarkus.datasource.password"));
                var rows = connection.createStatement().executeQuery("SELECT current_database()")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("tendril");
        }
    }

    @Test
    void postgresImageOfTheContainerPathIsTheEmbeddedServersMajorRelease() throws Exception {
        try (var connection =
                        SharedInfrastructure.postgres().dataSource("postgres").getConnection();
                var rows = connection.createStatement().executeQuery("SHOW server_version_num")) {
            assertThat(rows.next()).isTrue();
            int major = Integer.parseInt(rows.getString(1)) / 10_000;

            assertThat(ContainerInfrastructure.POSTGRES_IMAGE).isEqualTo("postgres:" + major);
        }
    }

    @Test
    void sharesTheSameServersWithCopiesLoadedByOtherClassLoaders() throws Exception {
        var broker = SharedInfrastructure.kafka();
        var postgres = SharedInfrastructure.postgres();
        // What Quarkus does to this library on every application restart: load it again in a fresh loader.
        URL library =
                SharedInfrastructure.class.getProtectionDomain().getCodeSource().getLocation();
        try (var restartLoader = new URLClassLoader(new URL[] {library}, ClassLoader.getPlatformClassLoader())) {
            Class<?> copy = restartLoader.loadClass(SharedInfrastructure.class.getName());
            Class<?> copysBroker = restartLoader.loadClass(KafkaBroker.class.getName());
            Class<?> copysPostgres = restartLoader.loadClass(PostgresServer.class.getName());
            assertThat(copysBroker).isNotSameAs(KafkaBroker.class);

            Object borrowedBroker = copy.getMethod("kafka").invoke(null);
            Object borrowedPostgres = copy.getMethod("postgres").invoke(null);

            assertThat(copysBroker.getMethod("bootstrapServers").invoke(borrowedBroker))
                    .isEqualTo(broker.bootstrapServers());
            assertThat(copysPostgres.getMethod("jdbcUrl", String.class).invoke(borrowedPostgres, "tendril"))
                    .isEqualTo(postgres.jdbcUrl("tendril"));
            assertThat(copy.getMethod("kafka").invoke(null)).isSameAs(borrowedBroker);

            copysBroker.getMethod("stop").invoke(borrowedBroker);
            assertThat(broker.isRunning())
                    .as("the one broker stopped through the copy")
                    .isFalse();
            copysBroker.getMethod("restart").invoke(borrowedBroker);
            assertThat(broker.isRunning()).isTrue();
        }
    }
}
