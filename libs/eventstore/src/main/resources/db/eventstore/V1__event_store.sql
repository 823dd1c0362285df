-- Event store: one row per event, appended only. Lives in the schema of the service that owns it.

-- tx_id records the writing transaction so the outbox relay can tell which events are final:
-- a row whose transaction is below the oldest running transaction (snapshot xmin) can no longer be
-- joined by a row with a lower position committing later (the late-commit trap of "position > cursor").
CREATE TABLE events (
    position       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx_id          XID8        NOT NULL DEFAULT pg_current_xact_id(),
    stream_id      TEXT        NOT NULL,
    version        BIGINT      NOT NULL CHECK (version > 0),
    event_type     TEXT        NOT NULL,
    schema_version INT         NOT NULL CHECK (schema_version > 0),
    content_type   TEXT        NOT NULL,
    payload        BYTEA       NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT events_stream_version UNIQUE (stream_id, version)
);

CREATE INDEX events_relay_order ON events (tx_id, position);

-- One row per stream: its current version (optimistic concurrency) and the transaction that last
-- wrote it, which keeps a stream's events in commit order when ordered by transaction id.
CREATE TABLE streams (
    stream_id  TEXT   PRIMARY KEY,
    version    BIGINT NOT NULL,
    last_tx_id XID8   NOT NULL
);

-- Where each outbox relay has published up to, as (transaction id, position).
CREATE TABLE outbox_cursors (
    relay      TEXT        PRIMARY KEY,
    tx_id      XID8        NOT NULL,
    position   BIGINT      NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
