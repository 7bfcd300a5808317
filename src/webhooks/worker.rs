//! The delivery worker, one per node: fans due events out to the endpoints that hear of them,
//! then sends each endpoint's deliveries in order, signed, retrying failures with exponential
//! backoff and jitter until the endpoint has failed for the whole retry window, when it is
//! disabled and flagged.
//!
//! Endpoints are claimed with a lease (`webhooks.lease_until`; on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`), so that with several nodes each endpoint is served by one node at
//! a time and each delivery goes out once. A node that dies mid-send leaves its lease to run
//! out; another node (or the same one, restarted) then sends the delivery again: an event is
//! delivered at least once, and its `webhook-id` lets a receiver drop a repeat.
//!
//! Each endpoint is served by a task of its own: a slow endpoint delays only itself, and the
//! API never waits for any of them.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};
use tokio::sync::Notify;
use url::{Host, Url};

use crate::config::WebhookSettings;
use crate::db::schema::{webhook_attempts, webhook_deliveries, webhook_events, webhooks};
use crate::db::{self, Conn, DbPool};
use crate::error::AppError;
use crate::webhooks::dto::{EventType, message_id};
use crate::webhooks::guard::{self, GuardedResolver};
use crate::webhooks::sign;

/// How often the worker looks for work when nothing wakes it.
const POLL: Duration = Duration::from_secs(1);
/// Events fanned out per transaction.
const FAN_OUT_BATCH: i64 = 200;
/// Endpoints served at once by one node.
const MAX_ENDPOINTS: usize = 32;
/// What a lease adds to the attempt's timeout (the time to record the outcome).
const LEASE_MARGIN: Duration = Duration::from_secs(10);
/// A retry due within this long is waited for by the endpoint's task, which keeps its lease;
/// a later one gives the endpoint back until then.
const WAIT_IN_TASK: Duration = Duration::from_secs(2);
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// The bytes of an answer kept in the delivery log.
const KEEP_BYTES: usize = 1024;
/// How long events and their delivery logs are kept.
const RETENTION_DAYS: i64 = 30;
/// The advisory lock PostgreSQL nodes take to fan out (one at a time, so that deliveries are
/// numbered in the events' order); next to the write and migration locks of `db::postgres`.
const FAN_OUT_LOCK: i64 = 0x6461_7465_6c69_6e65 + 2;

/// Wakes the worker (a write that queued an event, a redelivery, a ping).
#[derive(Clone, Default)]
pub struct Wake(Arc<Notify>);

impl Wake {
    pub fn now(&self) {
        self.0.notify_one();
    }
}

/// One node's delivery worker.
pub struct Worker {
    pool: DbPool,
    client: reqwest::Client,
    settings: WebhookSettings,
    wake: Wake,
    /// The endpoints this node's tasks are serving.
    serving: Mutex<HashSet<i64>>,
    /// This worker's lease token (`webhooks.lease_owner`): a task that finds another token
    /// there lost its lease (it ran out, and another node took the endpoint), and stops.
    owner: String,
}

/// The client deliveries go out with: no redirects followed, no proxy from the environment,
/// the attempt timeout, and the guarded resolver.
pub fn client(settings: &WebhookSettings) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .user_agent(concat!("Dateline-Webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(GuardedResolver {
            allow_private: settings.allow_private,
        }))
        .build()
        .map_err(|e| format!("cannot build the webhook client: {e}"))
}

impl Worker {
    /// A worker reaching the database through `pool` (its own: its statements are not the
    /// requests').
    pub fn new(pool: DbPool, settings: WebhookSettings, wake: Wake) -> Result<Self, String> {
        let mut token = [0_u8; 16];
        getrandom::fill(&mut token).map_err(|e| format!("getrandom: {e}"))?;
        Ok(Self {
            owner: hex::encode(token),
            client: client(&settings)?,
            pool,
            settings,
            wake,
            serving: Mutex::new(HashSet::new()),
        })
    }

