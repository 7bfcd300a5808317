ALTER TABLE authors DROP CONSTRAINT authors_avatar_image_id_fkey;
ALTER TABLE articles DROP CONSTRAINT articles_feature_image_id_fkey;
DROP TABLE images;
