//! Operations: health, request ids, errors for unknown routes and methods, compression,
//! CORS, the docs and the OpenAPI document, and the binary's commands.

use std::io::Write;
use std::process::{Command, Stdio};

use actix_web::http::Method;
use dateline::config::CorsOrigins;
use dateline::db::Location;
use serde_json::{Value, json};

use crate::helpers::*;

const BIN: &str = env!("CARGO_BIN_EXE_dateline");

crate::both_backends!(healthz_is_ok_with_an_etag_and_a_request_id);
async fn healthz_is_ok_with_an_etag_and_a_request_id() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz", None).await;
    assert_eq!(res.ok(), json!({"status": "ok"}));
    assert!(res.header("etag").unwrap().starts_with('"'));
    assert_eq!(res.header("x-request-id").unwrap().len(), 16);
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
}

crate::both_backends!(a_plain_incoming_request_id_is_kept_and_a_strange_one_replaced);
async fn a_plain_incoming_request_id_is_kept_and_a_strange_one_replaced() {
    let app = TestApp::spawn().await;
    let req = app
        .request(Method::GET, "/healthz", None)
        .insert_header(("x-request-id", "edge-42.abc"));
    assert_eq!(
        send(req, None).await.header("x-request-id"),
        Some("edge-42.abc")
    );
    let req = app
        .request(Method::GET, "/healthz", None)
        .insert_header(("x-request-id", "bad id; drop"));
    let id = send(req, None)
        .await
        .header("x-request-id")
        .unwrap()
        .to_owned();
    assert_ne!(id, "bad id; drop");
}

crate::both_backends!(unknown_routes_are_404_problems);
async fn unknown_routes_are_404_problems() {
    let app = TestApp::spawn().await;
    for path in [
        "/nope",
        "/api/v1/articlez",
        "/api/v1/users/1/x",
        "/docs/missing.js",
    ] {
        let res = app.get(path, None).await;
        res.problem(404);
        assert!(res.header("x-request-id").is_some());
    }
}

crate::both_backends!(wrong_methods_are_405_with_allow);
async fn wrong_methods_are_405_with_allow() {
    let app = TestApp::spawn().await;
    for (method, path, allow) in [
        (Method::PUT, "/api/v1/users", "GET, HEAD, POST"),
        (Method::POST, "/api/v1/users/3", "GET, HEAD, PATCH, DELETE"),
        (Method::DELETE, "/healthz", "GET, HEAD"),
        (Method::GET, "/api/v1/auth/login", "POST"),
        (Method::POST, "/api-docs/openapi.json", "GET, HEAD"),
    ] {
        let res = send(app.request(method.clone(), path, None), None).await;
        res.problem(405);
        assert_eq!(res.header("allow"), Some(allow), "{method} {path}");
    }
}

crate::both_backends!(head_answers_like_get_without_a_body);
async fn head_answers_like_get_without_a_body() {
    let app = TestApp::spawn().await;
    let get = app.get("/healthz", None).await;
    let head = send(app.request(Method::HEAD, "/healthz", None), None).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("etag"), get.header("etag"));
}

crate::both_backends!(responses_are_compressed_when_the_client_accepts_it);
async fn responses_are_compressed_when_the_client_accepts_it() {
    let app = TestApp::spawn().await;
    for encoding in ["gzip", "br"] {
        let req = app
            .request(Method::GET, "/api-docs/openapi.json", None)
            .no_decompress()
            .insert_header(("accept-encoding", encoding));
        let res = send(req, None).await;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("content-encoding"), Some(encoding));
    }
}

