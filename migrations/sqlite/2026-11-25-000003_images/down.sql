DROP INDEX authors_avatar_image_id;
ALTER TABLE authors DROP COLUMN avatar_image_id;
DROP INDEX articles_feature_image_id;
ALTER TABLE articles DROP COLUMN feature_image_id;
DROP TABLE images;
