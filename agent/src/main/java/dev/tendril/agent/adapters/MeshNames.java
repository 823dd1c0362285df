package dev.tendril.agent.adapters;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import java.net.InetAddress;
import java.util.Optional;

/** What this node knows of its ClusterMesh peers' pods, to name the remote end of a flow. */
interface MeshNames {

    /** No peers. */
    MeshNames NONE = new MeshNames() {
        @Override
        public Identity remoteIdentity(long id) {
            return null;
        }

        @Override
        public Optional<RemoteEndpoint> remoteEndpoint(InetAddress address) {
            return Optional.empty();
        }
    };

    /** A peer's pod, with the name of the peer (its cluster) it came from. */
    record RemoteEndpoint(String cluster, Endpoint endpoint) {}

    /** A peer's identity by number; null when no peer has it. */
    Identity remoteIdentity(long id);

    /** The peer's pod holding {@code address}, when a peer has one. */
    Optional<RemoteEndpoint> remoteEndpoint(InetAddress address);
}
