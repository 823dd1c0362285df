package dev.tendril.ipam.adapters.reads;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.ipam.app.IpamQueries.AllocationRow;
import dev.tendril.ipam.app.IpamQueries.NodeRow;
import dev.tendril.rest.ProblemException;
import dev.tendril.rest.paging.ContinueToken;
import dev.tendril.rest.paging.Page;
import dev.tendril.rest.paging.PageRequest;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Pages of nodes in name order and of allocations in {@code (node, allocated_at, ip)} order (per node: oldest first,
 * as the unpaged lists always were), one keyset query per page ({@code key > last key}, {@code limit + 1} rows): a
 * page costs the same at row 100,000 as at row 0 and never holds more than one page.
 */
@ApplicationScoped
public class IpamReads {

    /** The node list's sort key: the name. */
    public static final int NODE_KEY_COLUMNS = 1;

    /** The allocation list's sort key: node, allocation time, address (unique: the address is the primary key). */
    public static final int ALLOCATION_KEY_COLUMNS = 3;

    @Inject
    Mutiny.SessionFactory sessions;

    /** The allocation list's filters as a page request names them (tokens are bound to them). */
    public static Map<String, Object> allocationFilters(String node) {
        Map<String, Object> filters = new HashMap<>();
        filters.put("node", node);
        return filters;
    }

    public Uni<Page<NodeRow>> nodes(PageRequest request) {
        String hql = "from NodeListRow n"
                + (request.after().isPresent() ? " where n.name > :after" : "")
                + " order by n.name";
        // A session per page, closed with it: its persistence context never holds more than the page.
        return sessions.withSession(session -> {
                    Mutiny.SelectionQuery<NodeListRow> query = session.createSelectionQuery(hql, NodeListRow.class);
                    request.after().ifPresent(after -> query.setParameter("after", after.getFirst()));
                    if (request.fetch() != null) {
                        query.setMaxResults(request.fetch());
                    }
                    return query.getResultList();
                })
                .map(rows -> request.page(rows, row -> List.of(row.name)).map(NodeListRow::row));
    }

    /**
     * A page of allocations, of one node or of all; with {@code nodeMustExist}, a node that is not registered is a
     * 404 (the node's own list, {@code /v1/nodes/{name}/allocations}), not an empty page.
     */
    public Uni<Page<AllocationRow>> allocations(String node, boolean nodeMustExist, PageRequest request) {
        Instant afterAt = request.after().map(after -> instant(after.get(1))).orElse(null);
        StringBuilder where = new StringBuilder();
        if (node != null) {
            where.append(" and a.node = :node");
        }
        if (afterAt != null) {
            where.append(" and (a.node, a.allocatedAt, a.ip) > (:afterNode, :afterAt, :afterIp)");
        }
        String hql = "from AllocationListRow a"
                + (where.isEmpty() ? "" : " where" + where.substring(" and".length()))
                + " order by a.node, a.allocatedAt, a.ip";
        return sessions.withSession(session -> {
                    Uni<?> registered = node == null || !nodeMustExist
                            ? Uni.createFrom().voidItem()
                            : session.find(NodeListRow.class, node).invoke(found -> {
                                if (found == null) {
                                    throw CommandRejectedException.notFound(
                                            "name", "node '" + node + "' is not registered");
                                }
                            });
                    return registered.chain(() -> {
                        Mutiny.SelectionQuery<AllocationListRow> query =
                                session.createSelectionQuery(hql, AllocationListRow.class);
                        if (node != null) {
                            query.setParameter("node", node);
                        }
                        request.after().ifPresent(after -> {
                            query.setParameter("afterNode", after.get(0));
                            query.setParameter("afterAt", afterAt);
                            query.setParameter("afterIp", after.get(2));
                        });
                        if (request.fetch() != null) {
                            query.setMaxResults(request.fetch());
                        }
                        return query.getResultList();
                    });
                })
                .map(rows -> request.page(rows, AllocationListRow::key).map(AllocationListRow::row));
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid(
                    ContinueToken.PARAMETER, "the continue token is not one this service issued");
        }
    }
}
