//! What the webhooks endpoints accept and answer, and the events they send.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::schema::{webhook_attempts, webhook_deliveries, webhooks};
use crate::http::json::{double_option, some};

/// What an endpoint may hear of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum EventType {
    /// An article became public: published, or scheduled and its time came (sent at that time).
    #[serde(rename = "article.published")]
    ArticlePublished,
    /// A public article changed, or got a correction.
    #[serde(rename = "article.updated")]
    ArticleUpdated,
    /// A public article stopped being public: archived, back to draft, rescheduled for later,
    /// or deleted.
    #[serde(rename = "article.unpublished")]
    ArticleUnpublished,
    /// An article was scheduled (or its time changed) to go public later.
    #[serde(rename = "article.scheduled")]
    ArticleScheduled,
    /// A comment was posted (held for moderation, or approved at once when staff posted it).
    #[serde(rename = "comment.created")]
    CommentCreated,
    /// A comment was approved and shows on its article.
    #[serde(rename = "comment.approved")]
    CommentApproved,
    /// A test event, sent on request to one endpoint.
    #[serde(rename = "ping")]
    Ping,
}

impl EventType {
    pub const ALL: [Self; 7] = [
        Self::ArticlePublished,
        Self::ArticleUpdated,
        Self::ArticleUnpublished,
        Self::ArticleScheduled,
        Self::CommentCreated,
        Self::CommentApproved,
        Self::Ping,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ArticlePublished => "article.published",
            Self::ArticleUpdated => "article.updated",
            Self::ArticleUnpublished => "article.unpublished",
            Self::ArticleScheduled => "article.scheduled",
            Self::CommentCreated => "comment.created",
            Self::CommentApproved => "comment.approved",
            Self::Ping => "ping",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The events of a stored comma list (unknown names are skipped).
    pub fn list(stored: &str) -> Vec<Self> {
        stored.split(',').filter_map(Self::parse).collect()
    }

    /// A list as stored (each event once, in the order first named).
    pub fn join(events: &[Self]) -> String {
        let mut names: Vec<&str> = Vec::new();
        for e in events {
            if !names.contains(&e.as_str()) {
                names.push(e.as_str());
            }
        }
        names.join(",")
    }
}

/// An endpoint as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub events: String,
    pub secret: String,
    pub description: Option<String>,
    pub active: bool,
    pub failing_since: Option<NaiveDateTime>,
    pub disabled_at: Option<NaiveDateTime>,
    pub disabled_reason: Option<String>,
    pub next_delivery_at: Option<NaiveDateTime>,
    pub lease_until: Option<NaiveDateTime>,
    pub lease_owner: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An endpoint that hears of changes.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1,
    "url": "https://www.iraqinews.example/api/revalidate",
    "events": ["article.published", "article.updated", "article.unpublished"],
    "description": "Rebuild the website",
    "active": true,
    "failing_since": null,
    "disabled_at": null,
    "disabled_reason": null,
    "created_at": "2017-11-01T09:30:00Z",
    "updated_at": "2017-11-01T09:30:00Z"
}))]
pub struct WebhookView {
    #[schema(example = 1)]
    pub id: i64,
    /// Where deliveries are POSTed.
    #[schema(example = "https://www.iraqinews.example/api/revalidate")]
    pub url: String,
    /// The events it hears of (a ping is sent to it on request whatever this says).
    pub events: Vec<EventType>,
    #[schema(example = "Rebuild the website")]
    pub description: Option<String>,
    /// Inactive endpoints are sent nothing. An endpoint that has failed for the whole retry
    /// window (24 hours) is made inactive, with `disabled_at` and `disabled_reason` set.
    pub active: bool,
    /// Since when every attempt has failed; `null` while deliveries succeed.
    pub failing_since: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
    /// The signing secret (`whsec_…`): shown once, in the answer to the create.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookRow> for WebhookView {
    fn from(row: WebhookRow) -> Self {
        Self {
            id: row.id,
            url: row.url,
            events: EventType::list(&row.events),
            description: row.description,
            active: row.active,
            failing_since: row.failing_since.map(|t| t.and_utc()),
            disabled_at: row.disabled_at.map(|t| t.and_utc()),
            disabled_reason: row.disabled_reason,
            secret: None,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://www.iraqinews.example/api/revalidate",
    "events": ["article.published", "article.updated", "article.unpublished"],
    "description": "Rebuild the website"
}))]
pub struct CreateWebhook {
    /// `https://` (plain `http://` only with `DATELINE_WEBHOOK_ALLOW_HTTP`), at most 2,000
    /// characters, of a host on the public internet (loopback, private and link-local
    /// addresses only with `DATELINE_WEBHOOK_ALLOW_PRIVATE`).
    #[schema(
        max_length = 2000,
        pattern = r"^https?://[^\s/?#\x00-\x1f\x7f-\x9f]+([/?#][^\s\x00-\x1f\x7f-\x9f]*)?$",
        example = "https://www.iraqinews.example/api/revalidate"
    )]
    pub url: String,
    /// The events to hear of (a repeat counts once); every event when left out.
    #[schema(min_items = 1)]
    pub events: Option<Vec<EventType>>,
    #[schema(max_length = 300)]
    pub description: Option<String>,
    /// `true` when left out.
    pub active: Option<bool>,
}

