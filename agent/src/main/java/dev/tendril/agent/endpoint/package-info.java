/**
 * The endpoint API's logic (what a CNI plugin calls): address allocation, identity registration and the
 * endpoint's maps in order, undone in reverse on failure; IPAM, the identity service and the maps are
 * ports so that the order and the rollback are testable with in-memory fakes.
 */
package dev.tendril.agent.endpoint;
