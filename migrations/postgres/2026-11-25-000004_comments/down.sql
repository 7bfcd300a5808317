-- Dropping the table drops its triggers.
DROP TABLE comments;
DROP FUNCTION comments_count();
