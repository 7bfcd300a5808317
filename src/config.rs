//! Typed configuration from the environment.
//!
//! Every variable is listed in `.env.example` and in the README. [`Config::from_env`] reports
//! every bad variable at once rather than stopping at the first, so one restart fixes them all.
//! Only `main` reads the `.env` file; tests build a `Config` in code.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::db::Location;
use crate::images::process::{DEFAULT_WIDTHS, MAX_WIDTH, MAX_WIDTHS};
use crate::site::{PathTemplate, Site};

/// The smallest HMAC key we accept, in bytes.
pub const MIN_JWT_SECRET_BYTES: usize = 32;
/// The shortest password a user may have, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The response cache's budget when `DATELINE_RESPONSE_CACHE_MB` is unset.
pub const DEFAULT_RESPONSE_CACHE_MB: usize = 16;

/// Where cross-origin requests may come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// No cross-origin access (no CORS headers at all).
    None,
    /// Any origin, for public reads (`GET`/`HEAD`) only, without credentials.
    AnyForReads,
    /// These origins, for every method.
    List(Vec<String>),
}

/// Which header, set by a trusted reverse proxy, names the client (for rate limits and logs).
/// Only the header the proxy itself sets may be trusted: another one passes through from the
/// client unchecked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyHeader {
    /// No proxy: the TCP peer is the client.
    None,
    /// The last `X-Forwarded-For` entry.
    XForwardedFor,
    /// The last `Forwarded: for=` element (RFC 7239).
    Forwarded,
}

/// The log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable `key=value` lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// The publication, as feeds and the news sitemap name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// `DATELINE_PUBLICATION_NAME`.
    pub name: String,
    /// `DATELINE_PUBLICATION_LANGUAGE`: a language tag such as `en` or `ar-IQ`.
    pub language: String,
}

/// How webhooks are delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// `DATELINE_WEBHOOK_ALLOW_HTTP`: endpoints may be plain `http://` (else only `https://`).
    pub allow_http: bool,
    /// `DATELINE_WEBHOOK_ALLOW_PRIVATE`: endpoints may resolve to loopback, private,
    /// link-local or otherwise internal addresses.
    pub allow_private: bool,
    /// `DATELINE_WEBHOOK_TIMEOUT`: how long one attempt may take, whole.
    pub timeout: std::time::Duration,
    /// `DATELINE_WEBHOOK_RETRY_BASE_MS`: the wait before the first retry; it doubles with each
    /// failure (up to an hour), with jitter.
    pub retry_base: std::time::Duration,
    /// `DATELINE_WEBHOOK_RETRY_FOR`: how long an endpoint may keep failing before it is
    /// disabled and flagged.
    pub retry_for: std::time::Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_http: false,
            allow_private: false,
            timeout: std::time::Duration::from_secs(10),
            retry_base: std::time::Duration::from_secs(5),
            retry_for: std::time::Duration::from_secs(24 * 3600),
        }
    }
}

/// The first admin, created at start-up when no user exists yet.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminBootstrap {
    pub email: String,
    pub password: String,
}

