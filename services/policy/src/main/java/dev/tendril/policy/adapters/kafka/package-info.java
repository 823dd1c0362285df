/** Kafka edges: the identities and endpoints the service follows, and the tendril.policy topic it publishes. */
package dev.tendril.policy.adapters.kafka;
