package dev.tendril.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.agent.adapters.PolicyMapsServer;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.SharedInfrastructure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The regression guard of the 1,000-agent churn benchmark (docs/BENCHMARKS.md), small: 50 simulated agents on the
 * real broker follow 30 s of churn (pods starting and stopping, new identities, policy changes every 2 s, one agent
 * restarted from empty maps halfway), then every agent's maps are compared entry by entry with the topics' content.
 * It fails on a lost or stale entry, never on timing. The topics are fed by {@link ChurnDriver} as the services
 * publish, not by the services themselves.
 */
class ChurnAuditTest {

    private static final int AGENTS = 50;

    @Test
    void everyAgentHoldsExactlyTheDesiredMapsAfterChurnWithARestart() throws Exception {
        KafkaBroker kafka = SharedInfrastructure.kafka();
        StateTopics topics =
                StateTopics.prefixed("churn-" + UUID.randomUUID().toString().substring(0, 8));
        SimulatedCluster.createTopics(kafka.bootstrapServers(), topics, 1);
        ChurnDriver.Plan plan = new ChurnDriver.Plan(
                AGENTS, "churn", 200, 10, 4, 20, 200, 10, Duration.ofSeconds(2), 5, Duration.ofSeconds(30));
        Path stateDir = Files.createTempDirectory("tendril-churn-audit-");
        ExecutorService restarts = Executors.newSingleThreadExecutor();
        // As agents run by default: each fetches its own subjects' maps from the policy service (fetch mode).
        PolicyMapsServer policyService = PolicyMapsServer.onFreePort();
        try (ChurnDriver driver = new ChurnDriver(plan, kafka.bootstrapServers(), topics, Map.of())
                        .servingMapsTo(policyService::put);
                AgentHost host = new AgentHost(
                        kafka.bootstrapServers(), topics, stateDir, Map.of(), "127.0.0.1:" + policyService.port())) {
            driver.seed();
            host.start(driver.nodeNames());
            assertThat(host.awaitBootstrapped(Duration.ofMinutes(2))).isTrue();

            long start = AgentHost.nowMicros() + 200_000;
            host.schedule(new AgentHost.Schedule(
                    start, plan.podRate(), plan.policyInterval().toNanos() / 1000));
            List<Future<Duration>> restarted = new ArrayList<>();
            ChurnDriver.Totals totals = driver.churn(
                    start,
                    List.of(Duration.ofSeconds(15)),
                    r -> restarted.add(restarts.submit(() -> host.restart("churn-7", Duration.ofMinutes(1)))));

            List<MapsAudit.Diff> differing = host.audit(Map.of(), Duration.ofSeconds(30));

            assertThat(differing).as("agents whose maps differ from the topics").isEmpty();
            assertThat(restarted).hasSize(1);
            restarted.getFirst().get();
            NodeImage desired = MapsAudit.desired(kafka.bootstrapServers(), topics, Map.of());
            assertThat(desired.endpoints().keySet())
                    .as("the audit compares against what the driver left running")
                    .isEqualTo(driver.liveEndpoints());
            assertThat(totals.podsStopped()).isPositive();
            assertThat(totals.identitiesCreated()).isPositive();
            assertThat(host.endpointLatencies().count())
                    .as("an ipcache write timed per (agent, started pod)")
                    .isGreaterThanOrEqualTo((long) (AGENTS - 1) * totals.podsStarted());
            assertThat(host.policyLatencies().count()).as("policy writes timed").isPositive();
            AgentHost.Consumed consumed = host.consumed();
            assertThat(consumed.recordsByTopic().get(AgentHost.FETCHED))
                    .as("maps fetched from the policy service")
                    .isPositive();
            assertThat(consumed.bytesByTopic().getOrDefault(topics.policy(), 0L))
                    .as("no agent read the policy topic itself")
                    .isZero();
        } finally {
            restarts.shutdownNow();
            policyService.stop();
        }
    }
}
