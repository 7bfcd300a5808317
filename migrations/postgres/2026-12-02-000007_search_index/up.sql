-- The search change log (for the embedded tantivy index, `crate::search`), plus two tables
-- for several nodes sharing one database.
--
-- SQLite's drop of FTS5 has nothing to undo here (there never was an FTS5 index).
--
-- `search_changes`: triggers log every change to a searched column (or to visibility) in the
-- same transaction as the change; the indexer applies the log after the last change its
-- index committed, then deletes the applied rows. The last number handed out, which SQLite
-- reads from `sqlite_sequence`, is the identity sequence's here:
-- `pg_get_serial_sequence('search_changes', 'seq')` names it (`search_changes_seq_seq`).
-- Unlike SQLite, numbers are taken when the row is inserted, not in commit order, and a
-- rolled-back transaction leaves a gap.
CREATE TABLE search_changes (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id BIGINT NOT NULL
);

CREATE FUNCTION search_changes_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO search_changes (article_id) VALUES (OLD.id);
    ELSE
        INSERT INTO search_changes (article_id) VALUES (NEW.id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER search_changes_insert AFTER INSERT ON articles
    FOR EACH ROW EXECUTE FUNCTION search_changes_log();

-- Every update writes all columns: log only a real change of what the index holds (the
-- text, and `visible_at`, which status and publication time decide). As on SQLite, `title`
-- compares under its collation (nocase): a change of case alone is not logged.
CREATE TRIGGER search_changes_update
    AFTER UPDATE OF title, subtitle, excerpt, body, status, published_at ON articles
    FOR EACH ROW WHEN (
        OLD.title IS DISTINCT FROM NEW.title
        OR OLD.subtitle IS DISTINCT FROM NEW.subtitle
        OR OLD.excerpt IS DISTINCT FROM NEW.excerpt
        OR OLD.body IS DISTINCT FROM NEW.body
        OR OLD.visible_at IS DISTINCT FROM NEW.visible_at
    )
    EXECUTE FUNCTION search_changes_log();

CREATE TRIGGER search_changes_delete AFTER DELETE ON articles
    FOR EACH ROW EXECUTE FUNCTION search_changes_log();

-- Failed-login and comment rate-limit events shared by all nodes. Unlogged: losing them on a
-- crash (or a failover: they are not replicated) only resets a rate limit.
CREATE UNLOGGED TABLE throttle_hits (
    bucket TEXT      NOT NULL,
    key    TEXT      NOT NULL,
    at     TIMESTAMP NOT NULL
);
CREATE INDEX throttle_hits_bucket_key_at ON throttle_hits (bucket, key, at);

-- The content generation, bumped by every write on any node: a node whose number is behind
-- knows its response cache is stale.
CREATE TABLE content_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT  NOT NULL
);
INSERT INTO content_generation (id, generation) VALUES (1, 1);
