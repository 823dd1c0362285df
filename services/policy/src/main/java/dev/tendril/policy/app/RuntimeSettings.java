package dev.tendril.policy.app;

/**
 * What the runtime is configured with: the local cluster (for the {@code cluster} entity), the entries of
 * one subject's policy map, and the output topic (named in logs).
 */
public record RuntimeSettings(String clusterName, int mapMaxEntries, String policyTopic) {}
