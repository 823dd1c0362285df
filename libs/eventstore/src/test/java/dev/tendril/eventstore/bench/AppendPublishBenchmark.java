package dev.tendril.eventstore.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.api.v1.EventEnvelope;
import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.EventStoreSchema;
import dev.tendril.eventstore.NewEvent;
import dev.tendril.eventstore.OutboxRelay;
import dev.tendril.eventstore.OutboxRelayConfig;
import dev.tendril.eventstore.RelayStatus;
import dev.tendril.eventstore.Transactions;
import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.PostgresServer;
import dev.tendril.testing.SharedInfrastructure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logmanager.Level;
import org.jboss.logmanager.LogContext;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.LoggerFactory;

/**
 * Load driver (not a test): appends events with durable commits to a real PostgreSQL while an
 * {@link OutboxRelay} publishes them to a real Kafka broker and a consumer reads them back.
 *
 * <p>Measures committed events/s, transactions/s and the end-to-end latency from commit completion
 * (the writer's {@code System.nanoTime()} right after {@code commit()} returned) to the consumer's
 * {@code poll()} returning the record, on the same JVM clock. Each writer thread keeps one connection
 * and owns its own streams, so there are no version conflicts; versions are tracked locally.
 *
 * <p>Run: {@code ./mvnw -B -q -pl libs/eventstore -am test-compile -Pbench} (see docs/BENCHMARKS.md).
 * Parameters are system properties ({@code -Dname=value}):
 * <ul>
 *   <li>writers (4), eventsPerTransaction (10), durationSeconds (20), warmupSeconds (5), payloadBytes (200),
 *       streams (1000, split among the writers);
 *   <li>targetRate (0 = unthrottled): total events/s the writers pace themselves to, for latency below
 *       saturation;
 *   <li>batchSize (relay, 2000) and idlePollMillis (relay, 50): as {@link OutboxRelayConfig#defaults};
 *   <li>producer.* (none): passed to the relay's Kafka producer, e.g. {@code -Dproducer.batch.size=262144};
 *   <li>relaySynchronousCommit (as the server): synchronous_commit of the relay's session only;
 *   <li>durable (true): a dedicated PostgreSQL with fsync and synchronous_commit on; false uses
 *       SharedInfrastructure's test server, which has both off;
 *   <li>report (none): a file the results are appended to.
 * </ul>
 * The process exits with status 1 if the consumer did not receive every appended event.
 */
public final class AppendPublishBenchmark {

    private static final String DATABASE = "eventstore_bench";
    private static final String EVENT_TYPE = "BenchEvent";
    private static final String CONTENT_TYPE = "application/octet-stream";
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(120);

    private AppendPublishBenchmark() {}

    record Params(
            int writers,
            int eventsPerTransaction,
            int durationSeconds,
            int warmupSeconds,
            int payloadBytes,
            int streams,
            int batchSize,
            int idlePollMillis,
            boolean durable,
            int targetRate,
            String relaySynchronousCommit,
            Map<String, String> producer,
            String report) {

        static Params fromSystemProperties() {
            Params params = new Params(
                    intProperty("writers", 4),
                    intProperty("eventsPerTransaction", 10),
                    intProperty("durationSeconds", 20),
                    intProperty("warmupSeconds", 5),
                    intProperty("payloadBytes", 200),
                    intProperty("streams", 1000),
                    intProperty(
                            "batchSize", OutboxRelayConfig.defaults("x", "x").batchSize()),
                    intProperty("idlePollMillis", (int)
                            OutboxRelayConfig.defaults("x", "x").idlePoll().toMillis()),
                    Boolean.parseBoolean(System.getProperty("durable", "true")),
                    intProperty("targetRate", 0),
                    System.getProperty("relaySynchronousCommit", ""),
                    producerProperties(),
                    System.getProperty("report"));
            if (params.writers < 1
                    || params.eventsPerTransaction < 1
                    || params.durationSeconds < 1
                    || params.warmupSeconds < 0
                    || params.payloadBytes < 0
                    || params.streams < params.writers
                    || params.targetRate < 0) {
                throw new IllegalArgumentException("invalid parameters " + params
                        + " (need writers >= 1, eventsPerTransaction >= 1, durationSeconds >= 1, streams >= writers)");
            }
            return params;
        }

        /** {@code -Dproducer.batch.size=262144} becomes the relay producer's {@code batch.size}. */
        private static Map<String, String> producerProperties() {
            Map<String, String> producer = new TreeMap<>();
            System.getProperties().stringPropertyNames().stream()
                    .filter(name -> name.startsWith("producer."))
                    .forEach(name -> producer.put(name.substring("producer.".length()), System.getProperty(name)));
            return producer;
        }

        private static int intProperty(String name, int defaultValue) {
            String value = System.getProperty(name);
            return value == null || value.isBlank() ? defaultValue : Integer.parseInt(value.trim());
        }
    }

