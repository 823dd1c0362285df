package dev.tendril.deploy;

import dev.tendril.api.v1.MeshPeer;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.StackFabric;
import dev.tendril.cli.stack.StackFile;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The launcher's ClusterMesh: {@code connect} validates a peer (its data directory on this machine) and then issues
 * the link's certificates, adds the ACLs on both brokers, records the peer ({@code mesh/peers.json} and
 * {@code tendril.mesh.peers}) and starts a supervised MirrorMaker 2 ({@link MirrorProcess}) that copies the peer's
 * topics; {@code disconnect} undoes all of it and deletes the peer's remote topics. {@code up} starts the recorded
 * peers' MirrorMaker 2 again. A refused request ({@link MeshRefused}) changes nothing.
 */
final class ClusterMesh {

    static final String MIRROR_PREFIX = "mirror-";
    private static final String LINK_LABEL = "mesh-link";
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    // Connect scans the class path for plugins at start; 256m is tight for it.
    private static final String HEAP = "-Xmx384m";
    private static final int TIMEOUT_SECONDS = 30;

    /** What the launcher gives the mesh: where things are and how to start a child. */
    record Context(
            StackConfig config,
            DataDir dataDir,
            Supervisor supervisor,
            List<String> childJvm,
            Supplier<String> localBootstrap,
            List<String> nodes,
            PrintStream out) {}

    /** The outcome of a connect. */
    record Connected(String name, int clusterId, List<String> podCidrs, String kafka, long mirrorPid) {}

    private final Context context;
    private final MeshPeers peers;
    private final MeshCredentials credentials;
    private final MeshLink link;
    private final Map<String, Supervised> mirrors = new LinkedHashMap<>();

    ClusterMesh(Context context) {
        this(context, MeshLink.system());
    }

    ClusterMesh(Context context, MeshLink link) {
        this.context = context;
        this.link = link;
        this.peers = new MeshPeers(context.config().dataDir());
        this.credentials = new MeshCredentials(context.dataDir());
    }

    ClusterSpec local() {
        return context.config().cluster();
    }

    MeshPeers peers() {
        return peers;
    }

    MeshCredentials credentials() {
        return credentials;
    }

    String supervisorState(Supervised mirror) {
        return context.supervisor().state(mirror).json();
    }

    /** The stack's mesh, once Kafka is ready: see {@link #restore()}. */
    static ClusterMesh restore(Context context) {
        ClusterMesh mesh = new ClusterMesh(context);
        mesh.restore();
        return mesh;
    }

    /** Creates {@code tendril.mesh.peers} and starts MirrorMaker 2 for every recorded peer (at {@code up}). */
    synchronized void restore() {
        try (Admin admin = Admin.create(localSuperUser())) {
            ensurePeersTopic(admin);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupFailure("interrupted while creating " + KafkaAcls.MESH_PEERS);
        } catch (ExecutionException | TimeoutException e) {
            throw new StartupFailure("cannot create " + KafkaAcls.MESH_PEERS + ": " + e);
        }
        for (MeshPeers.Peer peer : peers.all()) {
            // Only to a running peer's switch: a peer that is down links again at its own start.
            if (Files.exists(StackFabric.NETNS_DIR.resolve(
                    StackFabric.of(Path.of(peer.dataDir())).prefix()))) {
                linkFabrics(peer.name(), Path.of(peer.dataDir()));
            }
            ChildProcess child = startMirror(peer);
            context.out()
                    .printf(
                            "%-10s replicating cluster %s (id %d) from %s (pid %d)%n",
                            MIRROR_PREFIX + peer.name(), peer.name(), peer.clusterId(), peer.dataDir(), child.pid());
        }
    }

    /** The MirrorMaker 2 children, for stack.json and for stopping with the stack. */
    synchronized List<Supervised> mirrors() {
        return List.copyOf(mirrors.values());
    }

    synchronized Optional<Supervised> mirror(String peer) {
        return Optional.ofNullable(mirrors.get(peer));
    }

