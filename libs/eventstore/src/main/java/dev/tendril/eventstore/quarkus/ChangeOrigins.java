package dev.tendril.eventstore.quarkus;

import dev.tendril.eventstore.ChangeOrigin;
import io.quarkus.arc.Arc;
import io.quarkus.arc.InjectableInstance;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.function.Supplier;

/**
 * The origin of events appended now, for the event store: in a REST or gRPC call, the caller's
 * principal ({@code anonymous} when nobody authenticated) and the call's request id; elsewhere (a
 * timer, a consumer of another service's topic) {@code system:<tendril.eventstore.service>}. A request
 * is recognised by its request id, not by an active request context, which message consumers have too.
 */
@ApplicationScoped
public class ChangeOrigins implements Supplier<ChangeOrigin> {

    @Inject
    EventStoreConfig config;

    @Override
    public ChangeOrigin get() {
        String grpcRequest = RequestIdGrpcInterceptor.current();
        if (grpcRequest != null) {
            return new ChangeOrigin(authenticated(), grpcRequest);
        }
        if (Arc.container() != null && Arc.container().requestContext().isActive()) {
            InjectableInstance<RequestOrigin> rest = Arc.container().select(RequestOrigin.class);
            RequestOrigin origin = rest.isResolvable() ? rest.get() : null;
            if (origin != null && origin.requestId() != null) {
                return new ChangeOrigin(
                        origin.principal() != null ? origin.principal() : authenticated(), origin.requestId());
            }
        }
        return ChangeOrigin.system(config.service());
    }

    /** The security layer's identity of the current call, when there is a security layer and it knows one. */
    private static String authenticated() {
        if (Arc.container() == null || !Arc.container().requestContext().isActive()) {
            return ChangeOrigin.ANONYMOUS;
        }
        InjectableInstance<SecurityIdentity> identity = Arc.container().select(SecurityIdentity.class);
        if (!identity.isResolvable()) {
            return ChangeOrigin.ANONYMOUS;
        }
        SecurityIdentity current = identity.get();
        if (current == null || current.isAnonymous() || current.getPrincipal() == null) {
            return ChangeOrigin.ANONYMOUS;
        }
        return ChangeOrigin.principalOf(current.getPrincipal().getName());
    }
}
