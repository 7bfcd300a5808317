-- Nothing to do on PostgreSQL. On SQLite this migration narrowed the FTS5 update trigger to
-- real changes of a searched column; PostgreSQL has no FTS5 index to keep in step
-- (`articles.search_vector` is a generated column, recomputed by the row update itself), and
-- the change log the later search index reads (`search_changes`) logs only real changes from
-- the start (2026-12-02-000007_search_index). Kept so both backends share migration names.
SELECT 1;
