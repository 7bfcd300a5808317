-- Search moves from FTS5 to an embedded tantivy index beside the database (`crate::search`).
--
-- The index is derived data: it is rebuilt from `articles` whenever it is missing. To keep it
-- in step, triggers log every change to a searched column (or to visibility) in
-- `search_changes`, in the same transaction as the change; the indexer applies the log after
-- the last change its index committed, then deletes the applied rows. AUTOINCREMENT keeps the
-- last number handed out in `sqlite_sequence`, so "the index has caught up" is one lookup
-- even when the log is empty.

DROP TRIGGER articles_fts_insert;
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_update;
DROP TABLE articles_fts;

CREATE TABLE search_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    article_id INTEGER NOT NULL
);

CREATE TRIGGER search_changes_insert AFTER INSERT ON articles BEGIN
    INSERT INTO search_changes (article_id) VALUES (new.id);
END;

-- Every update writes all columns: log only a real change of what the index holds (the
-- text, and `visible_at`, which status and publication time decide).
CREATE TRIGGER search_changes_update
AFTER UPDATE OF title, subtitle, excerpt, body, status, published_at ON articles
WHEN old.title IS NOT new.title
  OR old.subtitle IS NOT new.subtitle
  OR old.excerpt IS NOT new.excerpt
  OR old.body IS NOT new.body
  OR old.visible_at IS NOT new.visible_at
BEGIN
    INSERT INTO search_changes (article_id) VALUES (new.id);
END;

CREATE TRIGGER search_changes_delete AFTER DELETE ON articles BEGIN
    INSERT INTO search_changes (article_id) VALUES (old.id);
END;
