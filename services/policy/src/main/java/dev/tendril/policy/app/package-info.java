/**
 * The policy service's application layer: the runtime that keeps the engine, decides writes with the
 * domain's decider, follows the other replicas' writes and publishes the maps while it leads, reaching
 * storage, Kafka, the election, the identity service and metrics only through the ports declared here.
 */
package dev.tendril.policy.app;
