//! The "ceiling": a minimal actix-web server that answers with response bytes captured from
//! Dateline, so that a benchmark can compare Dateline with what this machine does when it only
//! has to send the same bytes.
//!
//! `ceiling DIR ADDR` reads every `DIR/<stem>.req` (first line: the request target, path and
//! query), `DIR/<stem>.headers` (the status line and headers as written by `curl -sD`) and
//! `DIR/<stem>.body` (the exact body bytes), then answers a `GET` (or `HEAD`) of that exact
//! target with the same status, headers and body. Anything else is an empty `404`. No
//! middleware, one worker per core (actix's default).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Bytes};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};

/// One captured answer.
struct Captured {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

/// Request target (path and query) → its captured answer.
type Responses = HashMap<String, Captured>;

/// Headers that actix writes itself for every response.
const DROPPED: [&str; 4] = ["date", "content-length", "transfer-encoding", "connection"];

fn load(dir: &Path) -> Responses {
    let mut responses = Responses::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("req") {
            continue;
        }
        let target = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        let head = std::fs::read_to_string(path.with_extension("headers"))
            .unwrap_or_else(|e| panic!("{}: {e}", path.with_extension("headers").display()));
        let body = std::fs::read(path.with_extension("body"))
            .unwrap_or_else(|e| panic!("{}: {e}", path.with_extension("body").display()));
        let captured = parse_head(&head, Bytes::from(body))
            .unwrap_or_else(|e| panic!("{}: {e}", path.with_extension("headers").display()));
        eprintln!(
            "ceiling: {target} -> {} ({} bytes)",
            captured.status,
            captured.body.len()
        );
        responses.insert(target, captured);
    }
    responses
}

/// Parses `curl -sD` output. With interim answers (`100 Continue`) curl writes several heads;
/// the last one is the answer.
fn parse_head(head: &str, body: Bytes) -> Result<Captured, String> {
    let mut status = None;
    let mut headers = Vec::new();
    for line in head.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with("HTTP/") {
            let code = line
                .split_whitespace()
                .nth(1)
                .ok_or_else(|| format!("no status in {line:?}"))?;
            let code: u16 = code.parse().map_err(|e| format!("{code:?}: {e}"))?;
            status = Some(StatusCode::from_u16(code).map_err(|e| e.to_string())?);
            headers.clear();
        } else if let Some((name, value)) = line.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            if DROPPED.contains(&name.as_str()) {
                continue;
            }
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string())?;
            let value = HeaderValue::from_str(value.trim()).map_err(|e| e.to_string())?;
            headers.push((name, value));
        }
    }
    let status = status.ok_or("no status line")?;
    Ok(Captured {
        status,
        headers,
        body,
    })
}

async fn answer(req: HttpRequest, responses: web::Data<Responses>) -> HttpResponse {
    let target = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let found = match *req.method() {
        Method::GET | Method::HEAD => responses.get(target),
        _ => None,
    };
    let Some(captured) = found else {
        return HttpResponse::NotFound().finish();
    };
    let mut response = HttpResponse::build(captured.status);
    for (name, value) in &captured.headers {
        response.append_header((name.clone(), value.clone()));
    }
    response.body(captured.body.clone())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(addr)) = (args.next(), args.next()) else {
        eprintln!("usage: ceiling DIR ADDR (e.g. ceiling bench/out/capture 127.0.0.1:18081)");
        std::process::exit(2);
    };
    let responses = web::Data::new(load(Path::new(&dir)));
    eprintln!(
        "ceiling: {} responses, listening on {addr}",
        responses.len()
    );
    HttpServer::new(move || {
        App::new()
            .app_data(responses.clone())
            .default_service(web::to(answer))
    })
    .bind(&addr)?
    .run()
    .await
}