    /** Validates the peer in {@code peerDir}, then links it; see the class comment. */
    synchronized Connected connect(Path peerDir) {
        PeerCheck.Valid peer = new PeerCheck(context.config(), peers.all()).check(peerDir);
        String localName = local().name();
        Instant now = Instant.now();
        try {
            credentials.issue(peer.name(), peer.dataDir(), localName, now);
            try (Admin admin = Admin.create(MeshClients.superUser(peer.dataDir(), peer.kafka()))) {
                admin.createAcls(MeshAcls.atPeer(localName)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            List<String> names = new ArrayList<>(peers.names());
            names.add(peer.name());
            try (Admin admin = Admin.create(localSuperUser())) {
                ensurePeersTopic(admin);
                admin.createAcls(MeshAcls.local(peer.name())).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                KafkaAcls.apply(admin, context.nodes(), names);
            }
            MeshPeers.Peer record = new MeshPeers.Peer(
                    peer.name(),
                    peer.clusterId(),
                    peer.podCidrs(),
                    peer.dataDir().toString(),
                    now.toEpochMilli());
            publish(
                    peer.name(),
                    MeshPeer.newBuilder()
                            .setName(peer.name())
                            .setClusterId(peer.clusterId())
                            .addAllPodCidrs(peer.podCidrs())
                            .setConnectedAtUnixMs(now.toEpochMilli())
                            .build()
                            .toByteArray());
            peers.put(record);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting " + peer.name());
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot connect " + peer.name() + ": " + e.getMessage(), e);
        }
        ChildProcess child = startMirror(peers.find(peer.name()).orElseThrow());
        linkFabrics(peer.name(), peer.dataDir());
        context.out()
                .printf(
                        "%-10s connected cluster %s (id %d, %s): replicating from %s (pid %d)%n",
                        MIRROR_PREFIX + peer.name(),
                        peer.name(),
                        peer.clusterId(),
                        String.join(", ", peer.podCidrs()),
                        peer.kafka(),
                        child.pid());
        return new Connected(peer.name(), peer.clusterId(), peer.podCidrs(), peer.kafka(), child.pid());
    }

    /**
     * Stops the peer's MirrorMaker 2, tombstones it in {@code tendril.mesh.peers}, deletes its remote and Connect
     * topics (a later connect copies everything again), its ACLs on both sides (the peer's when it answers) and its
     * credentials. Returns the remote topics deleted.
     */
    synchronized List<String> disconnect(String name) {
        MeshPeers.Peer peer = peers.find(name)
                .orElseThrow(() -> new MeshRefused(
                        404,
                        "no peer '" + name + "' (connected: "
                                + (peers.names().isEmpty() ? "none" : String.join(", ", peers.names())) + ")"));
        context.supervisor().remove(MIRROR_PREFIX + name, STOP_GRACE);
        mirrors.remove(name);
        List<String> deleted;
        try (Admin admin = Admin.create(localSuperUser())) {
            publish(name, null);
            Set<String> topics = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            deleted = topics.stream()
                    .filter(t -> t.startsWith(name + ".") || t.matches("mm2-[a-z-]+\\." + name + "\\.internal"))
                    .sorted()
                    .toList();
            if (!deleted.isEmpty()) {
                admin.deleteTopics(deleted).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            admin.deleteAcls(MeshAcls.local(name).stream()
                            .map(AclBinding::toFilter)
                            .toList())
                    .all()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            KafkaAcls.apply(
                    admin,
                    context.nodes(),
                    peers.names().stream().filter(n -> !n.equals(name)).toList());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while disconnecting " + name);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot disconnect " + name + ": " + e.getMessage(), e);
        }
        revokeAtPeer(peer);
        unlinkFabrics(peer.name(), Path.of(peer.dataDir()));
        credentials.remove(name);
        peers.remove(name);
        context.out().printf("%-10s disconnected cluster %s; deleted %s%n", MIRROR_PREFIX + name, name, deleted);
        return deleted;
    }

    /**
     * Joins this stack's kernel pod network to the peer's ({@link MeshLink}), so that the nodes route each other's pod
     * CIDRs over it; nothing on the model datapath. A failure is reported, not fatal: replication works without it.
     */
    private void linkFabrics(String peerName, Path peerDir) {
        if (context.config().datapath() == Datapath.MODEL) {
            return;
        }
        Optional<String> unavailable = MeshLink.unavailableReason();
        if (unavailable.isPresent()) {
            context.out().printf("%-10s no link to %s's pod network: %s%n", LINK_LABEL, peerName, unavailable.get());
            return;
        }
        StackFabric local = context.config().fabric();
        StackFabric peer = StackFabric.of(peerDir);
        try {
            boolean created = link.ensure(local, local().name(), peer, peerName);
            context.out()
                    .printf(
                            "%-10s %s switch %s to %s's switch %s (%s)%n",
                            LINK_LABEL,
                            created ? "joined" : "keeps",
                            local.prefix(),
                            peerName,
                            peer.prefix(),
                            MeshLink.port(peer));
        } catch (RuntimeException e) {
            context.out()
                    .printf("%-10s could not link to %s's pod network: %s%n", LINK_LABEL, peerName, e.getMessage());
        }
    }

    private void unlinkFabrics(String peerName, Path peerDir) {
        if (context.config().datapath() == Datapath.MODEL
                || MeshLink.unavailableReason().isPresent()) {
            return;
        }
        StackFabric peer = StackFabric.of(peerDir);
        try {
            if (link.remove(context.config().fabric(), peer)) {
                context.out().printf("%-10s removed the link to %s's switch %s%n", LINK_LABEL, peerName, peer.prefix());
            }
        } catch (RuntimeException e) {
            context.out()
                    .printf(
                            "%-10s could not remove the link to %s's pod network: %s%n",
                            LINK_LABEL, peerName, e.getMessage());
        }
    }

    /** Best effort: the peer may be gone for good, and its ACLs for this cluster then go with it. */
    private void revokeAtPeer(MeshPeers.Peer peer) {
        Optional<String> kafka = MirrorProcess.kafkaOf(Path.of(peer.dataDir()));
        if (kafka.isEmpty() || !Files.isDirectory(Path.of(peer.dataDir()))) {
            return;
        }
        try (Admin admin = Admin.create(MeshClients.superUser(Path.of(peer.dataDir()), kafka.get()))) {
            admin.deleteAcls(MeshAcls.atPeer(local().name()).stream()
                            .map(AclBinding::toFilter)
                            .toList())
                    .all()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            context.out()
                    .printf(
                            "%-10s could not remove this cluster's ACLs at %s (%s): remove them there%n",
                            MIRROR_PREFIX + peer.name(), peer.name(), e.getMessage());
        }
    }

    private ChildProcess startMirror(MeshPeers.Peer peer) {
        Path log = context.config().logsDir().resolve(MIRROR_PREFIX + peer.name() + ".log");
        String peerKafka = MirrorProcess.kafkaOf(Path.of(peer.dataDir())).orElse("-");
        Supervised supervised = context.supervisor()
                .add(
                        new Component(
                                MIRROR_PREFIX + peer.name(),
                                Kind.MIRROR,
                                port(peerKafka),
                                peer.name() + " at " + peerKafka,
                                null,
                                log.toString()),
                        () -> {
                            List<String> command = new ArrayList<>(context.childJvm());
                            command.add(HEAP);
                            command.add(MirrorProcess.class.getName());
                            command.add(context.config().dataDir().toString());
                            command.add(local().name());
                            command.add(peer.name());
                            command.add(context.localBootstrap().get());
                            return command;
                        },
                        STOP_GRACE,
                        () -> {});
        mirrors.put(peer.name(), supervised);
        ChildProcess child = context.supervisor().start(supervised);
        // No health endpoint: running once started (clustermesh status tells whether it keeps up).
        context.supervisor().healthy(supervised);
        return child;
    }

    private static int port(String bootstrap) {
        int colon = bootstrap.lastIndexOf(':');
        try {
            return colon < 0 ? 0 : Integer.parseInt(bootstrap.substring(colon + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    Map<String, Object> localSuperUser() {
        return MeshClients.superUser(
                context.config().dataDir(), context.localBootstrap().get());
    }

    private static void ensurePeersTopic(Admin admin)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            admin.createTopics(List.of(new NewTopic(KafkaAcls.MESH_PEERS, 1, (short) 1)
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                    .all()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    /** Writes the peer's record (or its tombstone, {@code value} null) to {@code tendril.mesh.peers}. */
    private void publish(String name, byte[] value) throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, Object> properties = new LinkedHashMap<>(localSuperUser());
        properties.put("key.serializer", ByteArraySerializer.class.getName());
        properties.put("value.serializer", ByteArraySerializer.class.getName());
        properties.put("acks", "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties)) {
            producer.send(new ProducerRecord<>(KafkaAcls.MESH_PEERS, name.getBytes(StandardCharsets.UTF_8), value))
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** The peer's cluster as its stack.json records it. */
    static Optional<StackFile.Cluster> clusterOf(Path dataDir) {
        try {
            return StackFile.read(dataDir).map(StackFile::cluster);
        } catch (IllegalArgumentException unreadable) {
            return Optional.empty();
        }
    }
}
