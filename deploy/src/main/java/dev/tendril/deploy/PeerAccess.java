package dev.tendril.deploy;

import dev.tendril.cli.stack.StackFabric;
import dev.tendril.security.CertificateRequest;
import dev.tendril.security.ClientTls;
import dev.tendril.security.Pem;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;

/**
 * How this cluster gets, keeps and gives up read access to a peer's topics ({@link ClusterMesh} does the rest of a
 * connect): at a peer on this machine by writing its side itself ({@code connect --to DIR}: a certificate from the
 * peer's authority, the ACLs as the peer's broker super user), or by asking the peer's launcher for a grant
 * ({@code connect --to ADDRESS}, {@link MeshGrants}: a certificate request for a key that never leaves this cluster).
 * Also follows a peer connected by address to a new Kafka address, and revokes on disconnect.
 */
final class PeerAccess {

    private static final int TIMEOUT_SECONDS = 30;

    /** A grant received and checked: the peer to record, and the client that can take the grant back. */
    record Granted(MeshPeers.Peer record, MeshGrantClient peer) {}

    private final String local;
    private final MeshPeers peers;
    private final MeshCredentials credentials;
    private final PrintStream out;

    PeerAccess(String localCluster, MeshPeers peers, MeshCredentials credentials, PrintStream out) {
        this.local = localCluster;
        this.peers = peers;
        this.credentials = credentials;
        this.out = out;
    }

