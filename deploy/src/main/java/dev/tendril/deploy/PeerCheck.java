package dev.tendril.deploy;

import dev.tendril.cli.stack.StackFile;
import dev.tendril.net.Cidr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;

/**
 * What {@code tendril clustermesh connect --to DIR} checks before it changes anything: the peer runs (its launcher
 * is alive and ready, its Kafka answers), both clusters have ids of 1-255 and differ, the names differ, and neither
 * the peer's id and name nor its pod CIDRs clash with this cluster's or another peer's. Each refusal names what
 * clashes.
 */
final class PeerCheck {

    private static final int KAFKA_TIMEOUT_SECONDS = 30;

    /** A peer on this machine that passed: its cluster and where its Kafka is. */
    record Valid(String name, int clusterId, List<String> podCidrs, Path dataDir, String kafka) {}

    private final StackConfig local;
    private final List<MeshPeers.Peer> existing;

    PeerCheck(StackConfig local, List<MeshPeers.Peer> existing) {
        this.local = local;
        this.existing = existing;
    }

    Valid check(Path peerDir) {
        Path dir = peerDir.toAbsolutePath().normalize();
        if (dir.equals(local.dataDir())) {
            throw new MeshRefused(400, "--to " + dir + " is this stack's own data directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new MeshRefused(400, "--to " + dir + " is not a directory");
        }
        Optional<StackFile> file;
        try {
            file = StackFile.read(dir);
        } catch (IllegalArgumentException e) {
            throw new MeshRefused(400, "--to " + dir + ": " + e.getMessage());
        }
        StackFile stack = file.orElseThrow(() -> new MeshRefused(
                400,
                "--to " + dir + " holds no " + StackFile.NAME + ": start the peer with './tendril up --data-dir " + dir
                        + " --cluster-name NAME --cluster-id N'"));
        StackFile.Cluster peer = stack.cluster();
        if (peer == null) {
            throw new MeshRefused(
                    400, "the peer in " + dir + " records no cluster name and id: restart it with this version");
        }
        boolean alive = ProcessHandle.of(stack.launcherPid())
                .map(ProcessHandle::isAlive)
                .orElse(false);
        if (!alive || !stack.ready()) {
            throw new MeshRefused(
                    503, "the peer " + peer.name() + " in " + dir + " is not running (or not ready): start it first");
        }
        clashes(peer.name(), peer.id(), peer.podCidrs());
        String kafka = MirrorProcess.kafkaOf(dir)
                .orElseThrow(() -> new MeshRefused(503, "the peer's " + StackFile.NAME + " names no Kafka"));
        reachable(peer.name(), dir, kafka);
        return new Valid(peer.name(), peer.id(), new ArrayList<>(peer.podCidrs()), dir, kafka);
    }

    /** This cluster. */
    ClusterSpec local() {
        return local.cluster();
    }

    /** Refuses (409) a connect or grant while this cluster has id 0, which cannot join a mesh. */
    void localReady() {
        if (local.cluster().id() == 0) {
            throw new MeshRefused(
                    409,
                    "this cluster's id is 0, which cannot join a mesh: restart it with --cluster-id 1-"
                            + ClusterSpec.MAX_ID);
        }
    }

    /**
     * Refuses (409, naming the clash) a peer {@code name} with cluster id {@code id} and {@code podCidrs} that this
     * cluster cannot take: see the class comment.
     */
    void clashes(String name, int id, List<String> podCidrs) {
        localReady();
        ClusterSpec ours = local.cluster();
        if (id < 1 || id > ClusterSpec.MAX_ID) {
            throw new MeshRefused(
                    409,
                    "the peer " + name + " has cluster id " + id + ", which cannot join a mesh (1-" + ClusterSpec.MAX_ID
                            + ")");
        }
        try {
            ClusterSpec.checkName("the peer's cluster name", name);
        } catch (IllegalArgumentException e) {
            throw new MeshRefused(400, e.getMessage());
        }
        if (name.equals(ours.name())) {
            throw new MeshRefused(409, "the peer's cluster name '" + name + "' is this cluster's own");
        }
        if (id == ours.id()) {
            throw new MeshRefused(
                    409,
                    "the peer " + name + " has cluster id " + id + ", this cluster's own (" + ours.name()
                            + "): identities would collide");
        }
        for (MeshPeers.Peer other : existing) {
            if (other.name().equals(name)) {
                throw new MeshRefused(
                        409,
                        "already connected to " + name + " ('tendril clustermesh disconnect --from " + name
                                + "' first)");
            }
            if (other.clusterId() == id) {
                throw new MeshRefused(
                        409, "the peer " + name + " has cluster id " + id + ", as the connected peer " + other.name());
            }
        }
        if (podCidrs == null || podCidrs.isEmpty()) {
            throw new MeshRefused(400, "the peer " + name + " names no pod CIDRs");
        }
        for (String cidr : podCidrs) {
            try {
                Cidr.parse(cidr);
            } catch (RuntimeException e) {
                throw new MeshRefused(
                        400, "the peer " + name + "'s pod CIDR '" + cidr + "' is not a CIDR: " + e.getMessage());
            }
        }
        Optional<String> overlap = ClusterSpec.overlap(podCidrs, ours.podCidrs());
        if (overlap.isPresent()) {
            throw new MeshRefused(
                    409,
                    "the peer " + name + "'s pod CIDR " + overlap.get() + " of this cluster (" + ours.name()
                            + "): pod addresses would be ambiguous");
        }
        for (MeshPeers.Peer other : existing) {
            Optional<String> clash = ClusterSpec.overlap(podCidrs, other.podCidrs());
            if (clash.isPresent()) {
                throw new MeshRefused(
                        409,
                        "the peer " + name + "'s pod CIDR " + clash.get() + " of the connected peer " + other.name());
            }
        }
    }

    private static void reachable(String name, Path dir, String kafka) {
        try (Admin admin = Admin.create(MeshClients.superUser(dir, kafka))) {
            admin.describeCluster().clusterId().get(KAFKA_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshRefused(503, "interrupted while reaching the peer's Kafka");
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new MeshRefused(
                    503, "the peer " + name + "'s Kafka at " + kafka + " does not answer: " + e.getMessage());
        }
    }
}
