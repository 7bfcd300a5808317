DROP TRIGGER articles_fts_update;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, subtitle, excerpt, body ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body)
    VALUES ('delete', old.id, old.title, old.subtitle, old.excerpt, old.body);
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body)
    VALUES (new.id, new.title, new.subtitle, new.excerpt, new.body);
END;
