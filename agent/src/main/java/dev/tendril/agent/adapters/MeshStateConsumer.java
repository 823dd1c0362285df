package dev.tendril.agent.adapters;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.state.NodeDelta;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.agent.state.StateTopic;
import dev.tendril.api.v1.MeshPeer;
import dev.tendril.api.v1.Node;
import dev.tendril.topics.Batch;
import dev.tendril.topics.FollowerHandler;
import dev.tendril.topics.FollowerStatus;
import dev.tendril.topics.KafkaClientSettings;
import dev.tendril.topics.PeerFollowers;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Follows the ClusterMesh peer list ({@code tendril.mesh.peers}) and, per listed peer, the peer's replicated
 * {@code <peer>.tendril.identities}, {@code <peer>.tendril.endpoints} and {@code <peer>.tendril.nodes}
 * ({@link PeerFollowers}: one follower per peer, each from the beginning like the local topics). A peer's
 * bootstrap is replayed into one {@link NodeDelta} from {@link NodeImage#EMPTY} and published whole once
 * caught up; after that the batches are deltas whose ipcache changes alone are written
 * ({@link DatapathMaps#publishPeer}), gathered while they come faster than {@link #PUBLISH_SPACING_NANOS} (or
 * {@link #PUBLISH_COST_SPACING} times the last publish's own time). A peer tombstoned in the list has its entries
 * removed; a peer whose topics go quiet keeps them (fail-static). Nothing here holds back the local state: readiness
 * follows {@link NodeStateConsumer} only, and peers published before the local bootstrap are part of its snapshot.
 */
@ApplicationScoped
public class MeshStateConsumer implements MeshNames {

    private static final Logger LOG = Logger.getLogger(MeshStateConsumer.class);

    /** Changes published at once however soon after the last publish (a lone change waits for nothing). */
    static final int PUBLISH_AT_ONCE = 32;

    /**
     * The least time between two publishes of more changes. A publish of more changes than the image's overlay
     * holds copies the whole image (150,000 endpoints), so a flood of changes (a peer's first replication after
     * connect: its whole state arrives after the bootstrap, poll after poll) is gathered and published about five
     * times a second; what is held back is published when the poll after it finds no more.
     */
    static final long PUBLISH_SPACING_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(200);

    /**
     * A publish's cost times this is also the least time to the next publish of more changes: a publish of a large
     * image costs its size (the copy above), so a peer thread flooded with records spends at most a quarter of its time
     * publishing, however large the peer.
     */
    static final int PUBLISH_COST_SPACING = 3;

    /**
     * What the agent holds of one peer.
     *
     * @param clusterId from the peer's list record (0 when it did not parse)
     * @param bootstrapped whether the peer's topics were read to their end as of its start and published
     * @param lastRecord the Kafka timestamp of the peer's last record written to this node's ipcache (MirrorMaker 2
     *     keeps the peer's produce time), null before any
     * @param problem the peer follower's failure while it retries
     */
    public record PeerStatus(
            String name,
            long clusterId,
            boolean bootstrapped,
            int identities,
            int endpoints,
            int nodes,
            long lag,
            Instant lastRecord,
            Optional<String> problem) {}

    @Inject
    AgentConfig config;

    @Inject
    DatapathMaps maps;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private final Map<String, Peer> peers = new ConcurrentHashMap<>();
    private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
    // Orders a peer's publishes with its removal: nothing of a removed peer is written after it.
    private final Object publishing = new Object();
    private PeerFollowers followers;

    void onStart(@Observes StartupEvent event) {
        start();
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    public void start() {
        if (!config.sync().enabled()) {
            return;
        }
        AgentConfig.Sync sync = config.sync();
        followers = new PeerFollowers(
                        "tendril-agent-mesh-" + config.nodeName(),
                        bootstrapServers,
                        sync.meshPeersTopic(),
                        peer -> List.of(
                                peer + "." + sync.identitiesTopic(),
                                peer + "." + sync.endpointsTopic(),
                                peer + "." + sync.nodesTopic()),
                        KafkaClientSettings.fromConfig(),
                        new PeerList())
                .start();
    }

    public void stop() {
        if (followers != null) {
            followers.close();
        }
    }

    /** Every listed peer, by name. */
    public Map<String, PeerStatus> peers() {
        Map<String, FollowerStatus> following = followers == null ? Map.of() : followers.peers();
        Map<String, PeerStatus> out = new TreeMap<>();
        peers.forEach((name, p) -> {
            FollowerStatus f = following.get(name);
            NodeImage image = p.image;
            out.put(
                    name,
                    new PeerStatus(
                            name,
                            p.clusterId,
                            p.bootstrapped,
                            image.identities().size(),
                            image.endpoints().size(),
                            image.nodes().size(),
                            f == null ? 0 : f.lag(),
                            p.lastRecord == 0 ? null : Instant.ofEpochMilli(p.lastRecord),
                            f == null ? Optional.empty() : f.problem().map(FollowerStatus.Failure::message)));
        });
        return out;
    }

    /** Every listed peer's nodes as last published (their pod CIDRs and addresses), by peer, then node name. */
    public List<Node> remoteNodes() {
        List<Node> out = new ArrayList<>();
        new TreeMap<>(peers)
                .values()
                .forEach(p -> new TreeMap<>(p.image.nodes()).values().forEach(out::add));
        return out;
    }

    /**
     * Runs {@code listener} after each change of a peer's published state and after a peer's removal (on the peer
     * follower's thread): the kernel pod network routes the peers' pod CIDRs as {@link #remoteNodes} shows them.
     */
    public void onChange(Runnable listener) {
        changeListeners.add(listener);
    }

    private void changed() {
        for (Runnable listener : changeListeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.warnf(e, "a ClusterMesh change listener failed: %s", e.getMessage());
            }
        }
    }

    /**
     * A ClusterMesh peer's identity by number, for naming a remote flow end (its labels carry its cluster);
     * null when no peer has it. Lock-free: every peer's image is read as last published.
     */
    @Override
    public dev.tendril.api.v1.Identity remoteIdentity(long id) {
        for (Peer p : peers.values()) {
            dev.tendril.api.v1.Identity found = p.image.identities().get(id);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The peer's pod holding {@code address}, with the peer's name; lock-free as {@link #remoteIdentity}. */
    @Override
    public Optional<RemoteEndpoint> remoteEndpoint(java.net.InetAddress address) {
        for (Peer p : peers.values()) {
            dev.tendril.api.v1.Endpoint found = p.byAddress.find(p.image, address);
            if (found != null) {
                return Optional.of(new RemoteEndpoint(p.name, found));
            }
        }
        return Optional.empty();
    }

    private final class PeerList implements PeerFollowers.Listener {

        @Override
        public FollowerHandler<String, byte[]> added(String name, byte[] value) {
            Peer peer = new Peer(name, clusterId(name, value));
            peers.put(name, peer);
            return peer;
        }

        @Override
        public void updated(String name, byte[] value) {
            Peer peer = peers.get(name);
            if (peer != null) {
                peer.clusterId = clusterId(name, value);
            }
        }

        @Override
        public void listed(Set<String> names) {
            synchronized (publishing) {
                maps.awaitPeers(names);
            }
        }

        @Override
        public void removed(String name) {
            Peer peer = peers.remove(name);
            if (peer == null) {
                return;
            }
            synchronized (publishing) {
                peer.removed = true;
                maps.removePeer(name);
            }
            changed();
            LOG.infof("peer %s disconnected: its ipcache entries removed", name);
        }

        private long clusterId(String name, byte[] value) {
            try {
                return Integer.toUnsignedLong(MeshPeer.parseFrom(value).getClusterId());
            } catch (InvalidProtocolBufferException e) {
                LOG.warnf("peer %s: its tendril.mesh.peers record is no MeshPeer (%s); following it anyway", name, e);
                return 0;
            }
        }
    }

    /** One peer's topics into its image and the ipcache, on the peer's follower thread. */
    private final class Peer implements FollowerHandler<String, byte[]> {
        private final String name;
        private final Map<String, StateTopic> topics;
        private volatile long clusterId;
        private volatile NodeImage image = NodeImage.EMPTY;
        private final EndpointsByAddress byAddress = new EndpointsByAddress();
        private volatile boolean bootstrapped;
        private volatile boolean removed;
        private volatile long lastRecord;
        /** The latest record timestamp replayed, on the follower thread; {@link #lastRecord} once published. */
        private long replayedUpTo;

        private NodeDelta bootstrapping;
        /** Records applied since the last publish, held back while publishes come closer than the spacing. */
        private NodeDelta pending;

        private long lastPublish = System.nanoTime() - PUBLISH_SPACING_NANOS;
        /** The least time from {@link #lastPublish} to the next publish of more than {@link #PUBLISH_AT_ONCE}. */
        private long spacing = PUBLISH_SPACING_NANOS;

        Peer(String name, long clusterId) {
            this.name = name;
            this.clusterId = clusterId;
            AgentConfig.Sync sync = config.sync();
            this.topics = Map.of(
                    name + "." + sync.identitiesTopic(), StateTopic.IDENTITIES,
                    name + "." + sync.endpointsTopic(), StateTopic.ENDPOINTS,
                    name + "." + sync.nodesTopic(), StateTopic.NODES);
        }

        @Override
        public void apply(Batch<String, byte[]> batch) {
            if (batch.bootstrapping()) {
                if (bootstrapping == null) {
                    bootstrapping = new NodeDelta(NodeImage.EMPTY);
                }
                replay(bootstrapping, batch);
                return;
            }
            if (pending == null) {
                pending = new NodeDelta(image);
            }
            replay(pending, batch);
            if (pending.replayed() <= PUBLISH_AT_ONCE || System.nanoTime() - lastPublish >= spacing) {
                flush();
            }
        }

        @Override
        public void drained() {
            flush();
        }

        @Override
        public void periodically(FollowerStatus status) {
            flush();
        }

        /** Publishes the records held back, if any; kept for the next try when the write fails. */
        private void flush() {
            if (pending != null) {
                publish(pending);
                pending = null;
            }
        }

        @Override
        public void caughtUp(FollowerStatus status) {
            NodeDelta delta = bootstrapping == null ? new NodeDelta(NodeImage.EMPTY) : bootstrapping;
            publish(delta);
            bootstrapping = null;
            bootstrapped = true;
            NodeImage now = image;
            LOG.infof(
                    "peer %s bootstrapped from %d records: %d endpoints, %d nodes, %d identities",
                    name,
                    delta.replayed(),
                    now.endpoints().size(),
                    now.nodes().size(),
                    now.identities().size());
        }

        private void publish(NodeDelta delta) {
            long started = System.nanoTime();
            try {
                publishNow(delta);
            } finally {
                lastPublish = System.nanoTime();
                spacing = Math.max(PUBLISH_SPACING_NANOS, PUBLISH_COST_SPACING * (lastPublish - started));
            }
        }

        private void publishNow(NodeDelta delta) {
            NodeImage next = delta.apply();
            boolean nodesChanged;
            synchronized (publishing) {
                if (removed) {
                    return;
                }
                maps.publishPeer(name, delta, next);
                nodesChanged = !next.nodes().equals(image.nodes());
                image = next;
                lastRecord = replayedUpTo;
            }
            if (nodesChanged) {
                changed();
            }
        }

        private void replay(NodeDelta delta, Batch<String, byte[]> batch) {
            for (ConsumerRecord<String, byte[]> r : batch) {
                replayedUpTo = Math.max(replayedUpTo, r.timestamp());
                StateTopic topic = topics.get(r.topic());
                if (topic == null || r.key() == null) {
                    continue;
                }
                try {
                    delta.replay(topic, r.partition(), r.offset(), r.key(), r.value());
                } catch (IllegalArgumentException e) {
                    // One bad record must not stop the peer from being followed.
                    LOG.warnf(
                            "peer %s: skipping %s-%d@%d: %s",
                            name, r.topic(), r.partition(), r.offset(), e.getMessage());
                }
            }
        }
    }
}
