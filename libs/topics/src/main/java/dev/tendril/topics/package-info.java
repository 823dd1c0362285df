/**
 * Follows compacted Kafka topics without a consumer group: reads every partition from the beginning (the
 * snapshot) up to the end offsets captured at the start, signals "caught up" once, then follows the deltas,
 * handing the records to a handler in batches and retrying through broker outages.
 */
package dev.tendril.topics;
