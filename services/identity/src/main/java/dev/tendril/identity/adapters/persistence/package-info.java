/**
 * PostgreSQL side of the identity service: the application's storage ports on the event store and the
 * read model (SQL only), event codecs, the deregistration projector, read-model rebuild.
 */
package dev.tendril.identity.adapters.persistence;
