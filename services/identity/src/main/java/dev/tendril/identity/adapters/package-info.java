/** Quarkus wiring of the identity service: configuration, beans and background work (GC, cache eviction). */
package dev.tendril.identity.adapters;
