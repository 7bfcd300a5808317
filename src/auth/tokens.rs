//! Access tokens (short-lived JWTs, HS256 pinned) and refresh tokens (opaque random values,
//! stored only as their SHA-256).
//!
//! The two kinds cannot be mistaken for each other: an access token is a JWT whose header says
//! `typ: at+jwt` (RFC 9068) and which names its session; a refresh token is 64 hex characters
//! that only the `refresh_tokens` table knows.

use std::io::Write;
use std::path::Path;

use chrono::Utc;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::Role;
use crate::config::{Config, MIN_JWT_SECRET_BYTES};
use crate::error::AppError;

/// Lifetime of an access token, in seconds.
pub const ACCESS_TOKEN_TTL_SECS: i64 = 900;
/// Lifetime of a session without a refresh, in days.
pub const SESSION_TTL_DAYS: i64 = 30;
/// The `iss` of every token this service signs.
pub const ISSUER: &str = "dateline";
/// The `aud` every access token must carry.
pub const AUDIENCE: &str = "dateline-api";
/// The JOSE `typ` header of access tokens (RFC 9068).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// The `aud` of draft-preview tokens: never an access token's, so neither passes for the other.
pub const PREVIEW_AUDIENCE: &str = "dateline-preview";

/// The claims of a draft-preview token: which article, which preview row (`jti`), until when.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreviewClaims {
    /// The article's id, as a string.
    pub sub: String,
    /// The preview's id: the row that keeps it revocable.
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id, as a string (RFC 7519).
    pub sub: String,
    /// The user's role when the token was issued (the database decides on each request).
    pub role: Role,
    /// The session this token belongs to.
    pub sid: i64,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// The HMAC key in its signing and verifying forms, and the pinned validation rules.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    preview_validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 0;
        let mut preview_validation = validation.clone();
        preview_validation.set_audience(&[PREVIEW_AUDIENCE]);
        preview_validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub", "jti"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            preview_validation,
        }
    }

    /// Signs the preview token of article `article_id` for preview `id`, made at `iat` and
    /// valid until `exp` (seconds since the epoch). The same arguments sign the same token.
    pub fn issue_preview(
        &self,
        article_id: i64,
        id: &str,
        iat: i64,
        exp: i64,
    ) -> Result<String, AppError> {
        let claims = PreviewClaims {
            sub: article_id.to_string(),
            jti: id.to_owned(),
            iat,
            exp,
            iss: ISSUER.to_owned(),
            aud: PREVIEW_AUDIENCE.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::internal(format!("jwt encode: {e}")))
    }

    /// The preview id (`jti`) of a token this service signed for previews, expired or not:
    /// for revoking, where the row decides.
    pub fn preview_id(&self, token: &str) -> Option<String> {
        let mut validation = self.preview_validation.clone();
        validation.validate_exp = false;
        jsonwebtoken::decode::<PreviewClaims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims.jti)
    }

    /// Checks a preview token's signature (HS256 only), `exp`, `iss` and `aud`; `None` for
    /// anything that is not a valid, unexpired preview token.
    pub fn verify_preview(&self, token: &str) -> Option<PreviewClaims> {
        jsonwebtoken::decode::<PreviewClaims>(token, &self.decoding, &self.preview_validation)
            .ok()
            .map(|data| data.claims)
    }

    /// Signs an access token for `user_id` in session `sid`.
    pub fn issue_access(&self, user_id: i64, role: Role, sid: i64) -> Result<String, AppError> {
        let iat = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            sid,
            iat,
            exp: iat + ACCESS_TOKEN_TTL_SECS,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(ACCESS_TOKEN_TYP.to_owned());
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|e| AppError::internal(format!("jwt encode: {e}")))
    }

    /// Checks signature (HS256 only), `typ`, `exp`, `iss` and `aud`; returns the claims.
    pub fn verify_access(&self, token: &str) -> Result<Claims, AppError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => {
                    AppError::InvalidToken("The access token has expired; refresh it.".into())
                }
                _ => AppError::InvalidToken("The access token is not valid.".into()),
            })?;
        if data.header.typ.as_deref() != Some(ACCESS_TOKEN_TYP) {
            return Err(AppError::InvalidToken(
                "The token is not an access token.".into(),
            ));
        }
        Ok(data.claims)
    }
}

