-- Draft previews: as the SQLite migration of the same name says.
CREATE TABLE previews (
    id         TEXT      COLLATE "C" PRIMARY KEY,
    article_id BIGINT    NOT NULL REFERENCES articles (id) ON DELETE CASCADE DEFERRABLE,
    created_by BIGINT    NOT NULL REFERENCES users (id) ON DELETE CASCADE DEFERRABLE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX previews_article ON previews (article_id, expires_at);
CREATE INDEX previews_created_by ON previews (created_by);
CREATE INDEX previews_expires_at ON previews (expires_at);

-- Disabling a user ends their previews for good (enabling them again does not bring them back).
CREATE FUNCTION users_disabled_previews() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM previews WHERE created_by = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_disabled_previews AFTER UPDATE OF disabled ON users
    FOR EACH ROW WHEN (NEW.disabled AND NOT OLD.disabled)
    EXECUTE FUNCTION users_disabled_previews();
