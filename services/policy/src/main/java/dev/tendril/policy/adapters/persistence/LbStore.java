package dev.tendril.policy.adapters.persistence;

import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.JsonEventCodec;
import dev.tendril.policy.app.LbRepository;
import dev.tendril.policy.lb.LbEvent;
import dev.tendril.policy.lb.LbEvent.EndpointSliceApplied;
import dev.tendril.policy.lb.LbEvent.EndpointSliceDeleted;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import dev.tendril.policy.lb.LbEvent.ServiceDeleted;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Function;

/**
 * Services, EndpointSlices and backend ids as events in the service's event store (streams {@code lb/...}),
 * the {@code lb_objects} read model and the {@code lb_revision} row, all in one transaction per write
 * ({@link RevisionLockedLog}).
 */
public final class LbStore implements LbRepository {

    public static final JsonEventCodec<LbEvent> CODEC = JsonEventCodec.ofSealed(LbEvent.class, PolicyJson.MAPPER);

    private final RevisionLockedLog<LbEvent> log;

    public LbStore(EventStore store) {
        this.log = new RevisionLockedLog<>(
                store, "lb_revision", "lb/", CODEC, LbEvent::stream, LbEvent::revision, LbStore::project);
    }

    public static String serviceStream(String namespace, String name) {
        return "lb/Service/" + namespace + "/" + name;
    }

    @Override
    public <T> T write(Function<Locked<LbEvent>, T> work) {
        return log.write(work);
    }

    @Override
    public List<Logged<LbEvent>> after(long position, int limit) {
        return log.after(position, limit);
    }

    @Override
    public long revision() {
        return log.revision();
    }

    private static void project(Connection tx, LbEvent event) throws SQLException {
        switch (event) {
            case ServiceApplied a ->
                upsert(tx, "Service", a.service().namespace(), a.service().name(), a);
            case ServiceDeleted d -> delete(tx, "Service", d.namespace(), d.name());
            case EndpointSliceApplied a ->
                upsert(tx, "EndpointSlice", a.slice().namespace(), a.slice().name(), a);
            case EndpointSliceDeleted d -> delete(tx, "EndpointSlice", d.namespace(), d.name());
            default -> {
                // Backend ids have no read model row: they are part of the published maps.
            }
        }
    }

    private static void upsert(Connection tx, String kind, String namespace, String name, LbEvent event)
            throws SQLException {
        try (PreparedStatement upsert = tx.prepareStatement(
                "INSERT INTO lb_objects (kind, namespace, name, revision, object) VALUES (?, ?, ?, ?, ?::jsonb) "
                        + "ON CONFLICT (kind, namespace, name) DO UPDATE SET revision = EXCLUDED.revision, "
                        + "object = EXCLUDED.object, updated_at = now()")) {
            upsert.setString(1, kind);
            upsert.setString(2, namespace);
            upsert.setString(3, name);
            upsert.setLong(4, event.revision());
            upsert.setString(5, PolicyJson.writeString(event));
            upsert.executeUpdate();
        }
    }

    private static void delete(Connection tx, String kind, String namespace, String name) throws SQLException {
        try (PreparedStatement delete =
                tx.prepareStatement("DELETE FROM lb_objects WHERE kind = ? AND namespace = ? AND name = ?")) {
            delete.setString(1, kind);
            delete.setString(2, namespace);
            delete.setString(3, name);
            delete.executeUpdate();
        }
    }
}
