//! The answer for requests no handler took: `405` with `Allow` when the path exists under
//! other methods, `404` otherwise. The table of paths comes from the OpenAPI document, which
//! is generated from the very router the server runs, so the two cannot drift apart.

use actix_web::http::Method;
use actix_web::{HttpRequest, web};
use utoipa::openapi::OpenApi;

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
}

/// Known paths and the methods each answers.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Segment>, Vec<Method>)>,
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
                (Method::GET, item.get.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::PATCH, item.patch.is_some()),
                (Method::DELETE, item.delete.is_some()),
            ];
            for (method, present) in ops {
                if present {
                    table.add(path, method);
                }
            }
        }
        for (path, method) in extra {
            table.add(path, method.clone());
        }
        table
    }

    fn add(&mut self, template: &str, method: Method) {
        let segs = segments(template);
        match self.routes.iter_mut().find(|(s, _)| *s == segs) {
            Some((_, methods)) => {
                if !methods.contains(&method) {
                    methods.push(method);
                }
            }
            None => self.routes.push((segs, vec![method])),
        }
    }

    /// The methods `path` answers (with `HEAD` wherever `GET` is), if it is a known path.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let parts: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
        let mut allowed: Vec<Method> = Vec::new();
        for (segs, methods) in &self.routes {
            let hit = segs.len() == parts.len()
                && segs.iter().zip(&parts).all(|(s, p)| match s {
                    Segment::Literal(l) => l == p,
                    Segment::Param => !p.is_empty(),
                });
            if hit {
                for m in methods {
                    if !allowed.contains(m) {
                        allowed.push(m.clone());
                    }
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

    fn table() -> RouteTable {
        let mut t = RouteTable::default();
        t.add("/api/v1/users", Method::GET);
        t.add("/api/v1/users", Method::POST);
        t.add("/api/v1/users/{id}", Method::GET);
        t.add("/api/v1/users/{id}", Method::DELETE);
        t
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
