package dev.tendril.deploy;

import dev.tendril.api.v1.MeshPeer;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.StackFabric;
import dev.tendril.security.ClientTls;
import java.io.PrintStream;
import java.net.URI;
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
import org.apache.kafka.common.acl.AclBinding;

/**
 * The launcher's ClusterMesh: {@code connect} validates a peer (its data directory on this machine, or its launcher's
 * address), gets read access to its topics ({@link PeerAccess}: the link's certificates and the peer's ACLs), links
 * the two stacks' kernel pod networks ({@link MeshFabrics}; nothing on the model datapath), adds the local ACLs,
 * records the peer ({@code mesh/peers.json} and
 * {@code tendril.mesh.peers}) and starts a supervised MirrorMaker 2 ({@link MirrorProcess}) that copies the peer's
 * topics; {@code disconnect} undoes all of it and deletes the peer's remote topics. {@code up} starts the recorded
 * peers' MirrorMaker 2 again. A refused request ({@link MeshRefused}) changes nothing. One change runs at a time
 * ({@link MeshChanges}, with a deadline); every wait in a change is bounded, and the stack's status and its stop never
 * wait for a change (they only read the MirrorMaker 2 children, under their own short-held monitor).
 */
final class ClusterMesh {

    static final String MIRROR_PREFIX = "mirror-";
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
    private final MeshFabrics fabrics;
    private final MeshGrants grants;
    private final PeerAccess access;
    /** Guarded by itself; never held while waiting for anything but a fork, so stop and status never wait. */
    private final Map<String, Supervised> mirrors = new LinkedHashMap<>();
    /** One connect, disconnect or restore at a time, each waiting for the one before with a deadline. */
    private final MeshChanges changes;

    private boolean closed;

    ClusterMesh(Context context) {
        this(context, MeshLink.system());
    }

    ClusterMesh(Context context, MeshLink link) {
        this.context = context;
        this.fabrics = new MeshFabrics(context.config(), link, context.out());
        this.changes = new MeshChanges(context.out());
        this.peers = new MeshPeers(context.config().dataDir());
        this.credentials = new MeshCredentials(context.dataDir());
        this.access = new PeerAccess(context.config().cluster().name(), peers, credentials, context.out());
        this.grants = new MeshGrants(
                context.config(), credentials, context.localBootstrap(), this::localSuperUser, context.out());
    }

