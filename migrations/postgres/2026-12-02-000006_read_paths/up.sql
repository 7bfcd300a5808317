-- Reads at archive scale: the behaviour behind the columns 2026-11-25-000002_content already
-- created in their final shape.
-- * `articles.visible_at` says when an article is public (a generated column); the link
--   tables carry their article's, kept in step by `articles_visibility`.
-- * Counts: each author, tag and source keeps `listed_count`, its articles that are published
--   or scheduled, and `counters` keeps the same for all articles. The public count at `now`
--   is that number minus the scheduled articles not yet due, so no page counts the archive.
-- SQLite's rebuild of `articles` (column order, `sqlite_sequence`, `legacy_alter_table`) has no
-- PostgreSQL meaning and is left out.
--
-- Every trigger reading `NEW.visible_at` is an AFTER trigger: a STORED generated column is
-- computed by then (BEFORE triggers cannot see it). The counts move by +1/-1, which stays right
-- under concurrent writers (an UPDATE that waited for a row re-applies `+ 1` to the row it
-- then gets).

-- Were there rows already (there are not on a fresh database), bring them in step first.
UPDATE article_authors l SET visible_at = a.visible_at FROM articles a
WHERE a.id = l.article_id AND l.visible_at IS DISTINCT FROM a.visible_at;
UPDATE article_tags l SET visible_at = a.visible_at FROM articles a
WHERE a.id = l.article_id AND l.visible_at IS DISTINCT FROM a.visible_at;
UPDATE article_sources l SET visible_at = a.visible_at FROM articles a
WHERE a.id = l.article_id AND l.visible_at IS DISTINCT FROM a.visible_at;

CREATE FUNCTION articles_visibility() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_authors SET visible_at = NEW.visible_at WHERE article_id = NEW.id;
    UPDATE article_tags SET visible_at = NEW.visible_at WHERE article_id = NEW.id;
    UPDATE article_sources SET visible_at = NEW.visible_at WHERE article_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_visibility AFTER UPDATE OF status, published_at ON articles
    FOR EACH ROW WHEN (OLD.visible_at IS DISTINCT FROM NEW.visible_at)
    EXECUTE FUNCTION articles_visibility();

-- Counts of published or scheduled articles.
CREATE TABLE counters (
    name  TEXT    COLLATE "C" PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value)
VALUES ('listed_articles', (SELECT count(*) FROM articles WHERE visible_at IS NOT NULL));

CREATE FUNCTION articles_listed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta INTEGER;
BEGIN
    IF TG_OP = 'INSERT' THEN
        delta := 1;
    ELSIF TG_OP = 'DELETE' THEN
        delta := -1;
    ELSIF NEW.visible_at IS NULL THEN
        delta := -1;
    ELSE
        delta := 1;
    END IF;
    UPDATE counters SET value = value + delta WHERE name = 'listed_articles';
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_listed_insert AFTER INSERT ON articles
    FOR EACH ROW WHEN (NEW.visible_at IS NOT NULL)
    EXECUTE FUNCTION articles_listed();

CREATE TRIGGER articles_listed_delete AFTER DELETE ON articles
    FOR EACH ROW WHEN (OLD.visible_at IS NOT NULL)
    EXECUTE FUNCTION articles_listed();

CREATE TRIGGER articles_listed_update AFTER UPDATE OF status, published_at ON articles
    FOR EACH ROW WHEN ((OLD.visible_at IS NULL) <> (NEW.visible_at IS NULL))
    EXECUTE FUNCTION articles_listed();

UPDATE authors SET listed_count =
    (SELECT count(*) FROM article_authors WHERE author_id = authors.id AND visible_at IS NOT NULL);
UPDATE tags SET listed_count =
    (SELECT count(*) FROM article_tags WHERE tag_id = tags.id AND visible_at IS NOT NULL);
UPDATE sources SET listed_count =
    (SELECT count(*) FROM article_sources WHERE source_id = sources.id AND visible_at IS NOT NULL);

-- One function per link table. As on SQLite, an update counts against the link's new
-- author/tag/source (the application never moves a link: it deletes and inserts).
CREATE FUNCTION article_authors_listed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE authors SET listed_count = listed_count + 1 WHERE id = NEW.author_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE authors SET listed_count = listed_count - 1 WHERE id = OLD.author_id;
    ELSE
        UPDATE authors SET listed_count = listed_count
            + (CASE WHEN NEW.visible_at IS NULL THEN -1 ELSE 1 END)
        WHERE id = NEW.author_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER article_authors_listed_insert AFTER INSERT ON article_authors
    FOR EACH ROW WHEN (NEW.visible_at IS NOT NULL)
    EXECUTE FUNCTION article_authors_listed();
CREATE TRIGGER article_authors_listed_delete AFTER DELETE ON article_authors
    FOR EACH ROW WHEN (OLD.visible_at IS NOT NULL)
    EXECUTE FUNCTION article_authors_listed();
CREATE TRIGGER article_authors_listed_update AFTER UPDATE OF visible_at ON article_authors
    FOR EACH ROW WHEN ((OLD.visible_at IS NULL) <> (NEW.visible_at IS NULL))
    EXECUTE FUNCTION article_authors_listed();

CREATE FUNCTION article_tags_listed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE tags SET listed_count = listed_count + 1 WHERE id = NEW.tag_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE tags SET listed_count = listed_count - 1 WHERE id = OLD.tag_id;
    ELSE
        UPDATE tags SET listed_count = listed_count
            + (CASE WHEN NEW.visible_at IS NULL THEN -1 ELSE 1 END)
        WHERE id = NEW.tag_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER article_tags_listed_insert AFTER INSERT ON article_tags
    FOR EACH ROW WHEN (NEW.visible_at IS NOT NULL)
    EXECUTE FUNCTION article_tags_listed();
CREATE TRIGGER article_tags_listed_delete AFTER DELETE ON article_tags
    FOR EACH ROW WHEN (OLD.visible_at IS NOT NULL)
    EXECUTE FUNCTION article_tags_listed();
CREATE TRIGGER article_tags_listed_update AFTER UPDATE OF visible_at ON article_tags
    FOR EACH ROW WHEN ((OLD.visible_at IS NULL) <> (NEW.visible_at IS NULL))
    EXECUTE FUNCTION article_tags_listed();

CREATE FUNCTION article_sources_listed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE sources SET listed_count = listed_count + 1 WHERE id = NEW.source_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE sources SET listed_count = listed_count - 1 WHERE id = OLD.source_id;
    ELSE
        UPDATE sources SET listed_count = listed_count
            + (CASE WHEN NEW.visible_at IS NULL THEN -1 ELSE 1 END)
        WHERE id = NEW.source_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER article_sources_listed_insert AFTER INSERT ON article_sources
    FOR EACH ROW WHEN (NEW.visible_at IS NOT NULL)
    EXECUTE FUNCTION article_sources_listed();
CREATE TRIGGER article_sources_listed_delete AFTER DELETE ON article_sources
    FOR EACH ROW WHEN (OLD.visible_at IS NOT NULL)
    EXECUTE FUNCTION article_sources_listed();
CREATE TRIGGER article_sources_listed_update AFTER UPDATE OF visible_at ON article_sources
    FOR EACH ROW WHEN ((OLD.visible_at IS NULL) <> (NEW.visible_at IS NULL))
    EXECUTE FUNCTION article_sources_listed();
