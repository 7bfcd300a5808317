//! Crash durability: the real `dateline serve`, eight writers creating articles, comments
//! and images over HTTP, and the server killed with SIGKILL at random moments twenty times
//! (restarted each time on the same port and data). Afterwards every write that was
//! acknowledged with a 2xx must be there byte for byte, the database must pass
//! `PRAGMA integrity_check`, and no image row may lack its file.
//!
//! The kill moments come from a seed printed at the start; set `DATELINE_CRASH_SEED` to
//! replay one. A failing run keeps its folder (database, media, server log) and prints where.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use actix_web::http::Method;
use actix_web::rt::System;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_dateline");
const WRITERS: usize = 8;
const CRASHES: usize = 20;
/// The random uptime before each kill, in milliseconds.
const UPTIME_MS: (u64, u64) = (100, 1500);
/// How long writers keep writing to the last server before the checks.
const FINAL_WINDOW: Duration = Duration::from_millis(1500);
/// How long a (re)start may take to answer `/healthz`.
const START_WAIT: Duration = Duration::from_secs(60);
/// The least number of acknowledged writes of each kind for the run to mean anything.
const MIN_ACKS_PER_KIND: usize = 20;

const ADMIN_EMAIL: &str = "crash-admin@dateline.test";
const ADMIN_PASSWORD: &str = "crash test admin password";
const JWT_SECRET: &str = "crash-test-secret-crash-test-secret-0123456789";
const BOUNDARY: &str = "dateline-crash-boundary-Qx81vTz0";

// The server.

/// The running `dateline serve` and its folder. Dropping it kills the server; a drop during
/// a panic keeps the folder for a post-mortem.
struct Server {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
    starts: u32,
    dir: tempfile::TempDir,
}

impl Server {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
            probe.local_addr().expect("local addr").port()
        };
        Self {
            child: None,
            port,
            log: dir.path().join("server.log"),
            starts: 0,
            dir,
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn db_path(&self) -> PathBuf {
        self.dir.path().join("db/dateline.db")
    }

    fn media_dir(&self) -> PathBuf {
        self.dir.path().join("media")
    }

    fn spawn(&mut self) -> Child {
        self.starts += 1;
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("server log");
        writeln!(log, "===== crash test: start #{} =====", self.starts).expect("server log");
        let dir = self.dir.path();
        Command::new(BIN)
            .arg("serve")
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", self.db_path())
            .env("DATELINE_MEDIA_DIR", self.media_dir())
            .env("DATELINE_SEARCH_DIR", dir.join("search"))
            .env("DATELINE_BIND_ADDR", format!("127.0.0.1:{}", self.port))
            .env("DATELINE_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("DATELINE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("DATELINE_JWT_SECRET", JWT_SECRET)
            .env("DATELINE_COMMENTS_PER_HOUR", "1000000")
            .env("DATELINE_LOG_FORMAT", "text")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().expect("server log")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn dateline serve")
    }

    /// Starts the server and waits until `/healthz` answers 200. A start that exits early
    /// (say, the port not yet free) is retried within [`START_WAIT`], and noted.
    fn start(&mut self, http: &mut Http) {
        assert!(self.child.is_none(), "a server is running already");
        let deadline = Instant::now() + START_WAIT;
        let mut child = self.spawn();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                eprintln!(
                    "note: start #{} exited early ({status}); log tail:\n{}",
                    self.starts,
                    self.log_tail(15)
                );
                assert!(
                    Instant::now() < deadline,
                    "the server did not start within {START_WAIT:?}"
                );
                thread::sleep(Duration::from_millis(200));
                child = self.spawn();
                continue;
            }
            if let Ok(answer) = http.send(Method::GET, "/healthz", None)
                && answer.status == 200
            {
                self.child = Some(child);
                return;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the server did not answer /healthz within {START_WAIT:?}; log tail:\n{}",
                    self.log_tail(40)
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL, and reap it.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Err(e) = child.kill() {
                eprintln!("note: kill: {e}");
            }
            let _ = child.wait();
        }
    }

    fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        if thread::panicking() {
            self.dir.disable_cleanup(true);
            eprintln!(
                "crash test failed: its folder (database, media, server.log) is kept at {}",
                self.dir.path().display()
            );
        }
    }
}

