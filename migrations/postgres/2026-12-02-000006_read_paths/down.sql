-- The columns (`visible_at`, `listed_count`) and their indexes belong to
-- 2026-11-25-000002_content and go with its tables; this undoes the behaviour only.
DROP TRIGGER article_sources_listed_update ON article_sources;
DROP TRIGGER article_sources_listed_delete ON article_sources;
DROP TRIGGER article_sources_listed_insert ON article_sources;
DROP FUNCTION article_sources_listed();
DROP TRIGGER article_tags_listed_update ON article_tags;
DROP TRIGGER article_tags_listed_delete ON article_tags;
DROP TRIGGER article_tags_listed_insert ON article_tags;
DROP FUNCTION article_tags_listed();
DROP TRIGGER article_authors_listed_update ON article_authors;
DROP TRIGGER article_authors_listed_delete ON article_authors;
DROP TRIGGER article_authors_listed_insert ON article_authors;
DROP FUNCTION article_authors_listed();
DROP TRIGGER articles_listed_update ON articles;
DROP TRIGGER articles_listed_delete ON articles;
DROP TRIGGER articles_listed_insert ON articles;
DROP FUNCTION articles_listed();
DROP TABLE counters;
DROP TRIGGER articles_visibility ON articles;
DROP FUNCTION articles_visibility();