impl fmt::Debug for AdminBootstrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminBootstrap")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Everything the service needs to know about its surroundings.
#[derive(Clone)]
pub struct Config {
    /// `DATABASE_URL`: an SQLite file (a `sqlite://` prefix is accepted and dropped), or a
    /// PostgreSQL database (`postgres://…`).
    pub database: Location,
    /// `DATELINE_BIND_ADDR`: where to listen.
    pub bind_addr: SocketAddr,
    /// `DATELINE_PUBLIC_URL`: base of absolute links, without a trailing slash.
    pub public_url: String,
    /// `DATELINE_JWT_SECRET`: the HMAC key; `None` means "generate one and keep it on disk".
    pub jwt_secret: Option<String>,
    /// `DATELINE_MEDIA_DIR`: where uploaded images and renditions live.
    pub media_dir: PathBuf,
    /// `DATELINE_MEDIA_STORE`: an S3-compatible bucket (`s3://bucket/prefix`) that holds
    /// images instead of `media_dir`, shared by every node.
    pub media_store: Option<String>,
    /// `DATELINE_SEARCH_DIR`: the full-text search index, rebuilt from the database whenever
    /// it is missing (default: `search` beside the database).
    pub search_dir: PathBuf,
    /// `DATELINE_ADMIN_EMAIL` + `DATELINE_ADMIN_PASSWORD`.
    pub admin: Option<AdminBootstrap>,
    /// `DATELINE_COMMENTS_PER_HOUR`: comments one client address may post per hour.
    pub comments_per_hour: u32,
    /// `DATELINE_CORS_ORIGINS`.
    pub cors_origins: CorsOrigins,
    /// `DATELINE_TRUST_PROXY`: the header a trusted proxy puts the client address in.
    pub trust_proxy: ProxyHeader,
    /// `DATELINE_LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
    /// `DATELINE_RESPONSE_CACHE_MB`: the response cache's budget in bytes (0: no cache).
    pub response_cache_bytes: usize,
    /// `DATELINE_SITE_URL` and the path templates: canonical URLs.
    pub site: Site,
    /// `DATELINE_IMAGE_WIDTHS`: the widths renditions come in, ascending.
    pub image_widths: Vec<u32>,
    /// `DATELINE_PUBLICATION_NAME` and `DATELINE_PUBLICATION_LANGUAGE`.
    pub publication: Publication,
    /// `DATELINE_WEBHOOK_*`.
    pub webhooks: WebhookSettings,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database", &self.database.to_string())
            .field("bind_addr", &self.bind_addr)
            .field("public_url", &self.public_url)
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("media_dir", &self.media_dir)
            .field("media_store", &self.media_store)
            .field("search_dir", &self.search_dir)
            .field("admin", &self.admin)
            .field("comments_per_hour", &self.comments_per_hour)
            .field("cors_origins", &self.cors_origins)
            .field("trust_proxy", &self.trust_proxy)
            .field("log_format", &self.log_format)
            .field("response_cache_bytes", &self.response_cache_bytes)
            .field("site", &self.site)
            .field("image_widths", &self.image_widths)
            .field("publication", &self.publication)
            .field("webhooks", &self.webhooks)
            .finish()
    }
}

