/** Kafka edges of IPAM: the compacted {@code tendril.nodes} state topic and the endpoint reader for leaks. */
package dev.tendril.ipam.adapters.kafka;
