//! `GET /healthz`: whether the service and its database answer; `GET /`: where to start.

use actix_web::{HttpResponse, get, web};
use diesel::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db;
use crate::error::AppError;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz).service(index);
}

/// Where a newcomer starts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Index {
    #[schema(example = "Dateline")]
    pub name: &'static str,
    /// Swagger UI.
    #[schema(example = "/docs/")]
    pub docs: &'static str,
    /// The OpenAPI document.
    #[schema(example = "/api-docs/openapi.json")]
    pub openapi: &'static str,
    /// The API's root.
    #[schema(example = "/api/v1")]
    pub api: &'static str,
    #[schema(example = "/healthz")]
    pub health: &'static str,
}

/// Where to start
///
/// Points to the API documentation (Swagger UI), the OpenAPI document, the API's root and the
/// health check.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "Where the documentation and the API are.", body = Index),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
    )
)]
#[get("/")]
pub async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            crate::http::CACHE_PUBLIC,
        ))
        .json(Index {
            name: "Dateline",
            docs: "/docs/",
            openapi: crate::openapi::OPENAPI_PATH,
            api: "/api/v1",
            health: "/healthz",
        })
}

/// The service's health.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` once the database answers.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Health check
///
/// `{"status":"ok"}` once the database answers a query; `503` while it does not.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "The service and its database answer.", body = Health),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
    )
)]
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    db::read(&state.db, |conn| {
        diesel::sql_query("SELECT 1").execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}
