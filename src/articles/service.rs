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
use crate::revisions::{self, Keep};
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

/// The `301` for a slug the article had before, when the caller may read the article under
/// its current one; `None` otherwise (the caller's `404` stands).
pub fn moved(
    conn: &mut Conn,
    key: &slug::IdOrSlug,
    user: Option<&AuthUser>,
    now: NaiveDateTime,
    public_url: &str,
    query: &str,
) -> Result<Option<AppError>, AppError> {
    let Some((id, current)) = queries::moved(conn, key.slug())? else {
        return Ok(None);
    };
    match load_visible(conn, &slug::IdOrSlug::Id(id, id.to_string()), user, now) {
        Ok(_) => Ok(Some(slug::moved(
            "article",
            key.slug(),
            &current,
            public_url,
            &format!("/api/v1/articles/{current}"),
            query,
        ))),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
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
///
/// The steps, each tested on its own: who may set the status ([`target_status`]), the links
/// ([`merged_links`]) and whether what they name exists ([`check_references`]), the workflow's
/// date ([`schedule`]), the body and excerpt ([`body_and_excerpt`]), the slug
/// ([`choose_slug`]); then one write of the row and, if they changed, its links.
///
/// Every save keeps its revision (see [`crate::revisions`]), folded into the caller's latest
/// when it is recent.
pub fn save(
    conn: &mut Conn,
    actor: Option<&AuthUser>,
    current: Option<&Stored>,
    change: UpdateArticle,
    rendered: Option<Rendered>,
    now: NaiveDateTime,
) -> Result<Stored, AppError> {
    save_with(conn, actor, current, change, rendered, now, Keep::Coalesce).map(|(s, _)| s)
}

/// [`save`], keeping the revision as `keep` says; also returns the revision's number.
pub fn save_with(
    conn: &mut Conn,
    actor: Option<&AuthUser>,
    current: Option<&Stored>,
    change: UpdateArticle,
    rendered: Option<Rendered>,
    now: NaiveDateTime,
    keep: Keep,
) -> Result<(Stored, i32), AppError> {
    let before_status = current.map(|c| c.status_at(now));
    let status = target_status(actor, &change, before_status)?;
    let links = merged_links(actor, current, &change);
    let mut errors = Errors::new();
    check_references(conn, &change, &mut errors)?;
    let dated = schedule(
        status,
        before_status,
        change.published_at,
        current.and_then(|c| c.row.published_at),
        change.status.is_some() || change.published_at.is_some(),
        now,
        &mut errors,
    );
    if matches!(status, ArticleStatus::Published | ArticleStatus::Scheduled)
        && links.author_ids.is_empty()
    {
        errors.add(
            "author_ids",
            "an article needs at least one author to be published or scheduled",
        );
    }
    errors.finish()?;

    let title = change
        .title
        .clone()
        .or_else(|| current.map(|c| c.row.title.clone()))
        .unwrap_or_default();
    let text = body_and_excerpt(&change, rendered, current.map(|c| &c.row));
    let slug = choose_slug(
        conn,
        change.slug.as_deref(),
        current.map(|c| &c.row),
        &title,
    )?;
    let fields = ArticleFields {
        slug,
        title,
        subtitle: change
            .subtitle
            .unwrap_or_else(|| current.and_then(|c| c.row.subtitle.clone()))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        excerpt: text.excerpt,
        excerpt_custom: text.excerpt_custom,
        body: text.body,
        body_html: text.html,
        dateline: change
            .dateline
            .unwrap_or_else(|| current.and_then(|c| c.row.dateline.clone())),
        status: dated.status.as_str().to_owned(),
        published_at: dated.published_at,
        word_count: text.word_count,
        reading_time_minutes: text.reading_time_minutes,
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
    let stored = Stored { row, links };
    let revision = revisions::record(conn, &stored, actor.map(|u| u.id), now, keep)?;
    Ok((stored, revision))
}

/// The status the article is to have (given, else kept, else draft), if `actor` may set it
/// and, when the change dates it, may set a publication time.
fn target_status(
    actor: Option<&AuthUser>,
    change: &UpdateArticle,
    before: Option<ArticleStatus>,
) -> Result<ArticleStatus, AppError> {
    let status = change.status.or(before).unwrap_or(ArticleStatus::Draft);
    if let Some(user) = actor {
        policy::require_set_status(user, status == ArticleStatus::Draft)?;
        if change.published_at.is_some() {
            policy::require_set_publication_time(user)?;
        }
    }
    Ok(status)
}

/// The links after the change: given, else kept, else (a new article) the caller's own byline.
fn merged_links(
    actor: Option<&AuthUser>,
    current: Option<&Stored>,
    change: &UpdateArticle,
) -> ArticleLinks {
    let kept = |given: &Option<Vec<i64>>, stored: fn(&ArticleLinks) -> &Vec<i64>| {
        given
            .clone()
            .or_else(|| current.map(|c| stored(&c.links).clone()))
    };
    ArticleLinks {
        author_ids: kept(&change.author_ids, |l| &l.author_ids).unwrap_or_else(|| {
            actor
                .and_then(|u| u.author_id)
                .into_iter()
                .collect::<Vec<_>>()
        }),
        tag_ids: kept(&change.tag_ids, |l| &l.tag_ids).unwrap_or_default(),
        source_ids: kept(&change.source_ids, |l| &l.source_ids).unwrap_or_default(),
    }
}

/// Adds an error for every author, tag, source or feature image the change names that does
/// not exist.
fn check_references(
    conn: &mut Conn,
    change: &UpdateArticle,
    errors: &mut Errors,
) -> Result<(), AppError> {
    if let Some(ids) = &change.author_ids {
        let found = authors::queries::existing_ids(conn, ids)?;
        check_exist(errors, "author_ids", "author", ids, &found);
    }
    if let Some(ids) = &change.tag_ids {
        let found = tags::queries::existing_ids(conn, ids)?;
        check_exist(errors, "tag_ids", "tag", ids, &found);
    }
    if let Some(ids) = &change.source_ids {
        let found = sources::queries::existing_ids(conn, ids)?;
        check_exist(errors, "source_ids", "source", ids, &found);
    }
    if let Some(Some(image)) = change.feature_image_id
        && !crate::images::queries::exists(conn, image)?
    {
        errors.add("feature_image_id", format!("no image with id {image}"));
    }
    Ok(())
}

/// The status as stored and the publication time, after the workflow's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dated {
    status: ArticleStatus,
    published_at: Option<NaiveDateTime>,
}

/// The workflow's date rules: publishing dates the article now unless it is dated already in
/// the past; scheduling needs a future date (a schedule already due, kept untouched, is stored
/// as published); a published or scheduled article's date cannot be cleared. `given` is the
/// change's `published_at`, `stored` the current one, `touched` whether the change sets the
/// status or the date. Refusals go into `errors`.
fn schedule(
    status: ArticleStatus,
    before: Option<ArticleStatus>,
    given: Option<Option<DateTime<Utc>>>,
    stored: Option<NaiveDateTime>,
    touched: bool,
    now: NaiveDateTime,
    errors: &mut Errors,
) -> Dated {
    let given_date = given.map(|d| d.map(stored_time));
    let mut published_at = given_date.unwrap_or(stored);
    let mut stored_status = status;
    // Publishing with `published_at: null` means now, as leaving it out does; clearing the
    // date of what is already published or scheduled is refused.
    let was_dated = matches!(
        before,
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
            Some(t) if t <= now && touched => errors.add(
                "published_at",
                "must be in the future to schedule an article",
            ),
            Some(t) if t <= now => stored_status = ArticleStatus::Published,
            Some(_) => {}
        },
        ArticleStatus::Draft | ArticleStatus::Archived => {}
    }
    Dated {
        status: stored_status,
        published_at,
    }
}

/// The body as stored with its rendering and counts, and the excerpt.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Text {
    body: String,
    html: String,
    word_count: i32,
    reading_time_minutes: i32,
    excerpt: String,
    excerpt_custom: bool,
}

