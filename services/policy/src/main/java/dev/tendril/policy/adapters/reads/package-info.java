/**
 * Reads of the read model for the policy list, non-blocking: Hibernate Reactive sessions on the reactive PostgreSQL
 * client, keyset pages ({@code limit}/{@code continue}). The writes stay on the event store's JDBC transaction
 * (adapters.persistence); the entity is a read-only view of the table it fills.
 */
package dev.tendril.policy.adapters.reads;
