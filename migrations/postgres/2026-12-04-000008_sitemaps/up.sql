-- Sitemaps at archive scale: as the SQLite migration of the same name says. Page `p` holds the
-- public articles with ids `(p - 1) * 1000 + 1` to `p * 1000`; `sitemap_pages` keeps per page
-- how many are published or scheduled and when one last changed or went public, so the index
-- reads one row per page. The upsert adds deltas, which stays right under concurrent writers.
CREATE TABLE sitemap_pages (
    page    BIGINT    PRIMARY KEY,
    listed  INTEGER   NOT NULL,
    lastmod TIMESTAMP NOT NULL
);

INSERT INTO sitemap_pages (page, listed, lastmod)
SELECT (id - 1) / 1000 + 1, count(*), max(GREATEST(updated_at, visible_at))
FROM articles WHERE visible_at IS NOT NULL
GROUP BY (id - 1) / 1000 + 1;

CREATE FUNCTION articles_sitemap() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_page    BIGINT;
    v_delta   INTEGER := 0;
    v_changed TIMESTAMP;
BEGIN
    IF TG_OP = 'DELETE' THEN
        v_page := (OLD.id - 1) / 1000 + 1;
        v_delta := -1;
        -- An article leaving the public set changes its page too: now.
        v_changed := date_trunc('second', now() AT TIME ZONE 'UTC');
    ELSE
        v_page := (NEW.id - 1) / 1000 + 1;
        IF NEW.visible_at IS NOT NULL THEN
            v_delta := 1;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.visible_at IS NOT NULL THEN
            v_delta := v_delta - 1;
        END IF;
        v_changed := GREATEST(NEW.updated_at, NEW.visible_at); -- GREATEST skips a NULL
    END IF;
    INSERT INTO sitemap_pages AS p (page, listed, lastmod)
    VALUES (v_page, v_delta, v_changed)
    ON CONFLICT (page) DO UPDATE SET
        listed = p.listed + EXCLUDED.listed, lastmod = GREATEST(p.lastmod, EXCLUDED.lastmod);
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_sitemap_insert AFTER INSERT ON articles
    FOR EACH ROW WHEN (NEW.visible_at IS NOT NULL)
    EXECUTE FUNCTION articles_sitemap();

CREATE TRIGGER articles_sitemap_delete AFTER DELETE ON articles
    FOR EACH ROW WHEN (OLD.visible_at IS NOT NULL)
    EXECUTE FUNCTION articles_sitemap();

CREATE TRIGGER articles_sitemap_update AFTER UPDATE OF status, published_at, slug, updated_at ON articles
    FOR EACH ROW WHEN (OLD.visible_at IS NOT NULL OR NEW.visible_at IS NOT NULL)
    EXECUTE FUNCTION articles_sitemap();
