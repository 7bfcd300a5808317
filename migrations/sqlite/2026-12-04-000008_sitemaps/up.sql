-- Sitemaps at archive scale. The article sitemap is paged by id: page `p` holds the public
-- articles with ids `(p - 1) * 1000 + 1` to `p * 1000` (`sitemaps::PAGE_IDS`), so serving one is
-- a primary-key range. The index names every page with its `lastmod`, and reads what these
-- tables keep instead of the archive:
--
-- * `sitemap_pages`: per page, how many of its articles are published or scheduled (`listed`),
--   and the latest time one of them changed or went public, as far as that time had come when
--   it was written (`lastmod`);
-- * `sitemap_pending`: the articles whose publication was still to come when they were written
--   (scheduled), with their page and time. Every write to `articles` folds the entries that
--   have fallen due into `sitemap_pages`, so the table holds little more than what is scheduled
--   for later; the index adds those due since the last write and leaves out what is still to
--   come.
--
-- An article's `lastmod` is the later of its last change and its going public. A write to an
-- article that is not public before or after it leaves its page's `lastmod` alone (it would
-- tell readers of the index that something is being prepared there); 1970 stands for "no
-- change yet" on a page whose articles are all still to come. Times are the application's UTC
-- texts; `now` here is the same form.
CREATE TABLE sitemap_pages (
    page    INTEGER PRIMARY KEY NOT NULL,
    listed  INTEGER NOT NULL,
    lastmod TIMESTAMP NOT NULL
);

CREATE TABLE sitemap_pending (
    article_id INTEGER PRIMARY KEY NOT NULL,
    page       INTEGER NOT NULL,
    visible_at TIMESTAMP NOT NULL
);
CREATE INDEX sitemap_pending_visible_at ON sitemap_pending (visible_at);

INSERT INTO sitemap_pages (page, listed, lastmod)
SELECT (id - 1) / 1000 + 1, count(*),
       max(CASE WHEN visible_at <= strftime('%Y-%m-%d %H:%M:%S', 'now')
                THEN max(updated_at, visible_at) ELSE '1970-01-01 00:00:00' END)
FROM articles WHERE visible_at IS NOT NULL
GROUP BY (id - 1) / 1000 + 1;

INSERT INTO sitemap_pending (article_id, page, visible_at)
SELECT id, (id - 1) / 1000 + 1, visible_at
FROM articles WHERE visible_at > strftime('%Y-%m-%d %H:%M:%S', 'now');

CREATE TRIGGER articles_sitemap_insert AFTER INSERT ON articles
WHEN new.visible_at IS NOT NULL
BEGIN
    INSERT INTO sitemap_pages (page, listed, lastmod)
    VALUES (
        (new.id - 1) / 1000 + 1, 1,
        CASE WHEN new.visible_at <= strftime('%Y-%m-%d %H:%M:%S', 'now')
             THEN max(new.updated_at, new.visible_at) ELSE '1970-01-01 00:00:00' END
    )
    ON CONFLICT (page) DO UPDATE SET
        listed = listed + excluded.listed, lastmod = max(lastmod, excluded.lastmod);
    INSERT INTO sitemap_pending (article_id, page, visible_at)
    SELECT new.id, (new.id - 1) / 1000 + 1, new.visible_at
    WHERE new.visible_at > strftime('%Y-%m-%d %H:%M:%S', 'now');
END;

-- An article leaving the public set changes its page too: now (one that was not public yet
-- changes nothing anyone saw).
CREATE TRIGGER articles_sitemap_delete AFTER DELETE ON articles
WHEN old.visible_at IS NOT NULL
BEGIN
    DELETE FROM sitemap_pending WHERE article_id = old.id;
    INSERT INTO sitemap_pages (page, listed, lastmod)
    VALUES (
        (old.id - 1) / 1000 + 1, -1,
        CASE WHEN old.visible_at <= strftime('%Y-%m-%d %H:%M:%S', 'now')
             THEN strftime('%Y-%m-%d %H:%M:%S', 'now') ELSE '1970-01-01 00:00:00' END
    )
    ON CONFLICT (page) DO UPDATE SET
        listed = listed + excluded.listed, lastmod = max(lastmod, excluded.lastmod);
END;

CREATE TRIGGER articles_sitemap_update AFTER UPDATE OF status, published_at, slug, updated_at ON articles
WHEN old.visible_at IS NOT NULL OR new.visible_at IS NOT NULL
BEGIN
    DELETE FROM sitemap_pending WHERE article_id = new.id;
    INSERT INTO sitemap_pages (page, listed, lastmod)
    VALUES (
        (new.id - 1) / 1000 + 1,
        (new.visible_at IS NOT NULL) - (old.visible_at IS NOT NULL),
        CASE WHEN new.visible_at <= strftime('%Y-%m-%d %H:%M:%S', 'now')
             THEN max(new.updated_at, new.visible_at)
             WHEN old.visible_at <= strftime('%Y-%m-%d %H:%M:%S', 'now')
             THEN new.updated_at
             ELSE '1970-01-01 00:00:00' END
    )
    ON CONFLICT (page) DO UPDATE SET
        listed = listed + excluded.listed, lastmod = max(lastmod, excluded.lastmod);
    INSERT INTO sitemap_pending (article_id, page, visible_at)
    SELECT new.id, (new.id - 1) / 1000 + 1, new.visible_at
    WHERE new.visible_at > strftime('%Y-%m-%d %H:%M:%S', 'now');
END;

-- Every write to an article folds what has fallen due (a short range of the pending index).
CREATE TRIGGER articles_sitemap_fold_insert AFTER INSERT ON articles
BEGIN
    INSERT INTO sitemap_pages (page, listed, lastmod)
    SELECT page, 0, max(visible_at) FROM sitemap_pending
    WHERE visible_at <= strftime('%Y-%m-%d %H:%M:%S', 'now')
    GROUP BY page
    ON CONFLICT (page) DO UPDATE SET lastmod = max(lastmod, excluded.lastmod);
    DELETE FROM sitemap_pending WHERE visible_at <= strftime('%Y-%m-%d %H:%M:%S', 'now');
END;

CREATE TRIGGER articles_sitemap_fold_update AFTER UPDATE OF status, published_at, slug, updated_at ON articles
BEGIN
    INSERT INTO sitemap_pages (page, listed, lastmod)
    SELECT page, 0, max(visible_at) FROM sitemap_pending
    WHERE visible_at <= strftime('%Y-%m-%d %H:%M:%S', 'now')
    GROUP BY page
    ON CONFLICT (page) DO UPDATE SET lastmod = max(lastmod, excluded.lastmod);
    DELETE FROM sitemap_pending WHERE visible_at <= strftime('%Y-%m-%d %H:%M:%S', 'now');
END;
