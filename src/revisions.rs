//! Revisions: the editorial state of an article after each save (title, subtitle, excerpt,
//! body, dateline, byline, tags, sources, feature image, status, publication time, slug), who
//! saved it and when. Saves by one user within two minutes of a revision's first save fold into
//! it, unless the status changed: an autosaving editor makes one revision every two minutes,
//! not one per keystroke. A save that changes nothing editorial makes none.
//!
//! Staff who may edit an article list its revisions, read one, and restore one: its content
//! (not its status, publication time or slug, which are the workflow's and the URL's) becomes
//! the article's again, as a new revision that names the one it restored.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::articles::dto::{ArticleStatus, UpdateArticle};
use crate::articles::handlers::{may_edit, prepare};
use crate::articles::service::{self, Stored};
use crate::auth::AuthUser;
use crate::db::schema::article_revisions as revisions;
use crate::db::{self, Conn};
use crate::error::AppError;
use crate::http::list::{self, ListBody, PageParams};
use crate::http::{CACHE_PRIVATE, Query, json_response, located};
use crate::openapi::{BadRequest, Forbidden, NotFound, Unauthorized, Unprocessable};
use crate::slug::IdOrSlug;
use crate::state::AppState;
use crate::webhooks::events;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_revisions)
        .service(get_revision)
        .service(restore_revision);
}

/// Saves by one user within this long of a revision's first save fold into it.
pub const COALESCE_SECONDS: i64 = 120;

/// How a save keeps its revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Fold into the latest revision when the same user made it within two minutes at the
    /// same status; else a new one.
    Coalesce,
    /// Always a new revision, restoring revision `n`.
    Restored(i32),
}

/// A revision as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = revisions)]
pub struct RevisionRow {
    pub id: i64,
    pub article_id: i64,
    pub number: i32,
    pub user_id: Option<i64>,
    pub saves: i32,
    pub restored_from: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    #[diesel(embed)]
    pub content: Snapshot,
}

/// The editorial state a revision keeps.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, AsChangeset, Insertable)]
#[diesel(table_name = revisions)]
pub struct Snapshot {
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: String,
    pub excerpt_custom: bool,
    pub body: String,
    pub dateline: Option<String>,
    pub feature_image_id: Option<i64>,
    /// JSON arrays of ids, in order.
    pub author_ids: String,
    pub tag_ids: String,
    pub source_ids: String,
}

