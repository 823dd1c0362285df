package dev.tendril.rest.security;

import dev.tendril.rest.access.Caller;
import dev.tendril.rest.access.NodeScopeException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The caller of the request being handled, on a REST or gRPC thread. The principal of Quarkus' identity is the
 * certificate's distinguished name ({@code CN=node:node-1,O=node}); its roles are the O.
 */
@ApplicationScoped
public class Callers {

    /**
     * Callers by distinguished name: parsing the name (an {@code LdapName}) on every request was a visible share of a
     * cached lookup's CPU. A stack has a few dozen distinct certificates; the bound only keeps a flood of distinct
     * names from growing the map.
     */
    private static final Map<String, Caller> KNOWN = new ConcurrentHashMap<>();

    private static final int KNOWN_MAX = 1024;

    @Inject
    CurrentIdentityAssociation identities;

    @Inject
    SecuritySwitch security;

    public Caller current() {
        SecurityIdentity identity = identities.getIdentity();
        return of(identity);
    }

    static Caller of(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous() || identity.getPrincipal() == null) {
            return Caller.anonymous();
        }
        String name = identity.getPrincipal().getName();
        Caller known = KNOWN.get(name);
        if (known != null) {
            return known;
        }
        Caller parsed = Caller.fromDistinguishedName(name);
        if (KNOWN.size() >= KNOWN_MAX) {
            KNOWN.clear();
        }
        KNOWN.put(name, parsed);
        return parsed;
    }

    /**
     * Refuses an agent acting on another node than its own ({@link NodeScopeException}); does nothing when security
     * is off or the caller is not a node.
     */
    public void requireOwnNode(String node, String field) {
        if (security.enforced()) {
            NodeScopeException.requireOwnNode(current(), node, field);
        }
    }

    public boolean enforced() {
        return security.enforced();
    }
}
