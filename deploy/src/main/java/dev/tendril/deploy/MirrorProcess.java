package dev.tendril.deploy;

import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.StackFile;
import dev.tendril.security.Credential;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.apache.kafka.connect.mirror.MirrorMaker;

/**
 * The MirrorMaker 2 JVM the launcher runs per ClusterMesh peer, in dedicated mode: one Connect herder for the flow
 * {@code <peer>-><local>} in the local Kafka, replicating the peer's four published topics into
 * {@code <peer>.tendril.*} (DefaultReplicationPolicy, separator "."), keys, values and tombstones byte for byte, the
 * topics' compaction copied. No checkpoints, no heartbeats, no group offset or ACL sync; offset-syncs are kept in the
 * local Kafka, so the peer grants only reads. Exits (and is started again by the supervisor, with the new address)
 * when the peer's stack.json names another Kafka address. Arguments: {@code DATA_DIR LOCAL_CLUSTER PEER
 * LOCAL_BOOTSTRAP}; the peer's data directory comes from {@code DATA_DIR/mesh/peers.json}.
 */
public final class MirrorProcess {

    static final String READY = "MirrorMaker 2 is replicating ";

    /**
     * A JVM option of this process: Kafka's TLS clients turn the PEM credentials into PKCS12 key stores that exist only
     * in memory, whose key encryption (10,000 PBKDF2 rounds by default, on store and again on load, per client) guards
     * nothing the PEM file on disk does not already hold. MirrorMaker 2 starts about ten clients, and those rounds were
     * about 0.3 s of its start on a 2-vCPU machine, all before the first record is copied.
     */
    static final String IN_MEMORY_KEY_STORES = "-Dkeystore.pkcs12.keyPbeIterationCount=1";

    private static final long WATCH_SECONDS = 5;
    /** A peer connected by address is asked where its Kafka is every this many watches (30 s). */
    private static final long ADDRESS_WATCH_EVERY = 6;
    // Held so that java.util.logging keeps the levels.
    private static final List<Logger> LOGGERS =
            List.of(Logger.getLogger("org.apache.kafka"), Logger.getLogger("org.apache.kafka.connect.mirror"));

