/**
 * Many node agents in one JVM for scale work: each with its own image, in-memory maps and Kafka
 * consumer, running the production state consumer and reconciler.
 */
package dev.tendril.agent.sim;
