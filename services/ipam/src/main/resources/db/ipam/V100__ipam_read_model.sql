-- IPAM read model: the current nodes and pod addresses, updated in the transaction that appends the
-- events (so it is never ahead of or behind the event store). Rebuildable from the events.

CREATE TABLE ipam_nodes (
    name       TEXT        PRIMARY KEY,
    ips        TEXT[]      NOT NULL,
    pod_cidrs  TEXT[]      NOT NULL,
    router_ips TEXT[]      NOT NULL,
    cluster    TEXT        NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per allocated pod address. The primary key makes "an address held by two pods" impossible
-- at the database level too, whatever the deciders did.
CREATE TABLE ipam_allocations (
    ip           TEXT        PRIMARY KEY,
    node         TEXT        NOT NULL,
    family       TEXT        NOT NULL,
    owner        TEXT        NOT NULL,
    uid          TEXT        NOT NULL,
    allocated_at TIMESTAMPTZ NOT NULL,
    confirmed    BOOLEAN     NOT NULL DEFAULT false
);

CREATE INDEX ipam_allocations_node ON ipam_allocations (node);
CREATE INDEX ipam_allocations_uid ON ipam_allocations (uid);
