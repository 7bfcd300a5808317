-- Reader comments, held for moderation and threaded. `articles.comment_count` counts the
-- approved ones that are not deleted, kept right by triggers whatever changes a comment.

CREATE TABLE comments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    article_id   INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    -- Replies keep their parent: a parent with replies is deleted softly (`deleted_at`).
    parent_id    INTEGER REFERENCES comments (id) ON DELETE SET NULL,
    author_name  TEXT    NOT NULL,
    author_email TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    -- SHA-256 of the body with its whitespace collapsed: finds repeats on one article.
    body_hash    TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'spam')),
    -- The staff account that posted it, if any.
    user_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    deleted_at   TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX comments_article_status ON comments (article_id, status, created_at);
CREATE INDEX comments_status_created ON comments (status, created_at);
CREATE INDEX comments_parent ON comments (parent_id);
CREATE INDEX comments_repeats ON comments (article_id, body_hash, created_at);

CREATE TRIGGER comments_count_insert AFTER INSERT ON comments BEGIN
    UPDATE articles SET comment_count = (
        SELECT COUNT(*) FROM comments
        WHERE article_id = new.article_id AND status = 'approved' AND deleted_at IS NULL
    ) WHERE id = new.article_id;
END;

CREATE TRIGGER comments_count_update AFTER UPDATE OF status, deleted_at, article_id ON comments BEGIN
    UPDATE articles SET comment_count = (
        SELECT COUNT(*) FROM comments
        WHERE article_id = articles.id AND status = 'approved' AND deleted_at IS NULL
    ) WHERE id IN (old.article_id, new.article_id);
END;

CREATE TRIGGER comments_count_delete AFTER DELETE ON comments BEGIN
    UPDATE articles SET comment_count = (
        SELECT COUNT(*) FROM comments
        WHERE article_id = old.article_id AND status = 'approved' AND deleted_at IS NULL
    ) WHERE id = old.article_id;
END;
