-- GetHostingMetadata, the hottest read, is one statement (slug -> repl -> running container ->
-- machine address). These two indexes carry the columns it reads, so that where the rows are
-- settled (all-visible pages) PostgreSQL answers the first two steps from the indexes alone
-- (index-only scans) instead of visiting the table rows too. Same names and keys as before: the
-- constraint and the invariant they enforce, and ON CONFLICT's arbiter, are unchanged.
-- Why not the machine's address as well: docs/controlplane-schema.md.

ALTER TABLE repls
  DROP CONSTRAINT repls_slug_key,
  ADD CONSTRAINT repls_slug_key UNIQUE (slug) INCLUDE (repl_id, cluster);

DROP INDEX containers_one_running_per_repl;
CREATE UNIQUE INDEX containers_one_running_per_repl ON containers (repl_id)
  INCLUDE (container_id, machine_id) WHERE state = 'RUNNING';