    /// Runs until the runtime stops.
    pub async fn run(self: Arc<Self>) {
        let mut pruned: Option<Instant> = None;
        loop {
            if let Err(e) = self.fan_out().await {
                tracing::warn!(error = %e, "webhooks: cannot fan events out");
            }
            match self.claim().await {
                Ok(ids) => {
                    for id in ids {
                        actix_web::rt::spawn(self.clone().serve(id));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "webhooks: cannot claim endpoints"),
            }
            if pruned.is_none_or(|t| t.elapsed() > Duration::from_secs(3600)) {
                pruned = Some(Instant::now());
                if let Err(e) = self.prune().await {
                    tracing::warn!(error = %e, "webhooks: cannot prune old events");
                }
            }
            let _ = tokio::time::timeout(POLL, self.wake.0.notified()).await;
        }
    }

    async fn aside<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        db::transaction_aside(&self.pool, f).await
    }

    /// Gives every due event a delivery for each active endpoint that hears of it (a ping
    /// only its own endpoint), in the events' order.
    async fn fan_out(&self) -> Result<(), AppError> {
        loop {
            let now = Utc::now().naive_utc();
            let due = webhook_events::table
                .filter(webhook_events::fanned_out.eq(false))
                .filter(webhook_events::due_at.le(now));
            // A look first, so that an idle node never takes SQLite's write lock.
            let pool = self.pool.clone();
            let any = actix_web::web::block(move || -> Result<bool, AppError> {
                let mut conn = pool.get()?;
                Ok(
                    diesel::select(diesel::dsl::exists(due.select(webhook_events::id)))
                        .get_result(&mut conn)?,
                )
            })
            .await??;
            if !any {
                return Ok(());
            }
            let fanned = self
                .aside(move |conn| {
                    if conn.is_postgres() && !try_lock(conn, FAN_OUT_LOCK)? {
                        return Ok(0);
                    }
                    // And the content writers' lock, as SQLite's single writer has it: a change
                    // to an article whose publication falls due now either commits before this
                    // fan-out sees the announcement, or starts after it (and sees it fanned).
                    if let Conn::Postgres(pg) = conn {
                        crate::db::postgres::take_write_lock(pg)?;
                    }
                    fan_out_batch(conn, Utc::now().naive_utc().max(now))
                })
                .await?;
            if fanned < FAN_OUT_BATCH {
                return Ok(());
            }
        }
    }

    /// Leases the endpoints whose next delivery is due and that no node is serving.
    async fn claim(&self) -> Result<Vec<i64>, AppError> {
        let free = MAX_ENDPOINTS.saturating_sub(self.serving_count());
        if free == 0 {
            return Ok(Vec::new());
        }
        let now = Utc::now().naive_utc();
        let lease = now + chrono::Duration::from_std(self.lease()).unwrap_or_default();
        let serving: Vec<i64> = self.serving_ids();
        let owner = self.owner.clone();
        let pool = self.pool.clone();
        let any = actix_web::web::block(move || -> Result<bool, AppError> {
            let mut conn = pool.get()?;
            let claimable = webhooks::table
                .filter(webhooks::active.eq(true))
                .filter(webhooks::next_delivery_at.le(now))
                .filter(
                    webhooks::lease_until
                        .is_null()
                        .or(webhooks::lease_until.lt(now)),
                );
            Ok(
                diesel::select(diesel::dsl::exists(claimable.select(webhooks::id)))
                    .get_result(&mut conn)?,
            )
        })
        .await??;
        if !any {
            return Ok(Vec::new());
        }
        let claimed = self
            .aside(move |conn| {
                #[derive(QueryableByName)]
                struct Id {
                    #[diesel(sql_type = BigInt)]
                    id: i64,
                }
                let lock = if conn.is_postgres() {
                    " FOR UPDATE SKIP LOCKED"
                } else {
                    ""
                };
                let sql = format!(
                    "SELECT id FROM webhooks WHERE active = TRUE AND next_delivery_at <= ? \
                     AND (lease_until IS NULL OR lease_until < ?) \
                     ORDER BY next_delivery_at, id LIMIT ?{lock}"
                );
                let ids: Vec<i64> = diesel::sql_query(conn.placeholders(&sql).into_owned())
                    .bind::<Timestamp, _>(now)
                    .bind::<Timestamp, _>(now)
                    .bind::<BigInt, _>(i64::try_from(free).unwrap_or(1))
                    .load::<Id>(conn)?
                    .into_iter()
                    .map(|r| r.id)
                    .filter(|id| !serving.contains(id))
                    .collect();
                diesel::update(webhooks::table.filter(webhooks::id.eq_any(&ids)))
                    .set((
                        webhooks::lease_until.eq(lease),
                        webhooks::lease_owner.eq(owner),
                    ))
                    .execute(conn)?;
                Ok(ids)
            })
            .await?;
        let mut serving = self.serving.lock().unwrap_or_else(|e| e.into_inner());
        Ok(claimed
            .into_iter()
            .filter(|id| serving.insert(*id))
            .collect())
    }

