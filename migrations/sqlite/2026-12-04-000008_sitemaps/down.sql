DROP TRIGGER articles_sitemap_fold_update;
DROP TRIGGER articles_sitemap_fold_insert;
DROP TRIGGER articles_sitemap_update;
DROP TRIGGER articles_sitemap_delete;
DROP TRIGGER articles_sitemap_insert;
DROP TABLE sitemap_pending;
DROP TABLE sitemap_pages;
