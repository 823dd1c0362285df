-- Read model of the policy service, written in the transaction that appends the events it reflects.

-- The service-wide policy revision: one increment per request that changes a policy. The row lock
-- orders concurrent writers, so revisions follow commit order.
CREATE TABLE policy_revision (
    id       INT    PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO policy_revision (id, revision) VALUES (1, 0);

-- The stored policies, as last applied (the manifest is the document as JSON).
CREATE TABLE policies (
    kind       TEXT        NOT NULL,
    namespace  TEXT        NOT NULL,
    name       TEXT        NOT NULL,
    revision   BIGINT      NOT NULL,
    manifest   JSONB       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, namespace, name)
);