/// The body (new, with its `rendered` form, or kept) and the excerpt: a custom one given or
/// kept, else derived from the body.
fn body_and_excerpt(
    change: &UpdateArticle,
    rendered: Option<Rendered>,
    current: Option<&ArticleRow>,
) -> Text {
    let (body, html, word_count, reading_time_minutes, auto_excerpt) = match (rendered, current) {
        (Some(r), _) => (
            change.body.clone().unwrap_or_default(),
            r.html,
            r.word_count,
            r.reading_time_minutes,
            r.excerpt,
        ),
        (None, Some(c)) => (
            c.body.clone(),
            c.body_html.clone(),
            c.word_count,
            c.reading_time_minutes,
            // Derived anew only when a custom excerpt is dropped for the automatic one.
            if c.excerpt_custom && change.excerpt == Some(None) {
                render::excerpt(&render::plain_text(&c.body))
            } else {
                c.excerpt.clone()
            },
        ),
        (None, None) => (String::new(), String::new(), 0, 0, String::new()),
    };
    let (excerpt, excerpt_custom) = match &change.excerpt {
        Some(Some(e)) => (e.clone(), true),
        Some(None) => (auto_excerpt, false),
        None => match current {
            Some(c) if c.excerpt_custom => (c.excerpt.clone(), true),
            _ => (auto_excerpt, false),
        },
    };
    Text {
        body,
        html,
        word_count,
        reading_time_minutes,
        excerpt,
        excerpt_custom,
    }
}

