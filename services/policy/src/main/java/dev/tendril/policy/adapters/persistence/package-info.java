/** The policy store: policy events in the service's event store, their read model and the rebuild at start. */
package dev.tendril.policy.adapters.persistence;
