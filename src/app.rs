//! The application: its shared state, the one routing function that feeds both the server and
//! the OpenAPI document, the middleware stack, and the HTTP server itself.

use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{Compress, Condition, ErrorHandlers, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::auth::throttle::SlidingWindow;
use crate::auth::tokens::{self, TokenKeys};
use crate::config::{Config, CorsOrigins};
use crate::db::{self, Db};
use crate::error::{AppError, problem_for_bare_errors};
use crate::http::TrustProxy;
use crate::http::cache::{ResponseCache, response_cache};
use crate::http::middleware::{entity_tag, not_modified, request_log, security_headers};
use crate::http::routes::{self, RouteTable};
use crate::images::Media;
use crate::images::storage::LocalStore;
use crate::openapi::{self, ApiDoc};
use crate::users::dto::CreateUser;
use crate::{articles, auth, authors, comments, health, images, sources, tags, users};

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api-docs/openapi.json";

/// What every request handler may reach: configuration, the database, the signing keys and
/// the login throttle. Cheap to clone; shared by all workers.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub keys: Arc<TokenKeys>,
    pub login_throttle: Arc<SlidingWindow>,
    /// Comments per client address per hour.
    pub comment_throttle: Arc<SlidingWindow>,
    /// Statements run so far by the database's connections (readers and the writer).
    pub statements: db::StatementCounter,
    /// Uploaded images and their renditions.
    pub media: Arc<Media>,
    /// Public answers, kept for as long as the content generation they were made at.
    pub cache: web::Data<ResponseCache>,
    /// The full-text index of articles, kept in step with the database in the background.
    pub search: crate::search::SearchIndex,
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
    #[error("media folder {path}: {source}")]
    Media {
        path: String,
        source: std::io::Error,
    },
    #[error("server: {0}")]
    Server(#[from] std::io::Error),
}

/// Connections that read (one more writes).
const READERS: u32 = 8;
/// Threads for blocking work per HTTP worker (see [`serve`]).
const BLOCKING_THREADS_PER_WORKER: usize = 4;

/// Failed logins allowed per account and per client address within [`LOGIN_WINDOW`].
pub const LOGIN_FAILURES_ALLOWED: usize = 5;
/// The login throttle's window.
pub const LOGIN_WINDOW: Duration = Duration::from_secs(60);

impl AppState {
    /// Opens and migrates the database and loads the signing key. Does not touch users.
    pub fn open(config: Config) -> Result<Self, StartError> {
        let statements = db::StatementCounter::default();
        let db = Db::open(&config.database_path, READERS, statements.clone())?;
        let applied = db::migrate(&config.database_path)?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "database migrated");
        }
        let secret = tokens::load_or_create_secret(&config)?;
        let store = LocalStore::new(&config.media_dir).map_err(|source| StartError::Media {
            path: config.media_dir.display().to_string(),
            source,
        })?;
        let comments_per_hour = usize::try_from(config.comments_per_hour).unwrap_or(usize::MAX);
        // The indexer reads through connections of its own: the request pool's statement
        // counter must not see its background work.
        // A search index commit changes what searches answer: the cache moves on with it.
        let generation = db.generation().clone();
        let search = crate::search::SearchIndex::open(
            &config.search_dir,
            db::open_pool(&config.database_path, 2)?,
            Box::new(move || generation.bump()),
        );
        // Searches' hits are kept between index commits where answers are kept at all.
        search.remember(config.response_cache_bytes > 0);
        let indexer = search.clone();
        db.after_commit(Box::new(move || indexer.notify()));
        let cache = web::Data::new(ResponseCache::new(
            config.response_cache_bytes,
            db.generation().clone(),
        ));
        Ok(Self {
            search,
            cache,
            media: Arc::new(Media::new(Box::new(store))),
            keys: Arc::new(TokenKeys::new(&secret)),
            config: Arc::new(config),
            db,
            login_throttle: Arc::new(SlidingWindow::new(LOGIN_FAILURES_ALLOWED, LOGIN_WINDOW)),
            comment_throttle: Arc::new(SlidingWindow::new(
                comments_per_hour,
                Duration::from_secs(3600),
            )),
            statements,
        })
    }

    /// [`AppState::open`], then creates the admin of `DATELINE_ADMIN_EMAIL` when no user
    /// exists yet.
    pub async fn init(config: Config) -> Result<Self, StartError> {
        let state = Self::open(config)?;
        state
            .db
            .refresh_generation()
            .await
            .map_err(|e| StartError::Read(e.to_string()))?;
        actix_web::rt::spawn(watch_the_clock(state.db.clone()));
        state.search.start()?;
        tracing::info!(
            database = %state.config.database_path.display(),
            media = %state.config.media_dir.display(),
            search_index = %state.config.search_dir.display(),
            "opened the newsroom's data"
        );
        let users = db::read(&state.db, |conn| Ok(users::queries::count(conn)?))
            .await
            .map_err(|e| StartError::Bootstrap(e.to_string()))?;
        match state.config.admin.clone() {
            None if users == 0 => tracing::warn!(
                "no user exists and DATELINE_ADMIN_EMAIL and DATELINE_ADMIN_PASSWORD are not set: \
                 nobody can log in until they are, or until `dateline user create` makes one"
            ),
            None => tracing::info!(users, "admin bootstrap skipped: not configured"),
            Some(admin) if users > 0 => tracing::info!(
                users,
                email = %admin.email,
                "admin bootstrap skipped: users exist already"
            ),
            Some(admin) => {
                let body = CreateUser {
                    email: admin.email.clone(),
                    display_name: None,
                    role: auth::Role::Admin,
                    password: admin.password,
                    author_id: None,
                    disabled: false,
                }
                .validate()
                .map_err(|e| StartError::Bootstrap(e.problem().detail))?;
                users::service::create(&state, body)
                    .await
                    .map_err(|e| StartError::Bootstrap(e.to_string()))?;
                tracing::info!(email = %admin.email, "admin bootstrap: created the first admin");
            }
        }
        Ok(state)
    }
}

