//! Start-up and the HTTP server: opens the state, starts the background work, creates the
//! first admin, then serves [`app`](crate::app::app) until a signal stops it.

use std::time::Duration;

use actix_web::HttpServer;

use crate::app::app;
use crate::config::Config;
use crate::db::{self, Db};
use crate::state::{AppState, StartError};
use crate::users::dto::CreateUser;
use crate::{auth, users};

/// Threads for blocking work per HTTP worker (see [`serve`]).
const BLOCKING_THREADS_PER_WORKER: usize = 4;

/// [`AppState::open`], then starts the background work (the clock, the search indexer) and
/// creates the admin of `DATELINE_ADMIN_EMAIL` when no user exists yet.
pub async fn start(config: Config) -> Result<AppState, StartError> {
    let state = AppState::open(config)?;
    state
        .db
        .refresh_generation()
        .await
        .map_err(|e| StartError::Read(e.to_string()))?;
    actix_web::rt::spawn(watch_the_clock(state.db.clone()));
    state.search.start()?;
    // The webhook worker reads and writes through connections of its own: the request pool's
    // statement counter must not see its background work.
    let worker = crate::webhooks::worker::Worker::new(
        db::open_pool(&state.config.database, 4)?,
        state.config.webhooks.clone(),
        state.webhook_wake.clone(),
    )
    .map_err(StartError::Webhooks)?;
    actix_web::rt::spawn(std::sync::Arc::new(worker).run());
    tracing::info!(
        database = %state.config.database,
        media = %state
            .config
            .media_store
            .clone()
            .unwrap_or_else(|| state.config.media_dir.display().to_string()),
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

/// Moves the content generation on when a scheduled article falls due (checked every second;
/// until then the response cache stands aside, so no reader ever gets a stale answer).
async fn watch_the_clock(db: Db) {
    let mut tick = actix_web::rt::time::interval(Duration::from_secs(1));
    let mut ticks: u64 = 0;
    loop {
        tick.tick().await;
        ticks += 1;
        if ticks.is_multiple_of(600)
            && let Err(e) = db.prune_throttle().await
        {
            tracing::warn!(error = %e, "cannot prune the shared throttle");
        }
        if db.generation().is_due(chrono::Utc::now().timestamp())
            && let Err(e) = db.refresh_generation().await
        {
            tracing::warn!(error = %e, "cannot refresh the content generation");
        }
    }
}

/// Runs the HTTP server until SIGTERM or SIGINT, then lets in-flight requests finish.
pub async fn serve(config: Config) -> Result<(), StartError> {
    let state = start(config).await?;
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