    fn serving_count(&self) -> usize {
        self.serving.lock().map_or(MAX_ENDPOINTS, |s| s.len())
    }

    fn serving_ids(&self) -> Vec<i64> {
        self.serving
            .lock()
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    /// How long a lease lasts: an attempt and the time to record it.
    fn lease(&self) -> Duration {
        self.settings.timeout + LEASE_MARGIN
    }

    /// Sends `webhook_id`'s deliveries in order while they are due, then gives the endpoint
    /// back.
    async fn serve(self: Arc<Self>, webhook_id: i64) {
        let _serving = Serving(&self.serving, webhook_id);
        loop {
            let lease = self.lease();
            let owner = self.owner.clone();
            let head = self
                .aside(move |conn| head(conn, webhook_id, &owner, lease))
                .await;
            let head = match head {
                Ok(Some(head)) => head,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(webhook = webhook_id, error = %e, "webhooks: cannot read the next delivery");
                    return;
                }
            };
            let wait = (head.next_attempt_at - Utc::now().naive_utc())
                .to_std()
                .unwrap_or_default();
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            let outcome = self.send(&head).await;
            let settings = self.settings.clone();
            let owner = self.owner.clone();
            let recorded = self
                .aside(move |conn| record(conn, &head, &outcome, &owner, lease, &settings))
                .await;
            match recorded {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => {
                    tracing::warn!(webhook = webhook_id, error = %e, "webhooks: cannot record an attempt");
                    return;
                }
            }
        }
    }

