//! Webhooks survive a crash: the real `dateline serve` is killed with SIGKILL while it is in
//! the middle of sending one event and holds a second, committed but not yet sent (deliveries
//! to one endpoint go in order). Started again on the same database, it sends both, in order:
//! the first again with the same `webhook-id` (a receiver drops the repeat), the second for
//! the first time. Nothing committed is lost; a crash only delays it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{HttpResponse, HttpServer, web};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_dateline");
const ADMIN_EMAIL: &str = "crash-admin@dateline.test";
const ADMIN_PASSWORD: &str = "crash test admin password";
const JWT_SECRET: &str = "crash-test-secret-crash-test-secret-0123456789";

/// What the receiver got: `(webhook-id, type, article id)`.
type Hits = Arc<Mutex<Vec<(String, String, Value)>>>;

/// A receiver that never answers its first request and answers 200 to the rest.
async fn receiver() -> (String, Hits) {
    let hits: Hits = Arc::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (h, c) = (hits.clone(), calls.clone());
    let server = HttpServer::new(move || {
        let (hits, calls) = (h.clone(), c.clone());
        actix_web::App::new().default_service(web::to(
            move |req: actix_web::HttpRequest, body: web::Bytes| {
                let (hits, calls) = (hits.clone(), calls.clone());
                async move {
                    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
                    let id = req
                        .headers()
                        .get("webhook-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    hits.lock().unwrap().push((
                        id,
                        body["type"].as_str().unwrap_or_default().to_owned(),
                        body["data"]["id"].clone(),
                    ));
                    if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                        actix_web::rt::time::sleep(Duration::from_secs(120)).await;
                    }
                    HttpResponse::Ok().body("ok")
                }
            },
        ))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    (format!("http://127.0.0.1:{port}/hooks"), hits)
}

struct Node {
    child: Child,
}

impl Node {
    async fn start(dir: &std::path::Path, port: u16) -> Self {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("server.log"))
            .unwrap();
        let child = Command::new(BIN)
            .arg("serve")
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", dir.join("dateline.db"))
            .env("DATELINE_MEDIA_DIR", dir.join("media"))
            .env("DATELINE_SEARCH_DIR", dir.join("search"))
            .env("DATELINE_BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("DATELINE_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("DATELINE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("DATELINE_JWT_SECRET", JWT_SECRET)
            .env("DATELINE_WEBHOOK_ALLOW_HTTP", "true")
            .env("DATELINE_WEBHOOK_ALLOW_PRIVATE", "true")
            .env("DATELINE_WEBHOOK_TIMEOUT", "3")
            .env("DATELINE_WEBHOOK_RETRY_BASE_MS", "100")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        let node = Self { child };
        let client = awc::Client::default();
        let start = Instant::now();
        loop {
            let up = client
                .get(format!("http://127.0.0.1:{port}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if up {
                return node;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "no /healthz");
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn call(port: u16, method: &str, path: &str, body: Value, token: Option<&str>) -> Value {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let url = format!("http://127.0.0.1:{port}{path}");
    let mut req = match method {
        "POST" => client.post(url),
        "PATCH" => client.patch(url),
        _ => client.get(url),
    };
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let mut res = if method == "GET" {
        req.send().await.unwrap()
    } else {
        req.send_json(&body).await.unwrap()
    };
    let bytes = res.body().limit(1 << 24).await.unwrap();
    assert!(
        res.status().is_success(),
        "{method} {path}: {} {}",
        res.status(),
        String::from_utf8_lossy(&bytes)
    );
    serde_json::from_slice(&bytes).unwrap_or_default()
}

#[actix_web::test]
async fn a_kill_between_commit_and_send_delays_events_but_loses_none() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (url, hits) = receiver().await;
    let node = Node::start(dir.path(), port).await;
    let login = call(
        port,
        "POST",
        "/api/v1/auth/login",
        json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        None,
    )
    .await;
    let token = login["access_token"].as_str().unwrap().to_owned();
    let token = Some(token.as_str());
    call(
        port,
        "POST",
        "/api/v1/webhooks",
        json!({"url": url, "events": ["article.published"]}),
        token,
    )
    .await;
    let author = call(
        port,
        "POST",
        "/api/v1/authors",
        json!({"name": "Samir Khalil"}),
        token,
    )
    .await["id"]
        .clone();
    let publish = |title: &'static str| {
        let author = author.clone();
        async move {
            call(
                port,
                "POST",
                "/api/v1/articles",
                json!({"title": title, "author_ids": [author], "status": "published"}),
                token,
            )
            .await["id"]
                .clone()
        }
    };
    let first = publish("Jets strike near Qaim").await;
    // The first delivery is in flight (the receiver holds it) ...
    let start = Instant::now();
    while hits.lock().unwrap().is_empty() {
        assert!(start.elapsed() < Duration::from_secs(15), "nothing sent");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    // ... and a second is committed behind it, acknowledged, never sent.
    let second = publish("Families return to Haditha").await;
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hits.lock().unwrap().len(), 1, "in order: the second waits");
    node.kill();

    let node = Node::start(dir.path(), port).await;
    let start = Instant::now();
    while hits.lock().unwrap().len() < 3 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "after the restart: {:?}",
            hits.lock().unwrap()
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let got = hits.lock().unwrap().clone();
    let articles: Vec<&Value> = got.iter().map(|(_, _, id)| id).collect();
    assert_eq!(articles, [&first, &first, &second]);
    assert!(got.iter().all(|(_, kind, _)| kind == "article.published"));
    assert_eq!(got[0].0, got[1].0, "the repeat carries the same webhook-id");
    assert_ne!(got[1].0, got[2].0);
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        hits.lock().unwrap().len(),
        3,
        "each sent once after the restart"
    );
    drop(node);
}
