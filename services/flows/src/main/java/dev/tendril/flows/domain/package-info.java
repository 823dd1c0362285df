/**
 * The flows service's pure core: per-node flow rings, Hubble's filter semantics, and queries and
 * followers merged across nodes by time. No framework, Kafka or protobuf: flows arrive already decoded
 * into {@link dev.tendril.flows.domain.StoredFlow} (the filterable fields plus the original bytes).
 */
package dev.tendril.flows.domain;
