//! The application: the one routing function that feeds both the server and the OpenAPI
//! document, and the middleware stack around it.

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{Compress, Condition, ErrorHandlers, from_fn};
use actix_web::{App, HttpResponse, web};
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::config::CorsOrigins;
use crate::error::{AppError, problem_for_bare_errors};
use crate::http::TrustProxy;
use crate::http::cache::response_cache;
use crate::http::middleware::{entity_tag, not_modified, request_log, security_headers};
use crate::http::routes::{self, RouteTable};
use crate::openapi::{self, ApiDoc, OPENAPI_PATH};
use crate::state::AppState;
use crate::{
    articles, auth, authors, comments, corrections, feeds, health, images, previews, redirects,
    revisions, sitemaps, sources, tags, users, webhooks,
};

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
            .configure(users::configure)
            .configure(redirects::configure)
            .configure(previews::configure)
            .configure(revisions::configure)
            .configure(corrections::configure)
            .configure(webhooks::configure),
    )
    .configure(feeds::configure)
    .configure(sitemaps::configure)
    .configure(health::configure);
}

/// The whole document, exactly as a server with the default rendition widths serves it at
/// [`OPENAPI_PATH`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    openapi::finish(api, &crate::images::process::DEFAULT_WIDTHS)
}

/// The document as the pretty-printed JSON committed in `openapi/openapi.json`.
pub fn openapi_json() -> Result<String, serde_json::Error> {
    openapi().to_pretty_json().map(|mut s| {
        s.push('\n');
        s
    })
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
    let api = openapi::finish(api, &state.config.image_widths);
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

#[cfg(test)]
mod tests {
    /// What `openapi::finish` adds survives the round trip through utoipa's types.
    #[test]
    fn query_times_are_a_date_or_a_date_time_and_emails_have_no_strict_format() {
        let doc = serde_json::to_value(super::openapi()).unwrap_or_default();
        let params = doc["paths"]["/api/v1/articles"]["get"]["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for name in ["published_after", "published_before"] {
            let p = params.iter().find(|p| p["name"] == name);
            let formats: Vec<&str> = p
                .and_then(|p| p["schema"]["anyOf"].as_array())
                .map(|a| a.iter().filter_map(|s| s["format"].as_str()).collect())
                .unwrap_or_default();
            assert_eq!(formats, ["date", "date-time"], "{name}");
        }
        let email = &doc["components"]["schemas"]["CreateUser"]["properties"]["email"];
        assert!(email.get("format").is_none(), "{email}");
        assert_eq!(email["maxLength"], 254);
    }
}
