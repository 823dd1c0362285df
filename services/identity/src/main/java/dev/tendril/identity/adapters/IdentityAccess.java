package dev.tendril.identity.adapters;

import static dev.tendril.rest.access.Requirement.anyOf;

import dev.tendril.rest.access.AccessTable;
import dev.tendril.rest.access.Requirement;
import dev.tendril.rest.access.Role;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Who may call the identity service (docs/security.md has the table for every component). Agents (node) register,
 * mark terminating and deregister endpoints over gRPC, only on their own node (checked in {@code IdentityGrpcService}); the policy
 * service (service) allocates the identities of the CIDRs its policies name.
 */
@ApplicationScoped
public class IdentityAccess {

    private static final String GRPC = "tendril.v1.IdentityService";

    @Produces
    @Singleton
    AccessTable table() {
        Requirement reads = anyOf(Role.VIEWER, Role.NODE, Role.SERVICE);
        return AccessTable.builder()
                .allow("POST", "/v1/identities", anyOf(Role.OPERATOR, Role.SERVICE))
                .grpc(GRPC, "AllocateIdentity", anyOf(Role.OPERATOR, Role.SERVICE))
                .grpc(GRPC, "GetIdentity", reads)
                .grpc(GRPC, "ListIdentities", reads)
                .grpc(GRPC, "ListNamespaces", reads)
                .grpc(GRPC, "ListEndpoints", reads)
                .grpc(GRPC, "RegisterEndpoint", anyOf(Role.OPERATOR, Role.NODE))
                .grpc(GRPC, "MarkEndpointTerminating", anyOf(Role.OPERATOR, Role.NODE))
                .grpc(GRPC, "DeregisterEndpoint", anyOf(Role.OPERATOR, Role.NODE))
                .grpc(GRPC, "UpsertNamespace", anyOf(Role.OPERATOR))
                .grpc(GRPC, "DeleteNamespace", anyOf(Role.OPERATOR))
                .withCommonRows();
    }
}
