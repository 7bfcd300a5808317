//! `/api/v1/webhooks`: endpoints, their delivery logs, redelivery and ping (admin only).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use diesel::prelude::*;
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{AuthUser, Role};
use crate::db::schema::{webhook_attempts, webhook_deliveries, webhook_events, webhooks};
use crate::db::{self, Conn};
use crate::error::AppError;
use crate::http::list::{self, ListBody, PageParams};
use crate::http::{CACHE_PRIVATE, Json, Query, created, etag, json_response, located};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::state::AppState;
use crate::validate::Errors;
use crate::webhooks::dto::{
    AttemptRow, AttemptView, CreateWebhook, DeliveryFilters, DeliveryRow, DeliveryState,
    DeliveryView, EventType, UpdateWebhook, WebhookRow, WebhookView,
};
use crate::webhooks::{events, guard, sign, worker};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(list_deliveries)
        .service(get_delivery)
        .service(redeliver)
        .service(ping);
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("No webhook {id}."))
}

fn delivery_not_found(webhook_id: i64, id: i64) -> AppError {
    AppError::NotFound(format!("Webhook {webhook_id} has no delivery {id}."))
}

fn find(conn: &mut Conn, id: i64) -> Result<WebhookRow, AppError> {
    webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| not_found(id))
}

/// The most characters of a description.
const MAX_DESCRIPTION: usize = 300;

/// Checks a URL (shape, scheme, and the addresses its name resolves to now), the events and
/// the description; returns the URL as stored.
async fn check(
    state: &AppState,
    url: Option<&str>,
    events: Option<&[EventType]>,
    description: Option<&str>,
) -> Result<Option<String>, AppError> {
    let mut errors = Errors::new();
    let settings = &state.config.webhooks;
    let mut parsed = None;
    if let Some(raw) = url {
        match guard::check_url(raw, settings) {
            Ok(url) => parsed = Some(url),
            Err(why) => errors.add("url", why),
        }
    }
    if events.is_some_and(<[EventType]>::is_empty) {
        errors.add("events", "must name at least one event");
    }
    if let Some(d) = description {
        errors.text("description", d, 0, MAX_DESCRIPTION, false);
    }
    errors.finish()?;
    if let Some(url) = &parsed
        && let Err(why) = guard::check_resolved(url, settings).await
    {
        return Err(AppError::invalid("url", why));
    }
    Ok(parsed.map(|u| u.to_string()))
}

/// List webhooks
///
/// Every endpoint, oldest first. Admin only. Secrets are never shown again after the create.
#[utoipa::path(
    tag = "webhooks",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of endpoints.", body = ListBody<WebhookView>,
         headers(
            ("X-Total-Count" = i64, description = "Endpoints in all."),
            ("Link" = String, description = "RFC 8288 links: `first`, `prev`, `next`, `last`."),
            ("ETag" = String, description = "Strong entity tag of this page.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    Query(paging): Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Admin)?;
    let page = paging.validate()?;
    let (rows, total) = db::read(&state.db, move |conn| {
        let total: i64 = webhooks::table.count().get_result(conn)?;
        let rows = webhooks::table
            .order(webhooks::id)
            .limit(page.limit())
            .offset(page.offset())
            .select(WebhookRow::as_select())
            .load(conn)?;
        Ok((rows, total))
    })
    .await?;
    let data: Vec<WebhookView> = rows.into_iter().map(WebhookView::from).collect();
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

/// Create a webhook
///
/// Admin only. The answer carries the signing `secret` (`whsec_…`), shown this once: every
/// delivery is signed with it as the Standard Webhooks specification says (`webhook-id`,
/// `webhook-timestamp`, `webhook-signature`). The URL must be `https://` and reach the public
/// internet (see `DATELINE_WEBHOOK_ALLOW_HTTP` and `DATELINE_WEBHOOK_ALLOW_PRIVATE`); redirects
/// are not followed.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhook,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The endpoint, with its secret.", body = WebhookView,
         headers(("Location" = String, description = "The new endpoint's URL."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateWebhook>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Admin)?;
    let body = body.into_inner()?;
    let events = body.events.unwrap_or_else(|| {
        EventType::ALL
            .into_iter()
            .filter(|e| *e != EventType::Ping)
            .collect()
    });
    let description = body
        .description
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty());
    let url = check(
        &state,
        Some(&body.url),
        Some(&events),
        description.as_deref(),
    )
    .await?
    .unwrap_or_default();
    let secret = sign::new_secret()?;
    let active = body.active.unwrap_or(true);
    let row = db::write(&state.db, move |conn| {
        let now = db::now();
        let id: i64 = diesel::insert_into(webhooks::table)
            .values((
                webhooks::url.eq(url),
                webhooks::events.eq(EventType::join(&events)),
                webhooks::secret.eq(&secret),
                webhooks::description.eq(description),
                webhooks::active.eq(active),
                webhooks::created_by.eq(user.id),
                webhooks::created_at.eq(now),
                webhooks::updated_at.eq(now),
            ))
            .returning(webhooks::id)
            .get_result(conn)?;
        find(conn, id)
    })
    .await?;
    let secret = row.secret.clone();
    let mut view = WebhookView::from(row);
    view.secret = Some(secret);
    created(&state.config.public_url, "webhooks", view.id, &view)
}

/// Read a webhook
///
/// Admin only. An endpoint disabled for failing carries `disabled_at` and `disabled_reason`.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "The endpoint's id.", example = 1)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoint.", body = WebhookView,
         headers(("ETag" = String, description = "Strong entity tag; send it in `If-Match` to update safely."))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Admin)?;
    let id = id.into_inner();
    let row = db::read(&state.db, move |conn| find(conn, id)).await?;
    json_response(StatusCode::OK, &WebhookView::from(row), None, CACHE_PRIVATE)
}

