package dev.tendril.flows.bench;

import static org.awaitility.Awaitility.await;

import dev.tendril.flows.adapters.kafka.FlowsConsumer;
import dev.tendril.flows.domain.FlowStore;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.SharedInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Load driver for docs/BENCHMARKS.md "Flows" (not a test: only {@code -Dtest=IngestBenchmark} runs it, with the
 * {@code bench-follow} profile for its heap): the Kafka-to-ring ingest rate of the flows service's {@code flows}
 * channel (Reactive Messaging, batches, the real {@link FlowsConsumer} with its metrics) against the plain consumer
 * loop it replaced ({@link PlainConsumerIngest}), over the same 1,048,560 records in one JVM and one broker:
 *
 * <ol>
 *   <li>plain consumer, before the service starts ({@link IngestTopicResource}: cold JIT);
 *   <li>the channel: the service's start-up ingest of the whole topic, from the first assignment to caught up
 *       (while the rest of the service finishes starting);
 *   <li>plain consumer again, after (warm JIT, the service idle);
 *   <li>the channel again, warm: its consumer seeks back to the beginning of every partition (on its polling thread,
 *       through {@code KafkaClientService}) and the whole topic goes through the running service once more.
 * </ol>
 *
 * Zero loss is checked: the flows seen by the channel and the rings' write counters must equal the records.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(IngestTopicResource.class)
class IngestBenchmark {

    @Inject
    FlowsConsumer ingest;

    @Inject
    FlowStore store;

    @Inject
    KafkaClientService clients;

    @Test
    void ingest() throws Exception {
        long records = (long) IngestTopicResource.NODES * IngestTopicResource.PER_NODE;
        await().atMost(Duration.ofMinutes(5)).until(ingest::caughtUp);
        Duration channel = ingest.catchUpTime().orElseThrow();
        long written = store.rings().stream().mapToLong(r -> r.written()).sum();
        PlainConsumerIngest.Result before = IngestTopicResource.before;
        ThreadCpu plainThreads = ThreadCpu.start();
        PlainConsumerIngest.Result after = PlainConsumerIngest.run(
                SharedInfrastructure.kafka().bootstrapServers(),
                IngestTopicResource.topic,
                IngestTopicResource.NODES,
                records);
        String afterThreads = plainThreads.report();
        StringBuilder report = new StringBuilder();
        line(
                report,
                "machine: %d CPUs, max heap %d MB, %s; load average after the start-up ingest %s",
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("java.vm.version"),
                Files.readString(Path.of("/proc/loadavg")).trim());
        line(
                report,
                "topic: %,d flows (16 partitions x 65,535, lz4), produced in %.2f s",
                records,
                IngestTopicResource.produceSeconds);
        line(report, "plain consumer, before the service (cold): %s", describe(before, records));
        line(
                report,
                "flows channel (Reactive Messaging, batch, service start-up): %,d of %,d flows in %.2f s = %,.0f flows/s; "
                        + "rings wrote %,d (lost %d)",
                ingest.seenFlows(),
                records,
                channel.toNanos() / 1e9,
                ingest.seenFlows() / (channel.toNanos() / 1e9),
                written,
                records - written);
        line(report, "plain consumer, after (warm): %s", describe(after, records));
        line(report, "  threads' CPU: %s", afterThreads);

        // Warm rounds, interleaved so that a change in the machine's load hits both alike.
        int rounds = Integer.getInteger("ingest.rounds", 1);
        for (int round = 1; round <= rounds; round++) {
            if (round > 1) {
                ThreadCpu threads = ThreadCpu.start();
                PlainConsumerIngest.Result plain = PlainConsumerIngest.run(
                        SharedInfrastructure.kafka().bootstrapServers(),
                        IngestTopicResource.topic,
                        IngestTopicResource.NODES,
                        records);
                line(report, "plain consumer, warm, round %d: %s", round, describe(plain, records));
                line(report, "  threads' CPU: %s", threads.report());
            }
            channelAgain(report, records, round);
        }
        line(
                report,
                "load average at end %s",
                Files.readString(Path.of("/proc/loadavg")).trim());
        System.out.print(report);
        Files.writeString(Path.of("target", "ingest-benchmark.txt"), report);
    }

    /** The running channel's consumer seeks back to the beginning; the whole topic goes through the service again. */
    private void channelAgain(StringBuilder report, long records, int round) {
        long seen = ingest.seenFlows();
        long written0 = written();
        ThreadCpu threads = ThreadCpu.start();
        long cpu0 = PlainConsumerIngest.cpuNanos();
        long start = System.nanoTime();
        clients.<String, byte[]>getConsumer("flows")
                .runOnPollingThread(c -> {
                    c.seekToBeginning(c.assignment());
                })
                .await()
                .atMost(Duration.ofSeconds(30));
        await().atMost(Duration.ofMinutes(5))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> ingest.seenFlows() - seen >= records);
        long elapsed = System.nanoTime() - start;
        long cpu = PlainConsumerIngest.cpuNanos() - cpu0;
        long again = ingest.seenFlows() - seen;
        line(
                report,
                "flows channel again (warm, running service), round %d: %,d of %,d flows in %.2f s = %,.0f flows/s; "
                        + "process CPU %.2f s; rings wrote %,d (lost %d)",
                round,
                again,
                records,
                elapsed / 1e9,
                again / (elapsed / 1e9),
                cpu / 1e9,
                written() - written0,
                records - (written() - written0));
        line(report, "  threads' CPU: %s", threads.report());
    }

    private long written() {
        return store.rings().stream().mapToLong(r -> r.written()).sum();
    }

    private static String describe(PlainConsumerIngest.Result result, long records) {
        return String.format(
                "%,d of %,d flows in %.2f s = %,.0f flows/s; process CPU %.2f s",
                result.ingested(), records, result.elapsedNanos() / 1e9, result.rate(), result.cpuNanos() / 1e9);
    }

    private static void line(StringBuilder out, String format, Object... args) {
        out.append(String.format(format, args)).append(System.lineSeparator());
    }
}
