package dev.tendril.agent.adapters;

import static dev.tendril.rest.access.Requirement.anyOf;

import dev.tendril.rest.access.AccessTable;
import dev.tendril.rest.access.Role;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Who may call an agent (docs/security.md has the table for every component). Creating and deleting pods is an
 * operator's write ({@code tendril apply} of a Pod). A probe changes nothing, so viewers may ask one, and a peer
 * agent (node) forwards one; the ingress half is only what one agent asks of another.
 */
@ApplicationScoped
public class AgentAccess {

    @Produces
    @Singleton
    AccessTable table() {
        return AccessTable.builder()
                .allow("POST", "/v1/probe", anyOf(Role.VIEWER, Role.NODE))
                .allow("POST", "/v1/probe/ingress", anyOf(Role.NODE))
                .withCommonRows();
    }
}
