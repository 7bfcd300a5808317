//! `/api/v1/auth/*`: login, refresh, logout and the caller's own account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::dto::{LoginRequest, RefreshRequest, TokenPair};
use crate::auth::queries::{self, Refresh};
use crate::auth::tokens::{self, ACCESS_TOKEN_TTL_SECS};
use crate::auth::{AuthUser, Role, password};
use crate::db;
use crate::error::AppError;
use crate::http::{self, CACHE_PRIVATE, Json, cache_control, json_response};
use crate::openapi::{
    BadRequest, InvalidCredentials, InvalidRefreshToken, PayloadTooLarge, TooManyRequests,
    Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::state::AppState;
use crate::users::dto::UserView;
use crate::users::queries as users;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(me);
}

fn wrong_credentials() -> AppError {
    AppError::Unauthorized("Wrong email or password.".into())
}

fn pair(
    state: &AppState,
    user_id: i64,
    role: Role,
    session_id: i64,
    refresh_token: String,
) -> Result<HttpResponse, AppError> {
    let access_token = state.keys.issue_access(user_id, role, session_id)?;
    Ok(HttpResponse::Ok()
        .insert_header(cache_control(CACHE_PRIVATE))
        .json(TokenPair {
            access_token,
            token_type: "Bearer",
            expires_in: ACCESS_TOKEN_TTL_SECS,
            refresh_token,
        }))
}

/// Log in
///
/// Exchanges an email and password for an access token (15 minutes) and a refresh token
/// (single use, renews the session for 30 days). A wrong email and a wrong password get the
/// same answer. After 5 failures within a minute for one account or one client address, the
/// next attempts get `429` until the minute has passed.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    security(()),
    responses(
        (status = 200, description = "Logged in.", body = TokenPair),
        (status = 400, response = BadRequest),
        (status = 401, response = InvalidCredentials),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 429, response = TooManyRequests),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner()?;
    let account_key = format!("account:{}", body.email.trim().to_lowercase());
    let client_key = format!("client:{}", http::client_addr(&req));
    // Every attempt takes a slot before the password is checked, and gives it back if the
    // password was right: parallel guesses cannot all slip past the limit.
    if let Err(retry_after) = state
        .login_throttle
        .try_acquire(&[&account_key, &client_key])
        .await?
    {
        return Err(AppError::TooManyRequests {
            detail: format!("Too many failed logins; try again in {retry_after} seconds."),
            retry_after,
        });
    }

    let email = body.email.trim().to_lowercase();
    let password = body.password;
    let checked = async {
        let row = db::read(&state.db, move |conn| {
            Ok(users::find_by_email(conn, &email)?)
        })
        .await?;
        password::gated(move || match row {
            Some(row) if password::verify(&password, &row.password_hash) && !row.disabled => {
                Some(row)
            }
            Some(_) => None,
            None => {
                password::verify_against_dummy(&password);
                None
            }
        })
        .await
    };
    let verified = match checked.await {
        Ok(verified) => verified,
        Err(e) => {
            // Not checked (the database or the password gate was busy): not a failed login.
            state.login_throttle.release(&account_key).await;
            state.login_throttle.release(&client_key).await;
            return Err(e);
        }
    };
    let Some(user) = verified else {
        return Err(wrong_credentials());
    };
    state.login_throttle.clear(&account_key).await;
    state.login_throttle.release(&client_key).await;

    let role: Role = user.role.parse().map_err(AppError::internal)?;
    let refresh_token = tokens::new_refresh_token()?;
    let token_hash = tokens::hash_refresh_token(&refresh_token);
    let user_id = user.id;
    let session_id = db::write(&state.db, move |conn| {
        let now = db::now();
        queries::prune_sessions(conn, now)?;
        Ok(queries::open_session(conn, user_id, &token_hash, now)?)
    })
    .await?;
    pair(&state, user_id, role, session_id, refresh_token)
}

/// Refresh the tokens
///
/// Exchanges a refresh token for a new access token and a new refresh token. Each refresh
/// token works once: presenting a used one again is taken as theft, answers `401` and ends
/// the session (its access tokens stop working too).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    security(()),
    responses(
        (status = 200, description = "A new token pair; the presented refresh token is used up.", body = TokenPair),
        (status = 400, response = BadRequest),
        (status = 401, response = InvalidRefreshToken),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner()?;
    let old_hash = tokens::hash_refresh_token(body.refresh_token.trim());
    let refresh_token = tokens::new_refresh_token()?;
    let new_hash = tokens::hash_refresh_token(&refresh_token);
    let outcome = db::write(&state.db, move |conn| {
        Ok(queries::rotate(conn, &old_hash, &new_hash, db::now())?)
    })
    .await?;
    match outcome {
        Refresh::Rotated { user, session_id } => {
            let role: Role = user.role.parse().map_err(AppError::internal)?;
            pair(&state, user.id, role, session_id, refresh_token)
        }
        Refresh::Reused => Err(AppError::Unauthorized(
            "This refresh token was already used, so the session has been ended; log in again."
                .into(),
        )),
        Refresh::Invalid => Err(AppError::Unauthorized(
            "The refresh token is not valid, or its session has ended; log in again.".into(),
        )),
    }
}

/// Log out
///
/// Ends the caller's session: its refresh token and its access tokens stop working.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The session has ended."),
        (status = 401, response = Unauthorized),
    )
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, AppError> {
    let session_id = user.session_id;
    db::write(&state.db, move |conn| {
        Ok(queries::end_session(conn, session_id, db::now())?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's account
///
/// The account the access token belongs to, as it is now.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account.", body = UserView,
         headers(("ETag" = String, description = "Strong entity tag."))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 401, response = Unauthorized),
    )
)]
#[get("/auth/me")]
pub async fn me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, AppError> {
    let id = user.id;
    let row = db::read(&state.db, move |conn| Ok(users::find(conn, id)?))
        .await?
        .ok_or_else(|| AppError::InvalidToken("This account no longer exists.".into()))?;
    json_response(
        StatusCode::OK,
        &UserView::try_from(row)?,
        None,
        CACHE_PRIVATE,
    )
}
