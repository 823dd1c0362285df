-- Services and EndpointSlices (issue 17): their own revision and read model, written in the transaction
-- that appends the load-balancing events (streams lb/...).

-- The service-wide load-balancing revision: one increment per write. The row lock orders concurrent
-- writers, so a replica follows the others' writes by position without a gap.
CREATE TABLE lb_revision (
    id       INT    PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO lb_revision (id, revision) VALUES (1, 0);

-- Services and EndpointSlices as last applied (with the allocations, as JSON).
CREATE TABLE lb_objects (
    kind       TEXT        NOT NULL,
    namespace  TEXT        NOT NULL,
    name       TEXT        NOT NULL,
    revision   BIGINT      NOT NULL,
    object     JSONB       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, namespace, name)
);
