/**
 * Wiring of the policy service: configuration, the CDI producers that build the application's runtime
 * from the adapters, its Micrometer metrics, readiness.
 */
package dev.tendril.policy.adapters;
