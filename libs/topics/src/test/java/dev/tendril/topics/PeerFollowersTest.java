package dev.tendril.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ClusterMesh peer list against the real in-process broker: a listed peer's replicated topics are followed
 * from their beginning, a tombstone stops them and says so, a quiet peer keeps its state (fail-static), and a key
 * that is no cluster name names no topics.
 */
class PeerFollowersTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private TestTopics topics;
    private PeerFollowers followers;
    private String prefix;
    private String peersTopic;
    private final Recorder recorder = new Recorder();

    @BeforeEach
    void start() {
        topics = new TestTopics();
        // Topic names unique per test: the shared broker outlives it.
        prefix = "t" + UUID.randomUUID().toString().substring(0, 8);
        peersTopic = TestTopics.createNamed(prefix + ".tendril.mesh.peers", 1);
    }

    @AfterEach
    void stop() {
        if (followers != null) {
            followers.close();
        }
        topics.close();
    }

    private String endpointsOf(String peer) {
        return prefix + "." + peer + ".tendril.endpoints";
    }

    private PeerFollowers started() {
        followers = new PeerFollowers(
                        "test-peers",
                        TestTopics.bootstrap(),
                        peersTopic,
                        p -> List.of(endpointsOf(p)),
                        Map.of(),
                        recorder)
                .start();
        return followers;
    }

    @Test
    void aListedPeersTopicsAreFollowedFromTheirBeginningAndTheListIsReportedOnceRead() {
        TestTopics.createNamed(endpointsOf("east"), 1);
        topics.send(endpointsOf("east"), 0, "default/a", "10.1.0.5");
        topics.send(peersTopic, 0, "east", "cluster-id 2");

        started();

        await().atMost(WAIT).until(() -> recorder.listed.size() == 1);
        assertThat(recorder.listed.getFirst()).containsExactly("east");
        await().atMost(WAIT)
                .until(() -> "10.1.0.5".equals(recorder.state("east").get("default/a")));
        assertThat(recorder.added).containsExactly("east=cluster-id 2");

        topics.send(endpointsOf("east"), 0, "default/b", "10.1.0.6");
        await().atMost(WAIT)
                .until(() -> "10.1.0.6".equals(recorder.state("east").get("default/b")));
        assertThat(followers.peers()).containsOnlyKeys("east");
    }

    @Test
    void aPeerListedLaterIsFollowedThenAndAnUpdateKeepsItsFollower() {
        started();
        await().atMost(WAIT).until(() -> recorder.listed.size() == 1);
        assertThat(recorder.listed.getFirst()).isEmpty();

        TestTopics.createNamed(endpointsOf("west"), 1);
        topics.send(endpointsOf("west"), 0, "default/w", "10.2.0.7");
        topics.send(peersTopic, 0, "west", "cluster-id 3");
        await().atMost(WAIT)
                .until(() -> "10.2.0.7".equals(recorder.state("west").get("default/w")));

        topics.send(peersTopic, 0, "west", "cluster-id 3, cidrs changed");
        await().atMost(WAIT).until(() -> recorder.updated.contains("west=cluster-id 3, cidrs changed"));
        topics.send(endpointsOf("west"), 0, "default/w", "10.2.0.8");
        await().atMost(WAIT)
                .until(() -> "10.2.0.8".equals(recorder.state("west").get("default/w")));
        assertThat(recorder.added).containsExactly("west=cluster-id 3");
    }

    @Test
    void aTombstoneClosesThePeersFollowerAndNothingMoreArrivesFromIt() throws Exception {
        TestTopics.createNamed(endpointsOf("east"), 1);
        topics.send(endpointsOf("east"), 0, "default/a", "10.1.0.5");
        topics.send(peersTopic, 0, "east", "cluster-id 2");
        started();
        await().atMost(WAIT).until(() -> recorder.state("east").containsKey("default/a"));

        topics.send(peersTopic, 0, "east", null);
        await().atMost(WAIT).until(() -> recorder.removed.contains("east"));
        assertThat(followers.peers()).isEmpty();
        int delivered = recorder.deliveries.size();

        topics.send(endpointsOf("east"), 0, "default/late", "10.1.0.9");
        // A record sent after the peer's removal: wait past a marker on another peer's topic, then check.
        TestTopics.createNamed(endpointsOf("south"), 1);
        topics.send(endpointsOf("south"), 0, "default/marker", "10.3.0.1");
        topics.send(peersTopic, 0, "south", "cluster-id 4");
        await().atMost(WAIT).until(() -> recorder.state("south").containsKey("default/marker"));
        assertThat(recorder.deliveries.subList(delivered, recorder.deliveries.size()))
                .allSatisfy(d -> assertThat(d).startsWith("south "));
    }

    @Test
    void aPeerWhoseTopicsGoQuietKeepsItsStateAndItsFollower() {
        TestTopics.createNamed(endpointsOf("east"), 1);
        topics.send(endpointsOf("east"), 0, "default/a", "10.1.0.5");
        topics.send(peersTopic, 0, "east", "cluster-id 2");
        started();
        await().atMost(WAIT).until(() -> recorder.state("east").containsKey("default/a"));

        await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> recorder.removed.isEmpty());
        assertThat(recorder.state("east")).containsEntry("default/a", "10.1.0.5");
        assertThat(followers.peers()).containsOnlyKeys("east");
    }

    @Test
    void aKeyThatIsNoClusterNameIsRejectedAndFollowsNothing() {
        topics.send(peersTopic, 0, "Not_A_Cluster", "cluster-id 9");
        topics.send(peersTopic, 0, "east", "cluster-id 2");
        TestTopics.createNamed(endpointsOf("east"), 1);
        started();

        await().atMost(WAIT).until(() -> recorder.listed.size() == 1);
        assertThat(recorder.rejected).containsExactly("Not_A_Cluster");
        assertThat(recorder.listed.getFirst()).containsExactly("east");
        assertThat(followers.peers()).containsOnlyKeys("east");
        assertThat(PeerFollowers.isClusterName("cluster-b")).isTrue();
        assertThat(PeerFollowers.isClusterName("-b")).isFalse();
        assertThat(PeerFollowers.isClusterName("a".repeat(33))).isFalse();
    }

    /** What the peer list told its listener, and each peer's records as state per key. */
    private static final class Recorder implements PeerFollowers.Listener {
        final List<String> added = new CopyOnWriteArrayList<>();
        final List<String> updated = new CopyOnWriteArrayList<>();
        final List<String> removed = new CopyOnWriteArrayList<>();
        final List<String> rejected = new CopyOnWriteArrayList<>();
        final List<Set<String>> listed = new CopyOnWriteArrayList<>();
        final List<String> deliveries = new CopyOnWriteArrayList<>();
        private final Map<String, Map<String, String>> states = new ConcurrentHashMap<>();

        Map<String, String> state(String peer) {
            return states.computeIfAbsent(peer, p -> new ConcurrentHashMap<>());
        }

        @Override
        public FollowerHandler<String, byte[]> added(String peer, byte[] value) {
            added.add(peer + "=" + text(value));
            return batch -> {
                for (ConsumerRecord<String, byte[]> r : batch) {
                    deliveries.add(peer + " " + r.key());
                    if (r.value() == null) {
                        state(peer).remove(r.key());
                    } else {
                        state(peer).put(r.key(), text(r.value()));
                    }
                }
            };
        }

        @Override
        public void updated(String peer, byte[] value) {
            updated.add(peer + "=" + text(value));
        }

        @Override
        public void removed(String peer) {
            removed.add(peer);
        }

        @Override
        public void listed(Set<String> peers) {
            listed.add(peers);
        }

        @Override
        public void rejected(String key, String why) {
            rejected.add(key);
        }

        private static String text(byte[] value) {
            return new String(value, StandardCharsets.UTF_8);
        }
    }
}
