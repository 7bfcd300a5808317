-- Unlike SQLite's down, no FTS5 index comes back: PostgreSQL never had one
-- (`articles.search_vector` serves full-text search from 2026-11-25-000002_content on).
DROP TABLE content_generation;
DROP TABLE throttle_hits;
DROP TRIGGER search_changes_delete ON articles;
DROP TRIGGER search_changes_update ON articles;
DROP TRIGGER search_changes_insert ON articles;
DROP FUNCTION search_changes_log();
DROP TABLE search_changes;
