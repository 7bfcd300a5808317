//! `GET /healthz`: whether the service and its database answer.

use actix_web::{HttpResponse, get, web};
use diesel::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::AppState;
use crate::db;
use crate::error::AppError;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz);
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
