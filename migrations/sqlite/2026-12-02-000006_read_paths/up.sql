-- Reads at archive scale.
--
-- 1. `articles` is rebuilt so that the small columns every list, filter and visibility check
--    reads come first in the row and the bulky Markdown and HTML last: SQLite stores a row's
--    columns in order, and a column behind a 4 KB body sits on an overflow page.
-- 2. `visible_at` says when an article is public: its `published_at` while it is published or
--    scheduled, NULL otherwise. "Public now" is `visible_at <= now`, one range that an index
--    walks in publication order (the old `status = 'published' OR (status = 'scheduled' AND
--    published_at <= now)` could not), and a scheduled article goes public by itself.
-- 3. The link tables carry their article's `visible_at`, so a tag, author or source page walks
--    its own index in publication order.
-- 4. Counts: each author, tag and source keeps `listed_count`, its articles that are published
--    or scheduled, and `counters` keeps the same for all articles. The public count at `now`
--    is that number minus the scheduled articles not yet due (a short index range), so no
--    page counts the archive.
--
-- This migration runs with foreign keys off (see `db::migrate`): dropping the old table must
-- not cascade to the links and comments of the rows it copied.

CREATE TABLE articles_new (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    slug                 TEXT    NOT NULL UNIQUE,
    status               TEXT    NOT NULL CHECK (status IN ('draft', 'scheduled', 'published', 'archived')),
    published_at         TIMESTAMP,
    visible_at           TIMESTAMP GENERATED ALWAYS AS
                             (CASE WHEN status IN ('published', 'scheduled') THEN published_at END) VIRTUAL,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    created_by           INTEGER REFERENCES users (id) ON DELETE SET NULL,
    feature_image_id     INTEGER REFERENCES images (id),
    comments_enabled     BOOLEAN NOT NULL DEFAULT 1,
    comment_count        INTEGER NOT NULL DEFAULT 0,
    word_count           INTEGER NOT NULL,
    reading_time_minutes INTEGER NOT NULL,
    excerpt_custom       BOOLEAN NOT NULL DEFAULT 0,
    dateline             TEXT    COLLATE NOCASE,
    title                TEXT    NOT NULL COLLATE NOCASE,
    subtitle             TEXT,
    -- The excerpt shown; derived from the body unless `excerpt_custom`.
    excerpt              TEXT    NOT NULL,
    body                 TEXT    NOT NULL,
    body_html            TEXT    NOT NULL
);

INSERT INTO articles_new (
    id, slug, status, published_at, created_at, updated_at, created_by, feature_image_id,
    comments_enabled, comment_count, word_count, reading_time_minutes, excerpt_custom,
    dateline, title, subtitle, excerpt, body, body_html
)
SELECT
    id, slug, status, published_at, created_at, updated_at, created_by, feature_image_id,
    comments_enabled, comment_count, word_count, reading_time_minutes, excerpt_custom,
    dateline, title, subtitle, excerpt, body, body_html
FROM articles;

-- Keep AUTOINCREMENT's memory: an id is never handed out twice.
UPDATE sqlite_sequence SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'articles')
WHERE name = 'articles_new' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'articles');

-- The comment triggers name `articles`: with the modern rename check they would fail to parse
-- in the moment between the drop and the rename.
PRAGMA legacy_alter_table = ON;
DROP TABLE articles;
ALTER TABLE articles_new RENAME TO articles;
PRAGMA legacy_alter_table = OFF;

-- Public lists: what is public now, newest first (the index holds the id after the time).
CREATE INDEX articles_visible_at ON articles (visible_at);
-- Staff lists by status, and by publication time over every status.
CREATE INDEX articles_status_published_at ON articles (status, published_at);
CREATE INDEX articles_published_at ON articles (published_at);
CREATE INDEX articles_updated_at ON articles (updated_at);
CREATE INDEX articles_created_at ON articles (created_at);
CREATE INDEX articles_title ON articles (title);
CREATE INDEX articles_dateline ON articles (dateline, visible_at);
CREATE INDEX articles_created_by ON articles (created_by);
CREATE INDEX articles_feature_image_id ON articles (feature_image_id);

-- The search index reads the same table (external content); its triggers went with the old
-- table and come back unchanged.
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body)
    VALUES (new.id, new.title, new.subtitle, new.excerpt, new.body);
END;

CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body)
    VALUES ('delete', old.id, old.title, old.subtitle, old.excerpt, old.body);
END;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, subtitle, excerpt, body ON articles
WHEN old.title IS NOT new.title
  OR old.subtitle IS NOT new.subtitle
  OR old.excerpt IS NOT new.excerpt
  OR old.body IS NOT new.body
BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body)
    VALUES ('delete', old.id, old.title, old.subtitle, old.excerpt, old.body);
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body)
    VALUES (new.id, new.title, new.subtitle, new.excerpt, new.body);
END;

-- Links carry their article's visibility, set by the application on insert and kept in step
-- by `articles_visibility` below.
ALTER TABLE article_authors ADD COLUMN visible_at TIMESTAMP;
ALTER TABLE article_tags ADD COLUMN visible_at TIMESTAMP;
ALTER TABLE article_sources ADD COLUMN visible_at TIMESTAMP;
UPDATE article_authors SET visible_at = (SELECT visible_at FROM articles WHERE id = article_id);
UPDATE article_tags SET visible_at = (SELECT visible_at FROM articles WHERE id = article_id);
UPDATE article_sources SET visible_at = (SELECT visible_at FROM articles WHERE id = article_id);