    /** What other clusters that connect to this one by its address are granted ({@link MeshGrantEndpoint}). */
    MeshGrants grants() {
        return grants;
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
    void restore() {
        changes.run("start", this::isClosed, () -> {
            restoreNow();
            return null;
        });
    }

    private void restoreNow() {
        try (Admin admin = Admin.create(localSuperUser())) {
            MeshPeersTopic.ensure(admin);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupFailure("interrupted while creating " + KafkaAcls.MESH_PEERS);
        } catch (ExecutionException | TimeoutException e) {
            throw new StartupFailure("cannot create " + KafkaAcls.MESH_PEERS + ": " + e);
        }
        for (MeshPeers.Peer peer : peers.all()) {
            // Only to a running peer's switch: a peer that is down links again at its own start.
            Optional<StackFabric> fabric = peer.stackFabric().filter(MeshFabrics::present);
            if (fabric.isPresent()) {
                try {
                    fabrics.link(peer.name(), fabric.get());
                } catch (MeshRefused e) {
                    context.out().printf("%-10s %s%n", MeshFabrics.LABEL, e.getMessage());
                }
            }
            ChildProcess child = startMirror(peer);
            context.out()
                    .printf(
                            "%-10s replicating cluster %s (id %d) from %s (pid %d)%n",
                            MIRROR_PREFIX + peer.name(), peer.name(), peer.clusterId(), peer.source(), child.pid());
        }
    }

    /** The MirrorMaker 2 children, for stack.json and for stopping with the stack; never waits for a change. */
    List<Supervised> mirrors() {
        synchronized (mirrors) {
            return List.copyOf(mirrors.values());
        }
    }

    /**
     * The stack is stopping: returns the MirrorMaker 2 children to stop with it; none starts from now on, and a connect
     * in progress fails (undoing its link). Never waits for that connect (a stop must not).
     */
    List<Supervised> closing() {
        synchronized (mirrors) {
            closed = true;
            return List.copyOf(mirrors.values());
        }
    }

    private boolean isClosed() {
        synchronized (mirrors) {
            return closed;
        }
    }

    /** Validates the peer in {@code peerDir}, then links it; see the class comment. */
    Connected connect(Path peerDir) {
        return changes.run("connect to " + peerDir, this::isClosed, () -> connectNow(peerDir));
    }

    private Connected connectNow(Path peerDir) {
        changes.step("checking the peer (its stack.json, its Kafka)");
        PeerCheck.Valid peer = new PeerCheck(context.config(), peers.all()).check(peerDir);
        // First: on the kernel datapath the link is part of connect, and a connect that cannot make it changes nothing.
        changes.step("linking the pod networks");
        StackFabric fabric = StackFabric.of(peer.dataDir());
        boolean linked = fabrics.link(peer.name(), fabric);
        try {
            Instant now = Instant.now();
            access.grantAtDirectory(peer, now, changes::step);
            return connectGranted(new MeshPeers.Peer(
                    peer.name(),
                    peer.clusterId(),
                    peer.podCidrs(),
                    peer.dataDir().toString(),
                    now.toEpochMilli()));
        } catch (RuntimeException e) {
            if (linked) {
                fabrics.unlinkAfterFailure(peer.name(), fabric, e);
            }
            throw e;
        }
    }

    /**
     * Connects to the peer whose launcher answers at {@code address}, asking it as its admin ({@code peerAdmin}) for a
     * grant ({@link MeshGrants}): first the peer's cluster, checked as {@link PeerCheck} checks a directory's (a
     * refusal changes nothing on either side), then a certificate request for this cluster's key, which never leaves
     * it; with the grant, the peer's Kafka must answer to the granted certificate. A failure after the grant revokes
     * it at the peer, removes the credentials and undoes the link.
     */
    Connected connect(URI address, ClientTls peerAdmin) {
        return changes.run("connect to " + address, this::isClosed, () -> connectNow(address, peerAdmin));
    }

    private Connected connectNow(URI address, ClientTls peerAdmin) {
        PeerCheck check = new PeerCheck(context.config(), peers.all());
        check.localReady();
        PeerAccess.Granted granted = access.grantAt(address, peerAdmin, check, changes::step);
        boolean linked = false;
        Optional<StackFabric> fabric = granted.record().stackFabric();
        try {
            if (fabric.isPresent() && MeshFabrics.present(fabric.get())) {
                changes.step("linking the pod networks");
                linked = fabrics.link(granted.record().name(), fabric.get());
            } else if (fabric.isPresent()) {
                context.out()
                        .printf(
                                "%-10s %s's pod network %s is not on this machine: no link (route its pod CIDRs %s to"
                                        + " its nodes yourself)%n",
                                MeshFabrics.LABEL,
                                granted.record().name(),
                                fabric.get().prefix(),
                                String.join(", ", granted.record().podCidrs()));
            }
            return connectGranted(granted.record());
        } catch (RuntimeException e) {
            if (linked) {
                fabrics.unlinkAfterFailure(granted.record().name(), fabric.get(), e);
            }
            access.undo(granted, e);
            throw e;
        }
    }

    /** With the peer's side done (its ACLs, the link's certificates): this side's ACLs, the record, MirrorMaker 2. */
    private Connected connectGranted(MeshPeers.Peer record) {
        try {
            List<String> names = new ArrayList<>(peers.names());
            names.add(record.name());
            changes.step("adding the ACLs at this stack's Kafka");
            try (Admin admin = Admin.create(localSuperUser())) {
                MeshPeersTopic.ensure(admin);
                admin.createAcls(MeshAcls.local(record.name())).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                KafkaAcls.apply(admin, context.nodes(), names);
            }
            changes.step("recording the peer in " + KafkaAcls.MESH_PEERS);
            MeshPeersTopic.publish(
                    localSuperUser(),
                    record.name(),
                    MeshPeer.newBuilder()
                            .setName(record.name())
                            .setClusterId(record.clusterId())
                            .addAllPodCidrs(record.podCidrs())
                            .setConnectedAtUnixMs(record.connectedAt())
                            .build()
                            .toByteArray());
            peers.put(record);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting " + record.name());
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot connect " + record.name() + ": " + e.getMessage(), e);
        }
        changes.step("starting MirrorMaker 2");
        ChildProcess child = startMirror(record);
        String kafka = record.kafkaNow().orElse("-");
        context.out()
                .printf(
                        "%-10s connected cluster %s (id %d, %s): replicating from %s (pid %d)%n",
                        MIRROR_PREFIX + record.name(),
                        record.name(),
                        record.clusterId(),
                        String.join(", ", record.podCidrs()),
                        kafka,
                        child.pid());
        return new Connected(record.name(), record.clusterId(), record.podCidrs(), kafka, child.pid());
    }

    /**
     * Stops the peer's MirrorMaker 2, tombstones it in {@code tendril.mesh.peers}, deletes its remote and Connect
     * topics (a later connect copies everything again), its ACLs on both sides (the peer's when it answers) and its
     * credentials. Returns the remote topics deleted.
     */
    List<String> disconnect(String name) {
        return changes.run("disconnect from " + name, this::isClosed, () -> disconnectNow(name));
    }

    private List<String> disconnectNow(String name) {
        MeshPeers.Peer peer = peers.find(name)
                .orElseThrow(() -> new MeshRefused(
                        404,
                        "no peer '" + name + "' (connected: "
                                + (peers.names().isEmpty() ? "none" : String.join(", ", peers.names())) + ")"));
        // First: a link that cannot be removed refuses the disconnect, changing nothing.
        changes.step("removing the link between the pod networks");
        Optional<StackFabric> fabric = peer.stackFabric();
        if (fabric.isPresent()) {
            fabrics.unlink(peer.name(), fabric.get());
        }
        changes.step("stopping MirrorMaker 2");
        context.supervisor().remove(MIRROR_PREFIX + name, STOP_GRACE);
        synchronized (mirrors) {
            mirrors.remove(name);
        }
        List<String> deleted;
        changes.step("deleting the peer's topics and ACLs at this stack's Kafka");
        try (Admin admin = Admin.create(localSuperUser())) {
            MeshPeersTopic.publish(localSuperUser(), name, null);
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
        changes.step("removing this cluster's ACLs at " + name + "'s Kafka");
        access.revoke(peer);
        credentials.remove(name);
        peers.remove(name);
        context.out().printf("%-10s disconnected cluster %s; deleted %s%n", MIRROR_PREFIX + name, name, deleted);
        return deleted;
    }

    private ChildProcess startMirror(MeshPeers.Peer peer) {
        Path log = context.config().logsDir().resolve(MIRROR_PREFIX + peer.name() + ".log");
        String peerKafka = peer.kafkaNow().orElse("-");
        Supervised supervised = context.supervisor()
                .add(
                        new Component(
                                MIRROR_PREFIX + peer.name(),
                                Kind.MIRROR,
                                MirrorProcess.portOf(peerKafka),
                                peer.name() + " at " + peerKafka,
                                null,
                                log.toString()),
                        () -> {
                            access.followKafka(peer.name());
                            List<String> command = new ArrayList<>(context.childJvm());
                            command.add(HEAP);
                            command.add(MirrorProcess.IN_MEMORY_KEY_STORES);
                            command.add(MirrorProcess.class.getName());
                            command.add(context.config().dataDir().toString());
                            command.add(local().name());
                            command.add(peer.name());
                            command.add(context.localBootstrap().get());
                            return command;
                        },
                        STOP_GRACE,
                        () -> {});
        ChildProcess child = null;
        // Forked under the lock (closing() sees it), recorded by healthy() outside it: the record takes the stack's
        // lock.
        synchronized (mirrors) {
            if (!closed) {
                mirrors.put(peer.name(), supervised);
                child = context.supervisor().startUnrecorded(supervised);
            }
        }
        if (child == null) {
            context.supervisor().remove(supervised.name(), STOP_GRACE);
            throw new MeshRefused(503, "the stack is stopping: " + MIRROR_PREFIX + peer.name() + " not started");
        }
        context.supervisor().healthy(supervised); // no health endpoint: clustermesh status tells if it keeps up
        return child;
    }

    Map<String, Object> localSuperUser() {
        return MeshClients.superUser(
                context.config().dataDir(), context.localBootstrap().get());
    }
}