/// Moves the content generation on when a scheduled article falls due (checked every second;
/// until then the response cache stands aside, so no reader ever gets a stale answer).
async fn watch_the_clock(db: Db) {
    let mut tick = actix_web::rt::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        if db.generation().is_due(chrono::Utc::now().timestamp())
            && let Err(e) = db.refresh_generation().await
        {
            tracing::warn!(error = %e, "cannot refresh the content generation");
        }
    }
}

/// Every documented route. The server and the OpenAPI document both come from here.
fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/api/v1")
            .configure(articles::configure)
            .configure(authors::configure)
            .configure(comments::configure)
            .configure(images::configure)
            .configure(sources::configure)
            .configure(tags::configure)
            .configure(auth::configure)
            .configure(users::configure),
    )
    .configure(health::configure);
}

/// The OpenAPI document of [`routes`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    openapi::finish(api)
}

fn cors(origins: &CorsOrigins) -> Cors {
    let exposed = [
        header::ETAG,
        header::LINK,
        header::LOCATION,
        header::RETRY_AFTER,
        header::HeaderName::from_static("x-total-count"),
        header::HeaderName::from_static("x-request-id"),
    ];
    let base = Cors::default().expose_headers(exposed).max_age(3600);
    match origins {
        CorsOrigins::None => base,
        CorsOrigins::AnyForReads => base
            .allow_any_origin()
            .send_wildcard()
            .allowed_methods([Method::GET, Method::HEAD])
            .allowed_headers([header::ACCEPT, header::IF_NONE_MATCH]),
        CorsOrigins::List(list) => list
            .iter()
            .fold(base, |cors, origin| cors.allowed_origin(origin))
            .allowed_methods([
                Method::GET,
                Method::HEAD,
                Method::POST,
                Method::PATCH,
                Method::DELETE,
            ])
            .allowed_headers([
                header::ACCEPT,
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_MATCH,
                header::IF_NONE_MATCH,
            ]),
    }
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// The whole application, as the server runs it and as the tests drive it.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    let api = openapi::finish(api);
    let table = RouteTable::new(
        &api,
        &[
            (OPENAPI_PATH, Method::GET),
            ("/docs", Method::GET),
            ("/docs/{file}", Method::GET),
        ],
    );
    let cors_enabled = state.config.cors_origins != CorsOrigins::None;
    let cors = cors(&state.config.cors_origins);
    let trust_proxy = TrustProxy(state.config.trust_proxy);

    let cache = state.cache.clone();
    app.app_data(web::Data::new(state))
        .app_data(cache)
        .app_data(web::Data::new(table))
        .app_data(web::Data::new(trust_proxy))
        .app_data(web::PathConfig::default().error_handler(|_, req| {
            AppError::BadRequest(format!(
                "`{}` is not a valid address here: ids are positive whole numbers.",
                req.path()
            ))
            .into()
        }))
        .app_data(web::QueryConfig::default().error_handler(|err, _| {
            AppError::BadRequest(format!("The query string could not be read: {err}.")).into()
        }))
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .url(OPENAPI_PATH, api)
                // Served on a real hostname, Swagger UI would otherwise send the document's
                // address to validator.swagger.io.
                .config(SwaggerConfig::default().validator_url("none")),
        )
        .service(
            web::resource("/docs")
                .route(web::get().to(docs_redirect))
                .default_service(web::to(routes::fallback)),
        )
        .default_service(web::to(routes::fallback))
        // Inner to outer: each request passes these bottom-up, each response top-down.
        .wrap(from_fn(entity_tag))
        .wrap(from_fn(routes::known_query))
        .wrap(from_fn(security_headers))
        .wrap(Condition::new(cors_enabled, cors))
        .wrap(ErrorHandlers::new().default_handler(problem_for_bare_errors))
        .wrap(Compress::default())
        .wrap(from_fn(response_cache))
        .wrap(from_fn(not_modified))
        .wrap(from_fn(request_log))
}

