/** Reads NetworkPolicy and CiliumNetworkPolicy manifests (YAML or JSON, one or many documents) into the policy domain, validating as the API servers do; uses Jackson's tree model only. */
package dev.tendril.policy.domain.parse;
