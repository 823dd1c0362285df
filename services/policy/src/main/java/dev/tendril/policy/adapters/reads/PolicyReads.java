package dev.tendril.policy.adapters.reads;

import dev.tendril.rest.paging.Page;
import dev.tendril.rest.paging.PageRequest;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Pages of stored policies in {@code (namespace, kind, name)} order, optionally of one namespace and of one kind: one
 * keyset query per page ({@code (namespace, kind, name) > last key}, {@code limit + 1} rows), so a page costs the
 * same at row 100,000 as at row 0 and never holds more than one page.
 */
@ApplicationScoped
public class PolicyReads {

    /** Columns of the sort key, as continue tokens carry them. */
    public static final int KEY_COLUMNS = 3;

    @Inject
    Mutiny.SessionFactory sessions;

    /** The filters as a page request names them (tokens are bound to them). */
    public static Map<String, Object> filters(String namespace, String kind) {
        Map<String, Object> filters = new LinkedHashMap<>();
        filters.put("namespace", namespace);
        filters.put("kind", kind);
        return filters;
    }

    public Uni<Page<PolicyListRow>> page(String namespace, String kind, PageRequest request) {
        StringBuilder where = new StringBuilder();
        if (namespace != null) {
            where.append(" and p.namespace = :namespace");
        }
        if (kind != null) {
            where.append(" and p.kind = :kind");
        }
        request.after()
                .ifPresent(after ->
                        where.append(" and (p.namespace, p.kind, p.name) > (:afterNamespace, :afterKind, :afterName)"));
        String hql = "from PolicyListRow p"
                + (where.isEmpty() ? "" : " where" + where.substring(" and".length()))
                + " order by p.namespace, p.kind, p.name";
        // A session per page, closed with it: its persistence context never holds more than the page.
        return sessions.withSession(session -> {
                    Mutiny.SelectionQuery<PolicyListRow> query = session.createSelectionQuery(hql, PolicyListRow.class);
                    filters(namespace, kind).forEach((name, value) -> {
                        if (value != null) {
                            query.setParameter(name, value);
                        }
                    });
                    request.after().ifPresent(after -> {
                        query.setParameter("afterNamespace", after.get(0));
                        query.setParameter("afterKind", after.get(1));
                        query.setParameter("afterName", after.get(2));
                    });
                    if (request.fetch() != null) {
                        query.setMaxResults(request.fetch());
                    }
                    return query.getResultList();
                })
                .map(rows -> request.page(rows, PolicyListRow::key));
    }
}