DROP INDEX article_authors_author;
DROP INDEX article_tags_tag;
DROP INDEX article_sources_source;
CREATE INDEX article_authors_visible ON article_authors (author_id, visible_at, article_id);
CREATE INDEX article_tags_visible ON article_tags (tag_id, visible_at, article_id);
CREATE INDEX article_sources_visible ON article_sources (source_id, visible_at, article_id);

CREATE TRIGGER articles_visibility AFTER UPDATE OF status, published_at ON articles
WHEN old.visible_at IS NOT new.visible_at
BEGIN
    UPDATE article_authors SET visible_at = new.visible_at WHERE article_id = new.id;
    UPDATE article_tags SET visible_at = new.visible_at WHERE article_id = new.id;
    UPDATE article_sources SET visible_at = new.visible_at WHERE article_id = new.id;
END;

-- Counts of published or scheduled articles.
CREATE TABLE counters (
    name  TEXT    PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value)
VALUES ('listed_articles', (SELECT count(*) FROM articles WHERE visible_at IS NOT NULL));

CREATE TRIGGER articles_listed_insert AFTER INSERT ON articles
WHEN new.visible_at IS NOT NULL
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'listed_articles';
END;

CREATE TRIGGER articles_listed_delete AFTER DELETE ON articles
WHEN old.visible_at IS NOT NULL
BEGIN
    UPDATE counters SET value = value - 1 WHERE name = 'listed_articles';
END;

CREATE TRIGGER articles_listed_update AFTER UPDATE OF status, published_at ON articles
WHEN (old.visible_at IS NULL) <> (new.visible_at IS NULL)
BEGIN
    UPDATE counters SET value = value + (CASE WHEN new.visible_at IS NULL THEN -1 ELSE 1 END)
    WHERE name = 'listed_articles';
END;

ALTER TABLE authors ADD COLUMN listed_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tags ADD COLUMN listed_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN listed_count INTEGER NOT NULL DEFAULT 0;
UPDATE authors SET listed_count =
    (SELECT count(*) FROM article_authors WHERE author_id = authors.id AND visible_at IS NOT NULL);
UPDATE tags SET listed_count =
    (SELECT count(*) FROM article_tags WHERE tag_id = tags.id AND visible_at IS NOT NULL);
UPDATE sources SET listed_count =
    (SELECT count(*) FROM article_sources WHERE source_id = sources.id AND visible_at IS NOT NULL);

CREATE TRIGGER article_authors_listed_insert AFTER INSERT ON article_authors
WHEN new.visible_at IS NOT NULL
BEGIN
    UPDATE authors SET listed_count = listed_count + 1 WHERE id = new.author_id;
END;
CREATE TRIGGER article_authors_listed_delete AFTER DELETE ON article_authors
WHEN old.visible_at IS NOT NULL
BEGIN
    UPDATE authors SET listed_count = listed_count - 1 WHERE id = old.author_id;
END;
CREATE TRIGGER article_authors_listed_update AFTER UPDATE OF visible_at ON article_authors
WHEN (old.visible_at IS NULL) <> (new.visible_at IS NULL)
BEGIN
    UPDATE authors SET listed_count = listed_count + (CASE WHEN new.visible_at IS NULL THEN -1 ELSE 1 END)
    WHERE id = new.author_id;
END;

CREATE TRIGGER article_tags_listed_insert AFTER INSERT ON article_tags
WHEN new.visible_at IS NOT NULL
BEGIN
    UPDATE tags SET listed_count = listed_count + 1 WHERE id = new.tag_id;
END;
CREATE TRIGGER article_tags_listed_delete AFTER DELETE ON article_tags
WHEN old.visible_at IS NOT NULL
BEGIN
    UPDATE tags SET listed_count = listed_count - 1 WHERE id = old.tag_id;
END;
CREATE TRIGGER article_tags_listed_update AFTER UPDATE OF visible_at ON article_tags
WHEN (old.visible_at IS NULL) <> (new.visible_at IS NULL)
BEGIN
    UPDATE tags SET listed_count = listed_count + (CASE WHEN new.visible_at IS NULL THEN -1 ELSE 1 END)
    WHERE id = new.tag_id;
END;

CREATE TRIGGER article_sources_listed_insert AFTER INSERT ON article_sources
WHEN new.visible_at IS NOT NULL
BEGIN
    UPDATE sources SET listed_count = listed_count + 1 WHERE id = new.source_id;
END;
CREATE TRIGGER article_sources_listed_delete AFTER DELETE ON article_sources
WHEN old.visible_at IS NOT NULL
BEGIN
    UPDATE sources SET listed_count = listed_count - 1 WHERE id = old.source_id;
END;
CREATE TRIGGER article_sources_listed_update AFTER UPDATE OF visible_at ON article_sources
WHEN (old.visible_at IS NULL) <> (new.visible_at IS NULL)
BEGIN
    UPDATE sources SET listed_count = listed_count + (CASE WHEN new.visible_at IS NULL THEN -1 ELSE 1 END)
    WHERE id = new.source_id;
END;
