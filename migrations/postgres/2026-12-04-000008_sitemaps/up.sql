-- Sitemaps at archive scale: as the SQLite migration of the same name says. Page `p` holds the
-- public articles with ids `(p - 1) * 1000 + 1` to `p * 1000`. `sitemap_pages` keeps per page
-- how many are published or scheduled and when one last changed or went public (as far as
-- that time had come when it was written); `sitemap_pending` keeps the articles whose
-- publication was still to come, and every write folds those that have fallen due. The upserts
-- add deltas, which stays right under concurrent writers.
CREATE TABLE sitemap_pages (
    page    BIGINT    PRIMARY KEY,
    listed  INTEGER   NOT NULL,
    lastmod TIMESTAMP NOT NULL
);

CREATE TABLE sitemap_pending (
    article_id BIGINT    PRIMARY KEY,
    page       BIGINT    NOT NULL,
    visible_at TIMESTAMP NOT NULL
);
CREATE INDEX sitemap_pending_visible_at ON sitemap_pending (visible_at);

INSERT INTO sitemap_pages (page, listed, lastmod)
SELECT (id - 1) / 1000 + 1, count(*),
       max(CASE WHEN visible_at <= now() AT TIME ZONE 'UTC'
                THEN GREATEST(updated_at, visible_at) ELSE TIMESTAMP '1970-01-01 00:00:00' END)
FROM articles WHERE visible_at IS NOT NULL
GROUP BY (id - 1) / 1000 + 1;

INSERT INTO sitemap_pending (article_id, page, visible_at)
SELECT id, (id - 1) / 1000 + 1, visible_at
FROM articles WHERE visible_at > now() AT TIME ZONE 'UTC';

CREATE FUNCTION articles_sitemap() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_now     TIMESTAMP := date_trunc('second', now() AT TIME ZONE 'UTC');
    v_page    BIGINT;
    v_delta   INTEGER := 0;
    v_changed TIMESTAMP;
    v_epoch   CONSTANT TIMESTAMP := TIMESTAMP '1970-01-01 00:00:00';
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM sitemap_pending WHERE article_id = OLD.id;
        v_page := (OLD.id - 1) / 1000 + 1;
        v_delta := -1;
        -- An article leaving the public set changes its page too: now (one that was not
        -- public yet changes nothing anyone saw).
        IF OLD.visible_at <= v_now THEN
            v_changed := v_now;
        ELSE
            v_changed := v_epoch;
        END IF;
    ELSE
        DELETE FROM sitemap_pending WHERE article_id = NEW.id;
        v_page := (NEW.id - 1) / 1000 + 1;
        IF NEW.visible_at IS NOT NULL THEN
            v_delta := 1;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.visible_at IS NOT NULL THEN
            v_delta := v_delta - 1;
        END IF;
        IF NEW.visible_at > v_now THEN
            INSERT INTO sitemap_pending (article_id, page, visible_at)
            VALUES (NEW.id, v_page, NEW.visible_at);
        END IF;
        IF NEW.visible_at <= v_now THEN
            v_changed := GREATEST(NEW.updated_at, NEW.visible_at);
        ELSIF TG_OP = 'UPDATE' AND OLD.visible_at <= v_now THEN
            v_changed := NEW.updated_at; -- it left the public set
        ELSE
            v_changed := v_epoch; -- nothing anyone saw changed
        END IF;
    END IF;
    INSERT INTO sitemap_pages AS p (page, listed, lastmod)
    VALUES (v_page, v_delta, v_changed)
    ON CONFLICT (page) DO UPDATE SET
        listed = p.listed + EXCLUDED.listed, lastmod = GREATEST(p.lastmod, EXCLUDED.lastmod);
    RETURN NULL;
END
$$;

-- What has fallen due goes into its page (a short range of the pending index).
CREATE FUNCTION sitemap_fold() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_now TIMESTAMP := date_trunc('second', now() AT TIME ZONE 'UTC');
BEGIN
    WITH due AS (
        DELETE FROM sitemap_pending WHERE visible_at <= v_now RETURNING page, visible_at
    )
    INSERT INTO sitemap_pages AS p (page, listed, lastmod)
    SELECT page, 0, max(visible_at) FROM due GROUP BY page
    ON CONFLICT (page) DO UPDATE SET lastmod = GREATEST(p.lastmod, EXCLUDED.lastmod);
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

CREATE TRIGGER articles_sitemap_fold_insert AFTER INSERT ON articles
    FOR EACH ROW EXECUTE FUNCTION sitemap_fold();

CREATE TRIGGER articles_sitemap_fold_update AFTER UPDATE OF status, published_at, slug, updated_at ON articles
    FOR EACH ROW EXECUTE FUNCTION sitemap_fold();
