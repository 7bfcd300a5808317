//! Corrections: public notes on published articles, saying what was wrong and what changed
//! (`correction`), what was unclear (`clarification`), or what is new (`update`). Editors add
//! them; none is ever deleted (an article deleted takes its own with it), only amended with a
//! reason, and every amendment stays visible beside the note. Articles carry theirs, newest
//! first; `/api/v1/corrections` lists them site-wide; the feeds mark corrected stories; and a
//! new or amended correction is announced to webhooks as `article.updated`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::articles::service::{self, Stored};
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::db::schema::{articles, correction_amendments as amendments, corrections};
use crate::db::{self, Conn};
use crate::error::AppError;
use crate::http::list::{self, ListBody, PageParams};
use crate::http::{CACHE_PRIVATE, Json, Query, created, etag, json_response, read_cache};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::slug::IdOrSlug;
use crate::state::AppState;
use crate::validate::Errors;
use crate::webhooks::events;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_correction)
        .service(amend_correction)
        .service(list_corrections)
        .service(get_correction);
}

/// The most characters of a note or a reason.
const MAX_NOTE: usize = 2000;

/// What a correction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CorrectionKind {
    /// Something the story got wrong, and what it says now.
    Correction,
    /// Something the story said unclearly.
    Clarification,
    /// Something that happened since.
    Update,
}

impl CorrectionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Correction => "correction",
            Self::Clarification => "clarification",
            Self::Update => "update",
        }
    }

    fn from_db(s: &str) -> Self {
        match s {
            "clarification" => Self::Clarification,
            "update" => Self::Update,
            _ => Self::Correction,
        }
    }

    /// As a reader sees it at the foot of a story.
    pub fn label(self) -> &'static str {
        match self {
            Self::Correction => "Correction",
            Self::Clarification => "Clarification",
            Self::Update => "Update",
        }
    }
}

/// A change to a correction's note, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AmendmentView {
    /// What the note said before.
    pub previous_note: String,
    /// What it said after.
    pub note: String,
    /// Why it was amended.
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// A public note on a published article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 4, "article_id": 1, "kind": "correction",
    "note": "An earlier version of this story said 12 militants were killed; the army's figure is 14.",
    "created_at": "2017-11-01T12:00:00Z", "updated_at": "2017-11-01T12:00:00Z",
    "amendments": []
}))]
pub struct CorrectionView {
    #[schema(example = 4)]
    pub id: i64,
    pub article_id: i64,
    pub kind: CorrectionKind,
    /// The note as it stands.
    pub note: String,
    pub created_at: DateTime<Utc>,
    /// When it was last amended (its `created_at` if never).
    pub updated_at: DateTime<Utc>,
    /// Every amendment, oldest first.
    pub amendments: Vec<AmendmentView>,
}

