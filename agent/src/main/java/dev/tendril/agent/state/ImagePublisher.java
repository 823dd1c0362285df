package dev.tendril.agent.state;

/**
 * Turns the consumer's images into writes of the node's maps (KRaft's MetadataPublisher): told of every
 * image in order, on the consumer's thread. A whole image (the bootstrap) is checked against what the maps hold; after that every batch's delta writes and deletes only the entries
 * it changes.
 */
public interface ImagePublisher {

    /** A whole image, built from {@link NodeImage#EMPTY}: every map diffed against it. */
    NodeMapsReconciler.Outcome publish(NodeImage image);

    /**
     * One batch: {@code image} is {@code delta.apply()}, and {@code delta.base()} the image published last.
     * Writes and deletes only the entries the delta changes; reads no map back.
     */
    NodeMapsReconciler.Outcome publish(NodeDelta delta, NodeImage image);
}