crate::both_backends!(a_compressed_answer_has_its_own_strong_etag_and_either_revalidates);
async fn a_compressed_answer_has_its_own_strong_etag_and_either_revalidates() {
    let app = TestApp::spawn().await;
    let req = app
        .request(Method::GET, "/api-docs/openapi.json", None)
        .no_decompress()
        .insert_header(("accept-encoding", "identity"));
    let plain = send(req, None).await;
    assert_eq!(plain.header("content-encoding"), None);
    let plain_tag = plain.header("etag").unwrap().to_owned();
    let req = app
        .request(Method::GET, "/api-docs/openapi.json", None)
        .no_decompress()
        .insert_header(("accept-encoding", "gzip"));
    let gz = send(req, None).await;
    let gz_tag = gz.header("etag").unwrap().to_owned();
    assert_eq!(
        gz_tag,
        format!("{}-gzip\"", plain_tag.trim_end_matches('"'))
    );
    for tag in [&plain_tag, &gz_tag] {
        let req = app
            .request(Method::GET, "/api-docs/openapi.json", None)
            .insert_header(("accept-encoding", "gzip"))
            .insert_header(("if-none-match", tag.as_str()));
        assert_eq!(send(req, None).await.status, 304, "{tag}");
    }
}

crate::both_backends!(docs_redirect_to_swagger_ui_served_from_the_binary);
async fn docs_redirect_to_swagger_ui_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let res = app.get("/docs", None).await;
    assert_eq!(res.status, 308);
    assert_eq!(res.header("location"), Some("/docs/"));
    let res = app.get("/docs/", None).await;
    assert_eq!(res.status, 200);
    assert!(res.header("content-type").unwrap().starts_with("text/html"));
    assert!(res.text().contains("swagger"), "{}", res.text());
    let init = app.get("/docs/swagger-initializer.js", None).await;
    assert_eq!(init.status, 200);
    assert!(init.text().contains("/api-docs/openapi.json"));
    // No call to the online validator from a reader's browser.
    assert!(
        init.text().contains(r#""validatorUrl": "none""#)
            || init.text().contains(r#""validatorUrl":"none""#),
        "{}",
        init.text()
    );
}

fn committed_spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let text = std::fs::read_to_string(path).expect("openapi/openapi.json is missing");
    serde_json::from_str(&text).expect("openapi/openapi.json is not JSON")
}

crate::both_backends!(the_committed_openapi_document_is_what_the_server_serves);
async fn the_committed_openapi_document_is_what_the_server_serves() {
    let app = TestApp::spawn().await;
    let served = app.get("/api-docs/openapi.json", None).await.ok();
    assert!(
        served == committed_spec(),
        "openapi/openapi.json differs from the document the server serves; regenerate it with\n\
         \n    cargo run -- openapi > openapi/openapi.json\n"
    );
    assert_eq!(served["openapi"], "3.1.0");
}

#[test]
fn dateline_openapi_prints_the_committed_document() {
    let out = Command::new(BIN).arg("openapi").output().unwrap();
    assert!(out.status.success());
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        printed == committed_spec(),
        "`dateline openapi` differs from openapi/openapi.json; regenerate it with\n\
         \n    cargo run -- openapi > openapi/openapi.json\n"
    );
}

#[test]
fn every_operation_has_a_tag_summary_description_and_documented_errors() {
    let spec = committed_spec();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{name}: tag"
            );
            assert!(op["summary"].is_string(), "{name}: summary");
            assert!(op["description"].is_string(), "{name}: description");
            let responses = op["responses"].as_object().unwrap();
            for status in ["500", "503"] {
                assert!(responses.contains_key(status), "{name}: {status}");
            }
            if op["security"] != json!([{}]) {
                assert!(responses.contains_key("401"), "{name}: secured but no 401");
            }
        }
    }
    let bearer = &spec["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["type"], "http");
    assert_eq!(bearer["scheme"], "bearer");
    assert_eq!(bearer["bearerFormat"], "JWT");
}

crate::both_backends!(cors_lets_listed_origins_write_and_exposes_headers);
async fn cors_lets_listed_origins_write_and_exposes_headers() {
    let app = TestApp::spawn_with(|c| {
        c.cors_origins = CorsOrigins::List(vec!["https://www.newsroom.example".into()]);
    })
    .await;
    let req = app
        .request(Method::OPTIONS, "/api/v1/users", None)
        .insert_header(("origin", "https://www.newsroom.example"))
        .insert_header(("access-control-request-method", "POST"))
        .insert_header((
            "access-control-request-headers",
            "authorization, content-type",
        ));
    let res = send(req, None).await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://www.newsroom.example")
    );
    let req = app
        .request(Method::GET, "/healthz", None)
        .insert_header(("origin", "https://www.newsroom.example"));
    let res = send(req, None).await;
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://www.newsroom.example")
    );
    assert!(
        res.header("access-control-expose-headers")
            .unwrap()
            .to_lowercase()
            .contains("etag")
    );
    let req = app
        .request(Method::GET, "/healthz", None)
        .insert_header(("origin", "https://evil.example"));
    let res = send(req, None).await;
    assert_eq!(res.header("access-control-allow-origin"), None);
}

