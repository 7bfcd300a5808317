-- Slug history: every slug an article, author, source or tag gave up keeps naming it, so that
-- an old link answers `301` to the current slug. `kind` is the table's name. Triggers keep it:
-- a rename files the old slug (and takes the new one out of the row's own history, when it
-- takes an old slug back), a delete forgets the row's old slugs. The application refuses a
-- slug held in another row's history (`409`).
CREATE TABLE slug_history (
    kind       TEXT      NOT NULL,
    slug       TEXT      NOT NULL,
    item_id    INTEGER   NOT NULL,
    retired_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, slug)
);
CREATE INDEX slug_history_item ON slug_history (kind, item_id);
CREATE INDEX slug_history_retired_at ON slug_history (retired_at);

CREATE TRIGGER articles_slug_renamed AFTER UPDATE OF slug ON articles
WHEN old.slug <> new.slug
BEGIN
    DELETE FROM slug_history WHERE kind = 'articles' AND slug = new.slug AND item_id = new.id;
    INSERT INTO slug_history (kind, slug, item_id, retired_at)
    VALUES ('articles', old.slug, old.id, strftime('%Y-%m-%d %H:%M:%S', 'now'))
    ON CONFLICT (kind, slug) DO UPDATE SET item_id = excluded.item_id, retired_at = excluded.retired_at;
END;

CREATE TRIGGER articles_slug_forgotten AFTER DELETE ON articles
BEGIN
    DELETE FROM slug_history WHERE kind = 'articles' AND item_id = old.id;
END;

CREATE TRIGGER authors_slug_renamed AFTER UPDATE OF slug ON authors
WHEN old.slug <> new.slug
BEGIN
    DELETE FROM slug_history WHERE kind = 'authors' AND slug = new.slug AND item_id = new.id;
    INSERT INTO slug_history (kind, slug, item_id, retired_at)
    VALUES ('authors', old.slug, old.id, strftime('%Y-%m-%d %H:%M:%S', 'now'))
    ON CONFLICT (kind, slug) DO UPDATE SET item_id = excluded.item_id, retired_at = excluded.retired_at;
END;

CREATE TRIGGER authors_slug_forgotten AFTER DELETE ON authors
BEGIN
    DELETE FROM slug_history WHERE kind = 'authors' AND item_id = old.id;
END;

CREATE TRIGGER sources_slug_renamed AFTER UPDATE OF slug ON sources
WHEN old.slug <> new.slug
BEGIN
    DELETE FROM slug_history WHERE kind = 'sources' AND slug = new.slug AND item_id = new.id;
    INSERT INTO slug_history (kind, slug, item_id, retired_at)
    VALUES ('sources', old.slug, old.id, strftime('%Y-%m-%d %H:%M:%S', 'now'))
    ON CONFLICT (kind, slug) DO UPDATE SET item_id = excluded.item_id, retired_at = excluded.retired_at;
END;

CREATE TRIGGER sources_slug_forgotten AFTER DELETE ON sources
BEGIN
    DELETE FROM slug_history WHERE kind = 'sources' AND item_id = old.id;
END;

CREATE TRIGGER tags_slug_renamed AFTER UPDATE OF slug ON tags
WHEN old.slug <> new.slug
BEGIN
    DELETE FROM slug_history WHERE kind = 'tags' AND slug = new.slug AND item_id = new.id;
    INSERT INTO slug_history (kind, slug, item_id, retired_at)
    VALUES ('tags', old.slug, old.id, strftime('%Y-%m-%d %H:%M:%S', 'now'))
    ON CONFLICT (kind, slug) DO UPDATE SET item_id = excluded.item_id, retired_at = excluded.retired_at;
END;

CREATE TRIGGER tags_slug_forgotten AFTER DELETE ON tags
BEGIN
    DELETE FROM slug_history WHERE kind = 'tags' AND item_id = old.id;
END;
