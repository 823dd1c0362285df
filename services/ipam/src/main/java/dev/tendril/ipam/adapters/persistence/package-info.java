/**
 * Persistence of the IPAM aggregates, the SQL behind the application's ports: JSON event payloads,
 * stream locks, reads and appends on the shared event store, and the query tables (read model)
 * updated in the same transaction.
 */
package dev.tendril.ipam.adapters.persistence;
