package dev.tendril.rest.access;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A component's operations per role, first matching row wins; what no row names needs admin. Every table ends
 * with the rows every component shares ({@link #withCommonRows}): health open, metrics and OpenAPI for viewers,
 * reads on {@code /v1} for viewers, writes on {@code /v1} for operators.
 */
public final class AccessTable {

    private static final Requirement FALLBACK = Requirement.anyOf(Role.ADMIN);

    private final List<AccessRule> rules;

    private AccessTable(List<AccessRule> rules) {
        this.rules = List.copyOf(rules);
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<AccessRule> rules() {
        return rules;
    }

    /** What {@code method path} needs; a gRPC call is {@code POST /<package.Service>/<Method>}. */
    public Requirement requirement(String method, String path) {
        for (AccessRule rule : rules) {
            if (rule.matches(method, path)) {
                return rule.requirement();
            }
        }
        return FALLBACK;
    }

    public Decision decide(Caller caller, String method, String path, boolean grpc) {
        Requirement needed = requirement(method, path);
        if (needed.unauthenticated()) {
            return new Decision.Permit();
        }
        if (caller.authenticated() && needed.allows(caller.role())) {
            return new Decision.Permit();
        }
        String operation = grpc ? "gRPC " + path.replaceFirst("^/+", "") : method + " " + path;
        if (!caller.authenticated()) {
            return new Decision.Unauthenticated("no client certificate: " + operation + " needs a certificate "
                    + "issued by this stack's authority with role " + needed.describe() + " (its O)");
        }
        return new Decision.Forbidden(
                operation + " needs role " + needed.describe() + "; " + caller.describe() + " may not");
    }

    /** Rows in the order they are tried. */
    public static final class Builder {

        private final List<AccessRule> rules = new ArrayList<>();

        public Builder allow(String methods, String pathPattern, Requirement requirement) {
            Set<String> set = methods.equals("*") ? Set.of() : Set.of(methods.split("\\|"));
            rules.add(new AccessRule(set, pathPattern, requirement));
            return this;
        }

        /** Every method of a gRPC service, e.g. {@code grpc("observer.Observer", "*", viewer)}. */
        public Builder grpc(String service, String method, Requirement requirement) {
            return allow("POST", "/" + service + "/" + method, requirement);
        }

        /** The rows every component shares, after the component's own. */
        public AccessTable withCommonRows() {
            Requirement viewer = Requirement.anyOf(Role.VIEWER);
            allow("*", "/q/health/**", Requirement.none());
            grpc("grpc.health.v1.Health", "*", Requirement.none());
            allow("GET|HEAD", "/q/metrics/**", viewer);
            allow("GET|HEAD", "/q/openapi/**", viewer);
            allow("GET|HEAD", "/q/swagger-ui/**", viewer);
            allow("GET|HEAD", "/v1/**", viewer);
            allow("*", "/v1/**", Requirement.anyOf(Role.OPERATOR));
            return new AccessTable(rules);
        }
    }
}
