package dev.tendril.identity.adapters.reads;

import dev.tendril.identity.adapters.persistence.Json;
import dev.tendril.identity.domain.Endpoint;
import dev.tendril.rest.paging.Page;
import dev.tendril.rest.paging.PageRequest;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Pages of endpoints in {@code (namespace, pod)} order, filtered by namespace, node and identity: one keyset query
 * per page ({@code (namespace, pod) > last key}, {@code limit + 1} rows), so a page costs the same at row 100,000 as
 * at row 0 and never holds more than one page.
 */
@ApplicationScoped
public class EndpointReads {

    /** Columns of the sort key, as continue tokens carry them. */
    public static final int KEY_COLUMNS = 2;

    @Inject
    Mutiny.SessionFactory sessions;

    /** The filters as a page request names them (tokens are bound to them). */
    public static Map<String, Object> filters(String namespace, String node, Long identity) {
        Map<String, Object> filters = new LinkedHashMap<>();
        filters.put("namespace", namespace);
        filters.put("node", node);
        filters.put("identity", identity);
        return filters;
    }

    public Uni<Page<Endpoint>> page(String namespace, String node, Long identity, PageRequest request) {
        StringBuilder where = new StringBuilder();
        if (namespace != null) {
            where.append(" and e.namespace = :namespace");
        }
        if (node != null) {
            where.append(" and e.node = :node");
        }
        if (identity != null) {
            where.append(" and e.identity = :identity");
        }
        request.after().ifPresent(after -> where.append(" and (e.namespace, e.pod) > (:afterNamespace, :afterPod)"));
        String hql = "from EndpointListRow e"
                + (where.isEmpty() ? "" : " where" + where.substring(" and".length()))
                + " order by e.namespace, e.pod";
        // A session per page, closed with it: its persistence context never holds more than the page. (Hibernate
        // Reactive 3.2's stateless session fails to build entities of a select: "session is not an EventSource".)
        return sessions.withSession(session -> {
                    Mutiny.SelectionQuery<EndpointListRow> query =
                            session.createSelectionQuery(hql, EndpointListRow.class);
                    filters(namespace, node, identity).forEach((name, value) -> {
                        if (value != null) {
                            query.setParameter(name, value);
                        }
                    });
                    request.after().ifPresent(after -> {
                        query.setParameter("afterNamespace", after.get(0));
                        query.setParameter("afterPod", after.get(1));
                    });
                    if (request.fetch() != null) {
                        query.setMaxResults(request.fetch());
                    }
                    return query.getResultList();
                })
                .map(rows ->
                        request.page(rows, EndpointListRow::key).map(row -> Json.read(row.document, Endpoint.class)));
    }
}
