DROP TRIGGER articles_sitemap_fold_update ON articles;
DROP TRIGGER articles_sitemap_fold_insert ON articles;
DROP TRIGGER articles_sitemap_update ON articles;
DROP TRIGGER articles_sitemap_delete ON articles;
DROP TRIGGER articles_sitemap_insert ON articles;
DROP FUNCTION sitemap_fold();
DROP FUNCTION articles_sitemap();
DROP TABLE sitemap_pending;
DROP TABLE sitemap_pages;
