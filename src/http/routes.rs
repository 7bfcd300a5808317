//! What the OpenAPI document says about each route, enforced: the answer for requests no
//! handler took (`405` with `Allow` when the path exists under other methods, `404`
//! otherwise), and the query parameters an operation takes (any other is a `422` naming it,
//! as unknown body fields are). The table comes from the OpenAPI document, which is
//! generated from the very router the server runs, so the two cannot drift apart.

use std::collections::BTreeSet;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, ResponseError, web};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{OpenApi, RefOr};

use crate::error::{AppError, FieldError};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
}

/// A method a path answers, and the query parameters it takes (`None`: not documented, so
/// not checked).
#[derive(Debug, Clone)]
struct Route {
    method: Method,
    query: Option<BTreeSet<String>>,
}

/// Known paths and the methods each answers.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Segment>, Vec<Route>)>,
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .trim_matches('/')
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                Segment::Param
            } else {
                Segment::Literal(s.to_owned())
            }
        })
        .collect()
}

impl RouteTable {
    /// Every operation of `api`, plus `extra` routes served outside it (the docs).
    pub fn new(api: &OpenApi, extra: &[(&str, Method)]) -> Self {
        let mut table = Self::default();
        for (path, item) in &api.paths.paths {
            let ops = [
                (Method::GET, &item.get),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::PATCH, &item.patch),
                (Method::DELETE, &item.delete),
            ];
            for (method, op) in ops {
                if let Some(op) = op {
                    let query = query_names(op);
                    table.add(
                        path,
                        Route {
                            method,
                            query: Some(query),
                        },
                    );
                }
            }
        }
        for (path, method) in extra {
            table.add(
                path,
                Route {
                    method: method.clone(),
                    query: None,
                },
            );
        }
        table
    }

    fn add(&mut self, template: &str, route: Route) {
        let segs = segments(template);
        match self.routes.iter_mut().find(|(s, _)| *s == segs) {
            Some((_, routes)) => {
                if !routes.iter().any(|r| r.method == route.method) {
                    routes.push(route);
                }
            }
            None => self.routes.push((segs, vec![route])),
        }
    }

    /// The known routes `path` matches, the most literal first (`/articles/search` before
    /// `/articles/{id}`).
    fn matching(&self, path: &str) -> Vec<&[Route]> {
        let parts: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
        let mut hits: Vec<(usize, &[Route])> = self
            .routes
            .iter()
            .filter(|(segs, _)| {
                segs.len() == parts.len()
                    && segs.iter().zip(&parts).all(|(s, p)| match s {
                        Segment::Literal(l) => l == p,
                        Segment::Param => !p.is_empty(),
                    })
            })
            .map(|(segs, routes)| {
                let literal = segs
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count();
                (literal, routes.as_slice())
            })
            .collect();
        hits.sort_by_key(|(literal, _)| std::cmp::Reverse(*literal));
        hits.into_iter().map(|(_, routes)| routes).collect()
    }

    /// The query parameters `method` on `path` takes, when the document says (`HEAD` takes
    /// what `GET` takes).
    fn query_params(&self, path: &str, method: &Method) -> Option<&BTreeSet<String>> {
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        self.matching(path)
            .into_iter()
            .flat_map(|routes| routes.iter())
            .find(|r| r.method == method)?
            .query
            .as_ref()
    }

    /// The methods `path` answers (with `HEAD` wherever `GET` is), if it is a known path.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let mut allowed: Vec<Method> = Vec::new();
        for routes in self.matching(path) {
            for r in routes {
                if !allowed.contains(&r.method) {
                    allowed.push(r.method.clone());
                }
            }
        }
        if allowed.is_empty() {
            return None;
        }
        if allowed.contains(&Method::GET) {
            allowed.push(Method::HEAD);
        }
        let order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
        allowed.sort_by_key(|m| order.iter().position(|o| *o == m.as_str()));
        Some(allowed)
    }
}

/// The names of the query parameters `op` documents.
fn query_names(op: &Operation) -> BTreeSet<String> {
    op.parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query) => Some(p.name.clone()),
            _ => None,
        })
        .collect()
}

