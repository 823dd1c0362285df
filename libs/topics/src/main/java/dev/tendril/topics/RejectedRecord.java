package dev.tendril.topics;

import org.apache.kafka.common.TopicPartition;

/** A record the deserializers could not read; the follower skipped it and goes on. */
public record RejectedRecord(TopicPartition partition, long offset, Throwable cause) {}
