-- Staff accounts, their login sessions and the refresh tokens that keep a session alive.
-- Times are UTC texts (`YYYY-MM-DD HH:MM:SS`) written by the application, never by SQL
-- defaults, so that they all share one format and compare and sort correctly as text.

CREATE TABLE users (
    -- AUTOINCREMENT: an id is never handed out twice, so a deleted user's id cannot come back.
    id            INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email         TEXT    NOT NULL COLLATE NOCASE UNIQUE CHECK (length(email) <= 254),
    display_name  TEXT    NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'editor', 'author')),
    -- The byline this account writes as; the authors table arrives with the content schema.
    author_id     INTEGER,
    password_hash TEXT    NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT 0,
    created_at    TIMESTAMP   NOT NULL,
    updated_at    TIMESTAMP   NOT NULL
);

CREATE INDEX users_created_at ON users (created_at);

-- One row per login. Access tokens name their session (`sid`), so ending a session
-- (logout, reuse of a rotated refresh token) ends its access tokens too.
CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP   NOT NULL,
    expires_at TIMESTAMP   NOT NULL,
    revoked_at TIMESTAMP  
);

CREATE INDEX sessions_user_id ON sessions (user_id);

-- Every refresh token ever issued, by the SHA-256 of its opaque value. A token is used once:
-- `used_at` set means it was rotated, and presenting it again ends the session.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at TIMESTAMP   NOT NULL,
    used_at    TIMESTAMP  
);

CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);