/// Every problem found in the environment, reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub Vec<String>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the configuration has {} problem(s):", self.0.len())?;
        for problem in &self.0 {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads configuration through `get`; an empty value counts as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| {
            get(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut problems = Vec::new();

        let database = get("DATABASE_URL").map_or_else(
            || Location::Sqlite(PathBuf::from("data/dateline.db")),
            |v| Location::parse(&v),
        );
        if database
            .sqlite_path()
            .is_some_and(|p| p.as_os_str() == ":memory:")
        {
            problems.push(
                "DATABASE_URL: `:memory:` is not supported (every pooled connection would get \
                 its own empty database); give a file path"
                    .to_owned(),
            );
        }

        let default_bind: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 8080));
        let bind_addr = match get("DATELINE_BIND_ADDR") {
            None => default_bind,
            Some(v) => v.parse().unwrap_or_else(|_| {
                problems.push(format!(
                    "DATELINE_BIND_ADDR: `{v}` is not an address:port such as 127.0.0.1:8080"
                ));
                default_bind
            }),
        };

        let public_url = match get("DATELINE_PUBLIC_URL") {
            None => format!("http://{bind_addr}"),
            Some(v) => {
                if !(v.starts_with("http://") || v.starts_with("https://")) {
                    problems.push(format!(
                        "DATELINE_PUBLIC_URL: `{v}` must start with http:// or https://"
                    ));
                }
                v.trim_end_matches('/').to_owned()
            }
        };

        let jwt_secret = get("DATELINE_JWT_SECRET");
        if jwt_secret.is_none() && matches!(database, Location::Postgres(_)) {
            problems.push(
                "DATELINE_JWT_SECRET: must be set with PostgreSQL: every node signs and checks \
                 tokens with the same key, so none may generate its own (make one with \
                 `openssl rand -hex 32`)"
                    .to_owned(),
            );
        }
        if let Some(secret) = &jwt_secret
            && secret.len() < MIN_JWT_SECRET_BYTES
        {
            problems.push(format!(
                "DATELINE_JWT_SECRET: is {} bytes; an HMAC key must be at least \
                     {MIN_JWT_SECRET_BYTES} bytes so tokens cannot be forged by guessing it \
                     (make one with `openssl rand -hex 32`, or unset it to have one generated)",
                secret.len()
            ));
        }

        let media_store = get("DATELINE_MEDIA_STORE");
        if let Some(store) = &media_store
            && !store
                .strip_prefix("s3://")
                .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
        {
            problems.push(format!(
                "DATELINE_MEDIA_STORE: `{store}` is not an S3 bucket URL such as \
                 s3://newsroom-media/images (endpoint and credentials come from AWS_*)"
            ));
        }

        let media_dir = get("DATELINE_MEDIA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("data/media"));

        let search_dir = get("DATELINE_SEARCH_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir_of(&database).join("search"));

        let admin = match (get("DATELINE_ADMIN_EMAIL"), get("DATELINE_ADMIN_PASSWORD")) {
            (None, None) => None,
            (Some(email), Some(password)) => {
                if !crate::validate::is_plausible_email(&email) {
                    problems.push(format!(
                        "DATELINE_ADMIN_EMAIL: `{email}` is not an email address"
                    ));
                }
                if password.chars().count() < MIN_PASSWORD_CHARS {
                    problems.push(format!(
                        "DATELINE_ADMIN_PASSWORD: must be at least {MIN_PASSWORD_CHARS} characters"
                    ));
                }
                Some(AdminBootstrap { email, password })
            }
            (Some(email), None) => {
                if !crate::validate::is_plausible_email(&email) {
                    problems.push(format!(
                        "DATELINE_ADMIN_EMAIL: `{email}` is not an email address"
                    ));
                }
                problems.push(
                    "DATELINE_ADMIN_PASSWORD: must be set when DATELINE_ADMIN_EMAIL is".to_owned(),
                );
                None
            }
            (None, Some(_)) => {
                problems.push(
                    "DATELINE_ADMIN_EMAIL: must be set when DATELINE_ADMIN_PASSWORD is".to_owned(),
                );
                None
            }
        };

        let comments_per_hour = match get("DATELINE_COMMENTS_PER_HOUR") {
            None => 20,
            Some(v) => match v.parse::<u32>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    problems.push(format!(
                        "DATELINE_COMMENTS_PER_HOUR: `{v}` is not a whole number of at least 1"
                    ));
                    20
                }
            },
        };

        let cors_origins = match get("DATELINE_CORS_ORIGINS") {
            None => CorsOrigins::None,
            Some(v) if v == "*" => CorsOrigins::AnyForReads,
            Some(v) => {
                let origins: Vec<String> = v
                    .split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect();
                for origin in &origins {
                    let host = origin
                        .strip_prefix("https://")
                        .or_else(|| origin.strip_prefix("http://"));
                    let valid = host.is_some_and(|h| !h.is_empty() && !h.contains('/'));
                    if !valid {
                        problems.push(format!(
                            "DATELINE_CORS_ORIGINS: `{origin}` is not an origin such as \
                             https://www.example.com (scheme and host, no path), nor `*`"
                        ));
                    }
                }
                CorsOrigins::List(origins)
            }
        };

        let trust_proxy = match get("DATELINE_TRUST_PROXY")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("false" | "0" | "no" | "none") => ProxyHeader::None,
            Some("x-forwarded-for") => ProxyHeader::XForwardedFor,
            Some("forwarded") => ProxyHeader::Forwarded,
            Some(v) => {
                problems.push(format!(
                    "DATELINE_TRUST_PROXY: `{v}` is not `false`, `x-forwarded-for` or `forwarded` \
                     (name the one header your proxy sets itself)"
                ));
                ProxyHeader::None
            }
        };

        let log_format = match get("DATELINE_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(v) => {
                problems.push(format!(
                    "DATELINE_LOG_FORMAT: `{v}` is not `text` or `json`"
                ));
                LogFormat::Text
            }
        };

        let response_cache_bytes = match get("DATELINE_RESPONSE_CACHE_MB") {
            None => DEFAULT_RESPONSE_CACHE_MB << 20,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n <= 4096 => n << 20,
                _ => {
                    problems.push(format!(
                        "DATELINE_RESPONSE_CACHE_MB: `{v}` is not a whole number of megabytes \
                         from 0 (no cache) to 4096"
                    ));
                    0
                }
            },
        };

        let site_base = get("DATELINE_SITE_URL").map(|v| {
            let valid = ["https://", "http://"]
                .iter()
                .filter_map(|scheme| v.strip_prefix(scheme))
                .next()
                .is_some_and(|rest| {
                    !rest.is_empty()
                        && !rest.contains(['?', '#'])
                        && !rest.contains(char::is_whitespace)
                });
            if !valid {
                problems.push(format!(
                    "DATELINE_SITE_URL: `{v}` is not the website's address such as \
                     https://www.example.com (no query or fragment)"
                ));
            }
            v.trim_end_matches('/').to_owned()
        });
        let defaults = Site::default();
        let mut template = |key: &str, default: PathTemplate, dates: bool| match get(key) {
            None => default,
            Some(text) => PathTemplate::parse(&text, dates).unwrap_or_else(|e| {
                problems.push(format!("{key}: {e}"));
                default
            }),
        };
        let site = Site {
            base: site_base,
            article: template("DATELINE_ARTICLE_PATH", defaults.article, true),
            tag: template("DATELINE_TAG_PATH", defaults.tag, false),
            author: template("DATELINE_AUTHOR_PATH", defaults.author, false),
            source: template("DATELINE_SOURCE_PATH", defaults.source, false),
        };

        let image_widths = match get("DATELINE_IMAGE_WIDTHS") {
            None => DEFAULT_WIDTHS.to_vec(),
            Some(v) => {
                let mut widths: Vec<u32> = Vec::new();
                for part in v.split(',').map(str::trim) {
                    match part.parse::<u32>() {
                        Ok(w) if (1..=MAX_WIDTH).contains(&w) => widths.push(w),
                        _ => problems.push(format!(
                            "DATELINE_IMAGE_WIDTHS: `{part}` is not a width in pixels from 1 \
                             to {MAX_WIDTH} (give a comma list such as 160,320,640)"
                        )),
                    }
                }
                widths.sort_unstable();
                widths.dedup();
                if widths.len() > MAX_WIDTHS {
                    problems.push(format!(
                        "DATELINE_IMAGE_WIDTHS: names {} widths; at most {MAX_WIDTHS}",
                        widths.len()
                    ));
                }
                widths
            }
        };

        let language = get("DATELINE_PUBLICATION_LANGUAGE").unwrap_or_else(|| "en".to_owned());
        let well_formed = language.split('-').enumerate().all(|(i, part)| {
            let (min, max) = if i == 0 { (2, 3) } else { (1, 8) };
            (min..=max).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric())
        }) && language
            .bytes()
            .take_while(|b| *b != b'-')
            .all(|b| b.is_ascii_alphabetic());
        if !well_formed {
            problems.push(format!(
                "DATELINE_PUBLICATION_LANGUAGE: `{language}` is not a language tag such as en, \
                 ar or en-GB"
            ));
        }
        let publication = Publication {
            name: get("DATELINE_PUBLICATION_NAME").unwrap_or_else(|| "Dateline".to_owned()),
            language,
        };

        let webhooks = webhook_settings(&get, &mut problems);

        if !problems.is_empty() {
            return Err(ConfigError(problems));
        }
        Ok(Self {
            database,
            bind_addr,
            public_url,
            jwt_secret,
            media_dir,
            media_store,
            search_dir,
            admin,
            comments_per_hour,
            cors_origins,
            trust_proxy,
            log_format,
            response_cache_bytes,
            site,
            image_widths,
            publication,
            webhooks,
        })
    }

    /// The folder that holds the SQLite database (`data` with PostgreSQL); the generated JWT
    /// secret is kept there.
    pub fn data_dir(&self) -> &Path {
        data_dir_of(&self.database)
    }
}

