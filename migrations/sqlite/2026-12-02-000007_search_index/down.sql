-- Back to FTS5: the external-content index over `articles`, filled again from the table.

DROP TRIGGER search_changes_insert;
DROP TRIGGER search_changes_update;
DROP TRIGGER search_changes_delete;
DROP TABLE search_changes;

CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, subtitle, excerpt, body,
    content = 'articles', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body)
    VALUES (new.id, new.title, new.subtitle, new.excerpt, new.body);
END;

CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body)
    VALUES ('delete', old.id, old.title, old.subtitle, old.excerpt, old.body);
END;

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
