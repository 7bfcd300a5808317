//! Draft previews: a link that shows an article as it stands now to whoever holds it, without
//! a staff token. Editors make one for any article, authors for their own drafts.
//!
//! The link carries a signed token: a JWT for the `dateline-preview` audience (so it never
//! passes for an access token, nor one for it) naming the article and, as `jti`, a row of
//! `previews`. The row makes it revocable: revoking deletes it, and so does deleting the
//! article or the user who made it; a preview whose maker is disabled answers `404` too. The
//! token is signed from the row alone (`iat` is the row's `created_at`), so staff can list the
//! live links of an article again.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::articles::dto::{ArticleParams, ArticleView};
use crate::articles::handlers::{Include, view_of};
use crate::articles::service::{self, Stored};
use crate::auth::tokens::TokenKeys;
use crate::auth::{AuthUser, policy};
use crate::db::schema::{previews, users};
use crate::db::{self, Conn};
use crate::error::AppError;
use crate::http::{CACHE_PRIVATE, OptionalJson, Query, json_response};
use crate::openapi::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::slug::IdOrSlug;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_preview)
        .service(list_previews)
        .service(revoke_preview)
        .service(get_preview);
}

/// How long a preview lasts unless its maker says otherwise, and at most.
const DEFAULT_DAYS: i64 = 7;
const MAX_DAYS: i64 = 30;

/// `X-Robots-Tag: noindex`: a preview is never a page for search engines.
const X_ROBOTS_TAG: HeaderName = HeaderName::from_static("x-robots-tag");
const NOINDEX: HeaderValue = HeaderValue::from_static("noindex");

/// A new preview link. Every field may be left out, and so may the whole body.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePreview {
    /// When the link stops working: in the future, at most 30 days from now. Default: 7 days
    /// from now.
    #[schema(example = "2026-12-11T09:30:00Z")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A preview link.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewView {
    /// The preview's id (the token's `jti`); revoking takes it or the token.
    #[schema(example = "4f1c9a0e2b7d4c8e9a6b3f2d1e0c5a7b")]
    pub id: String,
    /// The signed token: whoever holds it reads the article.
    #[schema(example = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl")]
    pub token: String,
    /// Where the article is read: `GET /api/v1/previews/{token}`.
    #[schema(
        example = "https://api.iraqinews.example/api/v1/previews/eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl"
    )]
    pub url: String,
    #[schema(example = 42)]
    pub article_id: i64,
    /// The staff member who made it (it ends if they are disabled).
    #[schema(example = 3)]
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A stored preview.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = previews)]
struct PreviewRow {
    id: String,
    article_id: i64,
    created_by: i64,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

impl PreviewRow {
    fn view(self, keys: &TokenKeys, public_url: &str) -> Result<PreviewView, AppError> {
        let token = keys.issue_preview(
            self.article_id,
            &self.id,
            self.created_at.and_utc().timestamp(),
            self.expires_at.and_utc().timestamp(),
        )?;
        Ok(PreviewView {
            url: format!("{public_url}/api/v1/previews/{token}"),
            token,
            id: self.id,
            article_id: self.article_id,
            created_by: self.created_by,
            created_at: self.created_at.and_utc(),
            expires_at: self.expires_at.and_utc(),
        })
    }
}

/// The article named by `key` if `user` may make previews of it: editors any, authors their
/// own drafts (`404` for one they may not see, `403` for one they may not preview).
fn previewable(
    conn: &mut Conn,
    key: &IdOrSlug,
    user: &AuthUser,
    now: NaiveDateTime,
) -> Result<Stored, AppError> {
    let stored = service::load_visible(conn, key, Some(user), now)?;
    policy::require_edit_article(user, stored.owners(), stored.row.status == "draft")?;
    Ok(stored)
}

/// Whose links of an article a caller may list and revoke.
#[derive(Debug, Clone, Copy)]
enum Reach {
    /// Every link: those who may make them.
    All,
    /// The links this user made: an author whose story has left the draft stage keeps
    /// control of the links they made while it was theirs to preview.
    MadeBy(i64),
}

/// The article named by `key`, and whose of its links `user` may list and revoke.
fn manageable(
    conn: &mut Conn,
    key: &IdOrSlug,
    user: &AuthUser,
    now: NaiveDateTime,
) -> Result<(Stored, Reach), AppError> {
    let stored = service::load_visible(conn, key, Some(user), now)?;
    match policy::require_edit_article(user, stored.owners(), stored.row.status == "draft") {
        Ok(()) => Ok((stored, Reach::All)),
        Err(_) if policy::owns_article(user, stored.owners()) => {
            Ok((stored, Reach::MadeBy(user.id)))
        }
        Err(e) => Err(e),
    }
}

/// An article's previews within `reach`.
fn within(article_id: i64, reach: Reach) -> previews::BoxedQuery<'static, db::Backend> {
    let q = previews::table
        .filter(previews::article_id.eq(article_id))
        .into_boxed();
    match reach {
        Reach::All => q,
        Reach::MadeBy(user_id) => q.filter(previews::created_by.eq(user_id)),
    }
}