/// What is wrong with `query` for an operation that takes `known`: each unknown parameter,
/// and each known one given more than once, in the order they come.
fn query_problems(query: &str, known: &BTreeSet<String>) -> Vec<FieldError> {
    let mut seen = BTreeSet::new();
    let mut errors: Vec<FieldError> = Vec::new();
    for (name, _) in form_urlencoded::parse(query.as_bytes()) {
        if errors.iter().any(|e| e.field == name) {
            continue;
        }
        if !known.contains(name.as_ref()) {
            let takes = if known.is_empty() {
                "this operation takes no query parameters".to_owned()
            } else {
                let names: Vec<&str> = known.iter().map(String::as_str).collect();
                format!("this operation takes {}", names.join(", "))
            };
            errors.push(FieldError::new(
                name.as_ref(),
                format!("is not a query parameter here ({takes})"),
            ));
        } else if !seen.insert(name.clone()) {
            errors.push(FieldError::new(
                name.as_ref(),
                "is given more than once; give one value (a comma list where the parameter takes several)",
            ));
        }
    }
    errors
}

/// The middleware: a request whose query string holds a parameter its operation does not
/// take, or one it takes more than once, is a `422` naming them.
pub async fn known_query(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let problems = match req.app_data::<web::Data<RouteTable>>() {
        Some(table) if !req.query_string().is_empty() => table
            .query_params(req.path(), req.method())
            .map(|known| query_problems(req.query_string(), known))
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    if problems.is_empty() {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let res = AppError::validation(problems).error_response();
    Ok(req.into_response(res))
}

/// The app's default service.
pub async fn fallback(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<actix_web::HttpResponse, AppError> {
    Err(match table.allowed(req.path()) {
        Some(allow) => AppError::MethodNotAllowed { allow },
        None => AppError::NotFound("Nothing lives at this address.".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: Method, query: &[&str]) -> Route {
        Route {
            method,
            query: Some(query.iter().map(|q| q.to_string()).collect()),
        }
    }

    fn table() -> RouteTable {
        let mut t = RouteTable::default();
        t.add("/api/v1/users", route(Method::GET, &["page", "role"]));
        t.add("/api/v1/users", route(Method::POST, &[]));
        t.add("/api/v1/users/{id}", route(Method::GET, &["fields"]));
        t.add("/api/v1/users/{id}", route(Method::DELETE, &[]));
        t.add("/api/v1/users/me", route(Method::GET, &[]));
        t
    }

    fn problems(t: &RouteTable, path: &str, method: Method, query: &str) -> Vec<String> {
        let known = t.query_params(path, &method).unwrap();
        query_problems(query, known)
            .into_iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect()
    }

    #[test]
    fn a_query_parameter_the_operation_does_not_take_is_named() {
        let t = table();
        assert!(problems(&t, "/api/v1/users", Method::GET, "page=2&role=editor").is_empty());
        assert_eq!(
            problems(
                &t,
                "/api/v1/users",
                Method::HEAD,
                "limit=2&page=1&limit=3&tags=x"
            ),
            [
                "limit: is not a query parameter here (this operation takes page, role)",
                "tags: is not a query parameter here (this operation takes page, role)",
            ]
        );
        // The literal route wins over the parameter one.
        assert_eq!(
            problems(&t, "/api/v1/users/me", Method::GET, "fields=id"),
            ["fields: is not a query parameter here (this operation takes no query parameters)"]
        );
        assert!(problems(&t, "/api/v1/users/7", Method::GET, "fields=id").is_empty());
    }

    #[test]
    fn a_repeated_parameter_is_named_once() {
        let t = table();
        assert_eq!(
            problems(&t, "/api/v1/users", Method::GET, "role=a&role=b&role=c"),
            [
                "role: is given more than once; give one value (a comma list where the parameter takes several)"
            ]
        );
    }

    #[test]
    fn known_paths_list_their_methods() {
        let t = table();
        assert_eq!(
            t.allowed("/api/v1/users"),
            Some(vec![Method::GET, Method::HEAD, Method::POST])
        );
        assert_eq!(
            t.allowed("/api/v1/users/12"),
            Some(vec![Method::GET, Method::HEAD, Method::DELETE])
        );
    }

    #[test]
    fn unknown_paths_are_none() {
        let t = table();
        assert_eq!(t.allowed("/api/v1/user"), None);
        assert_eq!(t.allowed("/api/v1/users/12/x"), None);
        assert_eq!(t.allowed("/api/v1/users/"), None);
        assert_eq!(t.allowed("//api/v1/users"), None);
    }
}
