/** Wiring of the agent's state to Kafka, the node's maps, REST, health and metrics. */
package dev.tendril.agent.adapters;