/// Sets the flag when dropped: writers stop even when the test panics.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

// A blocking HTTP client over awc, one per thread.

struct Answer {
    status: u16,
    body: Vec<u8>,
    /// Whether the body is as long as `Content-Length` says. awc ends a body quietly when the
    /// connection drops part way (it reports no error), so a cut-off answer is told by this.
    complete: bool,
    /// The `Location` header (a created resource's URL).
    location: Option<String>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

struct Http {
    rt: actix_web::rt::SystemRunner,
    client: awc::Client,
    base: String,
    token: Option<String>,
}

impl Http {
    fn new(base: &str, token: Option<String>) -> Self {
        let rt = System::new();
        let client = rt.block_on(async { fresh_client() });
        Self {
            rt,
            client,
            base: base.to_owned(),
            token,
        }
    }

    /// Sends a request; `Err` is an unknown outcome (no connection, a cut connection, a
    /// timeout), after which the next request starts on a fresh connection.
    fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Answer, String> {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        // Uncompressed: a compressed answer is chunked, and awc takes a chunked body cut short
        // by the kill for a whole (empty) one; plain answers carry a `Content-Length`.
        req = req
            .no_decompress()
            .insert_header(("accept-encoding", "identity"));
        let answer = self.rt.block_on(async move {
            let sent = match body {
                Some((content_type, bytes)) => req.content_type(content_type).send_body(bytes),
                None => req.send(),
            };
            let mut res = sent.await.map_err(|e| format!("send: {e}"))?;
            let body = res
                .body()
                .limit(64 << 20)
                .await
                .map_err(|e| format!("body: {e}"))?;
            let length = res
                .headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
            Ok(Answer {
                status: res.status().as_u16(),
                complete: length.is_none_or(|n| n == body.len()),
                location: res
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                body: body.to_vec(),
            })
        });
        if answer.is_err() {
            self.client = self.rt.block_on(async { fresh_client() });
        }
        answer
    }

    fn get(&mut self, path: &str) -> Result<Answer, String> {
        self.send(Method::GET, path, None)
    }

    fn post_json(&mut self, path: &str, body: &Value) -> Result<Answer, String> {
        let bytes = serde_json::to_vec(body).expect("JSON");
        self.send(Method::POST, path, Some(("application/json", bytes)))
    }
}

fn fresh_client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .disable_redirects()
        .finish()
}

// Randomness: xorshift64*, seeded once (and printed).

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

/// splitmix64: a well-mixed number from any input (for pixels).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// What the writers send.

fn article_title(w: usize, n: u64) -> String {
    format!("Harbour desk bulletin {w}-{n}: tide gauges logged overnight")
}

fn article_body(w: usize, n: u64) -> String {
    format!(
        "The overnight desk (writer {w}, entry {n}) logged the tide gauges at the north \
         quay before the generators were switched over.\n\n\
         ## Readings\n\n\
         - Gauge A: {a} cm above the reference mark\n\
         - Gauge B: {b} cm, *rising* slowly\n\n\
         Filed from Zürich, Kraków and São Paulo by the wire desk. \"Nothing unusual,\" \
         the harbour master said — then asked for the numbers again.",
        a = 100 + n % 37,
        b = 90 + (n * 7) % 41,
    )
}

fn comment_body(w: usize, n: u64) -> String {
    format!(
        "Reader note {w}/{n}: the ferry timetable printed on page two does not match the \
         one posted at the terminal. Which is right?"
    )
}