/// Update a webhook
///
/// Admin only. Absent fields keep their value. `active: true` on an endpoint that was
/// disabled for failing clears its flag and resumes its pending deliveries, in order.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = i64, Path, description = "The endpoint's id.", example = 1),
        ("If-Match" = Option<String>, Header, description = "Apply only if the endpoint's ETag still matches (else `412`).")
    ),
    request_body = UpdateWebhook,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated endpoint.", body = WebhookView,
         headers(("ETag" = String, description = "The endpoint's new entity tag."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: Json<UpdateWebhook>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Admin)?;
    let id = id.into_inner();
    let mut change = body.into_inner()?;
    if let Some(Some(d)) = &mut change.description {
        *d = d.trim().to_owned();
    }
    let description = change.description.clone().flatten();
    let url = check(
        &state,
        change.url.as_deref(),
        change.events.as_deref(),
        description.as_deref(),
    )
    .await?;
    let if_match = etag::if_match(&req);
    let row = db::write(&state.db, move |conn| {
        let now = db::now();
        let current = find(conn, id)?;
        etag::check_if_match(
            if_match.as_deref(),
            &etag::of_json(&WebhookView::from(current.clone()))?,
        )?;
        let target = webhooks::table.find(id);
        if let Some(url) = url {
            diesel::update(target)
                .set(webhooks::url.eq(url))
                .execute(conn)?;
        }
        if let Some(events) = &change.events {
            diesel::update(target)
                .set(webhooks::events.eq(EventType::join(events)))
                .execute(conn)?;
        }
        if let Some(description) = change.description {
            let description = description.filter(|d| !d.is_empty());
            diesel::update(target)
                .set(webhooks::description.eq(description))
                .execute(conn)?;
        }
        match change.active {
            Some(true) if !current.active => {
                // Back in service: the flag goes, and the queue resumes where it stopped.
                diesel::update(target)
                    .set((
                        webhooks::active.eq(true),
                        webhooks::failing_since.eq(None::<chrono::NaiveDateTime>),
                        webhooks::disabled_at.eq(None::<chrono::NaiveDateTime>),
                        webhooks::disabled_reason.eq(None::<String>),
                        webhooks::next_delivery_at.eq(None::<chrono::NaiveDateTime>),
                    ))
                    .execute(conn)?;
                worker::mark_due(conn, &[id], chrono::Utc::now().naive_utc())?;
            }
            Some(false) if current.active => {
                diesel::update(target)
                    .set(webhooks::active.eq(false))
                    .execute(conn)?;
            }
            _ => {}
        }
        diesel::update(target)
            .set(webhooks::updated_at.eq(now))
            .execute(conn)?;
        find(conn, id)
    })
    .await?;
    state.webhook_wake.now();
    json_response(StatusCode::OK, &WebhookView::from(row), None, CACHE_PRIVATE)
}

