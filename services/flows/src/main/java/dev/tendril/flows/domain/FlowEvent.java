package dev.tendril.flows.domain;

/** What a query or follower yields: a flow, or a count of flows it could not return. */
public sealed interface FlowEvent {

    record Flowed(StoredFlow flow) implements FlowEvent {}

    /** Flows the reader asked for that the ring overwrote first (Hubble's HUBBLE_RING_BUFFER). */
    record Lost(String node, long count) implements FlowEvent {}
}
