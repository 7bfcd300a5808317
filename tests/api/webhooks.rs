//! Webhooks over HTTP: a receiver of our own on 127.0.0.1 (the tests set
//! `DATELINE_WEBHOOK_ALLOW_HTTP` and `_ALLOW_PRIVATE`) that records every request and answers
//! as its script says. Signatures are checked here against the spec's construction; CI's
//! `.ci/webhooks` checks them again with the `standardwebhooks` package.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::helpers::*;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Hit {
    pub headers: HashMap<String, String>,
    pub raw: String,
    pub body: Value,
    /// The status it was answered with.
    pub answered: u16,
    pub at: Instant,
}

impl Hit {
    pub fn kind(&self) -> &str {
        self.body["type"].as_str().unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

/// How the receiver answers.
#[derive(Debug, Clone, Copy)]
pub struct Script {
    /// The first this many requests fail with `fail_status`.
    pub fail_first: usize,
    pub fail_status: u16,
    /// Every request waits this long before its answer.
    pub delay: Duration,
    /// Answer a redirect instead of 2xx (after the failures).
    pub redirect: bool,
}

impl Default for Script {
    fn default() -> Self {
        Self {
            fail_first: 0,
            fail_status: 500,
            delay: Duration::ZERO,
            redirect: false,
        }
    }
}

struct Shared {
    script: Script,
    calls: AtomicUsize,
    hits: Mutex<Vec<Hit>>,
}

/// A webhook receiver on a port of its own.
pub struct Receiver {
    pub url: String,
    shared: Arc<Shared>,
    handle: ServerHandle,
}

async fn receive(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let n = shared.calls.fetch_add(1, Ordering::SeqCst);
    let script = shared.script;
    if !script.delay.is_zero() {
        actix_web::rt::time::sleep(script.delay).await;
    }
    let answered = if n < script.fail_first {
        script.fail_status
    } else if script.redirect {
        302
    } else {
        200
    };
    let raw = String::from_utf8_lossy(&body).into_owned();
    shared.hits.lock().unwrap().push(Hit {
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: serde_json::from_str(&raw).unwrap_or(Value::Null),
        raw,
        answered,
        at: Instant::now(),
    });
    let status = actix_web::http::StatusCode::from_u16(answered).unwrap();
    let mut res = HttpResponse::build(status);
    if script.redirect && answered == 302 {
        res.insert_header(("location", "http://127.0.0.1:9/elsewhere"));
    }
    // A long answer: the log keeps its first 1 KB.
    res.body(format!("answer {n}: {}", "x".repeat(3000)))
}

impl Receiver {
    pub async fn start(script: Script) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            script,
            calls: AtomicUsize::new(0),
            hits: Mutex::new(Vec::new()),
        });
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            actix_web::App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hooks"),
            shared,
            handle,
        }
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.shared.hits.lock().unwrap().clone()
    }

    /// Waits until `n` requests came (at most `within`); answers them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Hit> {
        let start = Instant::now();
        loop {
            let hits = self.hits();
            if hits.len() >= n {
                return hits;
            }
            assert!(
                start.elapsed() < within,
                "{} of {n} requests within {within:?}: {:?}",
                hits.len(),
                hits.iter().map(Hit::kind).collect::<Vec<_>>()
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        actix_web::rt::spawn(async move { handle.stop(false).await });
    }
}

/// An app whose webhooks may reach 127.0.0.1 over plain HTTP, retrying after 50 ms.
pub async fn webhook_app() -> TestApp {
    TestApp::spawn_with(|c| {
        c.webhooks.allow_http = true;
        c.webhooks.allow_private = true;
        c.webhooks.retry_base = Duration::from_millis(50);
        c.webhooks.timeout = Duration::from_secs(2);
    })
    .await
}

/// Registers `url` for `events` (all when `None`); answers the endpoint, with its secret.
pub async fn endpoint(app: &TestApp, admin: &str, url: &str, events: Option<&[&str]>) -> Value {
    let mut body = json!({"url": url, "description": "the website"});
    if let Some(events) = events {
        body["events"] = json!(events);
    }
    let made = app.create("/api/v1/webhooks", body, admin).await;
    assert!(made["secret"].as_str().unwrap().starts_with("whsec_"));
    made
}

