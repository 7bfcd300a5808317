//! Writing articles: the rules that span several queries (slugs, links, the status workflow,
//! who may do what) in one place, shared by the API and the demo seed.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

use crate::articles::dto::{ArticleLinks, ArticleStatus, UpdateArticle};
use crate::articles::models::{ArticleFields, ArticleRow, NewArticle};
use crate::articles::queries;
use crate::articles::render::{self, Rendered};
use crate::auth::AuthUser;
use crate::auth::policy::{self, ArticleOwners};
use crate::db::Conn;
use crate::error::AppError;
use crate::validate::Errors;
use crate::{authors, slug, sources, tags};

/// The most bytes of Markdown an article body may have.
pub const MAX_BODY_BYTES: usize = 1_000_000;

/// An article as stored, with its links.
#[derive(Debug, Clone)]
pub struct Stored {
    pub row: ArticleRow,
    pub links: ArticleLinks,
}

impl Stored {
    pub fn owners(&self) -> ArticleOwners<'_> {
        ArticleOwners {
            created_by: self.row.created_by,
            author_ids: &self.links.author_ids,
        }
    }

    /// The status readers see at `now` (a due scheduled article is published).
    pub fn status_at(&self, now: NaiveDateTime) -> ArticleStatus {
        ArticleStatus::at(&self.row, now)
    }

    pub fn is_public_at(&self, now: NaiveDateTime) -> bool {
        self.status_at(now) == ArticleStatus::Published
    }
}

/// The article named by `key` with its links.
pub fn load(conn: &mut Conn, key: &slug::IdOrSlug) -> Result<Option<Stored>, AppError> {
    let Some(row) = queries::find(conn, key)? else {
        return Ok(None);
    };
    let links = queries::links(conn, &[row.id])?
        .remove(&row.id)
        .unwrap_or_default();
    Ok(Some(Stored { row, links }))
}

/// The `404` for an article that does not exist (or that the caller may not see).
pub fn not_found(key: &slug::IdOrSlug) -> AppError {
    AppError::NotFound(format!("No article `{key}`."))
}

/// The article named by `key` if `user` may see it (else `404`: an article one may not see
/// does not exist for them).
pub fn load_visible(
    conn: &mut Conn,
    key: &slug::IdOrSlug,
    user: Option<&AuthUser>,
    now: NaiveDateTime,
) -> Result<Stored, AppError> {
    let stored = load(conn, key)?.ok_or_else(|| not_found(key))?;
    if stored.is_public_at(now) || policy::may_read_unpublished(user, stored.owners()) {
        Ok(stored)
    } else {
        Err(not_found(key))
    }
}

/// Checks a change's fields on their own (lengths, shapes), before any rule that needs the
/// stored article.
pub fn validate(change: &mut UpdateArticle) -> Result<(), AppError> {
    let mut e = Errors::new();
    if let Some(title) = &mut change.title {
        *title = title.trim().to_owned();
        e.text("title", title, 1, 300, false);
    }
    if let Some(slug) = &change.slug {
        e.slug("slug", slug);
    }
    if let Some(Some(subtitle)) = &change.subtitle {
        e.text("subtitle", subtitle, 0, 300, false);
    }
    if let Some(Some(excerpt)) = &change.excerpt {
        e.text("excerpt", excerpt, 1, 1000, true);
    }
    if let Some(body) = &change.body {
        if body.len() > MAX_BODY_BYTES {
            e.add(
                "body",
                format!("must be at most {MAX_BODY_BYTES} bytes of Markdown"),
            );
        } else if render::nesting(body) > render::MAX_NESTING {
            e.add(
                "body",
                format!("nests more than {} levels deep", render::MAX_NESTING),
            );
        } else if body
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            e.add("body", "must not contain control characters");
        }
    }
    if let Some(Some(dateline)) = &mut change.dateline {
        *dateline = dateline.trim().to_owned();
        e.text("dateline", dateline, 1, 100, false);
    }
    for (field, ids) in [
        ("author_ids", &change.author_ids),
        ("tag_ids", &change.tag_ids),
        ("source_ids", &change.source_ids),
    ] {
        if let Some(ids) = ids {
            e.ids(field, ids);
            if ids.len() > 100 {
                e.add(field, "lists at most 100 ids");
            }
        }
    }
    e.finish()
}