    /** When the events of one transaction became durable, on both clocks. */
    record Commit(long nanos, long epochMicros, boolean measured) {}

    public static void main(String[] args) throws Exception {
        quietLogging();
        Params params = Params.fromSystemProperties();
        System.out.println("AppendPublishBenchmark " + params);
        System.out.println("starting PostgreSQL ("
                + (params.durable()
                        ? "dedicated, fsync=on, synchronous_commit=on"
                        : "SharedInfrastructure, as the tests run it")
                + ") and Kafka ...");
        Database database = params.durable() ? Database.durable() : Database.shared();
        KafkaBroker kafka = SharedInfrastructure.kafka();
        int exitCode = 0;
        try {
            exitCode = new Run(params, database, kafka).execute();
        } finally {
            // exec:java waits for non-daemon threads after main returns: stop the servers explicitly.
            kafka.stop();
            database.close();
        }
        if (exitCode != 0) {
            System.exit(exitCode);
        }
    }

    /**
     * Sets the log level to WARN as a deployed service would have it (Quarkus: INFO). Unconfigured, the
     * JBoss LogManager that slf4j binds to here has its root at ALL, so the Kafka clients and the
     * in-process broker format every TRACE and DEBUG message (requests serialised to JSON, each record's
     * toString) before dropping it: measured at over a third of this JVM's CPU, which would make the relay
     * look several times slower than it is.
     */
    private static void quietLogging() {
        LogContext.getLogContext().getLogger("").setLevel(Level.WARN);
        if (LoggerFactory.getLogger("org.apache.kafka").isDebugEnabled()) {
            System.err.println("warning: Kafka DEBUG logging is still enabled ("
                    + LoggerFactory.getILoggerFactory().getClass().getName()
                    + "); client and broker CPU will be overstated");
        }
    }

