package dev.tendril.topics;

import org.apache.kafka.common.header.Headers;

/**
 * The two kinds of record on the flows topic: a Hubble {@code flow.Flow} (no header), or a Hubble
 * {@code flow.LostEvent} that an agent sends after its flow queue overflowed, marked by the header
 * {@value #LOST_EVENTS_HEADER} so readers that only want flows skip it (docs/topics.md).
 */
public final class FlowTopicRecords {

    public static final String LOST_EVENTS_HEADER = "tendril-lost-events";

    private FlowTopicRecords() {}

    public static boolean isLostEvents(Headers headers) {
        return headers != null && headers.lastHeader(LOST_EVENTS_HEADER) != null;
    }
}
