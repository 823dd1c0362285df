package dev.tendril.deploy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tendril.cli.stack.StackFabric;
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
     * One peer: on this machine ({@code connect --to DIR}: {@code dataDir} set, its stack.json names its Kafka and its
     * data directory its pod network), or reached at its launcher's address ({@code connect --to ADDRESS}:
     * {@code address}, {@code kafka} and, on the kernel datapath, {@code fabric} from its grant).
     *
     * @param dataDir     the peer stack's data directory on this machine, or null
     * @param connectedAt milliseconds since the epoch
     * @param address     the peer launcher's control endpoint that granted this cluster's access, or null
     * @param kafka       the peer's Kafka bootstrap address as its grant named it, or null
     * @param fabric      the prefix of the peer's kernel pod network as its grant named it, or null
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Peer(
            String name,
            int clusterId,
            List<String> podCidrs,
            String dataDir,
            long connectedAt,
            String address,
            String kafka,
            String fabric) {
        Peer {
            podCidrs = podCidrs == null ? List.of() : List.copyOf(podCidrs);
        }

        /** A peer on this machine, found by its data directory. */
        Peer(String name, int clusterId, List<String> podCidrs, String dataDir, long connectedAt) {
            this(name, clusterId, podCidrs, dataDir, connectedAt, null, null, null);
        }

        /** Reached at its launcher's address rather than through its data directory. */
        boolean byAddress() {
            return address != null;
        }

        /** Where the peer's Kafka is now: its stack.json's (a peer on this machine), else its grant's. */
        Optional<String> kafkaNow() {
            return byAddress() ? Optional.ofNullable(kafka) : MirrorProcess.kafkaOf(Path.of(dataDir));
        }

        /** The peer's kernel pod network, when known (an address peer on the model datapath names none). */
        Optional<StackFabric> stackFabric() {
            if (byAddress()) {
                return Optional.ofNullable(fabric).map(StackFabric::new);
            }
            return Optional.of(StackFabric.of(Path.of(dataDir)));
        }

        /** The same peer with its Kafka at {@code bootstrap} (an address peer's moved broker). */
        Peer withKafka(String bootstrap) {
            return new Peer(name, clusterId, podCidrs, dataDir, connectedAt, address, bootstrap, fabric);
        }

        /** Where the peer was connected from: its address or its data directory. */
        String source() {
            return byAddress() ? address : dataDir;
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