crate::both_backends!(cors_star_allows_reads_only);
async fn cors_star_allows_reads_only() {
    let app = TestApp::spawn_with(|c| c.cors_origins = CorsOrigins::AnyForReads).await;
    let req = app
        .request(Method::GET, "/healthz", None)
        .insert_header(("origin", "https://any.example"));
    assert_eq!(
        send(req, None).await.header("access-control-allow-origin"),
        Some("*")
    );
    let req = app
        .request(Method::OPTIONS, "/api/v1/users", None)
        .insert_header(("origin", "https://any.example"))
        .insert_header(("access-control-request-method", "POST"));
    let res = send(req, None).await;
    assert_ne!(res.status, 200);
    assert_eq!(res.header("access-control-allow-origin"), None);
}

crate::both_backends!(without_cors_configured_no_cors_headers_are_sent);
async fn without_cors_configured_no_cors_headers_are_sent() {
    let app = TestApp::spawn().await;
    let req = app
        .request(Method::GET, "/healthz", None)
        .insert_header(("origin", "https://any.example"));
    let res = send(req, None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("access-control-allow-origin"), None);
}

fn dateline(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", dir.join("db/dateline.db"));
    cmd
}

#[test]
fn a_short_jwt_secret_refuses_to_start_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let out = dateline(dir.path())
        .env("DATELINE_JWT_SECRET", "too-short")
        .env("DATELINE_BIND_ADDR", "nonsense")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DATELINE_JWT_SECRET: is 9 bytes"), "{err}");
    assert!(err.contains("at least 32 bytes"), "{err}");
    assert!(
        err.contains("DATELINE_BIND_ADDR"),
        "all problems at once: {err}"
    );
}

#[actix_web::test]
async fn migrate_then_user_create_reads_the_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let out = dateline(dir.path()).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("db/dateline.db").exists());
    let again = dateline(dir.path()).arg("migrate").output().unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("up to date"));

    let (ok, out) = user_cmd(
        dir.path(),
        &[
            "create",
            "--email",
            "chief@newsroom.example",
            "--role",
            "admin",
        ],
        "a long admin password\n",
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("created admin chief@newsroom.example"),
        "{out}"
    );
    let (ok, out) = user_cmd(
        dir.path(),
        &[
            "create",
            "--email",
            "x@newsroom.example",
            "--role",
            "editor",
        ],
        "short\n",
    );
    assert!(!ok);
    assert!(
        out.contains("password: must be at least 12 characters"),
        "{out}"
    );

    // The admin made on the command line logs in over HTTP; the secret was generated beside the
    // database with mode 0600.
    let app = TestApp::spawn_with(|c| {
        c.database = Location::Sqlite(dir.path().join("db/dateline.db"));
        c.admin = None;
        c.jwt_secret = None;
    })
    .await;
    app.login("chief@newsroom.example", "a long admin password")
        .await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("db/jwt-secret"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn serve_creates_its_database_and_shuts_down_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = dateline(dir.path())
        .env("DATELINE_BIND_ADDR", format!("127.0.0.1:{port}"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(up, "the server did not start listening");
    assert!(dir.path().join("db/dateline.db").exists());
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("shutting down gracefully"), "{log}");
    assert!(log.contains("stopped"), "{log}");
}

#[actix_web::test]
async fn seed_demo_loads_a_living_newsroom_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dateline(dir.path())
        .args(["seed", "--demo"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("12 articles"));
    let again = dateline(dir.path())
        .args(["seed", "--demo"])
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("already there"));
    let no_flag = dateline(dir.path()).arg("seed").output().unwrap();
    assert!(!no_flag.status.success());

    let app =
        TestApp::spawn_with(|c| c.database = Location::Sqlite(dir.path().join("db/dateline.db")))
            .await;
    let public = app
        .get("/api/v1/articles?include=authors,tags,sources", None)
        .await
        .ok();
    assert_eq!(public["meta"]["total"], 7);
    let admin = app.admin_token().await;
    let everything = app
        .get("/api/v1/articles?status=any&per_page=100", Some(&admin))
        .await
        .ok();
    assert_eq!(everything["meta"]["total"], 12);
    let statuses: std::collections::BTreeSet<String> = everything["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        ["archived", "draft", "published", "scheduled"]
    );
    let lead = app
        .get(
            &format!(
                "/api/v1/articles/{}?include=sources",
                dateline::seed::LEAD_SLUG
            ),
            None,
        )
        .await
        .ok();
    assert_eq!(lead["dateline"], "Qaim");
    let sources: Vec<&str> = lead["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "IraqiNews.com",
            "Alsumaria News",
            "Mawazin News",
            "War Media Cell"
        ]
    );
    app.search_settled().await;
    let search = app
        .get("/api/v1/articles?q=%22black%20stain%22", None)
        .await
        .ok();
    assert_eq!(slugs(&search), [dateline::seed::LEAD_SLUG]);
}

