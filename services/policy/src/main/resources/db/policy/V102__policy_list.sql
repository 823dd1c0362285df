-- GET /v1/policies pages in (namespace, kind, name) order, a namespace's policies together (Hibernate Reactive,
-- adapters.reads): this index lets a keyset page, of one namespace or of all, start at its key and read no more
-- than the page. The primary key (kind, namespace, name) cannot: its first column is the kind.
CREATE INDEX policies_list ON policies (namespace, kind, name);
