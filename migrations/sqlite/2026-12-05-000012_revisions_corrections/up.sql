-- Revisions: the editorial state of an article after each save (saves by one user within two
-- minutes of a revision, at the same status, fold into it), numbered per article from 1.
CREATE TABLE article_revisions (
    id               INTEGER   PRIMARY KEY AUTOINCREMENT NOT NULL,
    article_id       INTEGER   NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    number           INTEGER   NOT NULL,
    user_id          INTEGER   REFERENCES users (id) ON DELETE SET NULL,
    -- How many saves this revision holds.
    saves            INTEGER   NOT NULL,
    -- The revision whose content this one restored, if it was made by a restore.
    restored_from    INTEGER,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    status           TEXT      NOT NULL,
    published_at     TIMESTAMP,
    slug             TEXT      NOT NULL,
    title            TEXT      NOT NULL,
    subtitle         TEXT,
    excerpt          TEXT      NOT NULL,
    excerpt_custom   BOOLEAN   NOT NULL,
    body             TEXT      NOT NULL,
    dateline         TEXT,
    -- No foreign keys: a revision keeps what the article was, even once these are gone.
    feature_image_id INTEGER,
    -- JSON arrays of ids, in order.
    author_ids       TEXT      NOT NULL,
    tag_ids          TEXT      NOT NULL,
    source_ids       TEXT      NOT NULL,
    UNIQUE (article_id, number)
);
CREATE INDEX article_revisions_user ON article_revisions (user_id);

-- Corrections: public notes on published articles. None is ever deleted (but with its
-- article); amending one keeps what it said before, and why it changed.
CREATE TABLE corrections (
    id         INTEGER   PRIMARY KEY AUTOINCREMENT NOT NULL,
    article_id INTEGER   NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind       TEXT      NOT NULL CHECK (kind IN ('correction', 'clarification', 'update')),
    note       TEXT      NOT NULL,
    created_by INTEGER   REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX corrections_article ON corrections (article_id, id);
CREATE INDEX corrections_created ON corrections (created_at, id);
CREATE INDEX corrections_created_by ON corrections (created_by);

CREATE TABLE correction_amendments (
    id            INTEGER   PRIMARY KEY AUTOINCREMENT NOT NULL,
    correction_id INTEGER   NOT NULL REFERENCES corrections (id) ON DELETE CASCADE,
    previous_note TEXT      NOT NULL,
    note          TEXT      NOT NULL,
    reason        TEXT      NOT NULL,
    amended_by    INTEGER   REFERENCES users (id) ON DELETE SET NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX correction_amendments_correction ON correction_amendments (correction_id, id);
CREATE INDEX correction_amendments_amended_by ON correction_amendments (amended_by);
