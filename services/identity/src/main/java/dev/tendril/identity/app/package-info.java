/**
 * The identity service's application layer: allocate-or-reuse with group commit, namespaces and
 * endpoints, garbage collection. Each command loads its streams, runs the domain's deciders and appends
 * in one transaction through ports ({@link dev.tendril.identity.app.IdentityStorage}) that the persistence
 * adapter implements; plain Java, so tests can run several instances on separate pools, as replicas would.
 */
package dev.tendril.identity.app;