    /**
     * The PostgreSQL to measure against. SharedInfrastructure's server is zonky's embedded PostgreSQL,
     * which starts postgres with {@code -F} (fsync off) and {@code synchronous_commit=off}: right for
     * tests, wrong for a throughput claim. The durable variant runs the same binaries with both turned
     * back on (a later {@code -c fsync=on} overrides {@code -F}); everything else is PostgreSQL's default.
     */
    record Database(String host, int port, String username, String password, AutoCloseable server)
            implements AutoCloseable {

        static Database durable() throws IOException {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            return new Database("127.0.0.1", postgres.getPort(), "postgres", "postgres", postgres);
        }

        static Database shared() {
            PostgresServer postgres = SharedInfrastructure.postgres();
            return new Database("127.0.0.1", postgres.port(), postgres.username(), postgres.password(), postgres::stop);
        }

        String jdbcUrl(String database) {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
        }

        void createDatabaseIfMissing(String name) throws SQLException {
            try (Connection connection = DriverManager.getConnection(jdbcUrl("postgres"), username, password);
                    Statement statement = connection.createStatement()) {
                try (ResultSet row =
                        statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
                    if (row.next()) {
                        return;
                    }
                }
                statement.execute("CREATE DATABASE " + name);
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }

    private static final class Run {

        private final Params params;
        private final Database postgres;
        private final KafkaBroker kafka;
        private final ConcurrentHashMap<String, Commit> commits = new ConcurrentHashMap<>();
        private final AtomicLong appendedEvents = new AtomicLong();
        private final AtomicLong appendErrors = new AtomicLong();
        private volatile boolean writersRunning = true;
        private volatile boolean consumerRunning = true;
        private long measureStart;
        private long measureEnd;

        Run(Params params, Database postgres, KafkaBroker kafka) {
            this.params = params;
            this.postgres = postgres;
            this.kafka = kafka;
        }

        int execute() throws Exception {
            postgres.createDatabaseIfMissing(DATABASE);
            String schema =
                    "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setUrl(postgres.jdbcUrl(DATABASE));
            dataSource.setUser(postgres.username());
            dataSource.setPassword(postgres.password());
            dataSource.setCurrentSchema(schema);
            EventStoreSchema.migrate(dataSource, schema);

            Map<String, String> settings = serverSettings(dataSource);
            long postmasterPid = postmasterPid(Path.of(settings.get("data_directory")));
            double fsyncMillis = fsyncProbe(Path.of(settings.get("data_directory")));

            String topic = "bench.events." + UUID.randomUUID();
            Map<String, Object> kafkaProperties = new HashMap<>(params.producer());
            kafkaProperties.put("bootstrap.servers", kafka.bootstrapServers());
            createTopic(kafkaProperties, topic);

            OutboxRelayConfig relayConfig = OutboxRelayConfig.defaults("bench", topic)
                    .withBatchSize(params.batchSize())
                    .withIdlePoll(Duration.ofMillis(params.idlePollMillis()));
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            EventStore store = new EventStore(new Transactions(dataSource));

            Consumer consumer = new Consumer(topic);
            Thread consumerThread = Thread.ofPlatform().name("bench-consumer").start(consumer);
            consumer.ready.await(60, TimeUnit.SECONDS);

            PGSimpleDataSource relayDataSource = dataSource;
            if (!params.relaySynchronousCommit().isBlank()) {
                // Only the relay's session (its cursor saves): losing the last cursor save in a crash means
                // republishing one batch, which consumers already deduplicate.
                relayDataSource = new PGSimpleDataSource();
                relayDataSource.setUrl(dataSource.getUrl());
                relayDataSource.setUser(dataSource.getUser());
                relayDataSource.setPassword(dataSource.getPassword());
                relayDataSource.setCurrentSchema(schema);
                relayDataSource.setOptions("-c synchronous_commit=" + params.relaySynchronousCommit());
            }
            try (OutboxRelay relay = new OutboxRelay(relayDataSource, relayConfig, kafkaProperties, meters)) {
                relay.start();

                long start = System.nanoTime();
                measureStart = start + TimeUnit.SECONDS.toNanos(params.warmupSeconds());
                measureEnd = measureStart + TimeUnit.SECONDS.toNanos(params.durationSeconds());
                List<Writer> writers = new ArrayList<>();
                List<Thread> writerThreads = new ArrayList<>();
                for (int w = 0; w < params.writers(); w++) {
                    Writer writer = new Writer(w, dataSource.getConnection(), store, relay);
                    writers.add(writer);
                    writerThreads.add(
                            Thread.ofPlatform().name("bench-writer-" + w).start(writer));
                }
                System.out.printf(
                        Locale.ROOT,
                        "warming up %d s, then measuring %d s with %d writers ...%n",
                        params.warmupSeconds(),
                        params.durationSeconds(),
                        params.writers());

                sleepUntil(measureStart);
                Snapshot before = Snapshot.take(dataSource, DATABASE, postmasterPid);
                String loadBefore = loadAverage();
                sleepUntil(measureEnd);
                Snapshot after = Snapshot.take(dataSource, DATABASE, postmasterPid);
                String load = loadBefore + " -> " + loadAverage();
                writersRunning = false;
                for (Thread thread : writerThreads) {
                    thread.join();
                }
                long appended = appendedEvents.get();
                long drainStart = System.nanoTime();
                long drainDeadline = drainStart + DRAIN_TIMEOUT.toNanos();
                while (consumer.distinct() < appended && System.nanoTime() < drainDeadline) {
                    Thread.sleep(20);
                }
                double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
                Thread.sleep(500); // let late duplicates (if any) arrive before counting
                consumerRunning = false;
                consumerThread.join();
                consumer.resolveEarly();
                RelayStatus status = relay.status();
                long cursorSaves = cursorSaves(dataSource);

                Result result = new Result(
                        params,
                        settings,
                        fsyncMillis,
                        writers,
                        consumer,
                        appended,
                        appendErrors.get(),
                        status,
                        cursorSaves,
                        before,
                        after,
                        load,
                        (measureEnd - measureStart) / 1e9,
                        drainSeconds);
                result.print();
                return appended == consumer.distinct() && appendErrors.get() == 0 ? 0 : 1;
            }
        }

        private void sleepUntil(long nanoTime) throws InterruptedException {
            long remaining;
            while ((remaining = nanoTime - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.sleep(remaining);
            }
        }

        /** One writer: its own connection, its own streams, explicit transactions with durable commits. */
        final class Writer implements Runnable {
            private final Connection connection;
            private final EventStore store;
            private final OutboxRelay relay;
            private final String[] streams;
            private final long[] versions;
            private final List<NewEvent> events;
            final LongSamples transactionMicros = new LongSamples();
            long measuredTransactions;
            long measuredEvents;

            Writer(int index, Connection connection, EventStore store, OutboxRelay relay) throws SQLException {
                this.connection = connection;
                this.store = store;
                this.relay = relay;
                connection.setAutoCommit(false);
                List<String> owned = new ArrayList<>();
                for (int s = index; s < params.streams(); s += params.writers()) {
                    owned.add(String.format(Locale.ROOT, "bench/stream-%06d", s));
                }
                this.streams = owned.toArray(String[]::new);
                this.versions = new long[streams.length];
                byte[] payload = new byte[params.payloadBytes()];
                new Random(index).nextBytes(payload);
                NewEvent event = new NewEvent(EVENT_TYPE, 1, CONTENT_TYPE, payload);
                this.events = Collections.nCopies(params.eventsPerTransaction(), event);
            }

            @Override
            public void run() {
                int next = 0;
                // Open-loop pacing when a target rate is set: this writer's share, one transaction per interval.
                long interval = params.targetRate() == 0
                        ? 0
                        : (long) (1e9 * params.eventsPerTransaction() * params.writers() / params.targetRate());
                long due = System.nanoTime();
                try (connection) {
                    while (writersRunning && System.nanoTime() < measureEnd) {
                        if (interval > 0) {
                            due += interval;
                            long wait = due - System.nanoTime();
                            if (wait > 0) {
                                parkNanos(wait);
                            } else if (wait < -1_000_000_000L) {
                                due = System.nanoTime(); // far behind: the rate is above capacity, do not burst
                            }
                        }
                        int slot = next++ % streams.length;
                        String stream = streams[slot];
                        long expected = versions[slot];
                        long begin = System.nanoTime();
                        try {
                            store.append(connection, stream, expected, events);
                            connection.commit();
                        } catch (SQLException | RuntimeException e) {
                            appendErrors.incrementAndGet();
                            System.err.println("append failed on " + stream + ": " + e);
                            connection.rollback();
                            continue;
                        }
                        long committed = System.nanoTime();
                        boolean measured = committed >= measureStart && committed < measureEnd;
                        Commit commit = new Commit(committed, epochMicros(), measured);
                        for (int i = 1; i <= events.size(); i++) {
                            commits.put(stream + "@" + (expected + i), commit);
                        }
                        versions[slot] = expected + events.size();
                        appendedEvents.addAndGet(events.size());
                        relay.wakeUp(); // what Transactions.onCommit(relay::wakeUp) does in the services
                        if (measured) {
                            measuredTransactions++;
                            measuredEvents += events.size();
                            transactionMicros.add((committed - begin) / 1000);
                        }
                    }
                } catch (SQLException e) {
                    appendErrors.incrementAndGet();
                    System.err.println("writer connection failed: " + e);
                }
            }
        }

        /** Reads the topic from the beginning and matches each envelope with its commit time. */
        final class Consumer implements Runnable {
            private final String topic;
            final CountDownLatch ready = new CountDownLatch(1);
            private final Set<String> seen = new HashSet<>();
            private final Map<String, long[]> early = new HashMap<>();
            private volatile long distinct;
            long duplicates;
            long unknown;
            long earlyArrivals;
            final LongSamples endToEndMicros = new LongSamples();
            final LongSamples commitToBrokerMicros = new LongSamples();
            final LongSamples brokerToConsumerMicros = new LongSamples();
            final LongSamples insertToConsumerMicros = new LongSamples();

            Consumer(String topic) {
                this.topic = topic;
            }

            long distinct() {
                return distinct;
            }

            @Override
            public void run() {
                Map<String, Object> properties = Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
                try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties)) {
                    List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                            .map(info -> new TopicPartition(info.topic(), info.partition()))
                            .toList();
                    consumer.assign(partitions);
                    consumer.seekToBeginning(partitions);
                    partitions.forEach(consumer::position);
                    ready.countDown();
                    while (consumerRunning) {
                        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
                        long receivedNanos = System.nanoTime();
                        long receivedMicros = epochMicros();
                        for (ConsumerRecord<String, byte[]> record : records) {
                            accept(record, receivedNanos, receivedMicros);
                        }
                    }
                } catch (RuntimeException e) {
                    ready.countDown();
                    System.err.println("consumer failed: " + e);
                    e.printStackTrace();
                }
            }

            private void accept(ConsumerRecord<String, byte[]> record, long receivedNanos, long receivedMicros) {
                EventEnvelope envelope;
                try {
                    envelope = EventEnvelope.parseFrom(record.value());
                } catch (InvalidProtocolBufferException e) {
                    unknown++;
                    return;
                }
                String key = envelope.getStreamId() + "@" + envelope.getVersion();
                if (!seen.add(key)) {
                    duplicates++;
                    return;
                }
                distinct = seen.size();
                Commit commit = commits.remove(key);
                if (commit == null) {
                    // The writer had not yet recorded its commit time: resolved after the drain.
                    early.put(key, new long[] {
                        receivedNanos, receivedMicros, brokerMicros(record), recordedAtMicros(envelope)
                    });
                    return;
                }
                record(commit, receivedNanos, receivedMicros, brokerMicros(record), recordedAtMicros(envelope));
            }

            private void record(
                    Commit commit, long receivedNanos, long receivedMicros, long brokerMicros, long recordedAtMicros) {
                if (!commit.measured()) {
                    return;
                }
                endToEndMicros.add(Math.max(0, (receivedNanos - commit.nanos()) / 1000));
                insertToConsumerMicros.add(Math.max(0, receivedMicros - recordedAtMicros));
                if (brokerMicros >= 0) {
                    commitToBrokerMicros.add(Math.max(0, brokerMicros - commit.epochMicros()));
                    brokerToConsumerMicros.add(Math.max(0, receivedMicros - brokerMicros));
                }
            }

            void resolveEarly() {
                for (Map.Entry<String, long[]> entry : early.entrySet()) {
                    Commit commit = commits.remove(entry.getKey());
                    if (commit == null) {
                        unknown++;
                        continue;
                    }
                    earlyArrivals++;
                    long[] at = entry.getValue();
                    record(commit, at[0], at[1], at[2], at[3]);
                }
                early.clear();
            }

            private static long brokerMicros(ConsumerRecord<String, byte[]> record) {
                return record.timestampType() == TimestampType.LOG_APPEND_TIME ? record.timestamp() * 1000 : -1;
            }

            private static long recordedAtMicros(EventEnvelope envelope) {
                return envelope.getRecordedAt().getSeconds() * 1_000_000
                        + envelope.getRecordedAt().getNanos() / 1000;
            }
        }
    }

    private static void parkNanos(long nanos) {
        long end = System.nanoTime() + nanos;
        long remaining;
        while ((remaining = end - System.nanoTime()) > 0) {
            LockSupport.parkNanos(remaining);
        }
    }

    private static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    /**
     * The event topic as the relay would create it (one partition, kept forever), but stamped with the
     * broker's append time so the report can split the latency into relay and consumer parts.
     */
    private static void createTopic(Map<String, Object> kafkaProperties, String topic) throws Exception {
        try (Admin admin = Admin.create(kafkaProperties)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) -1)
                            .configs(Map.of(
                                    "retention.ms", "-1",
                                    "message.timestamp.type", "LogAppendTime"))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    private static Map<String, String> serverSettings(PGSimpleDataSource dataSource) throws SQLException {
        Map<String, String> settings = new LinkedHashMap<>();
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            for (String name : List.of(
                    "server_version",
                    "synchronous_commit",
                    "fsync",
                    "wal_sync_method",
                    "full_page_writes",
                    "commit_delay",
                    "shared_buffers",
                    "max_wal_size",
                    "data_directory")) {
                try (ResultSet row = statement.executeQuery("SHOW " + name)) {
                    row.next();
                    settings.put(name, row.getString(1));
                }
            }
        }
        return settings;
    }

