-- The newsroom's content: bylines (authors), the outlets a story comes from or cites
-- (sources), topics (tags), and the articles that link them. Times are UTC texts written by
-- the application (`YYYY-MM-DD HH:MM:SS`), so they compare and sort correctly as text.

CREATE TABLE authors (
    id              INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    slug            TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL COLLATE NOCASE,
    bio             TEXT,
    email           TEXT,
    website         TEXT,
    created_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX authors_name ON authors (name);
CREATE INDEX authors_created_at ON authors (created_at);

CREATE TABLE sources (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL COLLATE NOCASE,
    url         TEXT,
    kind        TEXT    NOT NULL CHECK (kind IN
                    ('agency', 'newspaper', 'broadcaster', 'website', 'government', 'other')),
    description TEXT,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX sources_name ON sources (name);
CREATE INDEX sources_kind ON sources (kind);
CREATE INDEX sources_created_at ON sources (created_at);

CREATE TABLE tags (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL COLLATE NOCASE,
    description TEXT,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX tags_name ON tags (name);
CREATE INDEX tags_created_at ON tags (created_at);

CREATE TABLE articles (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    slug                 TEXT    NOT NULL UNIQUE,
    title                TEXT    NOT NULL COLLATE NOCASE,
    subtitle             TEXT,
    -- The excerpt shown; derived from the body unless `excerpt_custom`.
    excerpt              TEXT    NOT NULL,
    excerpt_custom       BOOLEAN NOT NULL DEFAULT 0,
    body                 TEXT    NOT NULL,
    body_html            TEXT    NOT NULL,
    dateline             TEXT    COLLATE NOCASE,
    status               TEXT    NOT NULL CHECK (status IN ('draft', 'scheduled', 'published', 'archived')),
    published_at         TIMESTAMP,
    word_count           INTEGER NOT NULL,
    reading_time_minutes INTEGER NOT NULL,
    comments_enabled     BOOLEAN NOT NULL DEFAULT 1,
    comment_count        INTEGER NOT NULL DEFAULT 0,
    created_by           INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
-- Public lists: visibility by status and time, newest first.
CREATE INDEX articles_status_published_at ON articles (status, published_at);
CREATE INDEX articles_published_at ON articles (published_at);
CREATE INDEX articles_updated_at ON articles (updated_at);
CREATE INDEX articles_created_at ON articles (created_at);
CREATE INDEX articles_title ON articles (title);
CREATE INDEX articles_dateline ON articles (dateline);
CREATE INDEX articles_created_by ON articles (created_by);

-- The ordered byline.
CREATE TABLE article_authors (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_author ON article_authors (author_id, article_id);

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag ON article_tags (tag_id, article_id);

-- The outlets a story comes from or cites, in order.
CREATE TABLE article_sources (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    source_id  INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, source_id)
);
CREATE INDEX article_sources_source ON article_sources (source_id, article_id);

-- Full-text search over title, subtitle, excerpt and body, stemmed (porter over unicode61).
-- An external-content index kept in step by triggers, so search never sees a stale article.
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, subtitle, excerpt, body,
    content = 'articles', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body)
    VALUES (new.id, new.title, new.subtitle, new.excerpt, new.body);
END;

CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body)
    VALUES ('delete', old.id, old.title, old.subtitle, old.excerpt, old.body);
END;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, subtitle, excerpt, body ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body)
    VALUES ('delete', old.id, old.title, old.subtitle, old.excerpt, old.body);
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body)
    VALUES (new.id, new.title, new.subtitle, new.excerpt, new.body);
END;

-- A staff account's byline, now that bylines exist. The column only ever held NULL before
-- (no author could be named), so it is recreated with its foreign key.
ALTER TABLE users DROP COLUMN author_id;
ALTER TABLE users ADD COLUMN author_id INTEGER REFERENCES authors (id) ON DELETE SET NULL;
