/** Wiring of the policy service: configuration, the serialised runtime around the engine, readiness. */
package dev.tendril.policy.adapters;