    /// One attempt at `head`.
    async fn send(&self, head: &Head) -> Outcome {
        let started = Utc::now().naive_utc();
        let clock = Instant::now();
        let finish = |status: Option<u16>, body: Option<String>, error: Option<String>| Outcome {
            started,
            latency_ms: i32::try_from(clock.elapsed().as_millis()).unwrap_or(i32::MAX),
            succeeded: status.is_some_and(|s| (200..300).contains(&s)),
            status: status.map(i32::from),
            body,
            error,
        };
        let url = match self.allowed(&head.url) {
            Ok(url) => url,
            Err(why) => return finish(None, None, Some(why)),
        };
        let id = message_id(head.event_id);
        let timestamp = Utc::now().timestamp();
        let Some(signature) =
            sign::signature(&head.secret, &id, timestamp, head.payload.as_bytes())
        else {
            return finish(None, None, Some("the endpoint's secret is damaged".into()));
        };
        let sent = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(head.payload.clone())
            .send()
            .await;
        match sent {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let mut kept: Vec<u8> = Vec::new();
                while kept.len() < KEEP_BYTES {
                    match response.chunk().await {
                        Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                        _ => break,
                    }
                }
                kept.truncate(KEEP_BYTES);
                finish(Some(status), Some(storable(&kept)), None)
            }
            Err(e) => finish(None, None, Some(storable(self.describe(&e).as_bytes()))),
        }
    }

    /// The endpoint's URL if it may be sent to now (the settings may have changed since it was
    /// saved; an address given as such is not resolved, so it is checked here).
    fn allowed(&self, raw: &str) -> Result<Url, String> {
        let url = Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
        if url.scheme() == "http" && !self.settings.allow_http {
            return Err("plain http:// is not allowed (DATELINE_WEBHOOK_ALLOW_HTTP)".into());
        }
        if !self.settings.allow_private {
            let ip = match url.host() {
                Some(Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
                Some(Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
                _ => None,
            };
            if let Some(ip) = ip.filter(|ip| !guard::is_public(*ip)) {
                return Err(format!("{ip} is an address webhooks may not reach"));
            }
        }
        Ok(url)
    }

    fn describe(&self, e: &reqwest::Error) -> String {
        if e.is_timeout() {
            return format!("no answer within {} s", self.settings.timeout.as_secs_f32());
        }
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        let mut said = Vec::new();
        while let Some(s) = source {
            if let Some(refused) = s.downcast_ref::<guard::Refused>() {
                return refused.0.clone();
            }
            said.push(s.to_string());
            source = s.source();
        }
        said.join(": ")
    }

    /// Forgets events older than the retention period whose deliveries are all settled.
    async fn prune(&self) -> Result<(), AppError> {
        let before = Utc::now().naive_utc() - chrono::Duration::days(RETENTION_DAYS);
        self.aside(move |conn| {
            let pending = webhook_deliveries::table
                .filter(webhook_deliveries::event_id.eq(webhook_events::id))
                .filter(webhook_deliveries::state.eq("pending"));
            diesel::delete(
                webhook_events::table
                    .filter(webhook_events::fanned_out.eq(true))
                    .filter(webhook_events::created_at.lt(before))
                    .filter(diesel::dsl::not(diesel::dsl::exists(
                        pending.select(webhook_deliveries::id),
                    ))),
            )
            .execute(conn)?;
            Ok(())
        })
        .await
    }
}

/// Bytes as text a database column takes: UTF-8 (lossy) without NUL, which PostgreSQL's `TEXT`
/// refuses.
fn storable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace('\0', "\u{fffd}")
}

/// Takes an endpoint off this node's list when its task ends, however it ends.
struct Serving<'a>(&'a Mutex<HashSet<i64>>, i64);

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        if let Ok(mut s) = self.0.lock() {
            s.remove(&self.1);
        }
    }
}

/// Takes the transaction-scoped advisory lock `key` if it is free.
fn try_lock(conn: &mut Conn, key: i64) -> Result<bool, AppError> {
    #[derive(QueryableByName)]
    struct Taken {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        taken: bool,
    }
    Ok(
        diesel::sql_query(format!("SELECT pg_try_advisory_xact_lock({key}) AS taken"))
            .get_result::<Taken>(conn)?
            .taken,
    )
}

