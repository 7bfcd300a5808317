DROP TRIGGER articles_sitemap_update;
DROP TRIGGER articles_sitemap_delete;
DROP TRIGGER articles_sitemap_insert;
DROP TABLE sitemap_pages;
