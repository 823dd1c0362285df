package dev.tendril.deploy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code DATA/mesh/peers.json}: the ClusterMesh peers this stack replicates from, so that {@code ./tendril up} starts
 * their MirrorMaker 2 again after {@code down}. Written by the launcher on {@code tendril clustermesh connect} and
 * {@code disconnect}; {@code tendril.mesh.peers} in Kafka carries the same peers for the components.
 */
final class MeshPeers {

    static final String DIRECTORY = "mesh";
    static final String FILE = "peers.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One peer.
     *
     * @param dataDir     the peer stack's data directory on this machine, where its stack.json names its Kafka
     * @param connectedAt milliseconds since the epoch
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Peer(String name, int clusterId, List<String> podCidrs, String dataDir, long connectedAt) {
        Peer {
            podCidrs = podCidrs == null ? List.of() : List.copyOf(podCidrs);
        }
    }

    private final Path file;

    MeshPeers(Path dataDir) {
        this.file = dataDir.resolve(DIRECTORY).resolve(FILE);
    }

    synchronized List<Peer> all() {
        try {
            return List.copyOf(JSON.readValue(Files.readString(file), new TypeReference<List<Peer>>() {}));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    List<String> names() {
        return all().stream().map(Peer::name).toList();
    }

    Optional<Peer> find(String name) {
        return all().stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** Adds or replaces the peer of that name. */
    synchronized void put(Peer peer) {
        List<Peer> peers = new ArrayList<>(all());
        peers.removeIf(p -> p.name().equals(peer.name()));
        peers.add(peer);
        write(peers);
    }

    synchronized void remove(String name) {
        List<Peer> peers = new ArrayList<>(all());
        peers.removeIf(p -> p.name().equals(name));
        write(peers);
    }

    private void write(List<Peer> peers) {
        Path temp = file.resolveSibling(FILE + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(temp, JSON.writeValueAsString(peers) + System.lineSeparator());
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