/// Fans out up to [`FAN_OUT_BATCH`] events due at `now`; returns how many.
fn fan_out_batch(conn: &mut Conn, now: NaiveDateTime) -> Result<i64, AppError> {
    let events: Vec<(i64, String, Option<i64>)> = webhook_events::table
        .filter(webhook_events::fanned_out.eq(false))
        .filter(webhook_events::due_at.le(now))
        .order((webhook_events::due_at, webhook_events::id))
        .limit(FAN_OUT_BATCH)
        .select((
            webhook_events::id,
            webhook_events::event_type,
            webhook_events::webhook_id,
        ))
        .load(conn)?;
    if events.is_empty() {
        return Ok(0);
    }
    let endpoints: Vec<(i64, String)> = webhooks::table
        .filter(webhooks::active.eq(true))
        .select((webhooks::id, webhooks::events))
        .load(conn)?;
    let hears: Vec<(i64, Vec<EventType>)> = endpoints
        .into_iter()
        .map(|(id, events)| (id, EventType::list(&events)))
        .collect();
    let mut touched: Vec<i64> = Vec::new();
    for (event_id, event_type, only) in &events {
        let targets: Vec<i64> = match (only, EventType::parse(event_type)) {
            (Some(only), _) => hears
                .iter()
                .filter(|(id, _)| id == only)
                .map(|(id, _)| *id)
                .collect(),
            (None, Some(kind)) => hears
                .iter()
                .filter(|(_, events)| events.contains(&kind))
                .map(|(id, _)| *id)
                .collect(),
            (None, None) => Vec::new(),
        };
        for webhook_id in targets {
            diesel::insert_into(webhook_deliveries::table)
                .values((
                    webhook_deliveries::webhook_id.eq(webhook_id),
                    webhook_deliveries::event_id.eq(event_id),
                    webhook_deliveries::state.eq("pending"),
                    webhook_deliveries::attempts.eq(0),
                    webhook_deliveries::next_attempt_at.eq(now),
                    webhook_deliveries::created_at.eq(now),
                    webhook_deliveries::updated_at.eq(now),
                ))
                .execute(conn)?;
            if !touched.contains(&webhook_id) {
                touched.push(webhook_id);
            }
        }
    }
    mark_due(conn, &touched, now)?;
    let ids: Vec<i64> = events.iter().map(|(id, _, _)| *id).collect();
    diesel::update(webhook_events::table.filter(webhook_events::id.eq_any(&ids)))
        .set(webhook_events::fanned_out.eq(true))
        .execute(conn)?;
    Ok(i64::try_from(ids.len()).unwrap_or(FAN_OUT_BATCH))
}