/// A small PNG whose pixels (and so sha256) only this writer and entry produce.
fn png(w: usize, n: u64) -> Vec<u8> {
    let seed = ((w as u64) << 40) ^ n;
    let picture = image::RgbImage::from_fn(24, 16, |x, y| {
        let v = mix(seed ^ (u64::from(x) << 20) ^ (u64::from(y) << 30));
        image::Rgb([v as u8, (v >> 8) as u8, (v >> 16) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode PNG");
    out.into_inner()
}

fn multipart(file: &[u8], caption: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"frame.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(
        format!(
            "\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n\
             {caption}\r\n--{BOUNDARY}--\r\n"
        )
        .as_bytes(),
    );
    body
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

// The writers.

/// What a writer sent.
enum Sent {
    Article { title: String, body: String },
    Comment { body: String },
    Image { sha256: String, bytes: Vec<u8> },
}

/// A write the server acknowledged with a 2xx: the id it answered and what was sent.
struct Ack {
    id: i64,
    sent: Sent,
}

#[derive(Default)]
struct Report {
    acks: Vec<Ack>,
    /// Attempts whose outcome the writer cannot know: no answer, or one cut off part way.
    unknown: u64,
    /// Acknowledgements (`201` and `Location`) whose body the kill cut off.
    cut_off: u64,
    /// Non-2xx answers by status, with one body of each.
    refused: BTreeMap<u16, (u64, String)>,
    verified: u64,
    failures: Vec<String>,
}

struct Shared {
    base: String,
    token: String,
    article: i64,
    stop: Arc<AtomicBool>,
}

fn id_of(answer: &Answer) -> Option<i64> {
    answer.json()["id"].as_i64()
}

/// The id at the end of a `Location` URL (`…/api/v1/articles/90`).
fn location_id(answer: &Answer) -> Option<i64> {
    answer.location.as_deref()?.rsplit('/').next()?.parse().ok()
}

/// Writes until told to stop, then checks its acknowledged writes against the (last)
/// server.
fn writer(w: usize, shared: &Shared) -> Report {
    let mut http = Http::new(&shared.base, Some(shared.token.clone()));
    let mut report = Report::default();
    let mut n: u64 = 0;
    while !shared.stop.load(Ordering::SeqCst) {
        n += 1;
        let (what, answer) = match (n + w as u64) % 3 {
            0 => {
                let (title, body) = (article_title(w, n), article_body(w, n));
                let answer = http.post_json(
                    "/api/v1/articles",
                    &json!({"title": title, "body": body, "dateline": "North Quay"}),
                );
                (Sent::Article { title, body }, answer)
            }
            1 => {
                let body = comment_body(w, n);
                // A reader's comment: no token, so the per-address limit applies.
                let token = http.token.take();
                let answer = http.post_json(
                    &format!("/api/v1/articles/{}/comments", shared.article),
                    &json!({
                        "author_name": format!("Reader {w}"),
                        "author_email": format!("reader{w}@example.com"),
                        "body": body,
                    }),
                );
                http.token = token;
                (Sent::Comment { body }, answer)
            }
            _ => {
                let bytes = png(w, n);
                let form = multipart(&bytes, &format!("Gauge frame {w}-{n}"));
                let answer = http.send(
                    Method::POST,
                    "/api/v1/images",
                    Some((&format!("multipart/form-data; boundary={BOUNDARY}"), form)),
                );
                let sha256 = sha256_hex(&bytes);
                (Sent::Image { sha256, bytes }, answer)
            }
        };
        match answer {
            // A 201 whose body was cut off by the kill still named what it created.
            Ok(answer) if answer.status == 201 && !answer.complete => match location_id(&answer) {
                Some(id) => {
                    report.cut_off += 1;
                    report.acks.push(Ack { id, sent: what });
                }
                None => report.unknown += 1,
            },
            Ok(answer) if !answer.complete => report.unknown += 1,
            Ok(answer) if answer.success() => match id_of(&answer) {
                Some(id) => {
                    if let Sent::Image { sha256, .. } = &what
                        && answer.json()["sha256"].as_str() != Some(sha256)
                    {
                        report.failures.push(format!(
                            "image {id}: acknowledged with sha256 {} for an upload of {sha256}",
                            answer.json()["sha256"]
                        ));
                    }
                    report.acks.push(Ack { id, sent: what });
                }
                None => report.failures.push(format!(
                    "a complete {} without an id: {}",
                    answer.status,
                    answer.text()
                )),
            },
            Ok(answer) => {
                let entry = report
                    .refused
                    .entry(answer.status)
                    .or_insert_with(|| (0, answer.text()));
                entry.0 += 1;
            }
            Err(_) => {
                report.unknown += 1;
                // The server is down or restarting: do not spin.
                thread::sleep(Duration::from_millis(25));
            }
        }
    }
    verify(&mut http, shared.article, &mut report);
    report
}

/// Checks every acknowledged write against the server.
fn verify(http: &mut Http, article: i64, report: &mut Report) {
    let mut failures = Vec::new();
    let mut verified = 0;
    for Ack { id, sent } in &report.acks {
        let problem = match sent {
            Sent::Article { title, body } => match http.get(&format!("/api/v1/articles/{id}")) {
                Ok(a) if a.status == 200 && a.complete => {
                    let got = a.json();
                    if got["title"].as_str() != Some(title) {
                        Some(format!("article {id}: title {} ≠ {title:?}", got["title"]))
                    } else if got["body"].as_str() != Some(body) {
                        Some(format!("article {id}: body {} ≠ {body:?}", got["body"]))
                    } else {
                        None
                    }
                }
                Ok(a) => Some(format!(
                    "article {id}: GET → {} (complete: {}) {}",
                    a.status,
                    a.complete,
                    a.text()
                )),
                Err(e) => Some(format!("article {id}: GET failed: {e}")),
            },
            Sent::Comment { body } => match http.get(&format!("/api/v1/comments/{id}")) {
                Ok(a) if a.status == 200 && a.complete => {
                    let got = a.json();
                    if got["body"].as_str() != Some(body) {
                        Some(format!("comment {id}: body {} ≠ {body:?}", got["body"]))
                    } else if got["article_id"].as_i64() != Some(article) {
                        Some(format!("comment {id}: article_id {}", got["article_id"]))
                    } else {
                        None
                    }
                }
                Ok(a) => Some(format!(
                    "comment {id}: GET → {} (complete: {}) {}",
                    a.status,
                    a.complete,
                    a.text()
                )),
                Err(e) => Some(format!("comment {id}: GET failed: {e}")),
            },
            Sent::Image { sha256, bytes } => {
                let meta = http.get(&format!("/api/v1/images/{id}"));
                let file = http.get(&format!("/api/v1/images/{id}/file"));
                match (meta, file) {
                    (Ok(m), Ok(f))
                        if m.status == 200 && m.complete && f.status == 200 && f.complete =>
                    {
                        if m.json()["sha256"].as_str() != Some(sha256) {
                            Some(format!(
                                "image {id}: sha256 {} ≠ {sha256}",
                                m.json()["sha256"]
                            ))
                        } else if f.body != *bytes {
                            Some(format!(
                                "image {id}: served {} bytes (sha256 {}), uploaded {} (sha256 {sha256})",
                                f.body.len(),
                                sha256_hex(&f.body),
                                bytes.len()
                            ))
                        } else {
                            None
                        }
                    }
                    (Ok(m), Ok(f)) => Some(format!(
                        "image {id}: metadata → {} (complete: {}) {}, file → {} (complete: {})",
                        m.status,
                        m.complete,
                        m.text(),
                        f.status,
                        f.complete
                    )),
                    (Err(e), _) | (_, Err(e)) => Some(format!("image {id}: GET failed: {e}")),
                }
            }
        };
        match problem {
            None => verified += 1,
            Some(p) => failures.push(p),
        }
    }
    report.verified += verified;
    report.failures.extend(failures);
}

// The database, read in-process once the server is gone.

#[derive(QueryableByName)]
struct IntegrityRow {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

#[derive(QueryableByName)]
struct ImageFileRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    sha256: String,
    #[diesel(sql_type = Text)]
    mime_type: String,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// `PRAGMA integrity_check`'s lines, the image rows whose file is missing or wrong, and the
/// number of rows in each written table.
fn check_database(db: &Path, media: &Path) -> (Vec<String>, Vec<String>, [i64; 3]) {
    let mut conn = SqliteConnection::establish(&db.to_string_lossy()).expect("open the database");
    let integrity: Vec<String> = diesel::sql_query("PRAGMA integrity_check")
        .load::<IntegrityRow>(&mut conn)
        .expect("PRAGMA integrity_check")
        .into_iter()
        .map(|r| r.integrity_check)
        .collect();
    let images = diesel::sql_query("SELECT id, sha256, mime_type FROM images ORDER BY id")
        .load::<ImageFileRow>(&mut conn)
        .expect("list the image rows");
    let mut missing = Vec::new();
    for row in &images {
        let ext = match row.mime_type.as_str() {
            "image/jpeg" => "jpg",
            "image/png" => "png",
            "image/gif" => "gif",
            "image/webp" => "webp",
            other => {
                missing.push(format!("image {}: unexpected mime type {other}", row.id));
                continue;
            }
        };
        let shard = row.sha256.get(..2).unwrap_or("00");
        let path = media.join(format!("originals/{shard}/{}.{ext}", row.sha256));
        match std::fs::read(&path) {
            Ok(bytes) if sha256_hex(&bytes) == row.sha256 => {}
            Ok(bytes) => missing.push(format!(
                "image {}: {} holds {} bytes of sha256 {}",
                row.id,
                path.display(),
                bytes.len(),
                sha256_hex(&bytes)
            )),
            Err(e) => missing.push(format!("image {}: {}: {e}", row.id, path.display())),
        }
    }
    let mut counts = [0; 3];
    for (count, table) in counts.iter_mut().zip(["articles", "comments", "images"]) {
        *count = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<CountRow>(&mut conn)
            .expect("count rows")
            .n;
    }
    (integrity, missing, counts)
}

// The test.

#[test]
fn acknowledged_writes_survive_sigkill() {
    let started = Instant::now();
    let seed = std::env::var("DATELINE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| getrandom::u64().expect("a random seed"));
    let mut rng = Rng(seed.max(1));
    let mut server = Server::new();
    eprintln!(
        "crash test: seed {seed} (DATELINE_CRASH_SEED), port {}, folder {}",
        server.port,
        server.dir.path().display()
    );

    // First start, an admin token, and the published article readers comment on.
    let mut http = Http::new(&server.base(), None);
    server.start(&mut http);
    let login = http
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .expect("log in");
    assert_eq!(login.status, 200, "login: {}", login.text());
    let token = login.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();
    http.token = Some(token.clone());
    let author = http
        .post_json("/api/v1/authors", &json!({"name": "Mira Halloran"}))
        .expect("create an author");
    assert_eq!(author.status, 201, "{}", author.text());
    let author = id_of(&author).expect("author id");
    let article = http
        .post_json(
            "/api/v1/articles",
            &json!({
                "title": "Ferry timetable changes from Monday",
                "body": "The harbour authority moves the first crossing to 06:10.",
                "status": "published",
                "author_ids": [author],
            }),
        )
        .expect("create the commented article");
    assert_eq!(article.status, 201, "{}", article.text());
    let article = id_of(&article).expect("article id");

    let stop = StopOnDrop(Arc::new(AtomicBool::new(false)));
    let shared = Arc::new(Shared {
        base: server.base(),
        token,
        article,
        stop: stop.0.clone(),
    });
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let shared = shared.clone();
            thread::Builder::new()
                .name(format!("writer-{w}"))
                .spawn(move || writer(w, &shared))
                .expect("spawn a writer")
        })
        .collect();

    // Kill and restart.
    let mut crashes = 0;
    for _ in 0..CRASHES {
        thread::sleep(Duration::from_millis(rng.between(UPTIME_MS.0, UPTIME_MS.1)));
        server.kill();
        crashes += 1;
        server.start(&mut http);
    }
    thread::sleep(FINAL_WINDOW);
    stop.0.store(true, Ordering::SeqCst);

    let mut reports = Vec::new();
    for (w, handle) in writers.into_iter().enumerate() {
        match handle.join() {
            Ok(report) => reports.push(report),
            Err(_) => panic!("writer {w} panicked"),
        }
    }
    let write_secs = started.elapsed().as_secs_f64();

    // The server is done with; the database and media folder are read directly.
    server.kill();
    let (integrity, bad_images, rows) = check_database(&server.db_path(), &server.media_dir());

    // Tally.
    let (mut articles, mut comments, mut images) = (0, 0, 0);
    let (mut unknown, mut cut_off, mut verified) = (0, 0, 0);
    let mut refused: BTreeMap<u16, (u64, String)> = BTreeMap::new();
    let mut failures = Vec::new();
    for report in reports {
        for ack in &report.acks {
            match ack.sent {
                Sent::Article { .. } => articles += 1,
                Sent::Comment { .. } => comments += 1,
                Sent::Image { .. } => images += 1,
            }
        }
        unknown += report.unknown;
        cut_off += report.cut_off;
        verified += report.verified;
        for (status, (count, sample)) in report.refused {
            refused.entry(status).or_insert((0, sample)).0 += count;
        }
        failures.extend(report.failures);
    }
    let acknowledged = articles + comments + images;
    eprintln!(
        "crash test: {crashes} crashes survived ({} starts)",
        server.starts
    );
    eprintln!(
        "crash test: acknowledged writes: {articles} articles, {comments} comments, \
         {images} images ({acknowledged} in all)"
    );
    eprintln!("crash test: verified {verified} of {acknowledged}");
    eprintln!(
        "crash test: unknown-outcome attempts: {unknown}; acknowledgements whose body the \
         kill cut off (id from Location): {cut_off}"
    );
    for (status, (count, sample)) in &refused {
        eprintln!("crash test: refused with {status}: {count} (e.g. {sample})");
    }
    eprintln!(
        "crash test: rows after the last crash: {} articles, {} comments, {} images \
         (acknowledged or not, plus the commented article)",
        rows[0], rows[1], rows[2]
    );
    eprintln!(
        "crash test: integrity_check: {}; image rows without their file: {}",
        integrity.join(" / "),
        bad_images.len()
    );
    eprintln!(
        "crash test: elapsed {:.1}s (writing {write_secs:.1}s)",
        started.elapsed().as_secs_f64()
    );

    let show = |list: &[String]| list.iter().take(20).cloned().collect::<Vec<_>>().join("\n");
    assert!(
        failures.is_empty(),
        "{} acknowledged writes are missing or differ (seed {seed}):\n{}",
        failures.len(),
        show(&failures)
    );
    assert_eq!(integrity, ["ok"], "PRAGMA integrity_check (seed {seed})");
    assert!(
        bad_images.is_empty(),
        "{} image rows lack their file (seed {seed}):\n{}",
        bad_images.len(),
        show(&bad_images)
    );
    let client_errors: Vec<_> = refused
        .iter()
        .filter(|(status, _)| (400..500).contains(*status))
        .map(|(status, (count, sample))| format!("{status} ×{count}: {sample}"))
        .collect();
    assert!(
        client_errors.is_empty(),
        "the test's own writes were refused:\n{}",
        client_errors.join("\n")
    );
    for (kind, count) in [
        ("articles", articles),
        ("comments", comments),
        ("images", images),
    ] {
        assert!(
            count >= MIN_ACKS_PER_KIND,
            "only {count} {kind} acknowledged: the run proves little"
        );
    }
    assert_eq!(crashes, CRASHES);
}
