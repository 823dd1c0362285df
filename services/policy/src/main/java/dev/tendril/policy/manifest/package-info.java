/**
 * Reads NetworkPolicy and CiliumNetworkPolicy manifests (YAML or JSON, one or many documents) into
 * the policy domain, validating as the API servers do. It walks Jackson's tree model, so it sits
 * beside the domain rather than in it (ArchitectureTest keeps the domain free of Jackson).
 */
package dev.tendril.policy.manifest;