/// Changes to an endpoint; absent fields keep their value. Making a disabled endpoint active
/// again clears its flag and resumes its pending deliveries.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": true}))]
pub struct UpdateWebhook {
    #[serde(default, deserialize_with = "some")]
    #[schema(
        value_type = String,
        max_length = 2000,
        pattern = r"^https?://[^\s/?#\x00-\x1f\x7f-\x9f]+([/?#][^\s\x00-\x1f\x7f-\x9f]*)?$"
    )]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Vec<EventType>, min_items = 1)]
    pub events: Option<Vec<EventType>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 300)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = bool)]
    pub active: Option<bool>,
}

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    /// Not sent yet, or failed and waiting for its next attempt.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up: the endpoint kept failing for the whole retry window.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn from_db(s: &str) -> Self {
        match s {
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// A delivery as stored, with its event's type.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: i64,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub redelivery_of: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One attempt as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    pub attempt: i32,
    pub started_at: NaiveDateTime,
    pub latency_ms: i32,
    pub succeeded: bool,
    pub response_status: Option<i32>,
    pub response_body: Option<String>,
    pub error: Option<String>,
}

/// One try at sending a delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttemptView {
    /// 1 for the first try.
    #[schema(example = 1)]
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    /// Whether the endpoint answered 2xx in time.
    pub succeeded: bool,
    /// Milliseconds until the answer (or the failure).
    #[schema(example = 84)]
    pub latency_ms: i32,
    /// The answer's status code; `null` when none came.
    #[schema(example = 200)]
    pub response_status: Option<i32>,
    /// The first 1 KB of the answer's body.
    pub response_body: Option<String>,
    /// Why no answer came: a timeout, a refused connection, an address webhooks may not reach.
    pub error: Option<String>,
}

impl From<AttemptRow> for AttemptView {
    fn from(row: AttemptRow) -> Self {
        Self {
            attempt: row.attempt,
            started_at: row.started_at.and_utc(),
            succeeded: row.succeeded,
            latency_ms: row.latency_ms,
            response_status: row.response_status,
            response_body: row.response_body,
            error: row.error,
        }
    }
}

/// One event on its way to one endpoint, with every attempt at sending it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 41, "webhook_id": 1, "event_id": 97, "event_type": "article.published",
    "message_id": "msg_97", "state": "delivered", "next_attempt_at": null,
    "redelivery_of": null, "created_at": "2017-11-01T09:30:00Z",
    "updated_at": "2017-11-01T09:30:01Z",
    "attempts": [{"attempt": 1, "started_at": "2017-11-01T09:30:00Z", "succeeded": true,
                  "latency_ms": 84, "response_status": 200, "response_body": "ok", "error": null}]
}))]
pub struct DeliveryView {
    #[schema(example = 41)]
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: i64,
    pub event_type: EventType,
    /// The `webhook-id` header: the same for every attempt and redelivery of the event, so
    /// that a receiver can tell a repeat.
    #[schema(example = "msg_97")]
    pub message_id: String,
    pub state: DeliveryState,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The delivery this one sends again, for a redelivery.
    pub redelivery_of: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Every attempt so far, oldest first.
    pub attempts: Vec<AttemptView>,
}

impl DeliveryView {
    pub fn new(row: DeliveryRow, event_type: &str, attempts: Vec<AttemptView>) -> Self {
        let state = DeliveryState::from_db(&row.state);
        Self {
            id: row.id,
            webhook_id: row.webhook_id,
            event_id: row.event_id,
            event_type: EventType::parse(event_type).unwrap_or(EventType::Ping),
            message_id: message_id(row.event_id),
            state,
            next_attempt_at: (state == DeliveryState::Pending)
                .then(|| row.next_attempt_at.and_utc()),
            redelivery_of: row.redelivery_of,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            attempts,
        }
    }
}

/// The `webhook-id` of an event.
pub fn message_id(event_id: i64) -> String {
    format!("msg_{event_id}")
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilters {
    /// Only deliveries in this state.
    pub state: Option<DeliveryState>,
}
