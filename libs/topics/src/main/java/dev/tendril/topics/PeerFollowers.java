package dev.tendril.topics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Follows a ClusterMesh peer list (a compacted topic keyed by the peer's cluster name, a tombstone when the
 * peer is disconnected) and, for every listed peer, that peer's replicated topics with a {@link TopicFollower}
 * of its own: each peer bootstraps and follows at its own pace, so a large or slow peer holds back neither
 * the others nor the caller's local topics. A peer listed later gets its follower then; a tombstone closes
 * the peer's follower and then tells the {@link Listener}. A peer whose topics go quiet keeps its follower
 * (fail-static: its last state stays with the listener).
 *
 * <p>Keys that are not a valid cluster name (Cilium's rules: at most 32 lower-case alphanumerics or '-',
 * starting and ending alphanumeric) are skipped: they would name topics nobody replicates.
 */
public final class PeerFollowers implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PeerFollowers.class);
    private static final Pattern CLUSTER_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?");

    /** What a peer list tells its user; every method runs on the peer list's thread. */
    public interface Listener {

        /**
         * A peer newly listed, {@code value} its record: returns the handler of the peer's topics, whose
         * follower starts right after.
         */
        FollowerHandler<String, byte[]> added(String peer, byte[] value);

        /** A listed peer's record changed (its follower goes on). */
        default void updated(String peer, byte[] value) {}

        /** A peer tombstoned: its follower is closed (its handler gets nothing more). */
        void removed(String peer);

        /** The peer list read up to its end as of the start: these peers were listed then. */
        default void listed(Set<String> peers) {}

        /** A peer list record skipped: a key that is no cluster name. */
        default void rejected(String key, String why) {}
    }

    private final String name;
    private final String bootstrapServers;
    private final String peersTopic;
    private final Function<String, List<String>> topicsOf;
    private final Map<String, ?> consumerProperties;
    private final Listener listener;
    private final Map<String, TopicFollower<String, byte[]>> peers = new ConcurrentHashMap<>();
    private TopicFollower<String, byte[]> list;
    private volatile boolean closed;

    /**
     * @param name the peer list follower's thread name; each peer's is {@code <name>-<peer>}
     * @param topicsOf the topics to follow for a peer (e.g. {@code <peer>.tendril.endpoints})
     */
    public PeerFollowers(
            String name,
            String bootstrapServers,
            String peersTopic,
            Function<String, List<String>> topicsOf,
            Map<String, ?> consumerProperties,
            Listener listener) {
        this.name = Objects.requireNonNull(name, "name");
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.peersTopic = Objects.requireNonNull(peersTopic, "peersTopic");
        this.topicsOf = Objects.requireNonNull(topicsOf, "topicsOf");
        this.consumerProperties = Map.copyOf(consumerProperties);
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Whether {@code name} is a valid ClusterMesh cluster name. */
    public static boolean isClusterName(String name) {
        return name != null && CLUSTER_NAME.matcher(name).matches();
    }

    /** Starts following the peer list; once only. */
    public synchronized PeerFollowers start() {
        if (list != null) {
            throw new IllegalStateException(name + " was started already");
        }
        list = TopicFollower.builder(new StringDeserializer(), new ByteArrayDeserializer())
                .name(name)
                .bootstrapServers(bootstrapServers)
                .topics(peersTopic)
                .consumerProperties(consumerProperties)
                .handler(new PeerList())
                .start();
        return this;
    }

    /** The peer list follower's status; empty before {@link #start()}. */
    public Optional<FollowerStatus> listStatus() {
        TopicFollower<String, byte[]> l = list;
        return l == null ? Optional.empty() : Optional.of(l.status());
    }

    /** Each listed peer's follower status, by peer name. */
    public Map<String, FollowerStatus> peers() {
        Map<String, FollowerStatus> out = new TreeMap<>();
        peers.forEach((peer, f) -> out.put(peer, f.status()));
        return out;
    }

    /** Stops the peer list, then every peer's follower. Idempotent. */
    @Override
    public void close() {
        closed = true;
        TopicFollower<String, byte[]> l;
        synchronized (this) {
            l = list;
        }
        if (l != null) {
            l.close();
        }
        List<TopicFollower<String, byte[]>> all = new ArrayList<>(peers.values());
        peers.clear();
        all.forEach(TopicFollower::close);
    }

    private final class PeerList implements FollowerHandler<String, byte[]> {

        @Override
        public void apply(Batch<String, byte[]> batch) {
            for (ConsumerRecord<String, byte[]> r : batch) {
                if (closed) {
                    return;
                }
                String peer = r.key();
                if (!isClusterName(peer)) {
                    LOG.warnf(
                            "skipping %s-%d@%d: key '%s' is no cluster name",
                            r.topic(), r.partition(), r.offset(), peer);
                    listener.rejected(peer, "not a cluster name (at most 32 of a-z, 0-9, '-')");
                    continue;
                }
                if (r.value() == null) {
                    remove(peer);
                } else if (peers.containsKey(peer)) {
                    listener.updated(peer, r.value());
                } else {
                    add(peer, r.value());
                }
            }
        }

        @Override
        public void caughtUp(FollowerStatus status) {
            listener.listed(Set.copyOf(new HashSet<>(peers.keySet())));
        }

        private void add(String peer, byte[] value) {
            FollowerHandler<String, byte[]> handler = listener.added(peer, value);
            TopicFollower<String, byte[]> follower = TopicFollower.builder(
                            new StringDeserializer(), new ByteArrayDeserializer())
                    .name(name + "-" + peer)
                    .bootstrapServers(bootstrapServers)
                    .topics(topicsOf.apply(peer))
                    .consumerProperties(consumerProperties)
                    .handler(handler)
                    .build();
            peers.put(peer, follower);
            follower.start();
            LOG.infof("following peer %s: %s", peer, follower.config().topics());
        }

        private void remove(String peer) {
            TopicFollower<String, byte[]> follower = peers.remove(peer);
            if (follower == null) {
                return;
            }
            follower.close();
            listener.removed(peer);
            LOG.infof(
                    "peer %s disconnected: no longer following %s",
                    peer, follower.config().topics());
        }
    }
}
