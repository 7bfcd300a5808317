//! Test harness: each test gets the real application on its own port, over real HTTP, with
//! its own temp-file SQLite database, and an admin ready to log in.

use std::time::Duration;

use actix_web::HttpServer;
use actix_web::dev::ServerHandle;
use actix_web::http::{Method, StatusCode, header::HeaderMap};
use dateline::app::app;
use dateline::auth::Role;
use dateline::config::Config;
use dateline::db::Location;
use dateline::server;
use dateline::state::AppState;
use serde_json::{Value, json};
use tempfile::TempDir;

pub const ADMIN_EMAIL: &str = "admin@dateline.test";
pub const ADMIN_PASSWORD: &str = "admin password 1234";
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
/// How long [`TestApp::search_settled`] waits for the search index.
const SEARCH_WAIT: Duration = Duration::from_secs(30);
/// The password of every user [`TestApp::user`] makes.
pub const PASSWORD: &str = "a long enough password";

/// A running Dateline for one test.
pub struct TestApp {
    pub base: String,
    pub client: awc::Client,
    pub state: AppState,
    /// The folder of the database, media and search index; `None` once handed on by
    /// [`TestApp::restart`].
    dir: Option<TempDir>,
    handle: ServerHandle,
    /// The PostgreSQL database, on PostgreSQL runs; dropped after the server stopped.
    database: Option<std::sync::Arc<TestDatabase>>,
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts the status and that the body is a problem of that status; returns the problem.
    #[track_caller]
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.text()
        );
        let p = self.json();
        assert_eq!(p["status"], status);
        assert_eq!(p["type"], "about:blank");
        assert!(p["title"].is_string());
        assert!(p["detail"].is_string());
        p
    }

    /// The `field` names of a 422 problem's `errors`.
    #[track_caller]
    pub fn invalid_fields(&self) -> Vec<String> {
        self.problem(422)["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    #[track_caller]
    pub fn ok(&self) -> Value {
        assert!(
            self.status.is_success(),
            "expected success, got {}: {}",
            self.status,
            self.text()
        );
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }
}

/// A socket on a free port, and its URL.
fn listen() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    (listener, format!("http://127.0.0.1:{port}"))
}

/// Declares each named `async fn` test twice, as `name::sqlite` and `name::postgres`. The
/// PostgreSQL run needs `DATELINE_TEST_POSTGRES_URL` (a server where the tests may create
/// databases); without it, it says so and passes without running.
#[macro_export]
macro_rules! both_backends {
    ($($test:ident),+ $(,)?) => {$(
        mod $test {
            #[actix_web::test]
            async fn sqlite() {
                super::$test().await
            }

            #[actix_web::test]
            async fn postgres() {
                if let Some(_backend) = $crate::helpers::PostgresRun::start() {
                    super::$test().await
                }
            }
        }
    )+};
}