/// A random preview id: 16 bytes, hex.
fn new_id() -> Result<String, AppError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(format!("getrandom: {e}")))?;
    Ok(hex::encode(bytes))
}

/// When a new preview ends: `asked`, or [`DEFAULT_DAYS`] from `now`; `422` unless it is in the
/// future and at most [`MAX_DAYS`] away.
fn expiry(asked: Option<DateTime<Utc>>, now: NaiveDateTime) -> Result<NaiveDateTime, AppError> {
    let Some(at) = asked else {
        return Ok(now + Duration::days(DEFAULT_DAYS));
    };
    let at = at.naive_utc();
    if at <= now {
        Err(AppError::invalid("expires_at", "must be in the future"))
    } else if at > now + Duration::days(MAX_DAYS) {
        Err(AppError::invalid(
            "expires_at",
            format!("must be at most {MAX_DAYS} days from now"),
        ))
    } else {
        Ok(at)
    }
}

/// Create a preview link
///
/// A signed link that shows the article as it stands to whoever holds it, until
/// `expires_at` (default 7 days, at most 30) or until it is revoked, the article is deleted or
/// its maker is disabled. Editors and admins preview any article, authors their own drafts.
/// The body may be left out.
#[utoipa::path(
    tag = "distribution",
    params(("id_or_slug" = String, Path, description = "The article's id or slug.", example = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14")),
    request_body(content = Option<CreatePreview>, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The preview link.", body = PreviewView,
         headers(("Location" = String, description = "Where the article is read: the link's `url`."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/articles/{id_or_slug}/previews")]
pub async fn create_preview(
    state: web::Data<AppState>,
    user: AuthUser,
    key: web::Path<String>,
    body: OptionalJson<CreatePreview>,
) -> Result<HttpResponse, AppError> {
    let key = IdOrSlug::parse(&key);
    let body = body.into_inner();
    let row = db::write(&state.db, move |conn| {
        let now = db::now();
        let stored = previewable(conn, &key, &user, now)?;
        let row = PreviewRow {
            id: new_id()?,
            article_id: stored.row.id,
            created_by: user.id,
            created_at: now,
            expires_at: expiry(body?.expires_at, now)?,
        };
        // Expired previews go as new ones come (a short range of their index).
        diesel::delete(previews::table.filter(previews::expires_at.le(now))).execute(conn)?;
        diesel::insert_into(previews::table)
            .values(&row)
            .execute(conn)?;
        Ok(row)
    })
    .await?;
    let view = row.view(&state.keys, &state.config.public_url)?;
    let mut res = json_response(StatusCode::CREATED, &view, None, CACHE_PRIVATE)?;
    if let Ok(location) = HeaderValue::from_str(&view.url) {
        res.headers_mut().insert(header::LOCATION, location);
    }
    Ok(res)
}

/// List an article's preview links
///
/// The links of the article that still work, newest first, with their tokens: all of them for
/// the staff who may make them; for an author whose story has left the draft stage, those
/// they made.
#[utoipa::path(
    tag = "distribution",
    params(("id_or_slug" = String, Path, description = "The article's id or slug.", example = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The live preview links.", body = Vec<PreviewView>,
         headers(("ETag" = String, description = "Strong entity tag of this list."))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/articles/{id_or_slug}/previews")]
pub async fn list_previews(
    state: web::Data<AppState>,
    user: AuthUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = IdOrSlug::parse(&key);
    let rows = db::read(&state.db, move |conn| {
        let now = db::now();
        let (stored, reach) = manageable(conn, &key, &user, now)?;
        Ok(within(stored.row.id, reach)
            .filter(previews::expires_at.gt(now))
            .order((previews::created_at.desc(), previews::id))
            .select(PreviewRow::as_select())
            .load(conn)?)
    })
    .await?;
    let views = rows
        .into_iter()
        .map(|row| row.view(&state.keys, &state.config.public_url))
        .collect::<Result<Vec<_>, _>>()?;
    json_response(StatusCode::OK, &views, None, CACHE_PRIVATE)
}

/// Revoke a preview link
///
/// Ends the link at once. `{preview}` is its token (expired or not) or its id. Those who may
/// make the article's links revoke any; an author whose story has left the draft stage, those
/// they made.
#[utoipa::path(
    tag = "distribution",
    params(
        ("id_or_slug" = String, Path, description = "The article's id or slug.", example = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14"),
        ("preview" = String, Path, description = "The link's token or id.", example = "4f1c9a0e2b7d4c8e9a6b3f2d1e0c5a7b"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked."),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[delete("/articles/{id_or_slug}/previews/{preview}")]
pub async fn revoke_preview(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (key, preview) = path.into_inner();
    let key = IdOrSlug::parse(&key);
    // A token names its row by `jti` (an expired one too: the row, matched with the article,
    // decides); anything else is taken as the id.
    let id = state.keys.preview_id(&preview).unwrap_or(preview);
    db::write(&state.db, move |conn| {
        let (stored, reach) = manageable(conn, &key, &user, db::now())?;
        let mine: Vec<String> = within(stored.row.id, reach)
            .filter(previews::id.eq(&id))
            .select(previews::id)
            .load(conn)?;
        let gone =
            diesel::delete(previews::table.filter(previews::id.eq_any(&mine))).execute(conn)?;
        if gone == 0 {
            return Err(AppError::NotFound(
                "No such preview link of this article.".into(),
            ));
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Read a preview
///
/// The article as it stands now, whatever its status, for whoever holds a live preview token:
/// `include` and `fields` as for `GET /articles/{id_or_slug}`. Never cached by anyone
/// (`private, no-store`) and never indexed (`X-Robots-Tag: noindex`). `404` once the link has
/// expired or was revoked, the article was deleted or the link's maker disabled.
#[utoipa::path(
    tag = "distribution",
    params(
        ("token" = String, Path, description = "The preview token.", example = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl"),
        ArticleParams
    ),
    security(()),
    responses(
        (status = 200, description = "The article.", body = ArticleView,
         headers(
            ("ETag" = String, description = "Strong entity tag of the article as it stands."),
            ("Cache-Control" = String, description = "`private, no-store`."),
            ("X-Robots-Tag" = String, description = "`noindex`.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/previews/{token}")]
pub async fn get_preview(
    state: web::Data<AppState>,
    token: web::Path<String>,
    Query(params): Query<ArticleParams>,
) -> Result<HttpResponse, AppError> {
    let (include, fields) = Include::parse(params.include.as_deref(), params.fields.as_deref())?;
    let ended = || {
        AppError::NotFound(
            "This preview link is not valid: it has expired or was revoked, or its article is \
             gone."
                .into(),
        )
    };
    let claims = state.keys.verify_preview(&token).ok_or_else(ended)?;
    let article_id: i64 = claims.sub.parse().map_err(|_| ended())?;
    let config = state.config.clone();
    let view: ArticleView = db::read(&state.db, move |conn| {
        let now = db::now();
        let live = previews::table
            .inner_join(users::table)
            .filter(previews::id.eq(&claims.jti))
            .filter(previews::article_id.eq(article_id))
            .filter(previews::expires_at.gt(now))
            .filter(users::disabled.eq(false))
            .select(previews::id)
            .first::<String>(conn)
            .optional()?;
        if live.is_none() {
            return Err(ended());
        }
        let key = IdOrSlug::Id(article_id, article_id.to_string());
        let stored = service::load(conn, &key)?.ok_or_else(ended)?;
        view_of(conn, stored, include, false, &config, now)
    })
    .await?;
    let mut res = json_response(StatusCode::OK, &view, fields.as_deref(), CACHE_PRIVATE)?;
    res.headers_mut().insert(X_ROBOTS_TAG, NOINDEX);
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_last_a_week_unless_asked_and_at_most_thirty_days() {
        let now = db::now();
        assert_eq!(expiry(None, now).ok(), Some(now + Duration::days(7)));
        let in_30 = (now + Duration::days(30)).and_utc();
        assert_eq!(expiry(Some(in_30), now).ok(), Some(in_30.naive_utc()));
        assert!(expiry(Some(in_30 + Duration::seconds(1)), now).is_err());
        assert!(expiry(Some(now.and_utc()), now).is_err());
    }
}
