/**
 * The IPAM application layer: runs the domain's deciders against the event store (several streams
 * in one transaction where a command spans them) and answers queries from the read model. Plain
 * Java, so tests can run several instances over separate connection pools, as replicas would.
 */
package dev.tendril.ipam.app;