/// Tells the worker that `webhook_ids` have a delivery due at `now` (unless an earlier one,
/// or a retry's backoff, is already set: the head of the queue decides).
pub fn mark_due(conn: &mut Conn, webhook_ids: &[i64], now: NaiveDateTime) -> Result<(), AppError> {
    if webhook_ids.is_empty() {
        return Ok(());
    }
    diesel::update(
        webhooks::table
            .filter(webhooks::id.eq_any(webhook_ids))
            .filter(webhooks::next_delivery_at.is_null()),
    )
    .set(webhooks::next_delivery_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// The delivery at the head of an endpoint's queue, with what sending it takes.
#[derive(Debug, Clone)]
struct Head {
    webhook_id: i64,
    delivery_id: i64,
    event_id: i64,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    payload: String,
    url: String,
    secret: String,
    failing_since: Option<NaiveDateTime>,
}

/// The head of `webhook_id`'s queue if it is due (or due within [`WAIT_IN_TASK`]), with the
/// lease extended to cover it; otherwise the endpoint is given back, its next due moment
/// noted, and `None`.
fn head(
    conn: &mut Conn,
    webhook_id: i64,
    owner: &str,
    lease: Duration,
) -> Result<Option<Head>, AppError> {
    let now = Utc::now().naive_utc();
    if conn.is_postgres() {
        // The endpoint's row, locked: a fan-out noting a new delivery waits for this decision.
        // `FOR UPDATE`, not `FOR NO KEY UPDATE`: a fan-out's new delivery takes `KEY SHARE` on
        // this row through its foreign key, and must wait here. Otherwise it could commit a
        // delivery this transaction did not see, while its `mark_due` (which skips a row whose
        // `next_delivery_at` is set) skipped the row, and the release below would then leave
        // that delivery with no due time. (Seen in the tests when this was `NO KEY UPDATE`.)
        diesel::sql_query("SELECT id FROM webhooks WHERE id = $1 FOR UPDATE")
            .bind::<BigInt, _>(webhook_id)
            .execute(conn)?;
    }
    type Endpoint = (bool, String, String, Option<NaiveDateTime>, Option<String>);
    let endpoint: Option<Endpoint> = webhooks::table
        .find(webhook_id)
        .select((
            webhooks::active,
            webhooks::url,
            webhooks::secret,
            webhooks::failing_since,
            webhooks::lease_owner,
        ))
        .first(conn)
        .optional()?;
    let Some((active, url, secret, failing_since, holder)) = endpoint else {
        return Ok(None);
    };
    if holder.as_deref() != Some(owner) {
        // The lease ran out and another worker holds the endpoint now: it goes on from here.
        return Ok(None);
    }
    let release = |conn: &mut Conn, next: Option<NaiveDateTime>| -> Result<(), AppError> {
        diesel::update(webhooks::table.find(webhook_id))
            .set((
                webhooks::next_delivery_at.eq(next),
                webhooks::lease_until.eq(None::<NaiveDateTime>),
                webhooks::lease_owner.eq(None::<String>),
            ))
            .execute(conn)?;
        Ok(())
    };
    let next: Option<(i64, i64, i32, NaiveDateTime, String)> = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .filter(webhook_deliveries::state.eq("pending"))
        .order(webhook_deliveries::id)
        .select((
            webhook_deliveries::id,
            webhook_deliveries::event_id,
            webhook_deliveries::attempts,
            webhook_deliveries::next_attempt_at,
            webhook_events::payload,
        ))
        .first(conn)
        .optional()?;
    let Some((delivery_id, event_id, attempts, next_attempt_at, payload)) = next else {
        release(conn, None)?;
        return Ok(None);
    };
    if !active {
        release(conn, Some(next_attempt_at))?;
        return Ok(None);
    }
    let soon = now + chrono::Duration::from_std(WAIT_IN_TASK).unwrap_or_default();
    if next_attempt_at > soon {
        release(conn, Some(next_attempt_at))?;
        return Ok(None);
    }
    let until = next_attempt_at.max(now) + chrono::Duration::from_std(lease).unwrap_or_default();
    diesel::update(webhooks::table.find(webhook_id))
        .set(webhooks::lease_until.eq(until))
        .execute(conn)?;
    Ok(Some(Head {
        webhook_id,
        delivery_id,
        event_id,
        attempts,
        next_attempt_at,
        payload,
        url,
        secret,
        failing_since,
    }))
}

/// What one attempt came to.
#[derive(Debug, Clone)]
struct Outcome {
    started: NaiveDateTime,
    latency_ms: i32,
    succeeded: bool,
    status: Option<i32>,
    body: Option<String>,
    error: Option<String>,
}

/// Logs the attempt and moves the delivery on: delivered; or due again after a backoff; or,
/// when the endpoint has now failed for the whole retry window, failed, with the endpoint
/// disabled and flagged. Returns whether the endpoint's task goes on.
fn record(
    conn: &mut Conn,
    head: &Head,
    outcome: &Outcome,
    owner: &str,
    lease: Duration,
    settings: &WebhookSettings,
) -> Result<bool, AppError> {
    let now = Utc::now().naive_utc();
    let mut attempt = head.attempts + 1;
    // Still ours? (Renewed for a whole lease: the next head decides what comes next.)
    let held = diesel::update(
        webhooks::table
            .find(head.webhook_id)
            .filter(webhooks::lease_owner.eq(owner)),
    )
    .set(webhooks::lease_until.eq(now + chrono::Duration::from_std(lease).unwrap_or_default()))
    .execute(conn)?
        == 1;
    if !held {
        // Another worker took the endpoint while this attempt ran (or the endpoint is gone):
        // the attempt is logged after the holder's, if the delivery still exists, and what
        // happens to the delivery is for the holder to say.
        tracing::warn!(
            webhook = head.webhook_id,
            "webhooks: the lease ran out during an attempt; another worker has the endpoint"
        );
        let last: Option<Option<i32>> = webhook_deliveries::table
            .find(head.delivery_id)
            .left_join(webhook_attempts::table)
            .select(diesel::dsl::max(webhook_attempts::attempt.nullable()))
            .group_by(webhook_deliveries::id)
            .first(conn)
            .optional()?;
        let Some(last) = last else {
            return Ok(false);
        };
        attempt = last.unwrap_or(0) + 1;
    }
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::delivery_id.eq(head.delivery_id),
            webhook_attempts::attempt.eq(attempt),
            webhook_attempts::started_at.eq(outcome.started),
            webhook_attempts::latency_ms.eq(outcome.latency_ms),
            webhook_attempts::succeeded.eq(outcome.succeeded),
            webhook_attempts::response_status.eq(outcome.status),
            webhook_attempts::response_body.eq(&outcome.body),
            webhook_attempts::error.eq(&outcome.error),
        ))
        .execute(conn)?;
    if !held {
        return Ok(false);
    }
    let delivery = webhook_deliveries::table.find(head.delivery_id);
    let endpoint = webhooks::table.find(head.webhook_id);
    if outcome.succeeded {
        diesel::update(delivery)
            .set((
                webhook_deliveries::state.eq("delivered"),
                webhook_deliveries::attempts.eq(attempt),
                webhook_deliveries::updated_at.eq(now),
            ))
            .execute(conn)?;
        diesel::update(endpoint)
            .set(webhooks::failing_since.eq(None::<NaiveDateTime>))
            .execute(conn)?;
        return Ok(true);
    }
    let failing_since = head.failing_since.unwrap_or(outcome.started);
    let window = chrono::Duration::from_std(settings.retry_for).unwrap_or_default();
    if now - failing_since >= window {
        diesel::update(delivery)
            .set((
                webhook_deliveries::state.eq("failed"),
                webhook_deliveries::attempts.eq(attempt),
                webhook_deliveries::updated_at.eq(now),
            ))
            .execute(conn)?;
        let reason = format!(
            "every attempt failed from {} to {} (the retry window is {}); the last: {}",
            failing_since.and_utc().to_rfc3339(),
            now.and_utc().to_rfc3339(),
            human(settings.retry_for),
            outcome
                .error
                .clone()
                .or_else(|| outcome.status.map(|s| format!("HTTP {s}")))
                .unwrap_or_default()
        );
        diesel::update(endpoint)
            .set((
                webhooks::active.eq(false),
                webhooks::failing_since.eq(failing_since),
                webhooks::disabled_at.eq(now),
                webhooks::disabled_reason.eq(reason),
                webhooks::lease_until.eq(None::<NaiveDateTime>),
                webhooks::lease_owner.eq(None::<String>),
                webhooks::updated_at.eq(now),
            ))
            .execute(conn)?;
        tracing::warn!(
            webhook = head.webhook_id,
            "webhooks: endpoint disabled after failing for the whole retry window"
        );
        return Ok(false);
    }
    let next = now
        + chrono::Duration::from_std(backoff(
            settings.retry_base,
            u32::try_from(attempt).unwrap_or(u32::MAX),
        ))
        .unwrap_or_default();
    diesel::update(delivery)
        .set((
            webhook_deliveries::attempts.eq(attempt),
            webhook_deliveries::next_attempt_at.eq(next),
            webhook_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(endpoint)
        .set(webhooks::failing_since.eq(failing_since))
        .execute(conn)?;
    Ok(true)
}

/// The wait after the `failures`-th failure: `base` doubled for each failure before it, at
/// most [`MAX_BACKOFF`], of which a random 50–100 % (jitter: endpoints that failed together do
/// not all come back at once).
pub fn backoff(base: Duration, failures: u32) -> Duration {
    let doubling = 2_u32.saturating_pow(failures.saturating_sub(1).min(24));
    let full = base.saturating_mul(doubling).min(MAX_BACKOFF);
    let mut bytes = [0_u8; 4];
    let r = match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX),
        Err(_) => 1.0,
    };
    full.mul_f64(0.5 + 0.5 * r)
}

