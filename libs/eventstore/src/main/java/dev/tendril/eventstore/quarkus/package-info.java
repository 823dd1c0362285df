/**
 * Quarkus wiring of the event store: beans for the store and its transactions, the outbox relay's
 * lifecycle and configuration, and its health check. Services get all of it by depending on the module.
 */
package dev.tendril.eventstore.quarkus;
