package dev.tendril.rest.access;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A component's operations per role, first matching row wins; what no row names needs admin. Every table ends
 * with the rows every component shares ({@link #withCommonRows}): health open, metrics and OpenAPI for viewers,
 * reads on {@code /v1} for viewers, writes on {@code /v1} for operators.
 */
public final class AccessTable {

    private static final Requirement FALLBACK = Requirement.anyOf(Role.ADMIN);

    /** Bounds {@link #grpcRequirements}: a client names the path, so distinct paths must not grow it forever. */
    private static final int GRPC_PATHS_MAX = 1024;

    private final List<AccessRule> rules;

    /**
     * Requirements of gRPC paths already looked up: a component has a few dozen methods, each called again and
     * again, and the rows are fixed once the table is built.
     */
    private final Map<String, Requirement> grpcRequirements = new ConcurrentHashMap<>();

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
        Requirement needed = grpc && method.equals("POST") ? grpcRequirement(path) : requirement(method, path);
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

    private Requirement grpcRequirement(String path) {
        Requirement known = grpcRequirements.get(path);
        if (known != null) {
            return known;
        }
        Requirement found = requirement("POST", path);
        if (grpcRequirements.size() >= GRPC_PATHS_MAX) {
            grpcRequirements.clear();
        }
        grpcRequirements.put(path, found);
        return found;
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
