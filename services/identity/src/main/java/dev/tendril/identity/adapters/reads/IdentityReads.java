package dev.tendril.identity.adapters.reads;

import dev.tendril.identity.domain.ReservedIdentity;
import dev.tendril.k8s.labels.Labels;
import dev.tendril.rest.paging.Page;
import dev.tendril.rest.paging.PageRequest;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Pages of identities in id order, the reserved ones (fixed, from the domain) merged with the allocated ones (one
 * keyset query per page: {@code id > last id}, {@code limit + 1} rows), optionally only those holding every given
 * label ({@code labels @> wanted}).
 */
@ApplicationScoped
public class IdentityReads {

    /** The sort key is the id. */
    public static final int KEY_COLUMNS = 1;

    /** One identity of a page, reserved or allocated. */
    public record Listed(long id, List<String> labels, ReservedIdentity reserved, int endpoints) {}

    @Inject
    Mutiny.SessionFactory sessions;

    /** The filter as a page request names it (tokens are bound to it): the wanted labels, sorted. */
    public static Map<String, Object> filters(Labels wanted) {
        return wanted.isEmpty() ? Map.of() : Map.of("label", String.join(",", wanted.strings()));
    }

    public Uni<Page<Listed>> page(Labels wanted, List<ReservedIdentity> reserved, PageRequest request) {
        long after = request.after().map(key -> Long.parseLong(key.getFirst())).orElse(Long.MIN_VALUE);
        String hql = "from IdentityRow i where i.id > :after"
                + (wanted.isEmpty() ? "" : " and array_includes(i.labels, :wanted)")
                + " order by i.id";
        return sessions.withSession(session -> {
                    Mutiny.SelectionQuery<IdentityRow> query =
                            session.createSelectionQuery(hql, IdentityRow.class).setParameter("after", after);
                    if (!wanted.isEmpty()) {
                        query.setParameter("wanted", wanted.strings().toArray(String[]::new));
                    }
                    if (request.fetch() != null) {
                        query.setMaxResults(request.fetch());
                    }
                    return query.getResultList();
                })
                .map(rows -> {
                    List<Listed> merged = new ArrayList<>();
                    for (ReservedIdentity r : reserved) {
                        if (r.id() > after && r.labels().containsAll(wanted)) {
                            merged.add(new Listed(r.id(), r.labels().strings(), r, 0));
                        }
                    }
                    for (IdentityRow row : rows) {
                        merged.add(new Listed(row.id, List.of(row.labels), null, row.endpointCount));
                    }
                    merged.sort(Comparator.comparingLong(Listed::id));
                    List<Listed> fetched = request.fetch() == null || merged.size() <= request.fetch()
                            ? merged
                            : merged.subList(0, request.fetch());
                    return request.page(fetched, l -> List.of(Long.toString(l.id())));
                });
    }
}