/// `DATELINE_WEBHOOK_*`, with a problem for each value that does not parse.
fn webhook_settings(
    get: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> WebhookSettings {
    let defaults = WebhookSettings::default();
    let mut flag = |key: &str| match get(key).map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("false" | "0" | "no") => false,
        Some("true" | "1" | "yes") => true,
        Some(v) => {
            problems.push(format!("{key}: `{v}` is not `true` or `false`"));
            false
        }
    };
    let allow_http = flag("DATELINE_WEBHOOK_ALLOW_HTTP");
    let allow_private = flag("DATELINE_WEBHOOK_ALLOW_PRIVATE");
    let mut number = |key: &str, range: std::ops::RangeInclusive<u64>, unit: &str, default: u64| {
        match get(key) {
            None => default,
            Some(v) => match v.parse::<u64>() {
                Ok(n) if range.contains(&n) => n,
                _ => {
                    problems.push(format!(
                        "{key}: `{v}` is not a whole number of {unit} from {} to {}",
                        range.start(),
                        range.end()
                    ));
                    default
                }
            },
        }
    };
    let timeout = number(
        "DATELINE_WEBHOOK_TIMEOUT",
        1..=60,
        "seconds",
        defaults.timeout.as_secs(),
    );
    let retry_base = number(
        "DATELINE_WEBHOOK_RETRY_BASE_MS",
        1..=3_600_000,
        "milliseconds",
        u64::try_from(defaults.retry_base.as_millis()).unwrap_or(5000),
    );
    let retry_for = number(
        "DATELINE_WEBHOOK_RETRY_FOR",
        1..=30 * 24 * 3600,
        "seconds",
        defaults.retry_for.as_secs(),
    );
    WebhookSettings {
        allow_http,
        allow_private,
        timeout: std::time::Duration::from_secs(timeout),
        retry_base: std::time::Duration::from_millis(retry_base),
        retry_for: std::time::Duration::from_secs(retry_for),
    }
}