    /** A peer on this machine: the link's certificates from its authority, and the ACLs on its broker. */
    void grantAtDirectory(PeerCheck.Valid peer, Instant now, Consumer<String> step) {
        String localName = local;
        step.accept("issuing the link's certificates");
        credentials.issue(peer.name(), peer.dataDir(), localName, now);
        step.accept("adding the ACLs at " + peer.name() + "'s Kafka " + peer.kafka());
        try (Admin admin = Admin.create(MeshClients.superUser(peer.dataDir(), peer.kafka()))) {
            admin.createAcls(MeshAcls.atPeer(localName)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting " + peer.name());
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot connect " + peer.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Asks the peer whose launcher answers at {@code address}, as its admin ({@code peerAdmin}): first its cluster,
     * which {@code check} checks as it checks a directory's (a refusal changes nothing on either side), then a grant
     * for a certificate request over a new key of this cluster's. With the grant (checked: the same cluster, a
     * certificate over that key from the authority sent), the credentials are stored and the peer's Kafka must answer
     * to them; a failure after the grant is undone here ({@link #undo}).
     */
    Granted grantAt(URI address, ClientTls peerAdmin, PeerCheck check, Consumer<String> step) {
        MeshGrantClient peer = new MeshGrantClient(address, peerAdmin);
        step.accept("asking " + address + " for its cluster");
        MeshGrants.Cluster cluster = peer.cluster();
        check.clashes(cluster.name(), cluster.clusterId(), cluster.podCidrs());
        step.accept("asking " + cluster.name() + " at " + address + " for a grant");
        ClusterSpec ours = check.local();
        CertificateRequest.Pending key = CertificateRequest.create(MeshCredentials.grantee(local));
        MeshGrants.Grant grant = peer.grant(new MeshGrants.Request(local, ours.id(), ours.podCidrs(), key.pem()));
        // Until checkGrant passed the grant's name is only the peer's word: the name checked above is the one used.
        Granted granted = new Granted(
                new MeshPeers.Peer(
                        cluster.name(),
                        cluster.clusterId(),
                        cluster.podCidrs(),
                        null,
                        Instant.now().toEpochMilli(),
                        address.toString(),
                        grant.kafka(),
                        grant.fabric()),
                peer);
        try {
            checkGrant(cluster, grant, key);
            step.accept("checking " + grant.name() + "'s Kafka " + grant.kafka() + " with the granted certificate");
            credentials.store(
                    grant.name(), grant.certificate(), key.privateKey(), grant.authority(), local, Instant.now());
            reachable(grant);
            return granted;
        } catch (RuntimeException e) {
            undo(granted, e);
            throw e;
        }
    }

    /** After a failed connect by address: the credentials go, and the grant is revoked at the peer (best effort). */
    void undo(Granted granted, RuntimeException failure) {
        try {
            credentials.remove(granted.record().name());
        } catch (RuntimeException undo) {
            failure.addSuppressed(undo);
        }
        try {
            granted.peer().revoke(local);
        } catch (RuntimeException undo) {
            failure.addSuppressed(undo);
        }
    }

    /** The grant is the cluster asked before, names a Kafka and a pod network prefix of the right form. */
    private static void checkGrant(MeshGrants.Cluster asked, MeshGrants.Grant grant, CertificateRequest.Pending key) {
        if (!asked.name().equals(grant.name())
                || asked.clusterId() != grant.clusterId()
                || !asked.podCidrs().equals(grant.podCidrs())) {
            throw new MeshRefused(
                    409,
                    "the peer changed between the questions: it was " + asked.name() + " (id " + asked.clusterId()
                            + "), its grant names " + grant.name() + " (id " + grant.clusterId() + ")");
        }
        if (grant.kafka() == null || grant.kafka().isBlank()) {
            throw new MeshRefused(502, "the peer's grant names no Kafka");
        }
        if (grant.fabric() != null
                && !StackFabric.PREFIX.matcher(grant.fabric()).matches()) {
            throw new MeshRefused(
                    502,
                    "the peer's grant names a pod network '" + grant.fabric() + "' of no "
                            + "Tendril form (td and 8 hex digits)");
        }
        try {
            java.security.cert.X509Certificate signed = Pem.parseCertificates(
                            grant.certificate(), "the grant's certificate")
                    .getFirst();
            java.security.cert.X509Certificate authority = Pem.parseCertificates(
                            grant.authority(), "the grant's authority")
                    .getFirst();
            signed.verify(authority.getPublicKey());
            if (!signed.getPublicKey().equals(key.publicKey())) {
                throw new MeshRefused(502, "the peer's grant carries a certificate for another key");
            }
        } catch (IllegalArgumentException | java.security.GeneralSecurityException e) {
            throw new MeshRefused(502, "the peer's grant does not hold: " + e.getMessage());
        }
    }

    /** The granted certificate reads the peer's Kafka (its topics' metadata): else the connect is refused (503). */
    private void reachable(MeshGrants.Grant grant) {
        Map<String, Object> client = MeshClients.client(
                credentials.peerAuthority(grant.name()), credentials.atPeer(grant.name()), grant.kafka());
        try (Admin admin = Admin.create(client)) {
            admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshRefused(503, "interrupted while reaching " + grant.name() + "'s Kafka");
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new MeshRefused(
                    503,
                    "the peer " + grant.name() + "'s Kafka at " + grant.kafka()
                            + " does not answer the granted certificate: " + e.getMessage());
        }
    }

    /**
     * Best effort: the peer may be gone for good, and its ACLs for this cluster then go with it. A peer on this machine
     * is changed as its broker's super user; one connected by address is asked to revoke the grant, with the granted
     * certificate itself.
     */
    void revoke(MeshPeers.Peer peer) {
        try {
            if (peer.byAddress()) {
                MeshGrantClient.asGranted(peer, credentials).revoke(local);
                return;
            }
            Optional<String> kafka = peer.kafkaNow();
            if (kafka.isEmpty() || !Files.isDirectory(Path.of(peer.dataDir()))) {
                return;
            }
            try (Admin admin = Admin.create(MeshClients.superUser(Path.of(peer.dataDir()), kafka.get()))) {
                MeshAcls.removeAtPeer(admin, local, TIMEOUT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            out.printf(
                    "%-10s could not remove this cluster's ACLs at %s (%s): remove them there%n",
                    ClusterMesh.MIRROR_PREFIX + peer.name(), peer.name(), e.getMessage());
        }
    }

    /**
     * Before each start of a peer's MirrorMaker 2: a peer connected by address is asked where its Kafka is now (with
     * the granted certificate), and the record follows a move. A peer that does not answer keeps the address it had.
     */
    void followKafka(String name) {
        Optional<MeshPeers.Peer> peer = peers.find(name).filter(MeshPeers.Peer::byAddress);
        if (peer.isEmpty()) {
            return;
        }
        MeshPeers.Peer known = peer.get();
        try {
            MeshGrants.Grant now = MeshGrantClient.asGranted(known, credentials).whereNow(local);
            if (now.kafka() != null && !now.kafka().equals(known.kafka())) {
                peers.put(known.withKafka(now.kafka()));
                out.printf(
                        "%-10s %s's Kafka moved from %s to %s%n",
                        ClusterMesh.MIRROR_PREFIX + name, name, known.kafka(), now.kafka());
            }
        } catch (RuntimeException e) {
            out.printf(
                    "%-10s cannot ask %s at %s where its Kafka is (%s): keeps %s%n",
                    ClusterMesh.MIRROR_PREFIX + name, name, known.address(), e.getMessage(), known.kafka());
        }
    }
}