    private MirrorProcess() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 4) {
            System.err.println("usage: MirrorProcess DATA_DIR LOCAL_CLUSTER PEER LOCAL_BOOTSTRAP");
            System.exit(2);
        }
        LOGGERS.get(0).setLevel(Level.WARNING);
        LOGGERS.get(1).setLevel(Level.INFO);
        DataDir dataDir = new DataDir(Path.of(args[0]));
        String local = args[1];
        String peer = args[2];
        MeshPeers.Peer record = new MeshPeers(Path.of(args[0]))
                .find(peer)
                .orElseThrow(() -> new IllegalStateException("no peer " + peer + " in " + MeshPeers.FILE));
        Optional<String> peerKafka = record.kafkaNow();
        if (peerKafka.isEmpty()) {
            System.err.println("the peer " + peer + " (" + record.source() + ") has no stack.json naming its Kafka: "
                    + "waiting for it to start");
            awaitKafka(record);
            System.exit(3);
        }
        Map<String, String> config = config(local, peer, args[3], peerKafka.get(), new MeshCredentials(dataDir));
        MirrorMaker mirror = new MirrorMaker(config, List.of(local));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            mirror.stop();
                            stopped.countDown();
                        },
                        "mirror-stop"));
        try {
            mirror.start();
        } catch (RuntimeException e) {
            System.err.println("MirrorMaker 2 did not start: " + e);
            e.printStackTrace();
            System.exit(1);
        }
        System.out.println(READY + peer + " (" + peerKafka.get() + ") into " + local + " (" + args[3] + "): "
                + String.join(", ", MeshAcls.REPLICATED_TOPICS));
        MeshCredentials credentials = new MeshCredentials(dataDir);
        long watches = 0;
        while (!stopped.await(WATCH_SECONDS, TimeUnit.SECONDS)) {
            Optional<String> now = record.byAddress()
                    ? (++watches % ADDRESS_WATCH_EVERY == 0 ? askedKafka(record, local, credentials) : Optional.empty())
                    : kafkaOf(Path.of(record.dataDir()));
            if (now.isPresent() && !now.get().equals(peerKafka.get())) {
                System.out.println("The peer's Kafka moved from " + peerKafka.get() + " to " + now.get()
                        + ": exiting to be started again with it");
                System.exit(3);
            }
        }
    }

    /** The MirrorMaker 2 configuration of the flow {@code peer->local}, TLS client certificates inline (PEM). */
    static Map<String, String> config(
            String local, String peer, String localBootstrap, String peerBootstrap, MeshCredentials credentials) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("clusters", peer + "," + local);
        config.put(peer + ".bootstrap.servers", peerBootstrap);
        config.put(local + ".bootstrap.servers", localBootstrap);
        tls(config, peer, credentials.peerAuthority(peer), credentials.atPeer(peer));
        tls(config, local, credentials.localAuthority(), credentials.mirror(peer));
        String flow = peer + "->" + local + ".";
        config.put(flow + "enabled", "true");
        config.put(
                flow + "topics",
                MeshAcls.REPLICATED_TOPICS.stream()
                        .map(t -> t.replace(".", "\\."))
                        .collect(Collectors.joining(",")));
        config.put(local + "->" + peer + ".enabled", "false");
        // Only the flow's own herder: heartbeats would add one writing into the peer.
        config.put("emit.heartbeats.enabled", "false");
        config.put("emit.checkpoints.enabled", "false");
        config.put("sync.group.offsets.enabled", "false");
        config.put("sync.topic.acls.enabled", "false");
        config.put("offset-syncs.topic.location", "target");
        config.put("replication.policy.separator", ".");
        // A topic the peer creates later (tendril.services before the first Service) is picked up within seconds.
        config.put("refresh.topics.interval.seconds", "5");
        // Every Connect plugin on the class path has a ServiceLoader manifest: scanning the class path instead takes
        // half a minute on a busy machine, for MirrorMaker's own config and again for the herder's worker.
        config.put("plugin.discovery", "service_load");
        config.put(local + ".plugin.discovery", "service_load");
        config.put("tasks.max", "1");
        // The copies of the remote and internal topics (all on the local cluster): one per local broker, up to three.
        String copies = Integer.toString(Math.min(3, localBootstrap.split(",").length));
        config.put("replication.factor", copies);
        for (String internal : List.of("offset-syncs", "heartbeats", "checkpoints")) {
            config.put(internal + ".topic.replication.factor", copies);
        }
        for (String storage : List.of("offset", "config", "status")) {
            config.put(storage + ".storage.replication.factor", copies);
        }
        // Bootstrap throughput: the Connect worker sends with one request in flight, so batches must be large to copy a
        // peer's 150,000 endpoints in seconds rather than in tens of seconds.
        config.put(peer + ".consumer.max.poll.records", "10000");
        config.put(peer + ".consumer.fetch.max.bytes", Integer.toString(64 << 20));
        config.put(peer + ".consumer.max.partition.fetch.bytes", Integer.toString(16 << 20));
        config.put(local + ".producer.batch.size", Integer.toString(1 << 20));
        config.put(local + ".producer.linger.ms", "5");
        config.put(local + ".producer.compression.type", "lz4");
        // Commit replicated positions every second: `tendril clustermesh status` computes the lag from them.
        config.put(local + ".offset.flush.interval.ms", "1000");
        return config;
    }

    private static void tls(Map<String, String> config, String cluster, Path authority, Credential client) {
        config.put(cluster + ".security.protocol", "SSL");
        config.put(cluster + ".ssl.truststore.type", "PEM");
        config.put(cluster + ".ssl.truststore.certificates", read(authority));
        config.put(cluster + ".ssl.keystore.type", "PEM");
        config.put(cluster + ".ssl.keystore.certificate.chain", read(client.certificate()));
        config.put(cluster + ".ssl.keystore.key", read(client.privateKey()));
    }

    /** The Kafka bootstrap addresses (every node's) of the stack in {@code dataDir}, from its stack.json. */
    static Optional<String> kafkaOf(Path dataDir) {
        try {
            return StackFile.read(dataDir)
                    .map(file -> file.components().stream()
                            .filter(c -> c.kind() == Kind.KAFKA)
                            .map(Component::url)
                            .collect(Collectors.joining(",")))
                    .filter(addresses -> !addresses.isEmpty());
        } catch (IllegalArgumentException unreadable) {
            return Optional.empty();
        }
    }

    /** Where the peer's launcher says its Kafka is now (nothing when it does not answer: the mirror keeps going). */
    private static Optional<String> askedKafka(MeshPeers.Peer peer, String local, MeshCredentials credentials) {
        try {
            return Optional.ofNullable(
                    MeshGrantClient.asGranted(peer, credentials).whereNow(local).kafka());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static void awaitKafka(MeshPeers.Peer peer) throws InterruptedException {
        while (peer.kafkaNow().isEmpty()) {
            Thread.sleep(TimeUnit.SECONDS.toMillis(WATCH_SECONDS));
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The port of a {@code host:port} bootstrap address; 0 when it names none. */
    static int portOf(String bootstrap) {
        int colon = bootstrap.lastIndexOf(':');
        try {
            return colon < 0 ? 0 : Integer.parseInt(bootstrap.substring(colon + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