fn ids_text(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

fn ids_of(text: &str) -> Vec<i64> {
    serde_json::from_str(text).unwrap_or_default()
}

impl Snapshot {
    fn of(stored: &Stored) -> Self {
        let row = &stored.row;
        Self {
            status: row.status.clone(),
            published_at: row.published_at,
            slug: row.slug.clone(),
            title: row.title.clone(),
            subtitle: row.subtitle.clone(),
            excerpt: row.excerpt.clone(),
            excerpt_custom: row.excerpt_custom,
            body: row.body.clone(),
            dateline: row.dateline.clone(),
            feature_image_id: row.feature_image_id,
            author_ids: ids_text(&stored.links.author_ids),
            tag_ids: ids_text(&stored.links.tag_ids),
            source_ids: ids_text(&stored.links.source_ids),
        }
    }
}

fn latest(conn: &mut Conn, article_id: i64) -> Result<Option<RevisionRow>, AppError> {
    Ok(revisions::table
        .filter(revisions::article_id.eq(article_id))
        .order(revisions::number.desc())
        .select(RevisionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Keeps the revision of a save of `stored` by `user_id` at `now`; returns its number.
pub fn record(
    conn: &mut Conn,
    stored: &Stored,
    user_id: Option<i64>,
    now: NaiveDateTime,
    keep: Keep,
) -> Result<i32, AppError> {
    let snapshot = Snapshot::of(stored);
    let last = latest(conn, stored.row.id)?;
    if let (Some(last), Keep::Coalesce) = (&last, keep) {
        let previous = &last.content;
        if *previous == snapshot {
            return Ok(last.number);
        }
        let same_hand = user_id.is_some() && last.user_id == user_id;
        let recent = (now - last.created_at).num_seconds() < COALESCE_SECONDS;
        // A restore stays exactly what it restored: later saves start a revision of their own.
        let restore = last.restored_from.is_some();
        if same_hand && recent && !restore && previous.status == snapshot.status {
            diesel::update(revisions::table.find(last.id))
                .set((
                    &snapshot,
                    revisions::updated_at.eq(now),
                    revisions::saves.eq(last.saves + 1),
                ))
                .execute(conn)?;
            return Ok(last.number);
        }
    }
    let number = last.map_or(1, |l| l.number + 1);
    diesel::insert_into(revisions::table)
        .values((
            &snapshot,
            revisions::article_id.eq(stored.row.id),
            revisions::number.eq(number),
            revisions::user_id.eq(user_id),
            revisions::saves.eq(1),
            revisions::restored_from.eq(match keep {
                Keep::Restored(n) => Some(n),
                Keep::Coalesce => None,
            }),
            revisions::created_at.eq(now),
            revisions::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(number)
}

/// One revision of an article.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "number": 3, "article_id": 1, "user_id": 2, "saves": 4, "restored_from": null,
    "created_at": "2017-11-01T09:10:00Z", "updated_at": "2017-11-01T09:11:40Z",
    "status": "draft", "published_at": null,
    "slug": "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14",
    "title": "Iraqi jets strike IS bomb workshop in Qaim, killing 14",
    "subtitle": null, "excerpt": "Iraqi fighter jets destroyed a workshop…",
    "body": "Iraqi fighter jets destroyed a workshop…", "dateline": "Qaim",
    "feature_image_id": 7, "author_ids": [3], "tag_ids": [1, 4], "source_ids": [1, 2]
}))]
pub struct RevisionView {
    /// 1 for the article's first revision.
    #[schema(example = 3)]
    pub number: i32,
    pub article_id: i64,
    /// Who saved it (`null` for the system, or an account since deleted).
    pub user_id: Option<i64>,
    /// How many saves folded into it.
    #[schema(example = 1)]
    pub saves: i32,
    /// The revision whose content this one restored.
    pub restored_from: Option<i32>,
    /// Its first save.
    pub created_at: DateTime<Utc>,
    /// Its last save.
    pub updated_at: DateTime<Utc>,
    /// The status as stored then.
    pub status: ArticleStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: String,
    pub body: String,
    pub dateline: Option<String>,
    pub feature_image_id: Option<i64>,
    pub author_ids: Vec<i64>,
    pub tag_ids: Vec<i64>,
    pub source_ids: Vec<i64>,
}

impl From<RevisionRow> for RevisionView {
    fn from(row: RevisionRow) -> Self {
        let r = row.content;
        Self {
            number: row.number,
            article_id: row.article_id,
            user_id: row.user_id,
            saves: row.saves,
            restored_from: row.restored_from,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            status: ArticleStatus::from_db(&r.status),
            published_at: r.published_at.map(|t| t.and_utc()),
            author_ids: ids_of(&r.author_ids),
            tag_ids: ids_of(&r.tag_ids),
            source_ids: ids_of(&r.source_ids),
            slug: r.slug,
            title: r.title,
            subtitle: r.subtitle,
            excerpt: r.excerpt,
            body: r.body,
            dateline: r.dateline,
            feature_image_id: r.feature_image_id,
        }
    }
}

fn find(conn: &mut Conn, article_id: i64, number: i32) -> Result<RevisionRow, AppError> {
    revisions::table
        .filter(revisions::article_id.eq(article_id))
        .filter(revisions::number.eq(number))
        .select(RevisionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            AppError::NotFound(format!("Article {article_id} has no revision {number}."))
        })
}

/// Revision `number` of the article `key`, if `user` may edit the article (`404`/`403` as
/// for editing it), with the article.
fn editable(
    conn: &mut Conn,
    key: &IdOrSlug,
    user: &AuthUser,
    number: i32,
) -> Result<(Stored, RevisionRow), AppError> {
    let article = may_edit(conn, key, user, db::now())?;
    let revision = find(conn, article.row.id, number)?;
    Ok((article, revision))
}

/// List an article's revisions
///
/// Newest first, each with the full editorial state it kept. Staff who may edit the article
/// (`404` for an article the caller may not see, `403` for one they may see but not edit).
#[utoipa::path(
    tag = "articles",
    params(
        ("id_or_slug" = String, Path, description = "The article's id or slug.", example = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14"),
        PageParams
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of revisions.", body = ListBody<RevisionView>,
         headers(
            ("X-Total-Count" = i64, description = "The article's revisions."),
            ("Link" = String, description = "RFC 8288 links: `first`, `prev`, `next`, `last`."),
            ("ETag" = String, description = "Strong entity tag of this page.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/articles/{id_or_slug}/revisions")]
pub async fn list_revisions(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    key: web::Path<String>,
    Query(paging): Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    let page = paging.validate()?;
    let key = IdOrSlug::parse(&key);
    let (rows, total) = db::read(&state.db, move |conn| {
        let article = may_edit(conn, &key, &user, db::now())?;
        let of_article = revisions::table.filter(revisions::article_id.eq(article.row.id));
        let total: i64 = of_article.count().get_result(conn)?;
        let rows = of_article
            .order(revisions::number.desc())
            .limit(page.limit())
            .offset(page.offset())
            .select(RevisionRow::as_select())
            .load(conn)?;
        Ok((rows, total))
    })
    .await?;
    let data: Vec<RevisionView> = rows.into_iter().map(RevisionView::from).collect();
    list::page_response(
        &req,
        &state.config.public_url,
        page,
        total,
        data,
        None,
        CACHE_PRIVATE,
    )
}

/// Read a revision
///
/// One revision of an article, by its number. Staff who may edit the article.
#[utoipa::path(
    tag = "articles",
    params(
        ("id_or_slug" = String, Path, description = "The article's id or slug.", example = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14"),
        ("n" = i32, Path, description = "The revision's number.", example = 3)
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The revision.", body = RevisionView,
         headers(("ETag" = String, description = "Strong entity tag."))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/articles/{id_or_slug}/revisions/{n}")]
pub async fn get_revision(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (key, number) = path.into_inner();
    let key = IdOrSlug::parse(&key);
    let row = db::read(&state.db, move |conn| {
        editable(conn, &key, &user, number).map(|(_, revision)| revision)
    })
    .await?;
    json_response(
        StatusCode::OK,
        &RevisionView::from(row),
        None,
        CACHE_PRIVATE,
    )
}

/// The change that puts `r`'s content back: title, subtitle, excerpt (a derived one derived
/// again), body, dateline, feature image and links, leaving out what no longer exists.
fn restoring(conn: &mut Conn, r: &Snapshot) -> Result<UpdateArticle, AppError> {
    let keep = |wanted: Vec<i64>, found: Vec<i64>| -> Vec<i64> {
        wanted.into_iter().filter(|id| found.contains(id)).collect()
    };
    let authors = ids_of(&r.author_ids);
    let tags = ids_of(&r.tag_ids);
    let sources = ids_of(&r.source_ids);
    let image = match r.feature_image_id {
        Some(id) if crate::images::queries::exists(conn, id)? => Some(id),
        _ => None,
    };
    Ok(UpdateArticle {
        title: Some(r.title.clone()),
        subtitle: Some(r.subtitle.clone()),
        excerpt: Some(r.excerpt_custom.then(|| r.excerpt.clone())),
        body: Some(r.body.clone()),
        dateline: Some(r.dateline.clone()),
        feature_image_id: Some(image),
        author_ids: Some(keep(
            authors.clone(),
            crate::authors::queries::existing_ids(conn, &authors)?,
        )),
        tag_ids: Some(keep(
            tags.clone(),
            crate::tags::queries::existing_ids(conn, &tags)?,
        )),
        source_ids: Some(keep(
            sources.clone(),
            crate::sources::queries::existing_ids(conn, &sources)?,
        )),
        ..UpdateArticle::default()
    })
}

/// Restore a revision
///
/// Makes revision `n`'s content (title, subtitle, excerpt, body, dateline, feature image,
/// byline, tags and sources; authors, tags, sources and images deleted since are left out) the
/// article's again, as a new revision naming `n` in `restored_from`. The status, publication
/// time and slug stay as they are. Staff who may edit the article; a public article's change
/// is announced to webhooks as `article.updated`.
#[utoipa::path(
    tag = "articles",
    params(
        ("id_or_slug" = String, Path, description = "The article's id or slug.", example = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14"),
        ("n" = i32, Path, description = "The revision to restore.", example = 3)
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new revision, holding the restored content.", body = RevisionView,
         headers(("Location" = String, description = "The new revision's URL."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/articles/{id_or_slug}/revisions/{n}/restore")]
pub async fn restore_revision(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (key, number) = path.into_inner();
    let key = IdOrSlug::parse(&key);
    let (k, u) = (key.clone(), user.clone());
    let change = db::read(&state.db, move |conn| {
        let (_, revision) = editable(conn, &k, &u, number)?;
        restoring(conn, &revision.content)
    })
    .await;
    let prepared = prepare(change).await?;
    let config = state.config.clone();
    let row = db::write(&state.db, move |conn| {
        let now = db::now();
        let current = may_edit(conn, &key, &user, now)?;
        let (change, rendered) = prepared;
        let (stored, n) = service::save_with(
            conn,
            Some(&user),
            Some(&current),
            change,
            rendered,
            now,
            Keep::Restored(number),
        )?;
        events::article_changed(conn, Some(&current), Some(&stored), &config, now)?;
        find(conn, stored.row.id, n)
    })
    .await?;
    let view = RevisionView::from(row);
    let path = format!("articles/{}/revisions/{}", view.article_id, view.number);
    located(StatusCode::CREATED, &state.config.public_url, &path, &view)
}
