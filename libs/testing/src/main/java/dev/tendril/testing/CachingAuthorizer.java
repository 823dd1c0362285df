package dev.tendril.testing;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.metadata.authorizer.StandardAcl;
import org.apache.kafka.metadata.authorizer.StandardAuthorizer;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.authorizer.AuthorizationResult;

/**
 * KRaft's {@link StandardAuthorizer} with its "allowed" answers remembered until an ACL changes. The standard authorizer
 * walks the ACLs of a resource for every action of every request, so a fetch costs more the more principals a topic
 * grants: each agent has its own READ and DESCRIBE on every map topic, and with 50 agents a secured broker spent about
 * 30 % of its CPU in that walk (docs/BENCHMARKS.md, "Agents: endpoint -> ipcache over a broker with mutual TLS and
 * ACLs"); at a thousand nodes it would be most of it. An answer depends only on the principal, the client's address,
 * the operation, the resource and the ACLs (and the static super users): it is kept per (principal, address,
 * operation, resource) and dropped at every ACL added or removed, snapshot loaded or reconfiguration. Entries carry the
 * ACL generation they were computed in, so an answer computed while an ACL was being removed is never served after.
 * Refusals are not kept: they stay rare, and the standard authorizer logs each one.
 */
public class CachingAuthorizer extends StandardAuthorizer {

    /** Beyond this many remembered answers the cache starts over (a flood of distinct principals or addresses). */
    static final int MAX_ENTRIES = 65_536;

    private record Key(
            String principalType,
            String principalName,
            InetAddress address,
            ResourcePattern resource,
            AclOperation op) {

        static Key of(AuthorizableRequestContext context, Action action) {
            return new Key(
                    context.principal().getPrincipalType(),
                    context.principal().getName(),
                    context.clientAddress(),
                    action.resourcePattern(),
                    action.operation());
        }
    }

    private final AtomicLong generation = new AtomicLong();
    private final Map<Key, Long> allowed = new ConcurrentHashMap<>();

    @Override
    public void configure(Map<String, ?> configs) {
        super.configure(configs);
        changed();
    }

    @Override
    public void addAcl(Uuid id, StandardAcl acl) {
        super.addAcl(id, acl);
        changed();
    }

    @Override
    public void removeAcl(Uuid id) {
        super.removeAcl(id);
        changed();
    }

    @Override
    public void loadSnapshot(Map<Uuid, StandardAcl> acls) {
        super.loadSnapshot(acls);
        changed();
    }

    private void changed() {
        generation.incrementAndGet();
        allowed.clear();
    }

    @Override
    public List<AuthorizationResult> authorize(AuthorizableRequestContext context, List<Action> actions) {
        long now = generation.get();
        List<AuthorizationResult> results = new ArrayList<>(actions.size());
        List<Action> unknown = new ArrayList<>();
        for (Action action : actions) {
            Long known = allowed.get(Key.of(context, action));
            if (known != null && known == now) {
                results.add(AuthorizationResult.ALLOWED);
            } else {
                results.add(null);
                unknown.add(action);
            }
        }
        if (unknown.isEmpty()) {
            return results;
        }
        List<AuthorizationResult> decided = super.authorize(context, unknown);
        if (allowed.size() >= MAX_ENTRIES) {
            allowed.clear();
        }
        int next = 0;
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i) == null) {
                AuthorizationResult result = decided.get(next);
                if (result == AuthorizationResult.ALLOWED && generation.get() == now) {
                    allowed.put(Key.of(context, unknown.get(next)), now);
                }
                results.set(i, result);
                next++;
            }
        }
        return results;
    }
}
