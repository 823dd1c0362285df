package dev.tendril.rest.security;

import dev.tendril.rest.access.AccessTable;
import dev.tendril.rest.access.Decision;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

/**
 * The component's {@link AccessTable} applied to every request, REST and gRPC alike (gRPC shares the HTTP port
 * and its security). A global policy (no name), so no path escapes it; a refusal fails the request with
 * {@link AccessDeniedException}, which {@link AccessRefusals} answers.
 */
@ApplicationScoped
public class AccessPolicy implements HttpSecurityPolicy {

    @Inject
    SecuritySwitch security;

    private final AccessTable table;

    @Inject
    AccessPolicy(Instance<AccessTable> tables) {
        // A component that declares no table of its own gets the shared rows: health open, the rest by role.
        this.table =
                tables.isResolvable() ? tables.get() : AccessTable.builder().withCommonRows();
    }

    @Override
    public Uni<CheckResult> checkPermission(
            RoutingContext request, Uni<SecurityIdentity> identity, AuthorizationRequestContext context) {
        if (!security.enforced()) {
            return CheckResult.permit();
        }
        String path = request.normalizedPath();
        String method = request.request().method().name();
        boolean grpc = AccessRefusals.isGrpc(request);
        return identity.onItem().transformToUni(id -> {
            Decision decision = table.decide(Callers.of(id), method, path, grpc);
            return switch (decision) {
                case Decision.Permit permit -> CheckResult.permit();
                case Decision.Unauthenticated refused ->
                    Uni.createFrom().failure(new AccessDeniedException(401, refused.detail()));
                case Decision.Forbidden refused ->
                    Uni.createFrom().failure(new AccessDeniedException(403, refused.detail()));
            };
        });
    }
}