#[test]
fn the_document_says_what_lists_accept_and_what_sparse_answers_look_like() {
    let spec = committed_spec();
    let params = &spec["paths"]["/api/v1/articles"]["get"]["parameters"];
    let param = |name: &str| {
        params
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()
            .clone()
    };
    let sort = param("sort")["schema"]["pattern"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        sort.contains("published_at|updated_at|created_at|title"),
        "{sort}"
    );
    assert!(
        param("include")["schema"]["pattern"]
            .as_str()
            .unwrap()
            .contains("feature_image")
    );
    let ok = &spec["paths"]["/api/v1/articles/{id_or_slug}"]["get"]["responses"]["200"];
    assert!(ok["content"]["application/json"]["schema"]["anyOf"].is_array());
    assert!(ok["headers"]["ETag"].is_object() && ok["headers"]["Cache-Control"].is_object());
    let w = spec["paths"]["/api/v1/images/{id}/file"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "w")
        .unwrap()
        .clone();
    assert_eq!(w["schema"]["enum"], json!([160, 320, 640, 1024, 1600]));
    let if_match = spec["paths"]["/api/v1/articles/{id_or_slug}"]["patch"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "If-Match")
        .unwrap()
        .clone();
    assert_eq!(if_match["schema"]["type"], "string");
    let title = &spec["components"]["schemas"]["UpdateArticle"]["properties"]["title"];
    assert_eq!(title["type"], "string", "not nullable: null is refused");
}

/// A `.env` line that does not parse stops start-up with its number, and nothing of the file
/// applies (it used to apply the lines above it and skip the rest silently).
#[test]
fn a_dotenv_line_that_does_not_parse_stops_start_up_with_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("never.db");
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "DATELINE_BIND_ADDR=127.0.0.1:1\n# a comment\nDATABASE_URL={}\nTHE DESK FORGOT AN EQUALS SIGN\n",
            db.display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(BIN)
        .arg("serve")
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(".env, line 4:"), "{stderr}");
    assert!(
        stderr.contains("THE DESK FORGOT AN EQUALS SIGN"),
        "{stderr}"
    );
    assert!(!db.exists(), "nothing of the file applied");
}

