package dev.tendril.policy.adapters;

import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.Transactions;
import dev.tendril.policy.adapters.identity.CidrIdentities;
import dev.tendril.policy.adapters.kafka.InputsConsumer;
import dev.tendril.policy.adapters.persistence.PolicyStore;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.SharedInfrastructure;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.exceptionsorter.PostgreSQLExceptionSorter;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.time.Duration;

/**
 * One more policy service in the test JVM, without REST: its own connection pool on the service's schema,
 * its own runtime (engine, election, publishing) and input consumer. What a second replica is, seen from
 * PostgreSQL and Kafka.
 */
final class PolicyReplica implements AutoCloseable {

    final AgroalDataSource dataSource;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final PolicyStore store;
    final PolicyRuntime runtime;
    final InputsConsumer inputs;
    private boolean closed;

    /** A replica publishing to {@code topic} (its election lock goes with the topic). */
    PolicyReplica(PolicyServiceConfig config, String topic, CidrIdentities cidrIdentities) {
        PolicyServiceConfig own = withPolicyTopic(config, topic);
        dataSource = pool();
        EventStore eventStore = new EventStore(new Transactions(dataSource));
        store = new PolicyStore(eventStore);
        runtime = PolicyWiring.runtime(own, store, eventStore, meters, cidrIdentities);
        runtime.start();
        inputs = InputsConsumer.replica(own, runtime, meters, TestTopics.bootstrap());
        inputs.startReplica();
    }

    /** Records (and tombstones) this replica sent to its policy topic. */
    double sent() {
        Counter c = meters.find("tendril.policy.subjects.published").counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        runtime.stop();
        inputs.stopReplica();
        dataSource.close();
    }

    private static AgroalDataSource pool() {
        var postgres = SharedInfrastructure.postgres();
        try {
            return AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
                    .connectionPoolConfiguration(pool -> pool.maxSize(8)
                            .acquisitionTimeout(Duration.ofSeconds(10))
                            .exceptionSorter(new PostgreSQLExceptionSorter())
                            .connectionFactoryConfiguration(
                                    factory -> factory.jdbcUrl(postgres.jdbcUrl(PostgresTestResource.DATABASE))
                                            .principal(new NamePrincipal(postgres.username()))
                                            .credential(new SimplePassword(postgres.password()))
                                            .jdbcProperty("currentSchema", "policy"))));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a pool", e);
        }
    }

    private static PolicyServiceConfig withPolicyTopic(PolicyServiceConfig config, String topic) {
        return new PolicyServiceConfig() {
            @Override
            public String clusterName() {
                return config.clusterName();
            }

            @Override
            public int mapMaxEntries() {
                return config.mapMaxEntries();
            }

            @Override
            public String identityUrl() {
                return config.identityUrl();
            }

            @Override
            public Duration identityRetry() {
                return config.identityRetry();
            }

            @Override
            public Duration meshBootstrapTimeout() {
                return config.meshBootstrapTimeout();
            }

            @Override
            public Topics topics() {
                return new Topics() {
                    @Override
                    public String identities() {
                        return config.topics().identities();
                    }

                    @Override
                    public String endpoints() {
                        return config.topics().endpoints();
                    }

                    @Override
                    public String meshPeers() {
                        return config.topics().meshPeers();
                    }

                    @Override
                    public String policy() {
                        return topic;
                    }

                    @Override
                    public String policyRevisions() {
                        return topic + ".revisions";
                    }

                    @Override
                    public int policyPartitions() {
                        return 1;
                    }

                    /** A replica's Services go to a topic of its own too, next to its policy topic. */
                    @Override
                    public String services() {
                        return topic + ".services";
                    }

                    @Override
                    public String peerServices() {
                        return config.topics().peerServices();
                    }
                };
            }

            @Override
            public Services services() {
                return config.services();
            }
        };
    }
}
