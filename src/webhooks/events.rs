//! The outbox: each event is written in the transaction of the change that causes it, so
//! that what commits is announced (a crash before the send only delays it) and what rolls back
//! is not. The worker ([`super::worker`]) fans events out to endpoints and sends them.

use chrono::{NaiveDateTime, SecondsFormat};
use diesel::dsl::exists;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::articles::dto::ArticleStatus;
use crate::articles::handlers::{Include, view_of};
use crate::articles::service::Stored;
use crate::comments::dto::CommentView;
use crate::comments::models::CommentRow;
use crate::config::Config;
use crate::db::Conn;
use crate::db::schema::{webhook_events, webhooks};
use crate::error::AppError;
use crate::webhooks::dto::EventType;

/// Writes one event: the body `{"type","timestamp","data"}` as it will be sent, due at `at`
/// (now, or later for a publication scheduled then), for every endpoint that hears of its
/// type, or only for `webhook_id`.
pub fn enqueue(
    conn: &mut Conn,
    event: EventType,
    data: Value,
    article_id: Option<i64>,
    webhook_id: Option<i64>,
    at: NaiveDateTime,
) -> Result<i64, AppError> {
    let body = json!({
        "type": event.as_str(),
        "timestamp": at.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true),
        "data": data,
    });
    let now = crate::db::now();
    Ok(diesel::insert_into(webhook_events::table)
        .values((
            webhook_events::event_type.eq(event.as_str()),
            webhook_events::article_id.eq(article_id),
            webhook_events::webhook_id.eq(webhook_id),
            webhook_events::payload.eq(body.to_string()),
            webhook_events::created_at.eq(now),
            webhook_events::due_at.eq(at.max(now)),
            webhook_events::fanned_out.eq(false),
        ))
        .returning(webhook_events::id)
        .get_result(conn)?)
}

/// Whether any endpoint exists: without one, no event of the moment is kept (an endpoint hears
/// of what happens after it was made). A publication scheduled for later is kept regardless:
/// whoever listens when it falls due hears of it.
fn any_endpoint(conn: &mut Conn) -> Result<bool, AppError> {
    Ok(diesel::select(exists(webhooks::table.select(webhooks::id))).get_result(conn)?)
}

/// The article as the public API shows it at `at` (its status as readers see it then).
fn article_data(
    conn: &mut Conn,
    stored: &Stored,
    config: &Config,
    at: NaiveDateTime,
) -> Result<Value, AppError> {
    let view = view_of(conn, stored.clone(), Include::default(), false, config, at)?;
    serde_json::to_value(view).map_err(AppError::internal)
}

/// Whether two views of an article differ in more than their `updated_at`.
fn differs(mut before: Value, mut after: Value) -> bool {
    for v in [&mut before, &mut after] {
        if let Some(o) = v.as_object_mut() {
            o.remove("updated_at");
        }
    }
    before != after
}

/// The events of an article's change from `before` (`None`: created) to `after` (`None`:
/// deleted) at `now`: `article.published` when it became public, `article.updated` when a
/// public article changed, `article.unpublished` when it stopped being public,
/// `article.scheduled` when it was scheduled (or rescheduled) for later, and then
/// `article.published` due at that time. An announcement of a publication still to come is
/// taken back by any later change, which announces it again if it still stands; it is kept
/// even while no endpoint exists (one made before it falls due hears of it). Events of the
/// moment are kept only when some endpoint exists.
pub fn article_changed(
    conn: &mut Conn,
    before: Option<&Stored>,
    after: Option<&Stored>,
    config: &Config,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let Some(id) = before.or(after).map(|s| s.row.id) else {
        return Ok(());
    };
    diesel::delete(
        webhook_events::table
            .filter(webhook_events::article_id.eq(id))
            .filter(webhook_events::fanned_out.eq(false))
            .filter(webhook_events::event_type.eq(EventType::ArticlePublished.as_str()))
            .filter(webhook_events::due_at.gt(now)),
    )
    .execute(conn)?;
    let listening = any_endpoint(conn)?;
    let was = before.is_some_and(|s| s.is_public_at(now));
    let is = after.is_some_and(|s| s.is_public_at(now));
    match (before, after) {
        _ if !listening => {}
        (_, Some(a)) if is && !was => {
            let data = article_data(conn, a, config, now)?;
            enqueue(conn, EventType::ArticlePublished, data, Some(id), None, now)?;
        }
        (Some(b), Some(a)) if is && was => {
            let data = article_data(conn, a, config, now)?;
            if differs(article_data(conn, b, config, now)?, data.clone()) {
                enqueue(conn, EventType::ArticleUpdated, data, Some(id), None, now)?;
            }
        }
        (Some(b), after) if was && !is => {
            let data = article_data(conn, after.unwrap_or(b), config, now)?;
            enqueue(
                conn,
                EventType::ArticleUnpublished,
                data,
                Some(id),
                None,
                now,
            )?;
        }
        _ => {}
    }
    if let Some(a) = after
        && a.status_at(now) == ArticleStatus::Scheduled
        && let Some(at) = a.row.published_at
    {
        let same_schedule = before.is_some_and(|b| {
            b.status_at(now) == ArticleStatus::Scheduled && b.row.published_at == Some(at)
        });
        if !same_schedule && listening {
            let data = article_data(conn, a, config, now)?;
            enqueue(conn, EventType::ArticleScheduled, data, Some(id), None, now)?;
        }
        let data = article_data(conn, a, config, at)?;
        enqueue(conn, EventType::ArticlePublished, data, Some(id), None, at)?;
    }
    Ok(())
}

/// `article.updated` for a public article that got (or had amended) a correction, whatever
/// else changed.
pub fn article_corrected(
    conn: &mut Conn,
    article: &Stored,
    config: &Config,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if !article.is_public_at(now) || !any_endpoint(conn)? {
        return Ok(());
    }
    let data = article_data(conn, article, config, now)?;
    enqueue(
        conn,
        EventType::ArticleUpdated,
        data,
        Some(article.row.id),
        None,
        now,
    )?;
    Ok(())
}

/// `events` about the comment `row` (as the public API shows a comment, without its email),
/// timed `at`.
fn comment_events(
    conn: &mut Conn,
    events: &[EventType],
    row: &CommentRow,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let data = serde_json::to_value(CommentView::from(row.clone())).map_err(AppError::internal)?;
    for event in events {
        enqueue(conn, *event, data.clone(), None, None, at)?;
    }
    Ok(())
}

/// `comment.created` for a new comment, and `comment.approved` too when it is approved at
/// once (posted by staff).
pub fn comment_created(conn: &mut Conn, row: &CommentRow) -> Result<(), AppError> {
    if !any_endpoint(conn)? {
        return Ok(());
    }
    let events: &[EventType] = if row.status == "approved" {
        &[EventType::CommentCreated, EventType::CommentApproved]
    } else {
        &[EventType::CommentCreated]
    };
    comment_events(conn, events, row, row.created_at)
}

/// `comment.approved` when moderation approved a comment that was not approved before.
pub fn comment_moderated(
    conn: &mut Conn,
    before_status: &str,
    row: &CommentRow,
) -> Result<(), AppError> {
    if row.status != "approved" || before_status == "approved" || !any_endpoint(conn)? {
        return Ok(());
    }
    comment_events(conn, &[EventType::CommentApproved], row, row.updated_at)
}
