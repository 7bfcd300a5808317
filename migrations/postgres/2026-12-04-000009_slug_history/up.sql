-- Slug history: as the SQLite migration of the same name says. `kind` is the table's name.
CREATE TABLE slug_history (
    kind       TEXT      COLLATE "C" NOT NULL,
    slug       TEXT      COLLATE "C" NOT NULL,
    item_id    BIGINT    NOT NULL,
    retired_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, slug)
);
CREATE INDEX slug_history_item ON slug_history (kind, item_id);
CREATE INDEX slug_history_retired_at ON slug_history (retired_at);

CREATE FUNCTION slug_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM slug_history WHERE kind = TG_TABLE_NAME AND slug = NEW.slug AND item_id = NEW.id;
    INSERT INTO slug_history AS h (kind, slug, item_id, retired_at)
    VALUES (TG_TABLE_NAME, OLD.slug, OLD.id, date_trunc('second', now() AT TIME ZONE 'UTC'))
    ON CONFLICT (kind, slug) DO UPDATE SET item_id = EXCLUDED.item_id, retired_at = EXCLUDED.retired_at;
    RETURN NULL;
END
$$;

CREATE FUNCTION slug_forgotten() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM slug_history WHERE kind = TG_TABLE_NAME AND item_id = OLD.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_slug_renamed AFTER UPDATE OF slug ON articles
    FOR EACH ROW WHEN (OLD.slug <> NEW.slug) EXECUTE FUNCTION slug_renamed();
CREATE TRIGGER articles_slug_forgotten AFTER DELETE ON articles
    FOR EACH ROW EXECUTE FUNCTION slug_forgotten();

CREATE TRIGGER authors_slug_renamed AFTER UPDATE OF slug ON authors
    FOR EACH ROW WHEN (OLD.slug <> NEW.slug) EXECUTE FUNCTION slug_renamed();
CREATE TRIGGER authors_slug_forgotten AFTER DELETE ON authors
    FOR EACH ROW EXECUTE FUNCTION slug_forgotten();

CREATE TRIGGER sources_slug_renamed AFTER UPDATE OF slug ON sources
    FOR EACH ROW WHEN (OLD.slug <> NEW.slug) EXECUTE FUNCTION slug_renamed();
CREATE TRIGGER sources_slug_forgotten AFTER DELETE ON sources
    FOR EACH ROW EXECUTE FUNCTION slug_forgotten();

CREATE TRIGGER tags_slug_renamed AFTER UPDATE OF slug ON tags
    FOR EACH ROW WHEN (OLD.slug <> NEW.slug) EXECUTE FUNCTION slug_renamed();
CREATE TRIGGER tags_slug_forgotten AFTER DELETE ON tags
    FOR EACH ROW EXECUTE FUNCTION slug_forgotten();