/// A byline to publish under.
async fn byline(app: &TestApp, admin: &str) -> i64 {
    app.create(
        "/api/v1/authors",
        json!({"name": format!("Samir Khalil {}", unique())}),
        admin,
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

/// Checks a delivery's Standard Webhooks headers and signature under `secret`.
#[track_caller]
fn verify(hit: &Hit, secret: &str) {
    let id = hit.header("webhook-id");
    let ts: i64 = hit.header("webhook-timestamp").parse().expect("timestamp");
    assert!(id.starts_with("msg_"), "{id}");
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
    let want = dateline::webhooks::sign::signature(secret, id, ts, hit.raw.as_bytes()).unwrap();
    assert_eq!(hit.header("webhook-signature"), want);
    assert_eq!(hit.header("content-type"), "application/json");
    assert!(hit.body["timestamp"].as_str().unwrap().ends_with('Z'));
}

crate::both_backends!(publishing_changing_and_pulling_a_story_are_sent_signed_in_order);
async fn publishing_changing_and_pulling_a_story_are_sent_signed_in_order() {
    let app = webhook_app().await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start(Script::default()).await;
    let hook = endpoint(&app, &admin, &receiver.url, None).await;
    let secret = hook["secret"].as_str().unwrap();
    // The secret is shown once.
    let read = app
        .get(&format!("/api/v1/webhooks/{}", hook["id"]), Some(&admin))
        .await
        .ok();
    assert!(read.get("secret").is_none());

    let author = byline(&app, &admin).await;
    let draft = app
        .create(
            "/api/v1/articles",
            json!({"title": "Jets hit a workshop near Qaim", "author_ids": [author]}),
            &admin,
        )
        .await;
    let path = format!("/api/v1/articles/{}", draft["id"]);
    // A draft's edits are nobody's business.
    app.patch(&path, &json!({"body": "Draft text."}), Some(&admin))
        .await
        .ok();
    app.patch(&path, &json!({"status": "published"}), Some(&admin))
        .await
        .ok();
    app.patch(
        &path,
        &json!({"title": "Jets strike a workshop near Qaim"}),
        Some(&admin),
    )
    .await
    .ok();
    // A save that changes nothing a reader sees sends nothing.
    app.patch(
        &path,
        &json!({"title": "Jets strike a workshop near Qaim"}),
        Some(&admin),
    )
    .await
    .ok();
    app.patch(&path, &json!({"status": "archived"}), Some(&admin))
        .await
        .ok();
    let hits = receiver.wait_for(3, Duration::from_secs(15)).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(hits.len(), receiver.hits().len(), "nothing more came");
    let kinds: Vec<&str> = hits.iter().map(Hit::kind).collect();
    assert_eq!(
        kinds,
        [
            "article.published",
            "article.updated",
            "article.unpublished"
        ]
    );
    for hit in &hits {
        verify(hit, secret);
        assert_eq!(hit.body["data"]["id"], draft["id"]);
    }
    assert_eq!(hits[0].body["data"]["status"], "published");
    assert_eq!(
        hits[1].body["data"]["title"],
        "Jets strike a workshop near Qaim"
    );
    assert_eq!(hits[2].body["data"]["status"], "archived");
    // Each event has its own message id.
    let mut ids: Vec<&str> = hits.iter().map(|h| h.header("webhook-id")).collect();
    ids.dedup();
    assert_eq!(ids.len(), 3);

    // The log: newest first, each delivered at the first attempt with the answer's first KB.
    let log = app
        .get(
            &format!("/api/v1/webhooks/{}/deliveries", hook["id"]),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(log["meta"]["total"], 3);
    let types: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "article.unpublished",
            "article.updated",
            "article.published"
        ]
    );
    for d in log["data"].as_array().unwrap() {
        assert_eq!(d["state"], "delivered");
        assert_eq!(d["next_attempt_at"], Value::Null);
        let attempts = d["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0]["attempt"], 1);
        assert_eq!(attempts[0]["succeeded"], true);
        assert_eq!(attempts[0]["response_status"], 200);
        assert!(attempts[0]["latency_ms"].as_i64().unwrap() >= 0);
        assert_eq!(attempts[0]["response_body"].as_str().unwrap().len(), 1024);
        assert_eq!(d["message_id"], format!("msg_{}", d["event_id"]));
    }
    // Deleting a public story pulls it too.
    app.patch(&path, &json!({"status": "published"}), Some(&admin))
        .await
        .ok();
    let res = app.delete(&path, Some(&admin)).await;
    assert_eq!(res.status, 204);
    let hits = receiver.wait_for(5, Duration::from_secs(15)).await;
    let kinds: Vec<&str> = hits.iter().map(Hit::kind).collect();
    assert_eq!(&kinds[3..], ["article.published", "article.unpublished"]);
}

crate::both_backends!(a_failing_receiver_is_retried_with_backoff_and_later_events_wait_their_turn);
async fn a_failing_receiver_is_retried_with_backoff_and_later_events_wait_their_turn() {
    let app = webhook_app().await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start(Script {
        fail_first: 3,
        fail_status: 503,
        ..Script::default()
    })
    .await;
    let hook = endpoint(&app, &admin, &receiver.url, Some(&["article.published"])).await;
    let author = byline(&app, &admin).await;
    let mut published = Vec::new();
    for title in [
        "First story from Qaim",
        "Second story from Qaim",
        "Third story",
    ] {
        let a = app
            .create(
                "/api/v1/articles",
                json!({"title": title, "author_ids": [author], "status": "published"}),
                &admin,
            )
            .await;
        published.push(a["id"].clone());
    }
    let hits = receiver.wait_for(6, Duration::from_secs(20)).await;
    // The first event failed three times, then went through; the others waited their turn.
    let answered: Vec<(Value, u16)> = hits
        .iter()
        .map(|h| (h.body["data"]["id"].clone(), h.answered))
        .collect();
    assert_eq!(
        answered,
        [
            (published[0].clone(), 503),
            (published[0].clone(), 503),
            (published[0].clone(), 503),
            (published[0].clone(), 200),
            (published[1].clone(), 200),
            (published[2].clone(), 200),
        ]
    );
    // Every retry of one event is the same message, signed anew.
    assert!(
        hits[..4]
            .iter()
            .all(|h| h.header("webhook-id") == hits[0].header("webhook-id"))
    );
    // Backoff: the waits grow (50 ms doubling, with jitter of at most half).
    let gaps: Vec<Duration> = hits[..4].windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps[0] >= Duration::from_millis(25), "{gaps:?}");
    assert!(gaps[2] >= Duration::from_millis(100), "{gaps:?}");
    let log = app
        .get(
            &format!("/api/v1/webhooks/{}/deliveries?per_page=100", hook["id"]),
            Some(&admin),
        )
        .await
        .ok();
    let first = log["data"].as_array().unwrap().last().unwrap().clone();
    let attempts = first["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 4);
    for (i, a) in attempts.iter().enumerate() {
        assert_eq!(a["attempt"], i + 1);
        let ok = i == 3;
        assert_eq!(a["succeeded"], ok);
        assert_eq!(a["response_status"], if ok { 200 } else { 503 });
    }
    // The endpoint is healthy again.
    let read = app
        .get(&format!("/api/v1/webhooks/{}", hook["id"]), Some(&admin))
        .await
        .ok();
    assert_eq!(read["failing_since"], Value::Null);
    assert_eq!(read["active"], true);
}

crate::both_backends!(an_endpoint_failing_for_the_whole_window_is_disabled_and_flagged);
async fn an_endpoint_failing_for_the_whole_window_is_disabled_and_flagged() {
    let app = TestApp::spawn_with(|c| {
        c.webhooks.allow_http = true;
        c.webhooks.allow_private = true;
        c.webhooks.retry_base = Duration::from_millis(100);
        c.webhooks.retry_for = Duration::from_secs(2);
    })
    .await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start(Script {
        fail_first: usize::MAX,
        ..Script::default()
    })
    .await;
    let hook = endpoint(&app, &admin, &receiver.url, None).await;
    let path = format!("/api/v1/webhooks/{}", hook["id"]);
    let ping = app
        .post(&format!("{path}/ping"), &json!({}), Some(&admin))
        .await;
    assert_eq!(ping.status, 202, "{}", ping.text());
    let start = Instant::now();
    let read = loop {
        let read = app.get(&path, Some(&admin)).await.ok();
        if read["active"] == false {
            break read;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{read}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(read["disabled_at"].is_string());
    assert!(read["failing_since"].is_string());
    let reason = read["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("HTTP 500"), "{reason}");
    assert!(receiver.hits().len() >= 3);
    let delivery = app
        .get(
            &format!("{path}/deliveries/{}", ping.json()["id"]),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(delivery["state"], "failed");
    // Nothing more is sent to it, and it cannot be pinged until it is made active again.
    let before = receiver.hits().len();
    let refused = app
        .post(&format!("{path}/ping"), &json!({}), Some(&admin))
        .await;
    refused.problem(409);
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.hits().len(), before);
    let back = app
        .patch(&path, &json!({"active": true}), Some(&admin))
        .await
        .ok();
    assert_eq!(back["active"], true);
    assert_eq!(back["disabled_at"], Value::Null);
    assert_eq!(back["disabled_reason"], Value::Null);
    // Redelivering the failed ping queues it again.
    let again = app
        .post(
            &format!("{path}/deliveries/{}/redeliver", ping.json()["id"]),
            &json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(again.status, 202, "{}", again.text());
    assert_eq!(again.json()["redelivery_of"], ping.json()["id"]);
    receiver.wait_for(before + 1, Duration::from_secs(10)).await;
}

crate::both_backends!(ping_and_redelivery_repeat_the_message_id);
async fn ping_and_redelivery_repeat_the_message_id() {
    let app = webhook_app().await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start(Script::default()).await;
    let hook = endpoint(&app, &admin, &receiver.url, Some(&["comment.created"])).await;
    let secret = hook["secret"].as_str().unwrap();
    let path = format!("/api/v1/webhooks/{}", hook["id"]);
    let ping = app
        .post(&format!("{path}/ping"), &json!({}), Some(&admin))
        .await;
    assert_eq!(ping.status, 202);
    let queued = ping.json();
    assert_eq!(queued["event_type"], "ping");
    assert_eq!(queued["state"], "pending");
    assert!(
        ping.header("location")
            .unwrap()
            .ends_with(&format!("{path}/deliveries/{}", queued["id"]))
    );
    let hits = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(hits[0].kind(), "ping");
    assert_eq!(hits[0].body["data"]["webhook_id"], hook["id"]);
    verify(&hits[0], secret);
    let again = app
        .post(
            &format!("{path}/deliveries/{}/redeliver", queued["id"]),
            &json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(again.status, 202);
    let hits = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(hits[1].header("webhook-id"), hits[0].header("webhook-id"));
    assert_eq!(hits[1].raw, hits[0].raw);
    verify(&hits[1], secret);
    // Unknown deliveries and endpoints are 404s.
    app.post(
        &format!("{path}/deliveries/999999/redeliver"),
        &json!({}),
        Some(&admin),
    )
    .await
    .problem(404);
    app.post("/api/v1/webhooks/999999/ping", &json!({}), Some(&admin))
        .await
        .problem(404);
    // The log filters by state.
    let delivered = app
        .get(&format!("{path}/deliveries?state=delivered"), Some(&admin))
        .await
        .ok();
    assert_eq!(delivered["meta"]["total"], 2);
    let pending = app
        .get(&format!("{path}/deliveries?state=pending"), Some(&admin))
        .await
        .ok();
    assert_eq!(pending["meta"]["total"], 0);
}

crate::both_backends!(comments_are_announced_when_posted_and_when_approved);
async fn comments_are_announced_when_posted_and_when_approved() {
    let app = webhook_app().await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start(Script::default()).await;
    endpoint(
        &app,
        &admin,
        &receiver.url,
        Some(&["comment.created", "comment.approved"]),
    )
    .await;
    let author = byline(&app, &admin).await;
    let article = app
        .create(
            "/api/v1/articles",
            json!({"title": "Families return to Haditha", "author_ids": [author], "status": "published"}),
            &admin,
        )
        .await;
    let posted = app
        .post(
            &format!("/api/v1/articles/{}/comments", article["id"]),
            &json!({"author_name": "Ahmed", "author_email": "ahmed@example.com", "body": "Good news at last."}),
            None,
        )
        .await;
    assert_eq!(posted.status, 201, "{}", posted.text());
    let posted = posted.json();
    let hits = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(hits[0].kind(), "comment.created");
    assert_eq!(hits[0].body["data"]["id"], posted["id"]);
    assert!(
        !hits[0].raw.contains("ahmed@example.com"),
        "no email leaves"
    );
    app.patch(
        &format!("/api/v1/comments/{}", posted["id"]),
        &json!({"status": "approved"}),
        Some(&admin),
    )
    .await
    .ok();
    let hits = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(hits[1].kind(), "comment.approved");
    assert_eq!(hits[1].body["data"]["id"], posted["id"]);
}

crate::both_backends!(a_scheduled_story_is_announced_then_published_at_its_time);
async fn a_scheduled_story_is_announced_then_published_at_its_time() {
    let app = webhook_app().await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start(Script::default()).await;
    endpoint(&app, &admin, &receiver.url, None).await;
    let author = byline(&app, &admin).await;
    let at = chrono::Utc::now() + chrono::Duration::seconds(3);
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let scheduled = app
        .create(
            "/api/v1/articles",
            json!({"title": "Offensive on Qaim begins", "author_ids": [author],
                   "status": "scheduled", "published_at": at}),
            &admin,
        )
        .await;
    // Another story scheduled, then pulled back to draft: its publication is never announced.
    let pulled = app
        .create(
            "/api/v1/articles",
            json!({"title": "A story held back", "author_ids": [author],
                   "status": "scheduled", "published_at": at}),
            &admin,
        )
        .await;
    app.patch(
        &format!("/api/v1/articles/{}", pulled["id"]),
        &json!({"status": "draft"}),
        Some(&admin),
    )
    .await
    .ok();
    let hits = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(hits[0].kind(), "article.scheduled");
    assert_eq!(hits[1].kind(), "article.scheduled");
    assert_eq!(hits[0].body["data"]["status"], "scheduled");
    let hits = receiver.wait_for(3, Duration::from_secs(15)).await;
    let published = &hits[2];
    assert_eq!(published.kind(), "article.published");
    assert_eq!(published.body["data"]["id"], scheduled["id"]);
    assert_eq!(published.body["data"]["status"], "published");
    assert_eq!(published.body["timestamp"], at.as_str());
    // Sent at its time, not before.
    let sent = chrono::DateTime::<chrono::Utc>::from_timestamp(
        published.header("webhook-timestamp").parse().unwrap(),
        0,
    )
    .unwrap();
    assert!(sent >= chrono::DateTime::parse_from_rfc3339(&at).unwrap());
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        receiver.hits().len(),
        3,
        "the pulled story was not announced"
    );
}

crate::both_backends!(a_slow_endpoint_slows_neither_the_api_nor_other_endpoints);
async fn a_slow_endpoint_slows_neither_the_api_nor_other_endpoints() {
    let app = TestApp::spawn_with(|c| {
        c.webhooks.allow_http = true;
        c.webhooks.allow_private = true;
        c.webhooks.timeout = Duration::from_secs(10);
    })
    .await;
    let admin = app.admin_token().await;
    let slow = Receiver::start(Script {
        delay: Duration::from_secs(4),
        ..Script::default()
    })
    .await;
    let fast = Receiver::start(Script::default()).await;
    endpoint(&app, &admin, &slow.url, None).await;
    endpoint(&app, &admin, &fast.url, None).await;
    let author = byline(&app, &admin).await;
    let start = Instant::now();
    for title in ["One from Anbar", "Two from Anbar"] {
        app.create(
            "/api/v1/articles",
            json!({"title": title, "author_ids": [author], "status": "published"}),
            &admin,
        )
        .await;
    }
    let hits = fast.wait_for(2, Duration::from_secs(10)).await;
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "the fast endpoint waited for the slow one: {:?}",
        start.elapsed()
    );
    assert_eq!(hits.len(), 2);
    assert!(
        slow.hits().is_empty(),
        "the slow one is still answering its first"
    );
    // Timed out attempts are logged as such.
    let slow_done = slow.wait_for(2, Duration::from_secs(20)).await;
    assert!(slow_done.iter().all(|h| h.answered == 200));
}

crate::both_backends!(redirects_are_not_followed_and_timeouts_are_failures);
async fn redirects_are_not_followed_and_timeouts_are_failures() {
    let app = TestApp::spawn_with(|c| {
        c.webhooks.allow_http = true;
        c.webhooks.allow_private = true;
        c.webhooks.retry_base = Duration::from_secs(600);
        c.webhooks.timeout = Duration::from_secs(1);
    })
    .await;
    let admin = app.admin_token().await;
    let moved = Receiver::start(Script {
        redirect: true,
        ..Script::default()
    })
    .await;
    let stuck = Receiver::start(Script {
        delay: Duration::from_secs(3),
        ..Script::default()
    })
    .await;
    for (receiver, want) in [(&moved, "302"), (&stuck, "timeout")] {
        let hook = endpoint(&app, &admin, &receiver.url, None).await;
        let path = format!("/api/v1/webhooks/{}", hook["id"]);
        let ping = app
            .post(&format!("{path}/ping"), &json!({}), Some(&admin))
            .await
            .json();
        let delivery = format!("{path}/deliveries/{}", ping["id"]);
        let start = Instant::now();
        let attempt = loop {
            let d = app.get(&delivery, Some(&admin)).await.ok();
            if let Some(a) = d["attempts"].as_array().and_then(|a| a.first()) {
                assert_eq!(d["state"], "pending", "retried later, not given up");
                assert!(d["next_attempt_at"].is_string());
                break a.clone();
            }
            assert!(start.elapsed() < Duration::from_secs(15));
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(attempt["succeeded"], false);
        match want {
            "302" => assert_eq!(attempt["response_status"], 302),
            _ => {
                assert_eq!(attempt["response_status"], Value::Null);
                let error = attempt["error"].as_str().unwrap();
                assert!(error.contains("no answer within"), "{error}");
            }
        }
        let read = app.get(&path, Some(&admin)).await.ok();
        assert!(read["failing_since"].is_string());
    }
}

crate::both_backends!(endpoints_must_be_https_and_public_unless_allowed);
async fn endpoints_must_be_https_and_public_unless_allowed() {
    // Defaults: https only, public addresses only.
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for url in [
        "http://hooks.example.com/dateline",
        "https://127.0.0.1/hooks",
        "https://[::1]/hooks",
        "https://10.0.0.7/hooks",
        "https://192.168.1.20/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost:8443/hooks",
        "https://0x7f000001/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "ftp://hooks.example.com/",
        "https://user:secret@hooks.example.com/",
    ] {
        let res = app
            .post("/api/v1/webhooks", &json!({"url": url}), Some(&admin))
            .await;
        assert_eq!(res.invalid_fields(), ["url"], "{url}");
    }
    let hook = app
        .create(
            "/api/v1/webhooks",
            json!({"url": "https://hooks.example.com/dateline", "events": ["article.published"]}),
            &admin,
        )
        .await;
    // A change to an address inside is refused too.
    let res = app
        .patch(
            &format!("/api/v1/webhooks/{}", hook["id"]),
            &json!({"url": "https://10.1.1.1/"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["url"]);
    // Events: known, at least one; a repeat counts once.
    let twice = app
        .create(
            "/api/v1/webhooks",
            json!({"url": "https://hooks.example.com/y", "events": ["ping", "article.updated", "ping"]}),
            &admin,
        )
        .await;
    assert_eq!(twice["events"], json!(["ping", "article.updated"]));
    for events in [json!([]), json!(["article.eaten"])] {
        let res = app
            .post(
                "/api/v1/webhooks",
                &json!({"url": "https://hooks.example.com/x", "events": events}),
                Some(&admin),
            )
            .await;
        assert_eq!(res.status, 422, "{events}: {}", res.text());
    }

    // With http allowed but not private addresses, 127.0.0.1 is still refused.
    let app = TestApp::spawn_with(|c| c.webhooks.allow_http = true).await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/webhooks",
            &json!({"url": "http://127.0.0.1:9/hooks"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["url"]);
    app.create(
        "/api/v1/webhooks",
        json!({"url": "http://hooks.example.com/dateline"}),
        &admin,
    )
    .await;
}

crate::both_backends!(only_admins_manage_webhooks);
async fn only_admins_manage_webhooks() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let hook = app
        .create(
            "/api/v1/webhooks",
            json!({"url": "https://hooks.example.com/dateline"}),
            &admin,
        )
        .await;
    let (_, editor) = app.token_for(dateline::auth::Role::Editor).await;
    let path = format!("/api/v1/webhooks/{}", hook["id"]);
    app.get(&path, Some(&editor)).await.problem(403);
    app.get("/api/v1/webhooks", None).await.problem(401);
    app.post(&format!("{path}/ping"), &json!({}), Some(&editor))
        .await
        .problem(403);
    // Every event but ping, when none are named.
    assert_eq!(hook["events"].as_array().unwrap().len(), 6);
    let list = app.get("/api/v1/webhooks", Some(&admin)).await.ok();
    assert_eq!(list["meta"]["total"], 1);
    assert!(list["data"][0].get("secret").is_none());
    let res = app.delete(&path, Some(&admin)).await;
    assert_eq!(res.status, 204);
    app.get(&path, Some(&admin)).await.problem(404);
}
