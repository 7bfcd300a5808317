ALTER TABLE users DROP CONSTRAINT users_author_id_fkey;
DROP TABLE article_sources;
DROP TABLE article_tags;
DROP TABLE article_authors;
DROP TABLE articles;
DROP TABLE tags;
DROP TABLE sources;
DROP TABLE authors;
