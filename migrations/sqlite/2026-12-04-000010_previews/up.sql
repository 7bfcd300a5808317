-- Draft previews: a link that shows an article as it stands to whoever holds it, for a while.
-- The link carries a signed token (a JWT for the `dateline-preview` audience, its `jti` this
-- row's id); the row is what makes it revocable: revoking deletes it, and so does deleting the
-- article or the user who made it. A preview also ends when its maker is disabled.
CREATE TABLE previews (
    id         TEXT      PRIMARY KEY NOT NULL,
    article_id INTEGER   NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    created_by INTEGER   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX previews_article ON previews (article_id, expires_at);
CREATE INDEX previews_created_by ON previews (created_by);
CREATE INDEX previews_expires_at ON previews (expires_at);

-- Disabling a user ends their previews for good (enabling them again does not bring them back).
CREATE TRIGGER users_disabled_previews AFTER UPDATE OF disabled ON users
WHEN new.disabled AND NOT old.disabled
BEGIN
    DELETE FROM previews WHERE created_by = new.id;
END;
