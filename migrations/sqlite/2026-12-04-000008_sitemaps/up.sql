-- Sitemaps at archive scale. The article sitemap is paged by id: page `p` holds the public
-- articles with ids `(p - 1) * 1000 + 1` to `p * 1000` (`sitemaps::PAGE_IDS`), so serving one is
-- a primary-key range. The index names every page with its `lastmod`; `sitemap_pages` keeps, per
-- page, how many of its articles are published or scheduled (`listed`) and the latest time one
-- of them changed or went public (`lastmod`), so the index reads one row per page and never the
-- archive. A page holding an article scheduled for later has a `lastmod` in the future; the
-- index works such a page out from its 1,000 ids until then.
CREATE TABLE sitemap_pages (
    page    INTEGER PRIMARY KEY NOT NULL,
    listed  INTEGER NOT NULL,
    lastmod TIMESTAMP NOT NULL
);

INSERT INTO sitemap_pages (page, listed, lastmod)
SELECT (id - 1) / 1000 + 1, count(*), max(max(updated_at, visible_at))
FROM articles WHERE visible_at IS NOT NULL
GROUP BY (id - 1) / 1000 + 1;

CREATE TRIGGER articles_sitemap_insert AFTER INSERT ON articles
WHEN new.visible_at IS NOT NULL
BEGIN
    INSERT INTO sitemap_pages (page, listed, lastmod)
    VALUES ((new.id - 1) / 1000 + 1, 1, max(new.updated_at, new.visible_at))
    ON CONFLICT (page) DO UPDATE SET
        listed = listed + excluded.listed, lastmod = max(lastmod, excluded.lastmod);
END;

-- An article leaving the public set changes its page too: now.
CREATE TRIGGER articles_sitemap_delete AFTER DELETE ON articles
WHEN old.visible_at IS NOT NULL
BEGIN
    INSERT INTO sitemap_pages (page, listed, lastmod)
    VALUES ((old.id - 1) / 1000 + 1, -1, strftime('%Y-%m-%d %H:%M:%S', 'now'))
    ON CONFLICT (page) DO UPDATE SET
        listed = listed + excluded.listed, lastmod = max(lastmod, excluded.lastmod);
END;

CREATE TRIGGER articles_sitemap_update AFTER UPDATE OF status, published_at, slug, updated_at ON articles
WHEN old.visible_at IS NOT NULL OR new.visible_at IS NOT NULL
BEGIN
    INSERT INTO sitemap_pages (page, listed, lastmod)
    VALUES (
        (new.id - 1) / 1000 + 1,
        (new.visible_at IS NOT NULL) - (old.visible_at IS NOT NULL),
        max(new.updated_at, coalesce(new.visible_at, new.updated_at))
    )
    ON CONFLICT (page) DO UPDATE SET
        listed = listed + excluded.listed, lastmod = max(lastmod, excluded.lastmod);
END;
