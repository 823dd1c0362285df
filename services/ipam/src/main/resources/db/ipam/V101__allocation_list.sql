-- GET /v1/allocations and /v1/nodes/{name}/allocations page in (node, allocated_at, ip) order (Hibernate
-- Reactive, adapters.reads): this index lets a keyset page start at its key and read no more than the page. It
-- replaces the index on node alone, which every "WHERE node = ?" of the writers finds as its first column, so a
-- write maintains as many indexes as before.
CREATE INDEX ipam_allocations_list ON ipam_allocations (node, allocated_at, ip);
DROP INDEX ipam_allocations_node;
