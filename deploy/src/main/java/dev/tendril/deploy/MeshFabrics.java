package dev.tendril.deploy;

import dev.tendril.cli.stack.StackFabric;
import java.io.PrintStream;
import java.util.Optional;

/**
 * What ClusterMesh does with the stacks' kernel pod networks: on the kernel datapath, connect joins this stack's switch
 * to the peer's ({@link MeshLink}) before anything else and disconnect removes the link first, so that a link that
 * cannot be made or removed refuses the request with the reason (503) and changes nothing; on the model datapath, or
 * where this process cannot wire links (not Linux, not root: said so), nothing.
 */
final class MeshFabrics {

    static final String LABEL = "mesh-link";

    private final StackConfig config;
    private final MeshLink link;
    private final PrintStream out;

    MeshFabrics(StackConfig config, MeshLink link, PrintStream out) {
        this.config = config;
        this.link = link;
        this.out = out;
    }

    /** Whether {@code fabric}'s switch namespace exists on this machine (its stack runs here, on the kernel datapath). */
    static boolean present(StackFabric fabric) {
        return java.nio.file.Files.exists(StackFabric.NETNS_DIR.resolve(fabric.prefix()));
    }

    /**
     * Joins this stack's kernel pod network to the peer's ({@link MeshLink}), so that the nodes route each other's pod
     * CIDRs over it; nothing on the model datapath or where this process cannot wire links (said so). Whether it
     * created the link; a link that cannot be made is refused (503) with the reason, no half of it left.
     */
    boolean link(String peerName, StackFabric peer) {
        if (config.datapath() == Datapath.MODEL) {
            return false;
        }
        Optional<String> unavailable = MeshLink.unavailableReason();
        if (unavailable.isPresent()) {
            out.printf("%-10s no link to %s's pod network: %s%n", LABEL, peerName, unavailable.get());
            return false;
        }
        StackFabric local = config.fabric();
        boolean created;
        try {
            created = link.ensure(local, config.cluster().name(), peer, peerName);
        } catch (RuntimeException e) {
            throw new MeshRefused(
                    503,
                    "cannot link this stack's pod network " + local.prefix() + " to " + peerName + "'s " + peer.prefix()
                            + ": " + e.getMessage());
        }
        out.printf(
                "%-10s %s switch %s to %s's switch %s (%s)%n",
                LABEL, created ? "joined" : "keeps", local.prefix(), peerName, peer.prefix(), MeshLink.port(peer));
        return created;
    }

    /** Removes the link to the peer's switch; a link that cannot be removed is refused (503) with the reason. */
    void unlink(String peerName, StackFabric peer) {
        if (config.datapath() == Datapath.MODEL || MeshLink.unavailableReason().isPresent()) {
            return;
        }
        boolean removed;
        try {
            removed = link.remove(config.fabric(), peer);
        } catch (RuntimeException e) {
            throw new MeshRefused(
                    503,
                    "cannot remove the link to " + peerName + "'s pod network " + peer.prefix() + ": "
                            + e.getMessage());
        }
        if (removed) {
            out.printf("%-10s removed the link to %s's switch %s%n", LABEL, peerName, peer.prefix());
        }
    }

    void unlinkAfterFailure(String peerName, StackFabric peer, RuntimeException failure) {
        try {
            unlink(peerName, peer);
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
