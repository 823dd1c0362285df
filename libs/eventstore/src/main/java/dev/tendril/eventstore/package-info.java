/**
 * Event store on PostgreSQL with an outbox relay to Kafka: services decide, append events and update
 * their read model in one transaction, and the relay publishes what committed, in order, at least once.
 */
package dev.tendril.eventstore;
