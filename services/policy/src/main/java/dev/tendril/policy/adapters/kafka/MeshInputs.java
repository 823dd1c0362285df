package dev.tendril.policy.adapters.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.api.v1.MeshPeer;
import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelSource;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.policy.domain.Identity;
import dev.tendril.topics.Batch;
import dev.tendril.topics.FollowerHandler;
import dev.tendril.topics.FollowerStatus;
import dev.tendril.topics.PeerFollowers;
import io.micrometer.core.instrument.Counter;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * The ClusterMesh part of the policy service's inputs: for every peer listed in {@code tendril.mesh.peers},
 * its replicated {@code <peer>.tendril.identities} into the {@link PolicyRuntime} as remote identities
 * (selected by selectors, never subjects), and its {@code <peer>.tendril.services} as the peer's Services that
 * local global Services merge (docs/clustermesh.md, "Global Services"). As Cilium does, a remote identity must carry the peer's cluster
 * label and, when the peer's cluster id is known, lie in that cluster's range; others are skipped. A peer
 * tombstoned in the list has its identities and Services removed; a peer whose topics go quiet keeps them.
 *
 * <p>{@link #bootstrapped()} says whether the peers listed at the start have been read up to their end as of
 * their start: {@link InputsConsumer} waits for it (at most a bound) before publishing. A peer listed later
 * is applied as deltas to a publishing service.
 */
public final class MeshInputs implements PeerFollowers.Listener {

    private static final Logger LOG = Logger.getLogger(MeshInputs.class);

    /** A peer's identities as applied, and whether they were read up to their end as of the peer's start. */
    public record PeerView(long clusterId, int identities, int services, boolean bootstrapped) {}

    private final PolicyRuntime runtime;
    private final String servicesTopic;
    private final Counter applied;
    private final Counter rejected;
    private final Runnable progress;
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();
    private volatile Set<String> listedAtStart;

    /** @param progress told whenever the peer list or a peer caught up (on their threads) */
    /** @param servicesTopic the peers' Services topic as they name it: a peer's replica is {@code <peer>.<servicesTopic>} */
    MeshInputs(PolicyRuntime runtime, String servicesTopic, Counter applied, Counter rejected, Runnable progress) {
        this.runtime = runtime;
        this.servicesTopic = servicesTopic;
        this.applied = applied;
        this.rejected = rejected;
        this.progress = progress;
    }

    /** The peer list was read, and every peer listed then (and not removed since) caught up. */
    boolean bootstrapped() {
        Set<String> listed = listedAtStart;
        if (listed == null) {
            return false;
        }
        for (String name : listed) {
            Peer p = peers.get(name);
            if (p != null && !p.caughtUp) {
                return false;
            }
        }
        return true;
    }

    /** The peers listed at the start that have not caught up yet (all of them before the list was read). */
    Optional<Set<String>> waitingFor() {
        Set<String> listed = listedAtStart;
        if (listed == null) {
            return Optional.empty();
        }
        return Optional.of(Set.copyOf(listed.stream()
                .filter(n -> peers.containsKey(n) && !peers.get(n).caughtUp)
                .toList()));
    }

    Map<String, PeerView> peers() {
        Map<String, PeerView> out = new TreeMap<>();
        peers.forEach(
                (n, p) -> out.put(n, new PeerView(p.clusterId, p.ids.size(), runtime.remoteServices(n), p.caughtUp)));
        return out;
    }

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
    public void removed(String name) {
        Peer peer = peers.remove(name);
        if (peer == null) {
            return;
        }
        synchronized (peer) {
            peer.removed = true;
            peer.ids.forEach(runtime::removeIdentity);
            LOG.infof("peer %s disconnected: its %d identities removed", name, peer.ids.size());
            peer.ids.clear();
            runtime.removePeerServices(name);
            LOG.infof("peer %s disconnected: its Services' backends removed from global Services", name);
        }
        progress.run();
    }

    @Override
    public void listed(Set<String> names) {
        listedAtStart = Set.copyOf(names);
        LOG.infof("ClusterMesh peers listed at start: %s", names);
        progress.run();
    }

    @Override
    public void rejected(String key, String why) {
        rejected.increment();
    }

    private static long clusterId(String name, byte[] value) {
        try {
            return Integer.toUnsignedLong(MeshPeer.parseFrom(value).getClusterId());
        } catch (InvalidProtocolBufferException e) {
            LOG.warnf("peer %s: its peer list record is no MeshPeer (%s); its identity range is not checked", name, e);
            return 0;
        }
    }

    /** One peer's identities, on the peer's follower thread. */
    private final class Peer implements FollowerHandler<String, byte[]> {
        private final String name;
        private final Set<Long> ids = ConcurrentHashMap.newKeySet();
        private volatile long clusterId;
        private volatile boolean caughtUp;
        private boolean removed;

        Peer(String name, long clusterId) {
            this.name = name;
            this.clusterId = clusterId;
        }

        @Override
        public synchronized void apply(Batch<String, byte[]> batch) {
            for (ConsumerRecord<String, byte[]> r : batch) {
                if (removed) {
                    return;
                }
                try {
                    replay(r);
                    applied.increment();
                } catch (IllegalArgumentException e) {
                    // One bad record must not stop the peer from being followed.
                    rejected.increment();
                    LOG.warnf(
                            "peer %s: skipping %s-%d@%d: %s",
                            name, r.topic(), r.partition(), r.offset(), e.getMessage());
                }
            }
        }

        private void replay(ConsumerRecord<String, byte[]> r) {
            if (r.key() == null) {
                throw new IllegalArgumentException("no key");
            }
            if (r.topic().equals(name + "." + servicesTopic)) {
                if (r.value() == null) {
                    runtime.removeRemoteService(name, r.key());
                } else {
                    runtime.upsertRemoteService(name, r.key(), ProtoMapping.remoteService(name, clusterId, r.value()));
                }
                return;
            }
            long id = ProtoMapping.identityKey(r.key());
            if (r.value() == null) {
                if (ids.remove(id)) {
                    runtime.removeIdentity(id);
                }
                return;
            }
            Identity identity = ProtoMapping.identity(r.key(), r.value());
            String cluster = identity.label(LabelSource.K8S, Label.CLUSTER_KEY)
                    .map(Label::value)
                    .orElse(null);
            if (!name.equals(cluster)) {
                throw new IllegalArgumentException(
                        "identity " + id + " has cluster label " + cluster + ", not the peer's " + name);
            }
            long expected = clusterId;
            if (expected != 0 && ((id >>> 16) & 0xFF) != expected) {
                throw new IllegalArgumentException(
                        "identity " + id + " lies outside cluster " + expected + "'s range of " + name);
            }
            ids.add(id);
            runtime.upsertRemoteIdentity(identity);
        }

        @Override
        public void caughtUp(FollowerStatus status) {
            caughtUp = true;
            LOG.infof("peer %s: %d identities bootstrapped", name, ids.size());
            progress.run();
        }
    }
}
