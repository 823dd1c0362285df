/** The identity service as a client: allocation of the CIDR identities that policies name. */
package dev.tendril.policy.adapters.identity;
