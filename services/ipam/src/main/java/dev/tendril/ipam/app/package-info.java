/**
 * The IPAM application layer: loads the cached streams, runs the domain's deciders and appends their
 * events with the read model in one transaction (group-committed), through the ports {@link
 * dev.tendril.ipam.app.IpamStore} and {@link dev.tendril.ipam.app.IpamQueries} that the persistence
 * adapter implements. Plain Java, so tests can run several instances over separate connection pools,
 * as replicas would.
 */
package dev.tendril.ipam.app;