/// The slug: kept unless a new one is asked for; an explicit one must be free, else one is
/// made from the title (numbered if taken).
fn choose_slug(
    conn: &mut Conn,
    explicit: Option<&str>,
    current: Option<&ArticleRow>,
    title: &str,
) -> Result<String, AppError> {
    match (explicit, current) {
        (None, Some(c)) => Ok(c.slug.clone()),
        (explicit, _) => {
            let except = current.map(|c| c.id);
            slug::choose(
                conn,
                explicit,
                title,
                "article",
                queries::taken_slugs,
                |conn, s| queries::slug_taken(conn, s, except),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use chrono::TimeZone;
    use diesel::connection::SimpleConnection;

    fn user(role: Role, author_id: Option<i64>) -> AuthUser {
        AuthUser {
            id: 7,
            role,
            author_id,
            session_id: 1,
        }
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn row(excerpt: &str, custom: bool) -> ArticleRow {
        ArticleRow {
            id: 3,
            slug: "qaim-strike".into(),
            title: "Jets strike a workshop in Qaim".into(),
            subtitle: None,
            excerpt: excerpt.into(),
            excerpt_custom: custom,
            body: "Iraqi jets struck a workshop near Qaim.".into(),
            body_html: "<p>Iraqi jets struck a workshop near Qaim.</p>".into(),
            dateline: Some("Qaim".into()),
            status: "published".into(),
            published_at: Some(at("2026-12-01 08:00:00")),
            visible_at: Some(at("2026-12-01 08:00:00")),
            word_count: 7,
            reading_time_minutes: 1,
            comments_enabled: true,
            comment_count: 0,
            created_by: Some(7),
            created_at: at("2026-12-01 07:00:00"),
            updated_at: at("2026-12-01 07:00:00"),
            feature_image_id: None,
        }
    }

    #[test]
    fn authors_keep_drafts_and_editors_set_any_status_and_date() {
        let author = user(Role::Author, Some(1));
        let editor = user(Role::Editor, None);
        let draft = UpdateArticle::default();
        assert_eq!(
            target_status(Some(&author), &draft, None).unwrap(),
            ArticleStatus::Draft
        );
        let publish = UpdateArticle {
            status: Some(ArticleStatus::Published),
            ..Default::default()
        };
        assert!(matches!(
            target_status(Some(&author), &publish, None),
            Err(AppError::Forbidden(_))
        ));
        // Kept, not given: an author editing a published article still needs an editor.
        assert!(target_status(Some(&author), &draft, Some(ArticleStatus::Published)).is_err());
        let dated = UpdateArticle {
            published_at: Some(Some(Utc::now())),
            ..Default::default()
        };
        assert!(target_status(Some(&author), &dated, None).is_err());
        assert_eq!(
            target_status(Some(&editor), &publish, None).unwrap(),
            ArticleStatus::Published
        );
        // The system (the demo seed) is not asked.
        assert_eq!(
            target_status(None, &publish, None).unwrap(),
            ArticleStatus::Published
        );
    }

    #[test]
    fn links_are_given_else_kept_else_the_callers_byline() {
        let me = user(Role::Author, Some(4));
        let fresh = merged_links(Some(&me), None, &UpdateArticle::default());
        assert_eq!(fresh.author_ids, [4]);
        assert!(fresh.tag_ids.is_empty() && fresh.source_ids.is_empty());
        let stored = Stored {
            row: row("x", false),
            links: ArticleLinks {
                author_ids: vec![1, 2],
                tag_ids: vec![5],
                source_ids: vec![9],
            },
        };
        let change = UpdateArticle {
            tag_ids: Some(vec![6, 5]),
            ..Default::default()
        };
        let merged = merged_links(Some(&me), Some(&stored), &change);
        assert_eq!(merged.author_ids, [1, 2]);
        assert_eq!(merged.tag_ids, [6, 5]);
        assert_eq!(merged.source_ids, [9]);
        let cleared = UpdateArticle {
            author_ids: Some(Vec::new()),
            ..Default::default()
        };
        assert!(
            merged_links(Some(&me), None, &cleared)
                .author_ids
                .is_empty()
        );
    }

    #[test]
    fn the_workflow_dates_publishing_and_refuses_bad_schedules() {
        let now = at("2026-12-03 12:00:00");
        let later = Utc.with_ymd_and_hms(2026, 12, 4, 9, 30, 0).unwrap();
        let earlier = at("2026-12-01 08:00:00");
        let run = |status, before, given, stored, touched| {
            let mut errors = Errors::new();
            let dated = schedule(status, before, given, stored, touched, now, &mut errors);
            (dated, errors.finish().is_ok())
        };
        use ArticleStatus::*;
        // Publishing an undated draft dates it now; a past date is kept.
        let (d, ok) = run(Published, Some(Draft), None, None, true);
        assert!(ok);
        assert_eq!((d.status, d.published_at), (Published, Some(now)));
        let (d, _) = run(Published, Some(Draft), None, Some(earlier), true);
        assert_eq!(d.published_at, Some(earlier));
        // `published_at: null` on a draft means now; on a published article it is refused.
        assert_eq!(
            run(Published, Some(Draft), Some(None), None, true)
                .0
                .published_at,
            Some(now)
        );
        assert!(!run(Published, Some(Published), Some(None), Some(earlier), true).1);
        // A future date is for scheduling, which needs one in the future.
        assert!(!run(Published, Some(Draft), Some(Some(later)), None, true).1);
        let (d, ok) = run(Scheduled, Some(Draft), Some(Some(later)), None, true);
        assert!(ok);
        assert_eq!(d.published_at, Some(later.naive_utc()));
        assert!(!run(Scheduled, Some(Draft), None, None, true).1);
        assert!(!run(Scheduled, Some(Draft), None, Some(earlier), true).1);
        // A schedule fallen due, left untouched, is stored as published.
        let (d, ok) = run(Scheduled, Some(Scheduled), None, Some(earlier), false);
        assert!(ok);
        assert_eq!(d.status, Published);
        // Drafts and archived articles keep whatever date they have.
        assert_eq!(
            run(Archived, Some(Published), None, Some(earlier), true)
                .0
                .published_at,
            Some(earlier)
        );
    }

    #[test]
    fn a_date_with_a_fraction_of_a_second_is_rounded_up() {
        let t = Utc.with_ymd_and_hms(2026, 12, 4, 9, 30, 0).unwrap()
            + chrono::Duration::milliseconds(100);
        assert_eq!(stored_time(t), at("2026-12-04 09:30:01"));
    }

    #[test]
    fn the_excerpt_is_custom_given_or_kept_else_derived_from_the_body() {
        let rendered = || Rendered {
            html: "<p>New body.</p>".into(),
            excerpt: "New body.".into(),
            word_count: 2,
            reading_time_minutes: 1,
        };
        let new_body = UpdateArticle {
            body: Some("New body.".into()),
            ..Default::default()
        };
        let custom = row("Written by hand.", true);
        // A new body keeps a custom excerpt, replaces a derived one.
        let t = body_and_excerpt(&new_body, Some(rendered()), Some(&custom));
        assert_eq!((t.body.as_str(), t.word_count), ("New body.", 2));
        assert_eq!(
            (t.excerpt.as_str(), t.excerpt_custom),
            ("Written by hand.", true)
        );
        let derived = row("Iraqi jets struck a workshop near Qaim.", false);
        let t = body_and_excerpt(&new_body, Some(rendered()), Some(&derived));
        assert_eq!((t.excerpt.as_str(), t.excerpt_custom), ("New body.", false));
        // Dropping the custom excerpt derives one from the stored body.
        let drop = UpdateArticle {
            excerpt: Some(None),
            ..Default::default()
        };
        let t = body_and_excerpt(&drop, None, Some(&custom));
        assert_eq!(t.excerpt, "Iraqi jets struck a workshop near Qaim.");
        assert!(!t.excerpt_custom);
        assert_eq!(t.html, custom.body_html);
        // A new article without a body has an empty one.
        let t = body_and_excerpt(&UpdateArticle::default(), None, None);
        assert_eq!((t.body.as_str(), t.excerpt.as_str()), ("", ""));
    }

    /// A migrated database holding one author, one tag and the article `qaim-strike`.
    fn database() -> (tempfile::TempDir, crate::db::DbPool) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        crate::db::migrate(&path).unwrap();
        let pool = crate::db::open_pool(&path, 1).unwrap();
        pool.get()
            .unwrap()
            .batch_execute(
                "INSERT INTO authors (id, name, slug, created_at, updated_at) \
                 VALUES (1, 'Sara Ahmed', 'sara-ahmed', '2026-12-01 00:00:00', '2026-12-01 00:00:00');
                 INSERT INTO tags (id, name, slug, created_at, updated_at) \
                 VALUES (5, 'Islamic State', 'islamic-state', '2026-12-01 00:00:00', '2026-12-01 00:00:00');",
            )
            .unwrap();
        let change = UpdateArticle {
            title: Some("Qaim strike".into()),
            ..Default::default()
        };
        save(
            &mut pool.get().unwrap(),
            None,
            None,
            change,
            None,
            at("2026-12-01 09:00:00"),
        )
        .unwrap();
        (dir, pool)
    }

    #[test]
    fn references_to_missing_rows_are_named() {
        let (_dir, pool) = database();
        let conn = &mut *pool.get().unwrap();
        let change = UpdateArticle {
            author_ids: Some(vec![1, 2]),
            tag_ids: Some(vec![5]),
            source_ids: Some(vec![8]),
            feature_image_id: Some(Some(3)),
            ..Default::default()
        };
        let mut errors = Errors::new();
        check_references(conn, &change, &mut errors).unwrap();
        let AppError::Validation { errors, .. } = errors.finish().unwrap_err() else {
            panic!("not a validation error");
        };
        let said: Vec<(String, String)> =
            errors.into_iter().map(|e| (e.field, e.message)).collect();
        assert_eq!(
            said,
            [
                ("author_ids".to_owned(), "no author with id 2".to_owned()),
                ("source_ids".to_owned(), "no source with id 8".to_owned()),
                (
                    "feature_image_id".to_owned(),
                    "no image with id 3".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn slugs_are_kept_derived_unique_or_refused_when_taken() {
        let (_dir, pool) = database();
        let conn = &mut *pool.get().unwrap();
        let stored = load(conn, &slug::IdOrSlug::parse("qaim-strike"))
            .unwrap()
            .unwrap();
        assert_eq!(
            choose_slug(conn, None, Some(&stored.row), "Another title").unwrap(),
            "qaim-strike"
        );
        assert_eq!(
            choose_slug(conn, None, None, "Qaim Strike!").unwrap(),
            "qaim-strike-2"
        );
        assert!(matches!(
            choose_slug(conn, Some("qaim-strike"), None, "x"),
            Err(AppError::Conflict(_))
        ));
        // Its own slug is not taken from itself.
        assert_eq!(
            choose_slug(conn, Some("qaim-strike"), Some(&stored.row), "x").unwrap(),
            "qaim-strike"
        );
    }
}
