package dev.tendril.deploy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.tendril.cli.stack.StackFabric;
import dev.tendril.security.CertificateRequest;
import dev.tendril.security.Pem;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;

/**
 * The granting side of {@code tendril clustermesh connect --to ADDRESS}: a cluster that wants to replicate this one
 * sends its name, id, pod CIDRs and a certificate request for {@code CN=mesh:<its name>,O=mesh} (its key never leaves
 * it); this cluster checks it by the rules of {@link PeerCheck} (ids of 1-255 that differ, names that differ, pod
 * CIDRs that do not overlap this cluster's), signs the certificate with its authority, lets that principal read its
 * four published topics ({@link MeshAcls#atPeer}) and answers with what the requester needs: this cluster's name, id
 * and pod CIDRs, its Kafka address, its authority and, on the kernel datapath, its pod network's prefix. A refused
 * request changes nothing. {@link #revoke} removes the ACLs again: what the requester's disconnect asks, with the
 * granted certificate itself. Grants do not wait for a connect or disconnect of this cluster's own ({@link
 * MeshChanges}): two clusters connecting to each other at once would otherwise each wait for the other.
 */
final class MeshGrants {

    private static final int TIMEOUT_SECONDS = 30;

    /** What a cluster that connects sends. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Request(String name, int clusterId, List<String> podCidrs, String csr) {}

    /** This cluster, as a peer sees it before it asks for a grant. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Cluster(String name, int clusterId, List<String> podCidrs) {}

    /**
     * What a granted cluster gets.
     *
     * @param kafka       this cluster's Kafka bootstrap address
     * @param authority   this cluster's authority certificate (PEM): its Kafka's certificate chains to it
     * @param certificate the certificate signed for the request's key (PEM)
     * @param fabric      this cluster's kernel pod network prefix ({@code tdXXXXXXXX}), or null without one (model
     *                    datapath)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Grant(
            String name,
            int clusterId,
            List<String> podCidrs,
            String kafka,
            String authority,
            String certificate,
            String fabric) {}

    private final StackConfig config;
    private final MeshCredentials credentials;
    private final Supplier<String> localBootstrap;
    private final Supplier<Map<String, Object>> superUser;
    private final PrintStream out;

    MeshGrants(
            StackConfig config,
            MeshCredentials credentials,
            Supplier<String> localBootstrap,
            Supplier<Map<String, Object>> superUser,
            PrintStream out) {
        this.config = config;
        this.credentials = credentials;
        this.localBootstrap = localBootstrap;
        this.superUser = superUser;
        this.out = out;
    }

    Cluster cluster() {
        ClusterSpec local = config.cluster();
        return new Cluster(local.name(), local.id(), local.podCidrs());
    }

    /** Checks, signs and opens the topics; see the class comment. */
    Grant grant(Request request, Instant now) {
        if (request == null || request.name() == null) {
            throw new MeshRefused(400, "name: the connecting cluster's name is required");
        }
        new PeerCheck(config, List.of()).clashes(request.name(), request.clusterId(), request.podCidrs());
        CertificateRequest csr;
        try {
            csr = CertificateRequest.parse(request.csr(), "csr");
        } catch (IllegalArgumentException e) {
            throw new MeshRefused(400, e.getMessage());
        }
        if (!csr.subject().equals(MeshCredentials.grantee(request.name()))) {
            throw new MeshRefused(
                    400,
                    "csr: cluster " + request.name() + " must ask for "
                            + MeshCredentials.grantee(request.name()).distinguishedName() + ", asked for "
                            + csr.subject().distinguishedName());
        }
        X509Certificate certificate = credentials.grant(request.name(), csr, now);
        try (Admin admin = Admin.create(superUser.get())) {
            admin.createAcls(MeshAcls.atPeer(request.name())).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshRefused(503, "interrupted while adding the ACLs for " + request.name());
        } catch (ExecutionException | TimeoutException e) {
            throw new MeshRefused(
                    503, "cannot add the ACLs for " + request.name() + " at this cluster's Kafka: " + e.getMessage());
        }
        ClusterSpec local = config.cluster();
        out.printf(
                "%-10s granted cluster %s (id %d) read access to this cluster's published topics%n",
                "mesh", request.name(), request.clusterId());
        return new Grant(
                local.name(),
                local.id(),
                local.podCidrs(),
                localBootstrap.get(),
                authorityPem(),
                Pem.encode(certificate),
                ownFabric());
    }

    /** What a granted cluster needs to keep reading this one: the grant without its certificates. */
    Grant whereNow() {
        ClusterSpec local = config.cluster();
        return new Grant(local.name(), local.id(), local.podCidrs(), localBootstrap.get(), null, null, ownFabric());
    }

    /** Removes what {@link #grant} opened for {@code name}; the certificate stays valid but reads nothing any more. */
    void revoke(String name) {
        try {
            ClusterSpec.checkName("name", name);
        } catch (IllegalArgumentException e) {
            throw new MeshRefused(400, e.getMessage());
        }
        try (Admin admin = Admin.create(superUser.get())) {
            MeshAcls.removeAtPeer(admin, name, TIMEOUT_SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshRefused(503, "interrupted while removing the ACLs of " + name);
        } catch (ExecutionException | TimeoutException e) {
            throw new MeshRefused(
                    503, "cannot remove the ACLs of " + name + " at this cluster's Kafka: " + e.getMessage());
        }
        out.printf("%-10s revoked cluster %s's read access%n", "mesh", name);
    }

    /** This stack's kernel pod network, when it has one (its switch namespace exists). */
    private String ownFabric() {
        if (config.datapath() == Datapath.MODEL) {
            return null;
        }
        String prefix = config.fabric().prefix();
        return Files.exists(StackFabric.NETNS_DIR.resolve(prefix)) ? prefix : null;
    }

    private String authorityPem() {
        try {
            return Files.readString(credentials.localAuthority());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + credentials.localAuthority(), e);
        }
    }
}
