package dev.tendril.policy.adapters;

import static dev.tendril.rest.access.Requirement.anyOf;

import dev.tendril.rest.access.AccessTable;
import dev.tendril.rest.access.Role;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Who may call the policy service (docs/security.md has the table for every component): a trace changes nothing,
 * so viewers may ask it; applying and deleting policies is for operators. Agents have no business here.
 */
@ApplicationScoped
public class PolicyAccess {

    @Produces
    @Singleton
    AccessTable table() {
        return AccessTable.builder()
                .allow("POST", "/v1/trace", anyOf(Role.VIEWER))
                .withCommonRows();
    }
}