/// Delete a webhook
///
/// Admin only. The endpoint, its pending deliveries and its delivery log are gone.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = i64, Path, description = "The endpoint's id.", example = 1),
        ("If-Match" = Option<String>, Header, description = "Delete only if the endpoint's ETag still matches (else `412`).")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The endpoint is gone."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Admin)?;
    let id = id.into_inner();
    let if_match = etag::if_match(&req);
    db::write(&state.db, move |conn| {
        let current = find(conn, id)?;
        etag::check_if_match(
            if_match.as_deref(),
            &etag::of_json(&WebhookView::from(current))?,
        )?;
        diesel::delete(webhooks::table.find(id)).execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The views of `rows`, with their events' types and their attempts (two queries).
fn delivery_views(conn: &mut Conn, rows: Vec<DeliveryRow>) -> Result<Vec<DeliveryView>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let event_ids: Vec<i64> = rows.iter().map(|r| r.event_id).collect();
    let types: HashMap<i64, String> = webhook_events::table
        .filter(webhook_events::id.eq_any(&event_ids))
        .select((webhook_events::id, webhook_events::event_type))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let mut attempts: HashMap<i64, Vec<AttemptView>> = HashMap::new();
    for a in webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order((webhook_attempts::delivery_id, webhook_attempts::attempt))
        .select(AttemptRow::as_select())
        .load(conn)?
    {
        attempts
            .entry(a.delivery_id)
            .or_default()
            .push(AttemptView::from(a));
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let event_type = types
                .get(&row.event_id)
                .map_or("", String::as_str)
                .to_owned();
            let tries = attempts.remove(&row.id).unwrap_or_default();
            DeliveryView::new(row, &event_type, tries)
        })
        .collect())
}

/// List a webhook's deliveries
///
/// The delivery log, newest first: each event sent (or to be sent) to this endpoint, with its
/// state and every attempt (status code, latency, the first 1 KB of the answer, or why none
/// came). Kept for 30 days. Admin only.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = i64, Path, description = "The endpoint's id.", example = 1),
        PageParams,
        DeliveryFilters
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the delivery log.", body = ListBody<DeliveryView>,
         headers(
            ("X-Total-Count" = i64, description = "Deliveries in the whole filtered log."),
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
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    Query(paging): Query<PageParams>,
    Query(filters): Query<DeliveryFilters>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Admin)?;
    let page = paging.validate()?;
    let id = id.into_inner();
    let wanted = filters.state.map(DeliveryState::as_str);
    let (views, total) = db::read(&state.db, move |conn| {
        find(conn, id)?;
        let filtered = || {
            let mut q = webhook_deliveries::table
                .filter(webhook_deliveries::webhook_id.eq(id))
                .into_boxed();
            if let Some(s) = wanted {
                q = q.filter(webhook_deliveries::state.eq(s));
            }
            q
        };
        let total: i64 = filtered().count().get_result(conn)?;
        let rows = filtered()
            .order(webhook_deliveries::id.desc())
            .limit(page.limit())
            .offset(page.offset())
            .select(DeliveryRow::as_select())
            .load(conn)?;
        Ok((delivery_views(conn, rows)?, total))
    })
    .await?;
    list::page_response(
        &req,
        &state.config.public_url,
        page,
        total,
        views,
        None,
        CACHE_PRIVATE,
    )
}

fn find_delivery(conn: &mut Conn, webhook_id: i64, id: i64) -> Result<DeliveryRow, AppError> {
    webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .filter(webhook_deliveries::id.eq(id))
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| delivery_not_found(webhook_id, id))
}

fn one_view(conn: &mut Conn, row: DeliveryRow) -> Result<DeliveryView, AppError> {
    delivery_views(conn, vec![row])?
        .pop()
        .ok_or_else(|| AppError::internal("delivery view went missing"))
}

/// Read a delivery
///
/// One delivery of the log, with every attempt. Admin only.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = i64, Path, description = "The endpoint's id.", example = 1),
        ("delivery_id" = i64, Path, description = "The delivery's id.", example = 41)
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The delivery.", body = DeliveryView,
         headers(("ETag" = String, description = "Strong entity tag."))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/webhooks/{id}/deliveries/{delivery_id}")]
