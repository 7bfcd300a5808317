DROP TRIGGER comments_count_delete;
DROP TRIGGER comments_count_update;
DROP TRIGGER comments_count_insert;
DROP TABLE comments;