/// `422` naming the ids in `wanted` that `existing` lacks.
fn check_exist(errors: &mut Errors, field: &str, what: &str, wanted: &[i64], existing: &[i64]) {
    let missing: Vec<String> = wanted
        .iter()
        .filter(|id| !existing.contains(id))
        .map(ToString::to_string)
        .collect();
    if !missing.is_empty() {
        errors.add(field, format!("no {what} with id {}", missing.join(", ")));
    }
}

/// A time as stored: whole seconds, rounded up (a moment "0.9 s from now" is still in the
/// future once stored).
fn stored_time(t: DateTime<Utc>) -> NaiveDateTime {
    let whole = t.naive_utc().trunc_subsecs(0);
    if whole < t.naive_utc() {
        whole + chrono::Duration::seconds(1)
    } else {
        whole
    }
}

/// Creates (`current` is `None`) or changes an article. `change` has passed [`validate`];
/// `rendered` is the rendering of `change.body`, made before the write transaction began.
/// `actor` is `None` for the system (the demo seed).
pub fn save(
    conn: &mut Conn,
    actor: Option<&AuthUser>,
    current: Option<&Stored>,
    change: UpdateArticle,
    rendered: Option<Rendered>,
    now: NaiveDateTime,
) -> Result<Stored, AppError> {
    let before_status = current.map(|c| c.status_at(now));
    let status = change
        .status
        .or(before_status)
        .unwrap_or(ArticleStatus::Draft);
    if let Some(user) = actor {
        policy::require_set_status(user, status == ArticleStatus::Draft)?;
        if change.published_at.is_some() {
            policy::require_set_publication_time(user)?;
        }
    }

    let mut errors = Errors::new();
    let title = change
        .title
        .clone()
        .or_else(|| current.map(|c| c.row.title.clone()))
        .unwrap_or_default();

    // Links: given, else kept, else (new article) the caller's own byline.
    let default_authors = || {
        actor
            .and_then(|u| u.author_id)
            .into_iter()
            .collect::<Vec<_>>()
    };
    let links = ArticleLinks {
        author_ids: change
            .author_ids
            .clone()
            .or_else(|| current.map(|c| c.links.author_ids.clone()))
            .unwrap_or_else(default_authors),
        tag_ids: change
            .tag_ids
            .clone()
            .or_else(|| current.map(|c| c.links.tag_ids.clone()))
            .unwrap_or_default(),
        source_ids: change
            .source_ids
            .clone()
            .or_else(|| current.map(|c| c.links.source_ids.clone()))
            .unwrap_or_default(),
    };
    if let Some(ids) = &change.author_ids {
        check_exist(
            &mut errors,
            "author_ids",
            "author",
            ids,
            &authors::queries::existing_ids(conn, ids)?,
        );
    }
    if let Some(ids) = &change.tag_ids {
        check_exist(
            &mut errors,
            "tag_ids",
            "tag",
            ids,
            &tags::queries::existing_ids(conn, ids)?,
        );
    }
    if let Some(ids) = &change.source_ids {
        check_exist(
            &mut errors,
            "source_ids",
            "source",
            ids,
            &sources::queries::existing_ids(conn, ids)?,
        );
    }
    if let Some(Some(image)) = change.feature_image_id
        && !crate::images::queries::exists(conn, image)?
    {
        errors.add("feature_image_id", format!("no image with id {image}"));
    }

    // The status workflow and its date.
    let given_date = change.published_at.map(|d| d.map(stored_time));
    let mut published_at = given_date.unwrap_or_else(|| current.and_then(|c| c.row.published_at));
    let touched_schedule = change.status.is_some() || change.published_at.is_some();
    let mut stored_status = status;
    // Publishing with `published_at: null` means now, as leaving it out does; clearing the
    // date of what is already published or scheduled is refused.
    let was_dated = matches!(
        before_status,
        Some(ArticleStatus::Published | ArticleStatus::Scheduled)
    );
    match status {
        ArticleStatus::Published | ArticleStatus::Scheduled
            if given_date == Some(None) && was_dated =>
        {
            errors.add(
                "published_at",
                "cannot be cleared while the article is published or scheduled",
            )
        }
        ArticleStatus::Published => match published_at {
            Some(t) if t > now && given_date.is_some() => errors.add(
                "published_at",
                "a published article cannot be dated in the future; schedule it instead \
                 (status `scheduled`)",
            ),
            Some(t) if t <= now => {}
            _ => published_at = Some(now),
        },
        ArticleStatus::Scheduled => match published_at {
            None => errors.add("published_at", "is required to schedule an article"),
            Some(t) if t <= now && touched_schedule => errors.add(
                "published_at",
                "must be in the future to schedule an article",
            ),
            Some(t) if t <= now => stored_status = ArticleStatus::Published,
            Some(_) => {}
        },
        ArticleStatus::Draft | ArticleStatus::Archived => {}
    }
    if matches!(status, ArticleStatus::Published | ArticleStatus::Scheduled)
        && links.author_ids.is_empty()
    {
        errors.add(
            "author_ids",
            "an article needs at least one author to be published or scheduled",
        );
    }
    errors.finish()?;

    // Body, its rendering, and the excerpt (custom, or derived from the body).
    let (body, html, word_count, reading_time_minutes, auto_excerpt) = match (rendered, current) {
        (Some(r), _) => (
            change.body.clone().unwrap_or_default(),
            r.html,
            r.word_count,
            r.reading_time_minutes,
            r.excerpt,
        ),
        (None, Some(c)) => (
            c.row.body.clone(),
            c.row.body_html.clone(),
            c.row.word_count,
            c.row.reading_time_minutes,
            // Derived anew only when a custom excerpt is dropped for the automatic one.
            if c.row.excerpt_custom && change.excerpt == Some(None) {
                render::excerpt(&render::plain_text(&c.row.body))
            } else {
                c.row.excerpt.clone()
            },
        ),
        (None, None) => (String::new(), String::new(), 0, 0, String::new()),
    };
    let (excerpt, excerpt_custom) = match change.excerpt {
        Some(Some(e)) => (e, true),
        Some(None) => (auto_excerpt, false),
        None => match current {
            Some(c) if c.row.excerpt_custom => (c.row.excerpt.clone(), true),
            _ => (auto_excerpt, false),
        },
    };

    let slug = match (&change.slug, current) {
        (None, Some(c)) => c.row.slug.clone(),
        (explicit, _) => {
            let except = current.map(|c| c.row.id);
            slug::choose(
                conn,
                explicit.as_deref(),
                &title,
                "article",
                queries::taken_slugs,
                |conn, s| queries::slug_taken(conn, s, except),
            )?
        }
    };

    let fields = ArticleFields {
        slug,
        title,
        subtitle: change
            .subtitle
            .unwrap_or_else(|| current.and_then(|c| c.row.subtitle.clone()))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        excerpt,
        excerpt_custom,
        body,
        body_html: html,
        dateline: change
            .dateline
            .unwrap_or_else(|| current.and_then(|c| c.row.dateline.clone())),
        status: stored_status.as_str().to_owned(),
        published_at,
        word_count,
        reading_time_minutes,
        comments_enabled: change
            .comments_enabled
            .or(current.map(|c| c.row.comments_enabled))
            .unwrap_or(true),
        feature_image_id: change
            .feature_image_id
            .unwrap_or_else(|| current.and_then(|c| c.row.feature_image_id)),
        updated_at: now,
    };
    let row = match current {
        Some(c) => queries::update(conn, c.row.id, &fields)?,
        None => queries::insert(
            conn,
            &NewArticle {
                fields,
                created_by: actor.map(|u| u.id),
                created_at: now,
            },
        )?,
    };
    match current {
        None => queries::insert_links(conn, row.id, row.visible_at, &links)?,
        Some(c) if c.links != links => queries::set_links(conn, row.id, row.visible_at, &links)?,
        Some(_) => {}
    }
    Ok(Stored { row, links })
}