    /** Mean latency of an 8 KiB write + fdatasync on the file system that holds PGDATA. */
    private static double fsyncProbe(Path dataDirectory) {
        Path directory = dataDirectory.getParent() != null ? dataDirectory.getParent() : dataDirectory;
        Path file = null;
        try {
            file = Files.createTempFile(directory, "fsync-probe-", ".bin");
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ByteBuffer block = ByteBuffer.allocate(8192);
                int rounds = 200;
                long start = 0;
                for (int i = -20; i < rounds; i++) {
                    if (i == 0) {
                        start = System.nanoTime();
                    }
                    block.clear();
                    channel.write(block, 0);
                    channel.force(false);
                }
                return (System.nanoTime() - start) / 1e6 / rounds;
            }
        } catch (IOException e) {
            return Double.NaN;
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a leftover probe file in a temporary cluster's parent directory is harmless
                }
            }
        }
    }

    private static long postmasterPid(Path dataDirectory) {
        try {
            return Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid"))
                    .getFirst()
                    .trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String loadAverage() {
        return dev.tendril.testing.MachineLoad.averages();
    }

    private static long cursorSaves(PGSimpleDataSource dataSource) throws SQLException, InterruptedException {
        Thread.sleep(600); // statistics reach the collector at most every 500 ms
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT coalesce(sum(n_tup_ins + n_tup_upd), -1) "
                        + "FROM pg_stat_user_tables WHERE relname = 'outbox_cursors' "
                        + "AND schemaname = current_schema()")) {
            row.next();
            return row.getLong(1);
        }
    }

    /**
     * Counters at one instant: WAL syncs and commits of the server, CPU jiffies of the machine, CPU time of
     * this JVM (writers, relay, consumer and the in-process Kafka broker) and of this PostgreSQL.
     */
    record Snapshot(long walSyncs, long walRecords, long commits, long[] cpu, long jvmCpuNanos, long postgresTicks) {

        static Snapshot take(PGSimpleDataSource dataSource, String database, long postmasterPid) {
            long walSyncs = -1;
            long walRecords = -1;
            long commits = -1;
            try (Connection connection = dataSource.getConnection();
                    Statement statement = connection.createStatement()) {
                try (ResultSet row = statement.executeQuery("SELECT wal_sync, wal_records FROM pg_stat_wal")) {
                    if (row.next()) {
                        walSyncs = row.getLong(1);
                        walRecords = row.getLong(2);
                    }
                }
                try (ResultSet row = statement.executeQuery(
                        "SELECT xact_commit FROM pg_stat_database WHERE datname = '" + database + "'")) {
                    if (row.next()) {
                        commits = row.getLong(1);
                    }
                }
            } catch (SQLException e) {
                // statistics are diagnostics only
            }
            return new Snapshot(
                    walSyncs, walRecords, commits, cpuTicks(), readJvmCpuNanos(), readPostgresTicks(postmasterPid));
        }

        private static long readJvmCpuNanos() {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                return os.getProcessCpuTime();
            }
            return -1;
        }

        /** utime+stime of the postmaster, its reaped children and its live children, in clock ticks. */
        private static long readPostgresTicks(long postmasterPid) {
            if (postmasterPid <= 0) {
                return -1;
            }
            long ticks = 0;
            try (var entries = Files.list(Path.of("/proc"))) {
                for (Path entry : entries.toList()) {
                    String name = entry.getFileName().toString();
                    if (!name.chars().allMatch(Character::isDigit)) {
                        continue;
                    }
                    try {
                        String stat = Files.readString(entry.resolve("stat"));
                        String[] fields =
                                stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        long pid = Long.parseLong(name);
                        long parent = Long.parseLong(fields[1]);
                        if (pid == postmasterPid) {
                            ticks += Long.parseLong(fields[11])
                                    + Long.parseLong(fields[12])
                                    + Long.parseLong(fields[13])
                                    + Long.parseLong(fields[14]);
                        } else if (parent == postmasterPid) {
                            ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                        }
                    } catch (IOException | RuntimeException ignored) {
                        // the process exited meanwhile
                    }
                }
            } catch (IOException | RuntimeException e) {
                return -1;
            }
            return ticks;
        }

        /** Total and idle+iowait jiffies, and iowait alone, from /proc/stat; empty when unavailable. */
        private static long[] cpuTicks() {
            try {
                String line = Files.readAllLines(Path.of("/proc/stat")).getFirst();
                String[] fields = line.trim().split("\\s+");
                long total = 0;
                for (int i = 1; i < fields.length && i <= 8; i++) {
                    total += Long.parseLong(fields[i]);
                }
                long idle = Long.parseLong(fields[4]);
                long iowait = Long.parseLong(fields[5]);
                return new long[] {total, idle + iowait, iowait};
            } catch (IOException | RuntimeException e) {
                return new long[0];
            }
        }
    }

    /** A growable array of samples with nearest-rank percentiles (exact, no histogram buckets). */
    static final class LongSamples {
        private long[] values = new long[1024];
        private int size;
        private boolean sorted;

        void add(long value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
            sorted = false;
        }

        static LongSamples merge(List<LongSamples> parts) {
            LongSamples merged = new LongSamples();
            for (LongSamples part : parts) {
                for (int i = 0; i < part.size; i++) {
                    merged.add(part.values[i]);
                }
            }
            return merged;
        }

        int size() {
            return size;
        }

        long percentile(double q) {
            if (size == 0) {
                return -1;
            }
            if (!sorted) {
                Arrays.sort(values, 0, size);
                sorted = true;
            }
            int rank = (int) Math.ceil(q * size);
            return values[Math.min(size, Math.max(1, rank)) - 1];
        }

        long max() {
            return percentile(1.0);
        }
    }

    private record Result(
            Params params,
            Map<String, String> settings,
            double fsyncMillis,
            List<Run.Writer> writers,
            Run.Consumer consumer,
            long appended,
            long appendErrors,
            RelayStatus relay,
            long cursorSaves,
            Snapshot before,
            Snapshot after,
            String load,
            double seconds,
            double drainSeconds) {

        void print() {
            long events = writers.stream().mapToLong(w -> w.measuredEvents).sum();
            long transactions =
                    writers.stream().mapToLong(w -> w.measuredTransactions).sum();
            double eventsPerSecond = events / seconds;
            double transactionsPerSecond = transactions / seconds;
            LongSamples txMicros = LongSamples.merge(
                    writers.stream().map(w -> w.transactionMicros).toList());
            LongSamples e2e = consumer.endToEndMicros;
            String machine = machine();
            String when =
                    DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(
                                    Instant.now().atOffset(ZoneOffset.UTC).withNano(0)) + "Z";
            double walSyncsPerSecond = delta(before.walSyncs(), after.walSyncs()) / seconds;
            double commitsPerSecond = delta(before.commits(), after.commits()) / seconds;
            String cpu = cpuUsage(before, after);

            StringBuilder out = new StringBuilder();
            out.append("\n=== Append + publish benchmark (").append(when).append(") ===\n");
            out.append("machine:           ").append(machine).append('\n');
            out.append("postgresql:        ")
                    .append(settings.get("server_version"))
                    .append(", synchronous_commit=")
                    .append(settings.get("synchronous_commit"))
                    .append(", fsync=")
                    .append(settings.get("fsync"))
                    .append(", wal_sync_method=")
                    .append(settings.get("wal_sync_method"))
                    .append(", full_page_writes=")
                    .append(settings.get("full_page_writes"))
                    .append(", commit_delay=")
                    .append(settings.get("commit_delay"))
                    .append(", shared_buffers=")
                    .append(settings.get("shared_buffers"))
                    .append('\n');
            out.append(String.format(
                    Locale.ROOT,
                    "disk fsync probe:  %.2f ms per 8 KiB write+fdatasync (same fs as PGDATA)%n",
                    fsyncMillis));
            out.append(String.format(
                    Locale.ROOT,
                    "parameters:        writers=%d eventsPerTransaction=%d payloadBytes=%d streams=%d "
                            + "warmupSeconds=%d durationSeconds=%d targetRate=%s%n"
                            + "                   relay batchSize=%d idlePoll=%dms synchronous_commit=%s producer %s%n",
                    params.writers(),
                    params.eventsPerTransaction(),
                    params.payloadBytes(),
                    params.streams(),
                    params.warmupSeconds(),
                    params.durationSeconds(),
                    params.targetRate() == 0 ? "unthrottled" : params.targetRate() + " events/s",
                    params.batchSize(),
                    params.idlePollMillis(),
                    params.relaySynchronousCommit().isBlank() ? "as server" : params.relaySynchronousCommit(),
                    params.producer().isEmpty() ? "defaults" : params.producer()));
            out.append(String.format(Locale.ROOT, "measured window:   %.2f s%n", seconds));
            out.append(String.format(
                    Locale.ROOT,
                    "appended:          %,d events in %,d transactions (committed in window)%n",
                    events,
                    transactions));
            out.append(String.format(
                    Locale.ROOT,
                    "throughput:        %,.0f events/s, %,.0f tx/s%n",
                    eventsPerSecond,
                    transactionsPerSecond));
            out.append(String.format(
                    Locale.ROOT,
                    "append+commit:     p50 %s  p90 %s  p99 %s  max %s  (per transaction)%n",
                    ms(txMicros.percentile(0.50)),
                    ms(txMicros.percentile(0.90)),
                    ms(txMicros.percentile(0.99)),
                    ms(txMicros.max())));
            out.append(String.format(
                    Locale.ROOT,
                    "commit->consumed:  p50 %s  p90 %s  p99 %s  max %s  (%,d samples)%n",
                    ms(e2e.percentile(0.50)),
                    ms(e2e.percentile(0.90)),
                    ms(e2e.percentile(0.99)),
                    ms(e2e.max()),
                    e2e.size()));
            out.append(String.format(
                    Locale.ROOT,
                    "  commit->broker:  p50 %s  p99 %s  (relay: poll, send, ack; broker LogAppendTime, ms)%n",
                    ms(consumer.commitToBrokerMicros.percentile(0.50)),
                    ms(consumer.commitToBrokerMicros.percentile(0.99))));
            out.append(String.format(
                    Locale.ROOT,
                    "  broker->consumed: p50 %s  p99 %s%n",
                    ms(consumer.brokerToConsumerMicros.percentile(0.50)),
                    ms(consumer.brokerToConsumerMicros.percentile(0.99))));
            out.append(String.format(
                    Locale.ROOT,
                    "insert->consumed:  p50 %s  p99 %s  (from recorded_at, includes the rest of the transaction)%n",
                    ms(consumer.insertToConsumerMicros.percentile(0.50)),
                    ms(consumer.insertToConsumerMicros.percentile(0.99))));
            out.append(String.format(
                    Locale.ROOT,
                    "delivery:          appended %,d (incl. warm-up), consumed %,d distinct, %,d duplicates, "
                            + "%,d unknown, %,d append errors -> %s; drain %.2f s after writers stopped%n",
                    appended,
                    consumer.distinct(),
                    consumer.duplicates,
                    consumer.unknown,
                    appendErrors,
                    appended == consumer.distinct() ? "MATCH" : "MISMATCH",
                    drainSeconds));
            out.append(String.format(
                    Locale.ROOT,
                    "relay:             published %,d, failures %d, %,d cursor saves (~%.0f events per round)%n",
                    relay.publishedTotal(),
                    relay.failuresTotal(),
                    cursorSaves,
                    cursorSaves > 0 ? (double) relay.publishedTotal() / cursorSaves : Double.NaN));
            out.append(String.format(
                    Locale.ROOT,
                    "server (approx.):  %,.0f commits/s, %,.0f WAL fsyncs/s (%.1f commits per fsync)%n",
                    commitsPerSecond,
                    walSyncsPerSecond,
                    walSyncsPerSecond > 0 ? commitsPerSecond / walSyncsPerSecond : Double.NaN));
            out.append("cpu in window:     ").append(cpu).append('\n');
            double cpuSeconds = before.jvmCpuNanos() < 0 || before.postgresTicks() < 0
                    ? Double.NaN
                    : (after.jvmCpuNanos() - before.jvmCpuNanos()) / 1e9
                            + (after.postgresTicks() - before.postgresTicks()) / 100.0;
            out.append(String.format(
                    Locale.ROOT,
                    "efficiency:        %,.0f events per CPU-second of this JVM + its PostgreSQL "
                            + "(less sensitive to other load than events/s)%n",
                    events / cpuSeconds));
            out.append("load average:      ").append(load).append(" (1/5/15 min, at window start -> end)\n");

            String row = String.format(
                    Locale.ROOT,
                    "| %d | %d | %d | %d | %,.0f | %,.0f | %s | %s | %s | %s | %s | %,d / %,d |",
                    params.writers(),
                    params.eventsPerTransaction(),
                    params.payloadBytes(),
                    params.batchSize(),
                    eventsPerSecond,
                    transactionsPerSecond,
                    ms(txMicros.percentile(0.50)),
                    ms(e2e.percentile(0.50)),
                    ms(e2e.percentile(0.90)),
                    ms(e2e.percentile(0.99)),
                    ms(e2e.max()),
                    consumer.distinct(),
                    appended);
            StringBuilder markdown = new StringBuilder();
            markdown.append("<!-- ")
                    .append(when)
                    .append(", ")
                    .append(machine)
                    .append(", synchronous_commit=")
                    .append(settings.get("synchronous_commit"))
                    .append(", fsync=")
                    .append(settings.get("fsync"))
                    .append(" -->\n");
            markdown.append("| writers | events/tx | payload B | relay batch | events/s | tx/s | append+commit p50 ms "
                    + "| e2e p50 ms | e2e p90 ms | e2e p99 ms | e2e max ms | consumed / appended |\n");
            markdown.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            markdown.append(row).append('\n');

            System.out.print(out);
            System.out.println("\nmarkdown:\n");
            System.out.println(markdown);
            if (params.report() != null && !params.report().isBlank()) {
                try {
                    Path file = Path.of(params.report());
                    if (file.getParent() != null) {
                        Files.createDirectories(file.getParent());
                    }
                    Files.writeString(
                            file,
                            "```\n" + out + "```\n\n" + markdown,
                            StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                    System.out.println("report appended to " + file.toAbsolutePath());
                } catch (IOException e) {
                    System.err.println("cannot write report " + params.report() + ": " + e);
                }
            }
        }

        private static long delta(long before, long after) {
            return before < 0 || after < 0 ? 0 : after - before;
        }

        private static String ms(long micros) {
            return micros < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", micros / 1000.0);
        }

        /** CPU use in percent of one core (2 cores = 200%), split into this benchmark and everything else. */
        private static String cpuUsage(Snapshot before, Snapshot after) {
            long[] b = before.cpu();
            long[] a = after.cpu();
            if (b.length < 3 || a.length < 3 || a[0] <= b[0]) {
                return "n/a";
            }
            int cores = Runtime.getRuntime().availableProcessors();
            double capacity = 100.0 * cores;
            double total = a[0] - b[0];
            double busy = capacity * (total - (a[1] - b[1])) / total;
            double iowait = capacity * (a[2] - b[2]) / total;
            double wallTicks = total / cores; // jiffies per core in the window
            double jvm = before.jvmCpuNanos() < 0
                    ? Double.NaN
                    : 100.0 * (after.jvmCpuNanos() - before.jvmCpuNanos()) / (wallTicks * 1e7);
            double postgres = before.postgresTicks() < 0
                    ? Double.NaN
                    : 100.0 * (after.postgresTicks() - before.postgresTicks()) / wallTicks;
            double others = busy - (Double.isNaN(jvm) ? 0 : jvm) - (Double.isNaN(postgres) ? 0 : postgres);
            return String.format(
                    Locale.ROOT,
                    "machine %.0f%% of %.0f%% busy (iowait %.0f%%): this JVM (writers, relay, "
                            + "consumer, Kafka broker) %.0f%%, its PostgreSQL %.0f%%, other processes %.0f%%",
                    busy,
                    capacity,
                    iowait,
                    jvm,
                    postgres,
                    others);
        }

        private static String machine() {
            String model = "unknown CPU";
            try {
                model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                        .filter(line -> line.startsWith("model name"))
                        .findFirst()
                        .map(line -> line.substring(line.indexOf(':') + 1).trim())
                        .orElse(model);
            } catch (IOException | RuntimeException ignored) {
                // not Linux
            }
            long memoryGiB = -1;
            try {
                memoryGiB = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                        .filter(line -> line.startsWith("MemTotal:"))
                        .findFirst()
                        .map(line -> Long.parseLong(line.replaceAll("\\D", "")) / 1024 / 1024)
                        .orElse(-1L);
            } catch (IOException | RuntimeException ignored) {
                // not Linux
            }
            return String.format(
                    Locale.ROOT,
                    "%d cores %s, %s GiB RAM, Java %s",
                    Runtime.getRuntime().availableProcessors(),
                    model,
                    memoryGiB < 0 ? "?" : memoryGiB + "",
                    Runtime.version());
        }
    }
}
