package dev.tendril.identity.adapters.persistence;

import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.JsonEventCodec;
import dev.tendril.eventstore.StoredEvent;
import dev.tendril.identity.app.EventStreams;
import dev.tendril.identity.domain.IdentityEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/** {@link EventStreams} on libs/eventstore's tables, in one transaction's connection. */
final class StoredStreams implements EventStreams {

    private final EventStore store;
    private final Connection tx;

    StoredStreams(EventStore store, Connection tx) {
        this.store = store;
        this.tx = tx;
    }

    @Override
    public <E> List<E> read(String streamId, Class<E> type) {
        JsonEventCodec<E> codec = Codecs.of(type);
        return Jdbc.call(() -> store.readStream(tx, streamId, 0)).stream()
                .map(codec::decode)
                .toList();
    }

    @Override
    public <E> void append(String streamId, long expectedVersion, Class<E> type, List<E> events) {
        JsonEventCodec<E> codec = Codecs.of(type);
        Jdbc.call(() -> store.append(
                tx,
                streamId,
                expectedVersion,
                events.stream().map(codec::encode).toList()));
    }

    @Override
    public long lastPosition() {
        return Jdbc.call(() -> {
            try (PreparedStatement select = tx.prepareStatement("SELECT coalesce(max(position), 0) FROM events");
                    ResultSet row = select.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        });
    }

    /** Reads only the payloads of releases; the range scan uses the position index. */
    @Override
    public Releases releasesAfter(long position) {
        return Jdbc.call(() -> {
            long highest = position;
            List<IdentityEvent.IdentityReleased> released = new ArrayList<>();
            try (PreparedStatement select = tx.prepareStatement("SELECT position, stream_id, version, event_type, "
                    + "schema_version, content_type, CASE WHEN event_type = 'IdentityReleased' THEN payload END, recorded_at "
                    + "FROM events WHERE position > ? ORDER BY position")) {
                select.setLong(1, position);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        highest = Math.max(highest, rows.getLong(1));
                        if ("IdentityReleased".equals(rows.getString(4))) {
                            StoredEvent event = new StoredEvent(
                                    rows.getLong(1),
                                    rows.getString(2),
                                    rows.getLong(3),
                                    rows.getString(4),
                                    rows.getInt(5),
                                    rows.getString(6),
                                    rows.getBytes(7),
                                    rows.getTimestamp(8).toInstant());
                            if (Codecs.IDENTITY.decode(event) instanceof IdentityEvent.IdentityReleased r) {
                                released.add(r);
                            }
                        }
                    }
                }
            }
            return new Releases(highest, released);
        });
    }
}
