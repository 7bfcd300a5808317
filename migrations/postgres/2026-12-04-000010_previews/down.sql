DROP TRIGGER users_disabled_previews ON users;
DROP FUNCTION users_disabled_previews();
DROP TABLE previews;
