/**
 * Reads of the read model for the REST lists of nodes and allocations, non-blocking: Hibernate Reactive sessions on
 * the reactive PostgreSQL client, keyset pages ({@code limit}/{@code continue}). The writes stay on the event store's
 * JDBC transaction (adapters.persistence); these entities are read-only views of the tables it fills.
 */
package dev.tendril.ipam.adapters.reads;
