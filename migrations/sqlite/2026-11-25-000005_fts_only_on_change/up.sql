-- Re-index an article for search only when a searched column really changed: every update
-- writes all columns, and a status change must not rewrite a megabyte body in the index.
DROP TRIGGER articles_fts_update;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, subtitle, excerpt, body ON articles
WHEN old.title IS NOT new.title
  OR old.subtitle IS NOT new.subtitle
  OR old.excerpt IS NOT new.excerpt
  OR old.body IS NOT new.body
BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body)
    VALUES ('delete', old.id, old.title, old.subtitle, old.excerpt, old.body);
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body)
    VALUES (new.id, new.title, new.subtitle, new.excerpt, new.body);
END;