/// A correction as stored (who made it stays in the database).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = corrections)]
struct CorrectionRow {
    id: i64,
    article_id: i64,
    kind: String,
    note: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The views of `rows` (in their order), with their amendments (one query, none when there
/// are no rows).
fn views(conn: &mut Conn, rows: Vec<CorrectionRow>) -> Result<Vec<CorrectionView>, AppError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut by_correction: HashMap<i64, Vec<AmendmentView>> = HashMap::new();
    for (correction, previous_note, note, reason, at) in amendments::table
        .filter(amendments::correction_id.eq_any(&ids))
        .order(amendments::id)
        .select((
            amendments::correction_id,
            amendments::previous_note,
            amendments::note,
            amendments::reason,
            amendments::created_at,
        ))
        .load::<(i64, String, String, String, NaiveDateTime)>(conn)?
    {
        by_correction
            .entry(correction)
            .or_default()
            .push(AmendmentView {
                previous_note,
                note,
                reason,
                created_at: at.and_utc(),
            });
    }
    Ok(rows
        .into_iter()
        .map(|r| CorrectionView {
            id: r.id,
            article_id: r.article_id,
            kind: CorrectionKind::from_db(&r.kind),
            note: r.note,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
            amendments: by_correction.remove(&r.id).unwrap_or_default(),
        })
        .collect())
}

/// The corrections of each of `article_ids`, newest first (two queries at most, whatever the
/// number of articles).
pub fn of_articles(
    conn: &mut Conn,
    article_ids: &[i64],
) -> Result<HashMap<i64, Vec<CorrectionView>>, AppError> {
    let mut out: HashMap<i64, Vec<CorrectionView>> = HashMap::new();
    if article_ids.is_empty() {
        return Ok(out);
    }
    let rows = corrections::table
        .filter(corrections::article_id.eq_any(article_ids))
        .order((corrections::article_id.desc(), corrections::id.desc()))
        .select(CorrectionRow::as_select())
        .load(conn)?;
    for view in views(conn, rows)? {
        out.entry(view.article_id).or_default().push(view);
    }
    Ok(out)
}

fn find(conn: &mut Conn, id: i64) -> Result<Option<CorrectionView>, AppError> {
    let rows = corrections::table
        .find(id)
        .select(CorrectionRow::as_select())
        .load(conn)?;
    Ok(views(conn, rows)?.pop())
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("No correction {id}."))
}

/// The article a correction may be made to: one `user` can see (`404`), who must be an
/// editor (`403`), and public now (`409`).
fn correctable(
    conn: &mut Conn,
    key: &IdOrSlug,
    user: &AuthUser,
    now: NaiveDateTime,
) -> Result<Stored, AppError> {
    let article = service::load_visible(conn, key, Some(user), now)?;
    if !user.is_editor() {
        return Err(AppError::Forbidden(
            "Only editors and admins add or amend corrections.".into(),
        ));
    }
    if !article.is_public_at(now) {
        return Err(AppError::Conflict(format!(
            "Article `{key}` is not public: a correction is a public note on a published \
             story (fix a draft by editing it)."
        )));
    }
    Ok(article)
}

/// The article's `updated_at` moves on with its corrections (feeds and sitemaps show it
/// changed); returns it as stored now, for the webhook.
fn touch(conn: &mut Conn, article: &Stored, now: NaiveDateTime) -> Result<Stored, AppError> {
    diesel::update(articles::table.find(article.row.id))
        .set(articles::updated_at.eq(now))
        .execute(conn)?;
    let mut touched = article.clone();
    touched.row.updated_at = now;
    Ok(touched)
}