pub async fn get_delivery(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Admin)?;
    let (webhook_id, id) = path.into_inner();
    let view = db::read(&state.db, move |conn| {
        let row = find_delivery(conn, webhook_id, id)?;
        one_view(conn, row)
    })
    .await?;
    json_response(StatusCode::OK, &view, None, CACHE_PRIVATE)
}

/// `202` with a delivery just queued, and its `Location`.
fn accepted(public_url: &str, view: &DeliveryView) -> Result<HttpResponse, AppError> {
    let path = format!("webhooks/{}/deliveries/{}", view.webhook_id, view.id);
    located(StatusCode::ACCEPTED, public_url, &path, view)
}

/// `409` for an endpoint that is not active.
fn require_active(row: &WebhookRow) -> Result<(), AppError> {
    if row.active {
        return Ok(());
    }
    Err(AppError::Conflict(format!(
        "Webhook {} is not active{}; make it active (`PATCH` with `\"active\": true`) first.",
        row.id,
        row.disabled_reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default()
    )))
}

/// Queues a new delivery of `event_id` to `webhook_id`, after whatever the endpoint has
/// pending (deliveries to one endpoint go out in order).
fn queue(
    conn: &mut Conn,
    webhook_id: i64,
    event_id: i64,
    redelivery_of: Option<i64>,
) -> Result<DeliveryView, AppError> {
    let now = chrono::Utc::now().naive_utc();
    let id: i64 = diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::webhook_id.eq(webhook_id),
            webhook_deliveries::event_id.eq(event_id),
            webhook_deliveries::state.eq(DeliveryState::Pending.as_str()),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::redelivery_of.eq(redelivery_of),
            webhook_deliveries::created_at.eq(now),
            webhook_deliveries::updated_at.eq(now),
        ))
        .returning(webhook_deliveries::id)
        .get_result(conn)?;
    worker::mark_due(conn, &[webhook_id], now)?;
    let row = find_delivery(conn, webhook_id, id)?;
    one_view(conn, row)
}

/// Redeliver an event
///
/// Sends the delivery's event to this endpoint again, as a new delivery queued after what the
/// endpoint has pending, with the same body and `webhook-id` (so a receiver can tell a
/// repeat) and a fresh signature. Admin only; the endpoint must be active (`409`).
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = i64, Path, description = "The endpoint's id.", example = 1),
        ("delivery_id" = i64, Path, description = "The delivery to send again.", example = 41)
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "The new delivery, queued.", body = DeliveryView,
         headers(("Location" = String, description = "The new delivery's URL."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Admin)?;
    let (webhook_id, id) = path.into_inner();
    let view = db::write(&state.db, move |conn| {
        let endpoint = find(conn, webhook_id)?;
        let original = find_delivery(conn, webhook_id, id)?;
        require_active(&endpoint)?;
        queue(conn, webhook_id, original.event_id, Some(id))
    })
    .await?;
    state.webhook_wake.now();
    accepted(&state.config.public_url, &view)
}

/// Ping a webhook
///
/// Queues a `ping` event for this endpoint alone (whatever events it hears of), to check that
/// it receives and verifies deliveries; its outcome shows in the delivery log. Admin only; the
/// endpoint must be active (`409`).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "The endpoint's id.", example = 1)),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "The ping's delivery, queued.", body = DeliveryView,
         headers(("Location" = String, description = "The delivery's URL."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
#[post("/webhooks/{id}/ping")]
pub async fn ping(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Admin)?;
    let id = id.into_inner();
    let view = db::write(&state.db, move |conn| {
        let endpoint = find(conn, id)?;
        require_active(&endpoint)?;
        let now = chrono::Utc::now().naive_utc();
        let data = json!({"webhook_id": endpoint.id, "url": endpoint.url});
        let event = events::enqueue(conn, EventType::Ping, data, None, Some(id), now)?;
        // Queued here rather than by the worker's fan-out, so the answer can name it.
        diesel::update(webhook_events::table.find(event))
            .set(webhook_events::fanned_out.eq(true))
            .execute(conn)?;
        queue(conn, id, event, None)
    })
    .await?;
    state.webhook_wake.now();
    accepted(&state.config.public_url, &view)
}