thread_local! {
    /// The PostgreSQL server of the test running on this thread, if it runs on PostgreSQL.
    static POSTGRES: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// While alive, apps this thread starts use a database of their own on the server of
/// `DATELINE_TEST_POSTGRES_URL`.
pub struct PostgresRun;

impl PostgresRun {
    pub fn start() -> Option<Self> {
        let Some(url) = std::env::var("DATELINE_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
        else {
            eprintln!("not run on PostgreSQL: DATELINE_TEST_POSTGRES_URL is not set");
            return None;
        };
        POSTGRES.with(|p| *p.borrow_mut() = Some(url));
        Some(Self)
    }
}

impl Drop for PostgresRun {
    fn drop(&mut self) {
        POSTGRES.with(|p| *p.borrow_mut() = None);
    }
}

/// A PostgreSQL database made for one app, dropped with it.
pub struct TestDatabase {
    server: String,
    pub name: String,
}

impl TestDatabase {
    /// A new, empty database on the PostgreSQL server at `server`.
    pub fn create(server: &str) -> Self {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("dateline_test_{}_{n}", std::process::id());
        let mut conn = diesel::PgConnection::establish(server).expect("the test PostgreSQL server");
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .expect("drop a leftover test database");
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        Self {
            server: server.to_owned(),
            name,
        }
    }

    /// The database's URL: the server's, with this database's name.
    pub fn url(&self) -> String {
        let (address, options) = self.server.split_once('?').unwrap_or((&self.server, ""));
        let (server, _) = address.rsplit_once('/').unwrap_or((address, ""));
        match options {
            "" => format!("{server}/{}", self.name),
            options => format!("{server}/{}?{options}", self.name),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.server) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A test configuration over a fresh temp folder.
pub fn test_config(dir: &std::path::Path) -> Config {
    let mut config = Config::from_lookup(|_| None).expect("default config");
    config.database = Location::Sqlite(dir.join("dateline.db"));
    config.media_dir = dir.join("media");
    config.search_dir = dir.join("search");
    config.jwt_secret = Some(JWT_SECRET.to_owned());
    config.admin = Some(dateline::config::AdminBootstrap {
        email: ADMIN_EMAIL.to_owned(),
        password: ADMIN_PASSWORD.to_owned(),
    });
    config
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts the app after `adjust` had its say on the configuration.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (listener, public_url) = listen();
        let mut config = test_config(dir.path());
        config.public_url = public_url;
        let database = POSTGRES
            .with(|p| p.borrow().clone())
            .map(|server| std::sync::Arc::new(TestDatabase::create(&server)));
        if let Some(database) = &database {
            config.database = Location::Postgres(database.url());
            // Several nodes keep images in an object store: with `DATELINE_TEST_S3_URL` (a
            // bucket on an S3-compatible server, endpoint and keys in `AWS_*`), the
            // PostgreSQL run keeps them there, under a prefix of its own.
            if let Some(bucket) = std::env::var("DATELINE_TEST_S3_URL")
                .ok()
                .filter(|u| !u.trim().is_empty())
            {
                config.media_store = Some(format!(
                    "{}/{}",
                    bucket.trim_end_matches('/'),
                    database.name
                ));
            }
        }
        adjust(&mut config);
        Self::spawn_in(dir, config, listener, database).await
    }

    /// Stops this app, lets `between` act on its folder while no server runs, then starts
    /// the app again over the same folder and configuration.
    pub async fn restart(mut self, between: impl FnOnce(&std::path::Path)) -> Self {
        let dir = self.dir.take().expect("the app's folder");
        let database = self.database.take();
        let mut config = (*self.state.config).clone();
        self.handle.stop(true).await;
        drop(self);
        between(dir.path());
        let (listener, public_url) = listen();
        config.public_url = public_url;
        Self::spawn_in(dir, config, listener, database).await
    }

    /// Starts the app over `dir` with `config`, serving `listener`.
    async fn spawn_in(
        dir: TempDir,
        config: Config,
        listener: std::net::TcpListener,
        database: Option<std::sync::Arc<TestDatabase>>,
    ) -> Self {
        let base = config.public_url.clone();
        let state = server::start(config).await.expect("app state");
        let server_state = state.clone();
        let server = HttpServer::new(move || app(server_state.clone()))
            .workers(1)
            .disable_signals()
            .shutdown_timeout(1)
            .listen(listener)
            .expect("listen")
            .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .disable_redirects()
            .finish();
        Self {
            base,
            client,
            state,
            dir: Some(dir),
            handle,
            database,
        }
    }

    /// Waits until the search index holds every write committed so far. Indexing runs in
    /// the background about a second behind the database (as Elasticsearch's refresh does),
    /// so a test that searches what it just wrote waits here first.
    pub async fn search_settled(&self) {
        let search = self.state.search.clone();
        let caught_up = actix_web::web::block(move || search.wait_caught_up(SEARCH_WAIT))
            .await
            .expect("blocking task")
            .expect("search index");
        assert!(
            caught_up,
            "the search index did not catch up within {SEARCH_WAIT:?}"
        );
    }

    /// POSTs `body` to `path` as `token`, asserts `201`, returns the created object.
    pub async fn create(&self, path: &str, body: Value, token: &str) -> Value {
        let res = self.post(path, &body, Some(token)).await;
        assert_eq!(res.status, 201, "POST {path} {body}: {}", res.text());
        res.json()
    }

    /// The SQL statements the app's database connections have run so far.
    pub fn statements(&self) -> u64 {
        self.state.statements.get()
    }

    /// The statements an answer from the response cache costs: none on SQLite, nor on
    /// PostgreSQL while the node listens for other nodes' writes; otherwise one, the look at
    /// the shared content generation (did another node write?).
    pub fn cache_check(&self) -> u64 {
        u64::from(self.state.db.is_postgres() && !self.state.db.is_listening())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request to adjust (headers) before sending it with [`send`].
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> awc::ClientRequest {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        send(self.request(Method::GET, path, token), None).await
    }

    pub async fn post(&self, path: &str, body: &Value, token: Option<&str>) -> Resp {
        send(self.request(Method::POST, path, token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value, token: Option<&str>) -> Resp {
        send(self.request(Method::PATCH, path, token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        send(self.request(Method::DELETE, path, token), None).await
    }

    /// Logs in; returns the token pair's body.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        let res = self
            .post(
                "/api/v1/auth/login",
                &json!({"email": email, "password": password}),
                None,
            )
            .await;
        assert_eq!(res.status, 200, "login of {email}: {}", res.text());
        res.json()
    }

    pub async fn admin_token(&self) -> String {
        access(&self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await)
    }

    /// Creates a user of `role` named by `email` (as the admin); returns its id.
    pub async fn user(&self, email: &str, role: Role) -> i64 {
        let admin = self.admin_token().await;
        let res = self
            .post(
                "/api/v1/users",
                &json!({"email": email, "role": role, "password": PASSWORD}),
                Some(&admin),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()["id"].as_i64().expect("id")
    }

    /// A fresh user of `role` and an access token for it: `(user id, token)`.
    pub async fn token_for(&self, role: Role) -> (i64, String) {
        let email = format!("{}-{}@dateline.test", role, unique());
        let id = self.user(&email, role).await;
        (id, access(&self.login(&email, PASSWORD).await))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        actix_web::rt::spawn(async move { handle.stop(false).await });
    }
}

/// The ids of a list answer's `data`.
pub fn ids(list: &Value) -> Vec<i64> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|item| item["id"].as_i64().expect("id"))
        .collect()
}

/// The `slug`s of a list answer's `data`.
pub fn slugs(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|item| item["slug"].as_str().expect("slug").to_owned())
        .collect()
}

/// The access token of a token pair body.
pub fn access(pair: &Value) -> String {
    pair["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// Sends `req` with an optional JSON body and reads the whole answer.
pub async fn send(req: awc::ClientRequest, body: Option<&Value>) -> Resp {
    let res = match body {
        Some(body) => req.send_json(body).await,
        None => req.send().await,
    };
    read(res.expect("request failed")).await
}

/// Sends `req` with a raw body.
pub async fn send_raw(req: awc::ClientRequest, body: impl Into<Vec<u8>>) -> Resp {
    read(req.send_body(body.into()).await.expect("request failed")).await
}

pub async fn read<S>(mut res: awc::ClientResponse<S>) -> Resp
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>>
        + Unpin,
{
    let body = res.body().limit(64 * 1024 * 1024).await.expect("body");
    Resp {
        status: res.status(),
        headers: res.headers().clone(),
        body: body.to_vec(),
    }
}

/// A number no other call in this process returns.
pub fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
