package dev.tendril.agent.adapters;

import dev.tendril.agent.state.NodeDelta;
import dev.tendril.agent.state.NodeImage;
import java.util.function.Supplier;

/**
 * The state consumer's steps that differ in fetch mode, on the follower's thread. The bootstrap's image is held until
 * the first fetch of the local subjects answered or failed, the batches read meanwhile replayed into it; every delta
 * starts with the fetched maps that came (a record of the same batch is newer); after every image the subjects due
 * are asked for; when no batch comes, the fetched maps and the removal of the maps no subject needs any more are
 * published as a delta of their own ({@link #step}).
 */
final class FetchMode {

    /** How the consumer publishes the bootstrap's image, whole; {@code replayed} records were read while it was held. */
    interface BootstrapPublisher {
        void publish(NodeImage image, long replayed, long rejected);
    }

    /** How the consumer publishes a delta after the bootstrap. */
    interface DeltaPublisher {
        void publish(NodeDelta delta, long rejected);
    }

    private final PolicyFetcher fetcher;
    private final BootstrapPublisher bootstrapPublisher;
    private final DeltaPublisher deltaPublisher;
    private NodeImage pending;
    private long pendingReplayed;
    private long pendingRejected;

    FetchMode(PolicyFetcher fetcher, BootstrapPublisher bootstrapPublisher, DeltaPublisher deltaPublisher) {
        this.fetcher = fetcher;
        this.bootstrapPublisher = bootstrapPublisher;
        this.deltaPublisher = deltaPublisher;
    }

    PolicyFetcher fetcher() {
        return fetcher;
    }

    /** Whether the bootstrap's image waits for the first fetch. */
    boolean holding() {
        return pending != null;
    }

    /**
     * The bootstrap is read ({@code image} is {@code bootstrap.apply()}): the first fetch asked for. Publishes the
     * image at once when no local subject needs a map.
     */
    void caughtUp(NodeDelta bootstrap, NodeImage image) {
        fetcher.revisions(bootstrap);
        fetcher.request(image);
        if (fetcher.inFlight()) {
            pending = image;
            pendingReplayed = 0;
            pendingRejected = 0;
        } else {
            publish(image);
        }
    }

    /** The delta of the next batch: on the held bootstrap's image or the published one, the fetched maps in it. */
    NodeDelta begin(NodeImage published) {
        NodeDelta delta = new NodeDelta(pending != null ? pending : published);
        fetcher.drainInto(delta, false);
        return delta;
    }

    /** The batch replayed into {@code delta} (from {@link #begin}): published, or added to the held bootstrap. */
    void replayed(NodeDelta delta, long rejected, Supplier<NodeImage> published) {
        fetcher.revisions(delta);
        if (pending == null) {
            deltaPublisher.publish(delta, rejected);
            fetcher.request(published.get());
            return;
        }
        pending = delta.apply();
        pendingReplayed += delta.replayed();
        pendingRejected += rejected;
        if (fetcher.outcomes() > 0) {
            publish(pending);
        }
    }

    /**
     * When the follower has no records to hand over (and every second, also while Kafka is away): what was fetched
     * published, the maps no subject needs forgotten, the held bootstrap published once the first fetch answered,
     * and what is due asked for.
     */
    void step(boolean bootstrapped, Supplier<NodeImage> published) {
        if (pending != null) {
            NodeDelta delta = new NodeDelta(pending);
            fetcher.drainInto(delta, false);
            pending = delta.apply();
            if (fetcher.outcomes() > 0) {
                publish(pending);
            }
            return;
        }
        if (!bootstrapped) {
            return;
        }
        NodeDelta delta = new NodeDelta(published.get());
        fetcher.drainInto(delta, true);
        if (!delta.policyChanges().isEmpty()) {
            deltaPublisher.publish(delta, 0);
        }
        fetcher.request(published.get());
    }

    private void publish(NodeImage image) {
        bootstrapPublisher.publish(image, pendingReplayed, pendingRejected);
        pending = null;
        fetcher.request(image);
    }
}
