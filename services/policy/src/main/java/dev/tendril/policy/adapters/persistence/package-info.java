/**
 * PostgreSQL: the policy and load-balancing events in the service's event store, their read models and
 * revision locks (the application's {@link dev.tendril.policy.app.PolicyRepository} and
 * {@link dev.tendril.policy.app.LbRepository}, one {@link RevisionLockedLog} each), and the leader
 * election's advisory lock (its {@link dev.tendril.policy.app.Leadership}).
 */
package dev.tendril.policy.adapters.persistence;
