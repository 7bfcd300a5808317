//! What the auth endpoints accept and answer.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Credentials for `POST /auth/login`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "desk@iraqinews.example", "password": "correct horse battery staple"}))]
pub struct LoginRequest {
    #[schema(example = "desk@iraqinews.example")]
    pub email: String,
    #[schema(write_only, example = "correct horse battery staple")]
    pub password: String,
}

/// A refresh token to exchange for a new pair.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh. It is used up by this call.
    #[schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    pub refresh_token: String,
}

/// An access token and the refresh token that renews it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.c2lnbmF0dXJl",
    "token_type": "Bearer",
    "expires_in": 900,
    "refresh_token": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
}))]
pub struct TokenPair {
    /// A JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// Opaque, single-use; exchange it at `POST /auth/refresh` before the session's 30 days
    /// run out. Using it twice ends the session.
    pub refresh_token: String,
}