/// A new correction.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "correction",
    "note": "An earlier version of this story said 12 militants were killed; the army's figure is 14."
}))]
pub struct CreateCorrection {
    pub kind: CorrectionKind,
    /// 1–2,000 characters of plain text (line breaks allowed).
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// An amendment: the note as it is to read, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "note": "An earlier version of this story said 12 militants were killed; the army's figure is 14, according to the Joint Operations Command.",
    "reason": "Named the source of the figure."
}))]
pub struct AmendCorrection {
    /// The new note, 1–2,000 characters; it must differ from the current one.
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
    /// Why, 1–2,000 characters; shown with the amendment.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Add a correction
///
/// A public note on a published article, shown with it (newest first), listed at
/// `/api/v1/corrections`, marked in the feeds, and announced to webhooks as `article.updated`.
/// Editors and admins; the article must be public (`409`). It can never be deleted, only
/// amended.
#[utoipa::path(
    tag = "articles",
    params(("id_or_slug" = String, Path, description = "The article's id or slug.", example = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14")),
    request_body = CreateCorrection,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The correction.", body = CorrectionView,
         headers(("Location" = String, description = "The correction's URL."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/articles/{id_or_slug}/corrections")]
pub async fn create_correction(
    state: web::Data<AppState>,
    user: AuthUser,
    key: web::Path<String>,
    body: Json<CreateCorrection>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner()?;
    let note = body.note.trim().to_owned();
    let mut errors = Errors::new();
    errors.text("note", &note, 1, MAX_NOTE, true);
    errors.finish()?;
    let key = IdOrSlug::parse(&key);
    let config = state.config.clone();
    let view = db::write(&state.db, move |conn| {
        let now = db::now();
        let article = correctable(conn, &key, &user, now)?;
        let id: i64 = diesel::insert_into(corrections::table)
            .values((
                corrections::article_id.eq(article.row.id),
                corrections::kind.eq(body.kind.as_str()),
                corrections::note.eq(&note),
                corrections::created_by.eq(user.id),
                corrections::created_at.eq(now),
                corrections::updated_at.eq(now),
            ))
            .returning(corrections::id)
            .get_result(conn)?;
        let article = touch(conn, &article, now)?;
        events::article_corrected(conn, &article, &config, now)?;
        find(conn, id)?.ok_or_else(|| not_found(id))
    })
    .await?;
    created(&state.config.public_url, "corrections", view.id, &view)
}

/// Amend a correction
///
/// Replaces the note, keeping what it said before and the reason in its `amendments`, which
/// stay visible with it. Editors and admins; the article must be public (`409`). Announced to
/// webhooks as `article.updated`.
#[utoipa::path(
    tag = "articles",
    params(
        ("id_or_slug" = String, Path, description = "The article's id or slug.", example = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14"),
        ("id" = i64, Path, description = "The correction's id.", example = 4),
        ("If-Match" = Option<String>, Header, description = "Amend only if the correction's ETag (from `GET /api/v1/corrections/{id}`) still matches (else `412`).")
    ),
    request_body = AmendCorrection,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The amended correction.", body = CorrectionView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[patch("/articles/{id_or_slug}/corrections/{id}")]
pub async fn amend_correction(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, i64)>,
    body: Json<AmendCorrection>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner()?;
    let (note, reason) = (body.note.trim().to_owned(), body.reason.trim().to_owned());
    let mut errors = Errors::new();
    errors.text("note", &note, 1, MAX_NOTE, true);
    errors.text("reason", &reason, 1, MAX_NOTE, true);
    errors.finish()?;
    let (key, id) = path.into_inner();
    let key = IdOrSlug::parse(&key);
    let config = state.config.clone();
    let if_match = etag::if_match(&req);
    let view = db::write(&state.db, move |conn| {
        let now = db::now();
        let article = correctable(conn, &key, &user, now)?;
        let current = find(conn, id)?
            .filter(|c| c.article_id == article.row.id)
            .ok_or_else(|| not_found(id))?;
        etag::check_if_match(if_match.as_deref(), &etag::of_json(&current)?)?;
        if current.note == note {
            return Err(AppError::invalid(
                "note",
                "is what the correction says already; an amendment changes it",
            ));
        }
        diesel::insert_into(amendments::table)
            .values((
                amendments::correction_id.eq(id),
                amendments::previous_note.eq(&current.note),
                amendments::note.eq(&note),
                amendments::reason.eq(&reason),
                amendments::amended_by.eq(user.id),
                amendments::created_at.eq(now),
            ))
            .execute(conn)?;
        diesel::update(corrections::table.find(id))
            .set((corrections::note.eq(&note), corrections::updated_at.eq(now)))
            .execute(conn)?;
        let article = touch(conn, &article, now)?;
        events::article_corrected(conn, &article, &config, now)?;
        find(conn, id)?.ok_or_else(|| not_found(id))
    })
    .await?;
    json_response(StatusCode::OK, &view, None, CACHE_PRIVATE)
}

/// The article a listed correction belongs to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorrectedArticle {
    pub id: i64,
    pub slug: String,
    pub title: String,
    /// Its canonical page on the website; `null` without `DATELINE_SITE_URL`.
    pub url: Option<String>,
}

/// A correction with the article it belongs to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListedCorrection {
    #[serde(flatten)]
    pub correction: CorrectionView,
    pub article: CorrectedArticle,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CorrectionFilters {
    /// Only corrections of this kind.
    pub kind: Option<CorrectionKind>,
    /// Only those of this article (id or slug).
    pub article: Option<String>,
}

/// List corrections
///
/// Every correction of every public article, newest first, each with its article (id, slug,
/// title, canonical `url`): a newsroom's public record of what it got wrong.
#[utoipa::path(
    tag = "articles",
    params(PageParams, CorrectionFilters),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "One page of corrections.", body = ListBody<ListedCorrection>,
         headers(
            ("X-Total-Count" = i64, description = "Corrections in the whole filtered list."),
            ("Link" = String, description = "RFC 8288 links: `first`, `prev`, `next`, `last`."),
            ("ETag" = String, description = "Strong entity tag of this page."),
            ("Cache-Control" = String, description = "`public, max-age=60` for anonymous readers, `private, no-store` for staff.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/corrections")]
pub async fn list_corrections(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    Query(paging): Query<PageParams>,
    Query(filters): Query<CorrectionFilters>,
) -> Result<HttpResponse, AppError> {
    let page = paging.validate()?;
    let article = filters
        .article
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(IdOrSlug::parse);
    let kind = filters.kind.map(CorrectionKind::as_str);
    let config = state.config.clone();
    let (items, total) = db::read(&state.db, move |conn| {
        let now = db::now();
        let article_id = match &article {
            None => None,
            Some(key) => match crate::articles::queries::find(conn, key)? {
                Some(row) => Some(row.id),
                None => return Ok((Vec::new(), 0)),
            },
        };
        let filtered = || {
            let mut q = corrections::table
                .inner_join(articles::table)
                .filter(articles::visible_at.le(now))
                .into_boxed();
            if let Some(kind) = kind {
                q = q.filter(corrections::kind.eq(kind));
            }
            if let Some(id) = article_id {
                q = q.filter(corrections::article_id.eq(id));
            }
            q
        };
        let total: i64 = filtered().count().get_result(conn)?;
        let rows = filtered()
            .order((corrections::created_at.desc(), corrections::id.desc()))
            .limit(page.limit())
            .offset(page.offset())
            .select((
                CorrectionRow::as_select(),
                (articles::slug, articles::title, articles::published_at),
            ))
            .load::<(CorrectionRow, (String, String, Option<NaiveDateTime>))>(conn)?;
        let (rows, about): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
        let items = views(conn, rows)?
            .into_iter()
            .zip(about)
            .map(
                |(correction, (slug, title, published_at))| ListedCorrection {
                    article: CorrectedArticle {
                        id: correction.article_id,
                        url: config
                            .site
                            .article(correction.article_id, &slug, published_at),
                        slug,
                        title,
                    },
                    correction,
                },
            )
            .collect::<Vec<_>>();
        Ok((items, total))
    })
    .await?;
    list::page_response(
        &req,
        &state.config.public_url,
        page,
        total,
        items,
        None,
        read_cache(user.0.is_none()),
    )
}

/// Read a correction
///
/// One correction with its amendments, while its article is public (staff who may read the
/// article see it always).
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "The correction's id.", example = 4)),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The correction.", body = CorrectionView,
         headers(
            ("ETag" = String, description = "Strong entity tag."),
            ("Cache-Control" = String, description = "`public, max-age=60` for anonymous readers, `private, no-store` for staff.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
    )
)]
#[get("/corrections/{id}")]
pub async fn get_correction(
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let anonymous = user.0.is_none();
    let view = db::read(&state.db, move |conn| {
        let view = find(conn, id)?.ok_or_else(|| not_found(id))?;
        let key = IdOrSlug::Id(view.article_id, view.article_id.to_string());
        match service::load_visible(conn, &key, user.0.as_ref(), db::now()) {
            Ok(_) => Ok(view),
            Err(AppError::NotFound(_)) => Err(not_found(id)),
            Err(e) => Err(e),
        }
    })
    .await?;
    json_response(StatusCode::OK, &view, None, read_cache(anonymous))
}
