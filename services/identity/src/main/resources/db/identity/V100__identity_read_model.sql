-- Read model of the identity service, written in the transaction that appends the events it reflects.

-- Allocated identities. The unique labels_hash makes "one label set, one id" hold across replicas:
-- a second allocation of the same set waits on the first one's uncommitted row and then finds it.
-- The primary key does the same for ids. endpoint_count and unused_since drive garbage collection.
CREATE TABLE identities (
    id             BIGINT      PRIMARY KEY,
    labels_hash    BYTEA       NOT NULL UNIQUE,
    labels         TEXT[]      NOT NULL,
    stream_version BIGINT      NOT NULL,
    endpoint_count INT         NOT NULL DEFAULT 0 CHECK (endpoint_count >= 0),
    unused_since   TIMESTAMPTZ,
    allocated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- No secondary indexes beyond the two unique ones: a cluster's range holds at most 65,536 identities,
-- so GC and label queries scan the table cheaply, and every index would tax each allocation.

CREATE TABLE namespaces (
    name       TEXT        PRIMARY KEY,
    labels     JSONB       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE endpoints (
    namespace  TEXT        NOT NULL,
    pod        TEXT        NOT NULL,
    node       TEXT        NOT NULL,
    identity   BIGINT      NOT NULL,
    document   JSONB       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, pod)
);
CREATE INDEX endpoints_identity ON endpoints (identity);
CREATE INDEX endpoints_node ON endpoints (node);

-- One live endpoint per IP: the primary key refuses a second holder.
CREATE TABLE endpoint_ips (
    ip        TEXT NOT NULL PRIMARY KEY,
    namespace TEXT NOT NULL,
    pod       TEXT NOT NULL
);
CREATE INDEX endpoint_ips_owner ON endpoint_ips (namespace, pod);
