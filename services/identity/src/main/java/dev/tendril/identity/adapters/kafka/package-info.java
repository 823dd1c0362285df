/** Compacted state topics of the identity service, fed by the outbox relay from committed events. */
package dev.tendril.identity.adapters.kafka;
