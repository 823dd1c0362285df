package dev.tendril.policy.adapters;

import static dev.tendril.rest.access.Requirement.anyOf;

import dev.tendril.rest.access.AccessTable;
import dev.tendril.rest.access.Role;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Who may call the policy service (docs/security.md has the table for every component): a trace changes nothing,
 * so viewers may ask it (and the flows service, for its page); applying and deleting policies is for operators. Agents
 * (node) fetch the published maps of their endpoints' identities over gRPC, as may services; a viewer or operator may
 * not (the maps are on tendril.policy for tools).
 */
@ApplicationScoped
public class PolicyAccess {

    @Produces
    @Singleton
    AccessTable table() {
        return AccessTable.builder()
                .grpc("tendril.v1.PolicyMaps", "GetPolicyMaps", anyOf(Role.NODE, Role.SERVICE))
                // The flows service asks traces for its service map page, with its own certificate.
                .allow("POST", "/v1/trace", anyOf(Role.VIEWER, Role.SERVICE))
                .withCommonRows();
    }
}
