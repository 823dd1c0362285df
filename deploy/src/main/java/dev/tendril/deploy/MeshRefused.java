package dev.tendril.deploy;

/**
 * A ClusterMesh request the launcher refused before changing anything: the control endpoint answers it as
 * problem+json with {@code status} (400 bad peer, 404 unknown peer, 409 conflicting peer, 503 peer unreachable).
 */
final class MeshRefused extends RuntimeException {

    private final int status;

    MeshRefused(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