/// A duration as people say it.
fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::connection::SimpleConnection;

    /// A worker whose lease was taken over logs its attempt after the holder's and leaves the
    /// delivery alone; the holder's own outcome moves it on.
    #[test]
    fn an_attempt_without_the_lease_is_logged_but_decides_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        crate::db::migrate(&path).unwrap();
        let pool = crate::db::open_pool(&path, 1).unwrap();
        let conn = &mut *pool.get().unwrap();
        conn.batch_execute(
            "INSERT INTO webhooks (id, url, events, secret, active, lease_until, lease_owner, \
             created_at, updated_at) VALUES (1, 'https://hooks.example.com/', 'ping', 'whsec_AA==', \
             1, '2999-01-01 00:00:00', 'theirs', '2026-12-01 00:00:00', '2026-12-01 00:00:00');
             INSERT INTO webhook_events (id, event_type, payload, created_at, due_at, fanned_out) \
             VALUES (7, 'ping', '{}', '2026-12-01 00:00:00', '2026-12-01 00:00:00', 1);
             INSERT INTO webhook_deliveries (id, webhook_id, event_id, state, attempts, \
             next_attempt_at, created_at, updated_at) VALUES (3, 1, 7, 'pending', 1, \
             '2026-12-01 00:00:00', '2026-12-01 00:00:00', '2026-12-01 00:00:00');
             INSERT INTO webhook_attempts (delivery_id, attempt, started_at, latency_ms, succeeded) \
             VALUES (3, 1, '2026-12-01 00:00:00', 5, 0), (3, 2, '2026-12-01 00:00:01', 5, 0);",
        )
        .unwrap();
        let head = Head {
            webhook_id: 1,
            delivery_id: 3,
            event_id: 7,
            attempts: 1,
            next_attempt_at: Utc::now().naive_utc(),
            payload: "{}".into(),
            url: "https://hooks.example.com/".into(),
            secret: "whsec_AA==".into(),
            failing_since: None,
        };
        let outcome = Outcome {
            started: Utc::now().naive_utc(),
            latency_ms: 3,
            succeeded: true,
            status: Some(200),
            body: Some("ok".into()),
            error: None,
        };
        let settings = WebhookSettings::default();
        let lease = Duration::from_secs(20);
        let goes_on = record(conn, &head, &outcome, "mine", lease, &settings).unwrap();
        assert!(!goes_on);
        let attempts: Vec<i32> = webhook_attempts::table
            .filter(webhook_attempts::delivery_id.eq(3))
            .order(webhook_attempts::attempt)
            .select(webhook_attempts::attempt)
            .load(conn)
            .unwrap();
        assert_eq!(attempts, [1, 2, 3]);
        let state: String = webhook_deliveries::table
            .find(3)
            .select(webhook_deliveries::state)
            .first(conn)
            .unwrap();
        assert_eq!(state, "pending");
        // The holder's outcome counts.
        assert!(record(conn, &head, &outcome, "theirs", lease, &settings).unwrap());
        let state: String = webhook_deliveries::table
            .find(3)
            .select(webhook_deliveries::state)
            .first(conn)
            .unwrap();
        assert_eq!(state, "delivered");
        // A delivery gone with its endpoint: nothing to log, and no error.
        conn.batch_execute("DELETE FROM webhooks WHERE id = 1")
            .unwrap();
        assert!(!record(conn, &head, &outcome, "theirs", lease, &settings).unwrap());
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_an_hour() {
        let base = Duration::from_secs(5);
        for failures in 1..=30 {
            let full = base
                .saturating_mul(2_u32.saturating_pow(failures - 1))
                .min(MAX_BACKOFF);
            let d = backoff(base, failures);
            assert!(d >= full / 2 && d <= full, "{failures}: {d:?} of {full:?}");
        }
        // Jitter: the same failure count does not always give the same wait.
        let waits: HashSet<u128> = (0..20).map(|_| backoff(base, 3).as_millis()).collect();
        assert!(waits.len() > 1);
    }
}