/// The folder of the SQLite file, else `data`.
fn data_dir_of(database: &Location) -> &Path {
    database.sqlite_path().map_or(Path::new("data"), folder_of)
}

/// The folder that holds `file` (`.` for a bare file name).
fn folder_of(file: &Path) -> &Path {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_match_the_documented_table() {
        let c = from(&[]).unwrap();
        assert_eq!(
            c.database,
            Location::Sqlite(PathBuf::from("data/dateline.db"))
        );
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert_eq!(c.jwt_secret, None);
        assert_eq!(c.media_dir, PathBuf::from("data/media"));
        assert_eq!(c.search_dir, PathBuf::from("data/search"));
        assert_eq!(c.admin, None);
        assert_eq!(c.comments_per_hour, 20);
        assert_eq!(c.cors_origins, CorsOrigins::None);
        assert_eq!(c.trust_proxy, ProxyHeader::None);
        assert_eq!(c.data_dir(), Path::new("data"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = from(&[
            ("DATELINE_BIND_ADDR", "localhost"),
            ("DATELINE_JWT_SECRET", "too-short"),
            ("DATELINE_COMMENTS_PER_HOUR", "-3"),
            ("DATELINE_ADMIN_EMAIL", "desk@example.com"),
            (
                "DATELINE_CORS_ORIGINS",
                "ftp://x.example, https://ok.example",
            ),
        ])
        .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.0.len(), 5, "{text}");
        assert!(text.contains("DATELINE_BIND_ADDR"));
        assert!(text.contains("DATELINE_JWT_SECRET: is 9 bytes"));
        assert!(text.contains("at least 32 bytes"));
        assert!(text.contains("DATELINE_COMMENTS_PER_HOUR"));
        assert!(text.contains("DATELINE_ADMIN_PASSWORD: must be set"));
        assert!(text.contains("ftp://x.example"));
    }

    #[test]
    fn image_widths_are_a_sorted_list_of_sane_widths() {
        assert_eq!(from(&[]).unwrap().image_widths, [160, 320, 640, 1024, 1600]);
        let c = from(&[("DATELINE_IMAGE_WIDTHS", "800, 400,400,1200")]).unwrap();
        assert_eq!(c.image_widths, [400, 800, 1200]);
        let err = from(&[("DATELINE_IMAGE_WIDTHS", "400,wide,0,5000")]).unwrap_err();
        assert_eq!(err.0.len(), 3, "{err}");
        assert!(err.0[0].contains("`wide`"), "{err}");
    }

    #[test]
    fn the_publication_has_a_name_and_a_language_tag() {
        let c = from(&[]).unwrap();
        assert_eq!(
            c.publication,
            Publication {
                name: "Dateline".into(),
                language: "en".into()
            }
        );
        for good in ["ar", "en-GB", "zh-Hant-TW"] {
            let c = from(&[("DATELINE_PUBLICATION_LANGUAGE", good)]).unwrap();
            assert_eq!(c.publication.language, good);
        }
        for bad in ["english", "e", "en_GB", "12", "en-", "en GB"] {
            let err = from(&[("DATELINE_PUBLICATION_LANGUAGE", bad)]).unwrap_err();
            assert!(
                err.0[0].starts_with("DATELINE_PUBLICATION_LANGUAGE"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn site_url_and_path_templates() {
        let c = from(&[
            ("DATELINE_SITE_URL", "https://news.example/"),
            ("DATELINE_TAG_PATH", "/topics/{slug}"),
        ])
        .unwrap();
        assert_eq!(c.site.base.as_deref(), Some("https://news.example"));
        assert_eq!(
            c.site
                .page(crate::site::Page::Tag, 1, "islamic-state")
                .as_deref(),
            Some("https://news.example/topics/islamic-state")
        );
        assert_eq!(from(&[]).unwrap().site, Site::default());
        let err = from(&[
            ("DATELINE_SITE_URL", "news.example"),
            ("DATELINE_ARTICLE_PATH", "/{yyyy}/{title}/"),
            ("DATELINE_AUTHOR_PATH", "/by/{dd}/{slug}"),
        ])
        .unwrap_err();
        assert_eq!(err.0.len(), 3, "{err}");
        assert!(err.0[1].starts_with("DATELINE_ARTICLE_PATH: "), "{err}");
        assert!(err.0[2].starts_with("DATELINE_AUTHOR_PATH: "), "{err}");
    }

    #[test]
    fn public_url_follows_the_bind_address_and_loses_its_trailing_slash() {
        let c = from(&[("DATELINE_BIND_ADDR", "0.0.0.0:9000")]).unwrap();
        assert_eq!(c.public_url, "http://0.0.0.0:9000");
        let c = from(&[("DATELINE_PUBLIC_URL", "https://cms.example.com/")]).unwrap();
        assert_eq!(c.public_url, "https://cms.example.com");
    }

    #[test]
    fn cors_star_means_public_reads_and_a_list_is_kept() {
        let c = from(&[("DATELINE_CORS_ORIGINS", "*")]).unwrap();
        assert_eq!(c.cors_origins, CorsOrigins::AnyForReads);
        let c = from(&[(
            "DATELINE_CORS_ORIGINS",
            "https://www.example.com, http://localhost:3000/",
        )])
        .unwrap();
        assert_eq!(
            c.cors_origins,
            CorsOrigins::List(vec![
                "https://www.example.com".into(),
                "http://localhost:3000".into()
            ])
        );
    }

    #[test]
    fn empty_values_count_as_unset_and_sqlite_prefix_is_dropped() {
        let c = from(&[
            ("DATELINE_JWT_SECRET", ""),
            ("DATABASE_URL", "sqlite:///tmp/x/news.db"),
        ])
        .unwrap();
        assert_eq!(c.jwt_secret, None);
        assert_eq!(
            c.database,
            Location::Sqlite(PathBuf::from("/tmp/x/news.db"))
        );
        assert_eq!(c.data_dir(), Path::new("/tmp/x"));
        assert_eq!(
            c.search_dir,
            PathBuf::from("/tmp/x/search"),
            "beside the database"
        );
        let c = from(&[
            ("DATABASE_URL", "news.db"),
            ("DATELINE_SEARCH_DIR", "/srv/idx"),
        ])
        .unwrap();
        assert_eq!(c.search_dir, PathBuf::from("/srv/idx"));
        let c = from(&[("DATABASE_URL", "news.db")]).unwrap();
        assert_eq!(c.search_dir, PathBuf::from("./search"));
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let c = from(&[
            (
                "DATELINE_JWT_SECRET",
                "0123456789abcdef0123456789abcdef-secret",
            ),
            ("DATELINE_ADMIN_EMAIL", "desk@example.com"),
            ("DATELINE_ADMIN_PASSWORD", "correct horse battery"),
        ])
        .unwrap();
        let debug = format!("{c:?}");
        assert!(!debug.contains("-secret"));
        assert!(!debug.contains("horse"));
    }
}