crate::both_backends!(the_root_points_to_the_docs_and_every_answer_has_the_security_headers);
/// `GET /` tells a newcomer where the documentation and the API are, and every answer (a
/// success, a problem, the docs) carries the security headers.
async fn the_root_points_to_the_docs_and_every_answer_has_the_security_headers() {
    let app = TestApp::spawn().await;
    let root = app.get("/", None).await;
    let body = root.ok();
    assert_eq!(body["docs"], "/docs/");
    assert_eq!(body["openapi"], "/api-docs/openapi.json");
    let spec = app.get(body["openapi"].as_str().unwrap(), None).await.ok();
    assert!(spec["paths"]["/"]["get"].is_object(), "GET / is documented");
    for path in [
        "/",
        "/healthz",
        "/docs/",
        "/api/v1/articles",
        "/api/v1/articles/none-such",
        "/nowhere",
        "/api/v1/articles?limit=2",
    ] {
        let res = app.get(path, None).await;
        assert_eq!(
            res.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(res.header("referrer-policy"), Some("no-referrer"), "{path}");
        let csp = res.header("content-security-policy").unwrap_or_default();
        if path.starts_with("/docs") {
            // Swagger UI runs its own scripts (checked in a browser by `.ci/swagger-dom`).
            assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
            assert!(!csp.contains("unsafe-eval"), "{path}: {csp}");
        } else {
            assert!(csp.starts_with("default-src 'none'"), "{path}: {csp}");
        }
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
}

/// Runs `dateline serve` in `dir` with `env` until it listens, then stops it (by its PID);
/// answers what it logged.
fn serve_log(dir: &std::path::Path, env: &[(&str, &str)]) -> String {
    use std::io::BufRead;
    let mut cmd = dateline(dir);
    cmd.arg("serve")
        .env("DATELINE_BIND_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .env("DATELINE_LOG_FORMAT", "text")
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = String::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while let Ok(line) =
        rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
    {
        log.push_str(&line);
        log.push('\n');
        if line.contains("Dateline is listening") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    log
}

/// Start-up says where the data is, and whether the admin bootstrap ran or why it did not.
#[test]
fn start_up_logs_where_the_data_is_and_what_the_admin_bootstrap_did() {
    let dir = tempfile::tempdir().unwrap();
    let admin = [
        ("DATELINE_ADMIN_EMAIL", "chief@dateline.test"),
        ("DATELINE_ADMIN_PASSWORD", "a long enough password"),
    ];
    let first = serve_log(dir.path(), &admin);
    assert!(first.contains("opened the newsroom's data"), "{first}");
    assert!(first.contains("db/dateline.db"), "{first}");
    assert!(first.contains("media="), "{first}");
    assert!(
        first.contains("admin bootstrap: created the first admin"),
        "{first}"
    );
    let again = serve_log(dir.path(), &admin);
    assert!(
        again.contains("admin bootstrap skipped: users exist already"),
        "{again}"
    );
    let unset = serve_log(dir.path(), &[]);
    assert!(
        unset.contains("admin bootstrap skipped: not configured"),
        "{unset}"
    );
    let empty = tempfile::tempdir().unwrap();
    let nobody = serve_log(empty.path(), &[]);
    assert!(nobody.contains("nobody can log in"), "{nobody}");
}

/// What any operation may answer is documented: every one a `422` (an unknown query
/// parameter), every one that reads a query string a `400`, and every id in a path is
/// positive.
#[test]
fn query_errors_and_positive_ids_are_documented() {
    let spec = committed_spec();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let responses = &op["responses"];
            assert!(responses["422"].is_object(), "{method} {path}: no 422");
            if params.iter().any(|p| p["in"] == "query") {
                assert!(responses["400"].is_object(), "{method} {path}: no 400");
            }
            for p in params.iter().filter(|p| p["in"] == "path") {
                if p["schema"]["type"] == "integer" {
                    assert_eq!(p["schema"]["minimum"], 1, "{method} {path}: {p}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 5, "only {checked} integer path ids");
}

/// `dateline backup FILE` copies the database while the server runs; a server started on the
/// copy serves what was there when it was made, and nothing after.
#[actix_web::test]
async fn a_backup_made_while_serving_restores_what_it_holds() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let kept = app
        .create(
            "/api/v1/articles",
            json!({"title": "Rawa bridge reopens to traffic", "body": "Engineers finished the repairs."}),
            &admin,
        )
        .await;
    let database = app.state.config.database.sqlite_path().unwrap().to_owned();
    let copy = database.with_file_name("backup.db");
    let out = std::process::Command::new(BIN)
        .args(["backup", copy.to_str().unwrap()])
        .env("DATABASE_URL", &database)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("integrity check: ok"), "{stdout}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A second backup to the same file is refused rather than overwriting it.
    let again = std::process::Command::new(BIN)
        .args(["backup", copy.to_str().unwrap()])
        .env("DATABASE_URL", &database)
        .output()
        .unwrap();
    assert!(!again.status.success());
    let later = app
        .create(
            "/api/v1/articles",
            json!({"title": "Anah market fire contained"}),
            &admin,
        )
        .await;
    // Restored: a server started on the copy (as on a database file put back in place).
    let restored_path = copy.clone();
    let app = TestApp::spawn_with(move |c| c.database = Location::Sqlite(restored_path)).await;
    let admin = app.admin_token().await;
    let read = app
        .get(
            &format!("/api/v1/articles/{}", kept["slug"].as_str().unwrap()),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(read["title"], "Rawa bridge reopens to traffic");
    assert_eq!(read["body"], "Engineers finished the repairs.");
    app.get(&format!("/api/v1/articles/{}", later["id"]), Some(&admin))
        .await
        .problem(404);
}

/// Runs `dateline user …` in `dir` with `stdin`; answers (success, stdout + stderr).
fn user_cmd(dir: &std::path::Path, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = dateline(dir)
        .arg("user")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// A newsroom whose only admin is locked out gets back in from the shell: accounts are
/// listed, disabled and enabled, and given a new password, with the API's rules (the last
/// enabled admin stays).
#[actix_web::test]
async fn staff_accounts_are_managed_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let pw = "a long enough password\n";
    let (ok, out) = user_cmd(
        dir,
        &[
            "create",
            "--email",
            "chief@dateline.test",
            "--role",
            "admin",
        ],
        pw,
    );
    assert!(ok, "{out}");
    let (ok, out) = user_cmd(
        dir,
        &[
            "create",
            "--email",
            "desk@dateline.test",
            "--role",
            "editor",
            "--author",
            "nobody",
        ],
        pw,
    );
    assert!(!ok && out.contains("no author"), "{out}");
    let (ok, out) = user_cmd(dir, &["disable", "--email", "chief@dateline.test"], "");
    assert!(!ok && out.contains("last enabled admin"), "{out}");
    let (ok, out) = user_cmd(
        dir,
        &[
            "create",
            "--email",
            "deputy@dateline.test",
            "--role",
            "admin",
        ],
        pw,
    );
    assert!(ok, "{out}");
    let (ok, out) = user_cmd(dir, &["disable", "--email", "Chief@Dateline.test"], "");
    assert!(ok, "{out}");
    let (ok, out) = user_cmd(dir, &["list"], "");
    assert!(ok, "{out}");
    let chief = out
        .lines()
        .find(|l| l.contains("chief@dateline.test"))
        .unwrap();
    assert!(chief.contains("disabled"), "{out}");
    let (ok, out) = user_cmd(
        dir,
        &["set-password", "--email", "chief@dateline.test"],
        "short\n",
    );
    assert!(!ok && out.contains("password"), "{out}");
    let new_password = "the desk's new password";
    let (ok, out) = user_cmd(
        dir,
        &["set-password", "--email", "chief@dateline.test"],
        &format!("{new_password}\n"),
    );
    assert!(ok, "{out}");
    let (ok, out) = user_cmd(dir, &["enable", "--email", "chief@dateline.test"], "");
    assert!(ok, "{out}");
    let (ok, out) = user_cmd(dir, &["disable", "--email", "nobody@dateline.test"], "");
    assert!(!ok && out.contains("no account has the email"), "{out}");
    // The server on that database lets the chief in with the new password only.
    let db = dir.join("db/dateline.db");
    let app = TestApp::spawn_with(move |c| c.database = Location::Sqlite(db)).await;
    let login = |password: &'static str| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/auth/login",
                &json!({"email": "chief@dateline.test", "password": password}),
                None,
            )
            .await
            .status
        }
    };
    assert_eq!(login("a long enough password").await, 401);
    assert_eq!(login("the desk's new password").await, 200);
}
