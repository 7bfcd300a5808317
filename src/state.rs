//! What every request handler may reach, and how it is opened: configuration, the database,
//! the signing keys, the throttles, the media store, the response cache and the search index.
//! Holds no routes and starts no work (see `server` for that), so that every module may use it
//! without importing the application that composes them.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;

use crate::auth::throttle::Throttle;
use crate::auth::tokens::{self, TokenKeys};
use crate::config::Config;
use crate::db::{self, Db};
use crate::http::cache::ResponseCache;
use crate::images::Media;
use crate::images::s3::S3Store;
use crate::images::storage::{LocalStore, MediaStore};

/// What every request handler may reach: configuration, the database, the signing keys and
/// the login throttle. Cheap to clone; shared by all workers.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub keys: Arc<TokenKeys>,
    pub login_throttle: Arc<Throttle>,
    /// Comments per client address per hour.
    pub comment_throttle: Arc<Throttle>,
    /// Statements run so far by the database's connections (readers and the writer).
    pub statements: db::StatementCounter,
    /// Uploaded images and their renditions.
    pub media: Arc<Media>,
    /// Public answers, kept for as long as the content generation they were made at.
    pub cache: web::Data<ResponseCache>,
    /// The full-text index of articles, kept in step with the database in the background.
    pub search: crate::search::SearchIndex,
    /// Wakes the webhook worker: after every committed write (it may have queued an event),
    /// and after a redelivery or ping.
    pub webhook_wake: crate::webhooks::worker::Wake,
}

/// Failures that stop the service from starting.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] db::SetupError),
    #[error("JWT secret: {0}")]
    Secret(#[from] tokens::SecretError),
    #[error("creating the first admin: {0}")]
    Bootstrap(String),
    #[error("reading the database: {0}")]
    Read(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("search index: {0}")]
    Search(#[from] crate::search::SearchError),
    #[error("media store {path}: {source}")]
    Media {
        path: String,
        source: std::io::Error,
    },
    #[error("webhooks: {0}")]
    Webhooks(String),
    #[error("server: {0}")]
    Server(#[from] std::io::Error),
}

/// Connections that read (one more writes).
const READERS: u32 = 8;

/// Failed logins allowed per account and per client address within [`LOGIN_WINDOW`].
pub const LOGIN_FAILURES_ALLOWED: usize = 5;
/// The login throttle's window.
pub const LOGIN_WINDOW: Duration = Duration::from_secs(60);

impl AppState {
    /// Opens and migrates the database and loads the signing key. Does not touch users.
    pub fn open(config: Config) -> Result<Self, StartError> {
        let statements = db::StatementCounter::default();
        let db = Db::open(&config.database, READERS, statements.clone())?;
        let applied = db::migrate(&config.database)?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "database migrated");
        }
        let secret = tokens::load_or_create_secret(&config)?;
        let store: Box<dyn MediaStore> = match &config.media_store {
            Some(url) => {
                let store = S3Store::from_url(url)
                    .and_then(|s| s.check().map(|()| s))
                    .map_err(|source| StartError::Media {
                        path: url.clone(),
                        source,
                    })?;
                Box::new(store)
            }
            None => Box::new(LocalStore::new(&config.media_dir).map_err(|source| {
                StartError::Media {
                    path: config.media_dir.display().to_string(),
                    source,
                }
            })?),
        };
        let comments_per_hour = usize::try_from(config.comments_per_hour).unwrap_or(usize::MAX);
        // The indexer reads through connections of its own: the request pool's statement
        // counter must not see its background work.
        // A search index commit changes what searches answer: the cache moves on with it.
        let generation = db.generation().clone();
        let search = crate::search::SearchIndex::open(
            &config.search_dir,
            db::open_pool(&config.database, 2)?,
            Box::new(move || generation.bump()),
        );
        // Searches' hits are kept between index commits where answers are kept at all.
        search.remember(config.response_cache_bytes > 0);
        let indexer = search.clone();
        let webhook_wake = crate::webhooks::worker::Wake::default();
        let wake = webhook_wake.clone();
        db.after_commit(Box::new(move || {
            indexer.notify();
            wake.now();
        }));
        let cache = web::Data::new(ResponseCache::over(config.response_cache_bytes, &db));
        let login_throttle = Arc::new(Throttle::new(
            LOGIN_FAILURES_ALLOWED,
            LOGIN_WINDOW,
            &db,
            "login",
        ));
        let comment_throttle = Arc::new(Throttle::new(
            comments_per_hour,
            Duration::from_secs(3600),
            &db,
            "comment",
        ));
        Ok(Self {
            webhook_wake,
            login_throttle,
            comment_throttle,
            search,
            cache,
            media: Arc::new(Media::new(store)),
            keys: Arc::new(TokenKeys::new(&secret)),
            config: Arc::new(config),
            db,
            statements,
        })
    }
}
