/** The identity service's pure core: labels, the identity-relevant filter, numeric id ranges and the deciders. */
package dev.tendril.identity.domain;