/// Runs the HTTP server until SIGTERM or SIGINT, then lets in-flight requests finish.
pub async fn serve(config: Config) -> Result<(), StartError> {
    let state = AppState::init(config).await?;
    // Listen for the signals before the socket opens, so none can arrive unhandled.
    let shutdown = shutdown_signal()?;
    let addr = state.config.bind_addr;
    let public_url = state.config.public_url.clone();
    let server = HttpServer::new({
        let state = state.clone();
        move || app(state.clone())
    })
    .disable_signals()
    .shutdown_timeout(10)
    // Blocking work (queries, rendering, hashing) runs on each worker's thread pool. Beyond
    // the reader connections, more threads only wait for one, and each keeps the memory of
    // the answers it built: tokio's default of 512 per worker let a burst of 64 connections
    // grow the server by hundreds of MB.
    .worker_max_blocking_threads(BLOCKING_THREADS_PER_WORKER)
    .bind(addr)
    .map_err(|source| StartError::Bind {
        addr: addr.to_string(),
        source,
    })?
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        let signal = shutdown.await;
        tracing::info!(signal, "shutting down gracefully");
        handle.stop(true).await;
    });
    tracing::info!(%addr, docs = %format!("{public_url}/docs/"), "Dateline is listening");
    server.await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves with the name of the first of SIGTERM and SIGINT to arrive. The handlers are
/// installed by this call, not when the future is first polled.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = &'static str>> {
    use actix_web::rt::signal::unix::{SignalKind, signal};
    use futures_util::future::{Either, select};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        let (term, int) = (Box::pin(term.recv()), Box::pin(int.recv()));
        match select(term, int).await {
            Either::Left(_) => "SIGTERM",
            Either::Right(_) => "SIGINT",
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = &'static str>> {
    Ok(async {
        let _ = actix_web::rt::signal::ctrl_c().await;
        "Ctrl-C"
    })
}
