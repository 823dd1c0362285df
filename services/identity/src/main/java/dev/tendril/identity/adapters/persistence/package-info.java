/** PostgreSQL side of the identity service: event codecs, the allocator, the registry of namespaces and endpoints, GC. */
package dev.tendril.identity.adapters.persistence;
