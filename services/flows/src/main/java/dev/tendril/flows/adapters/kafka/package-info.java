/** The flows topic: the ingest loop that fills the rings, and read-back by time for older history. */
package dev.tendril.flows.adapters.kafka;
