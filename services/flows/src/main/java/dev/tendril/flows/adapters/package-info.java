/** Quarkus wiring of the flows service: configuration, Kafka ingest and history, metrics, gRPC and REST. */
package dev.tendril.flows.adapters;
