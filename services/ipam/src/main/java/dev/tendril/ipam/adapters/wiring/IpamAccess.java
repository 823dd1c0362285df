package dev.tendril.ipam.adapters.wiring;

import static dev.tendril.rest.access.Requirement.anyOf;

import dev.tendril.rest.access.AccessTable;
import dev.tendril.rest.access.Requirement;
import dev.tendril.rest.access.Role;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Who may call IPAM (docs/security.md has the table for every component). Agents (node) call the gRPC API, each
 * only for its own node (checked in {@code IpamGrpcService}), so it allocates only from its own pod CIDRs.
 */
@ApplicationScoped
public class IpamAccess {

    private static final String GRPC = "tendril.v1.Ipam";

    @Produces
    @Singleton
    AccessTable table() {
        Requirement agentOrOperator = anyOf(Role.OPERATOR, Role.NODE);
        return AccessTable.builder()
                .grpc(GRPC, "RegisterNode", agentOrOperator)
                .grpc(GRPC, "DeregisterNode", agentOrOperator)
                .grpc(GRPC, "AllocatePodIps", agentOrOperator)
                .grpc(GRPC, "ReleasePodIp", agentOrOperator)
                .grpc(GRPC, "ReleasePod", agentOrOperator)
                .grpc(GRPC, "ConfirmPodIps", agentOrOperator)
                .withCommonRows();
    }
}
