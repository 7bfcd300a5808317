DROP TRIGGER users_disabled_previews;
DROP TABLE previews;
