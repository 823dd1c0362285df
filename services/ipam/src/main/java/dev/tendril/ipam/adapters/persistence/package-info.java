/**
 * Persistence of the IPAM aggregates: JSON event payloads, cached event-sourced streams over the
 * shared event store, and the query tables (read model) updated in the same transaction.
 */
package dev.tendril.ipam.adapters.persistence;
