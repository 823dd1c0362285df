-- What GET /v1/endpoints pages through (Hibernate Reactive, adapters.reads): the endpoints table with its
-- document as text, so the reactive client hands over the JSON the JDBC writer stored, unchanged. A plain view:
-- the planner reads it as the table, so a keyset page walks the (namespace, pod) primary key.
CREATE VIEW endpoint_list AS
SELECT namespace, pod, node, identity, document::text AS document
FROM endpoints;
