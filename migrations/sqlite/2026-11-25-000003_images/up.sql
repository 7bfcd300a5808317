-- Images: uploaded photos with their alt text, caption and credit. The bytes live in the media
-- store under their SHA-256 (the same bytes are stored once, whatever the number of rows).

CREATE TABLE images (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    sha256      TEXT    NOT NULL CHECK (length(sha256) = 64),
    mime_type   TEXT    NOT NULL CHECK (mime_type IN ('image/jpeg', 'image/png', 'image/gif', 'image/webp')),
    width       INTEGER NOT NULL CHECK (width > 0),
    height      INTEGER NOT NULL CHECK (height > 0),
    size_bytes  INTEGER NOT NULL CHECK (size_bytes > 0),
    alt         TEXT,
    caption     TEXT,
    credit      TEXT,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX images_sha256 ON images (sha256);
CREATE INDEX images_created_at ON images (created_at);

-- An image in use cannot be deleted (the API answers 409 first; the keys hold regardless).
ALTER TABLE articles ADD COLUMN feature_image_id INTEGER REFERENCES images (id);
CREATE INDEX articles_feature_image_id ON articles (feature_image_id);
ALTER TABLE authors ADD COLUMN avatar_image_id INTEGER REFERENCES images (id);
CREATE INDEX authors_avatar_image_id ON authors (avatar_image_id);
