package dev.tendril.flows.adapters;

import static dev.tendril.rest.access.Requirement.anyOf;

import dev.tendril.rest.access.AccessTable;
import dev.tendril.rest.access.Role;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Who may call the flows service (docs/security.md has the table for every component): everything here is a read,
 * Hubble's Observer and Peer gRPC, the service map page ({@code /ui/}) and the policy trace it asks included, so
 * viewers may.
 */
@ApplicationScoped
public class FlowsAccess {

    @Produces
    @Singleton
    AccessTable table() {
        return AccessTable.builder()
                .grpc("observer.Observer", "*", anyOf(Role.VIEWER))
                .grpc("peer.Peer", "*", anyOf(Role.VIEWER))
                .allow("GET|HEAD", "/ui/**", anyOf(Role.VIEWER))
                .allow("GET|HEAD", "/ui", anyOf(Role.VIEWER))
                // The policy service's trace, for the page: a read, asked there with this service's certificate.
                .allow("POST", "/v1/trace", anyOf(Role.VIEWER))
                .withCommonRows();
    }
}