/// A new opaque refresh token: 32 random bytes, hex-encoded.
pub fn new_refresh_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(format!("getrandom: {e}")))?;
    Ok(hex::encode(bytes))
}

/// What the database keeps of a refresh token.
pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Errors while finding or making the signing secret at start-up.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path} holds {len} bytes; a JWT secret must be at least {MIN_JWT_SECRET_BYTES} bytes \
         (delete the file to have a new one generated, which logs everyone out)"
    )]
    TooShort { path: String, len: usize },
    #[error("the system random generator failed: {0}")]
    Random(String),
}

/// The HMAC key: `DATELINE_JWT_SECRET` if set, else the one kept in `jwt-secret` beside the
/// database, generated (mode 0600) on first start so tokens survive restarts.
pub fn load_or_create_secret(config: &Config) -> Result<Vec<u8>, SecretError> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.as_bytes().to_vec());
    }
    let path = config.data_dir().join("jwt-secret");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let secret = text.trim().as_bytes().to_vec();
            if secret.len() < MIN_JWT_SECRET_BYTES {
                return Err(SecretError::TooShort {
                    path: path.display().to_string(),
                    len: secret.len(),
                });
            }
            Ok(secret)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_secret_file(&path),
        Err(source) => Err(SecretError::Read {
            path: path.display().to_string(),
            source,
        }),
    }
}

fn create_secret_file(path: &Path) -> Result<Vec<u8>, SecretError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| SecretError::Random(e.to_string()))?;
    let secret = hex::encode(bytes);
    let write_err = |source| SecretError::Write {
        path: path.display().to_string(),
        source,
    };
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(write_err)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(write_err)?;
    file.write_all(format!("{secret}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(write_err)?;
    tracing::info!(path = %path.display(), "generated a new JWT signing secret");
    Ok(secret.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn an_issued_token_verifies_and_names_its_user_and_session() {
        let k = keys();
        let token = k.issue_access(7, Role::Editor, 3).unwrap();
        let claims = k.verify_access(&token).unwrap();
        assert_eq!(claims.sub, "7");
        assert_eq!(claims.sid, 3);
        assert_eq!(claims.role, Role::Editor);
        assert_eq!(claims.exp - claims.iat, ACCESS_TOKEN_TTL_SECS);
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let token = TokenKeys::new(b"another-key-another-key-another-key")
            .issue_access(7, Role::Admin, 1)
            .unwrap();
        assert!(keys().verify_access(&token).is_err());
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let a = new_refresh_token().unwrap();
        let b = new_refresh_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(hash_refresh_token(&a).len(), 64);
        assert_ne!(hash_refresh_token(&a), a);
    }

    #[test]
    fn the_generated_secret_is_kept_with_mode_0600_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::from_lookup(|_| None).unwrap();
        config.database = crate::db::Location::Sqlite(dir.path().join("db/dateline.db"));
        let first = load_or_create_secret(&config).unwrap();
        let second = load_or_create_secret(&config).unwrap();
        assert_eq!(first, second);
        assert!(first.len() >= MIN_JWT_SECRET_BYTES);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("db/jwt-secret"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_short_secret_file_refuses_to_start() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("jwt-secret"), "short").unwrap();
        let mut config = Config::from_lookup(|_| None).unwrap();
        config.database = crate::db::Location::Sqlite(dir.path().join("dateline.db"));
        let err = load_or_create_secret(&config).unwrap_err();
        assert!(err.to_string().contains("at least 32 bytes"), "{err}");
    }
}
