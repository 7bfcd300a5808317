//! The response cache: public answers kept whole (headers, entity tag, and the body as it was
//! sent, compressed or not), keyed by the normalized request and valid for one content
//! [`Generation`].
//!
//! A cached answer is never stale. It is served only to requests that arrived while the
//! generation it was made at (or an earlier one) was current: every committed write moves the
//! generation on, and so does the clock when a scheduled article falls due (until then
//! [`Generation::current`] answers "unknown" and the cache stands aside). Only what a shared
//! cache may keep is kept: `200` answers to requests without credentials whose
//! `Cache-Control` is `public`. The budget is in bytes; the oldest entries go first.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, Data};
use actix_web::{Error, HttpResponse};

use tokio::sync::Notify;

use crate::db::Generation;

/// The largest body kept: larger answers (original images) are served from their source.
pub const MAX_ENTRY_BYTES: usize = 1 << 20;
/// How long a request waits for another one making the same answer before making it itself.
const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// One kept answer.
struct Entry {
    generation: u64,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// What it counts against the budget, with its key (see [`Entry::new`]).
    size: usize,
}

impl Entry {
    fn new(
        key: &str,
        generation: u64,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        let header_bytes: usize = headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 16)
            .sum();
        Self {
            generation,
            status,
            headers,
            size: key.len() + header_bytes + body.len() + 64,
            body,
        }
    }
}

#[derive(Default)]
struct Entries {
    map: HashMap<Arc<str>, Entry>,
    /// Keys in the order they were stored, for eviction.
    order: VecDeque<Arc<str>>,
    bytes: usize,
}

/// See the module documentation.
pub struct ResponseCache {
    entries: Mutex<Entries>,
    budget: usize,
    generation: Arc<Generation>,
    /// The shared database, on PostgreSQL: asked before every answer whether another node
    /// wrote (see `Db::sync_shared_generation`).
    shared: Option<crate::db::Db>,
    /// The answers being made now, by key, with the generation each is made at: a request
    /// that misses while the same answer is being made at its generation or a later one waits
    /// for it rather than making it again (after a write, every reader of a popular page
    /// misses at once). One made at an earlier generation is of no use to it: it makes the
    /// answer itself, and those who come after it wait for that one.
    making: Mutex<HashMap<Arc<str>, Slot>>,
}

/// An answer being made: at which generation, and how its waiters are woken.
#[derive(Clone)]
struct Slot {
    generation: u64,
    done: Arc<Notify>,
}

/// Who makes a missing answer: this request (it holds the slot until it is dropped), or
/// another one to wait for.
enum Turn {
    Make(Making),
    /// Registered while the slot was looked up, so a maker finishing at once still wakes it.
    Wait(std::pin::Pin<Box<tokio::sync::futures::OwnedNotified>>),
}

/// The slot of an answer being made; freed (unless a later generation's maker took it over),
/// and its waiters woken, when dropped (also when the request is abandoned half-way).
struct Making {
    cache: Data<ResponseCache>,
    key: Arc<str>,
    slot: Slot,
}

impl Drop for Making {
    fn drop(&mut self) {
        if let Ok(mut making) = self.cache.making.lock()
            && making
                .get(&self.key)
                .is_some_and(|s| Arc::ptr_eq(&s.done, &self.slot.done))
        {
            making.remove(&self.key);
        }
        self.slot.done.notify_waiters();
    }
}

impl ResponseCache {
    /// A cache of at most `budget` bytes (0: keeps nothing) over `db`'s generation.
    pub fn over(budget: usize, db: &crate::db::Db) -> Self {
        Self {
            shared: db.is_postgres().then(|| db.clone()),
            ..Self::new(budget, db.generation().clone())
        }
    }

    /// A cache of at most `budget` bytes (0: keeps nothing) over `generation`, in this
    /// process only.
    pub fn new(budget: usize, generation: Arc<Generation>) -> Self {
        Self {
            entries: Mutex::new(Entries::default()),
            budget,
            generation,
            shared: None,
            making: Mutex::new(HashMap::new()),
        }
    }

    /// Claims the making of `key` at `generation`, or names the request already making it at
    /// that generation or a later one.
    fn turn(cache: &Data<Self>, key: &Arc<str>, generation: u64) -> Option<Turn> {
        let mut making = cache.making.lock().ok()?;
        if let Some(slot) = making.get(key).filter(|s| s.generation >= generation) {
            let mut wakes = Box::pin(slot.done.clone().notified_owned());
            wakes.as_mut().enable();
            return Some(Turn::Wait(wakes));
        }
        let slot = Slot {
            generation,
            done: Arc::new(Notify::new()),
        };
        making.insert(key.clone(), slot.clone());
        Some(Turn::Make(Making {
            cache: cache.clone(),
            key: key.clone(),
            slot,
        }))
    }

    /// The answer kept for `key`, if it was made at `generation` or later: a request that
    /// learnt the generation a moment before a write may take the answer made just after it.
    fn get(&self, key: &str, generation: u64) -> Option<HttpResponse> {
        let entries = self.entries.lock().ok()?;
        let entry = entries
            .map
            .get(key)
            .filter(|e| e.generation >= generation)?;
        let mut res = HttpResponse::build(entry.status);
        for (name, value) in &entry.headers {
            res.append_header((name.clone(), value.clone()));
        }
        Some(res.body(entry.body.clone()))
    }

    fn put(&self, key: Arc<str>, entry: Entry) {
        let size = entry.size;
        if size > self.budget {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let entries = &mut *entries;
        if entries
            .map
            .get(&key)
            .is_some_and(|e| e.generation > entry.generation)
        {
            // A maker of an earlier generation finished after one of a later generation.
            return;
        }
        if let Some(old) = entries.map.remove(&key) {
            entries.bytes -= old.size;
            entries.order.retain(|k| k != &key);
        }
        if entries.bytes + size > self.budget {
            // Entries of past generations are dead weight: drop them all first.
            let current = entry.generation;
            entries.map.retain(|_, e| {
                let keep = e.generation >= current;
                if !keep {
                    entries.bytes -= e.size;
                }
                keep
            });
            let map = &entries.map;
            entries.order.retain(|k| map.contains_key(k));
        }
        while entries.bytes + size > self.budget {
            let Some(oldest) = entries.order.pop_front() else {
                break;
            };
            if let Some(old) = entries.map.remove(&oldest) {
                entries.bytes -= old.size;
            }
        }
        entries.bytes += size;
        entries.order.push_back(key.clone());
        entries.map.insert(key, entry);
    }
}

/// The cache key of a request: its path, its query with the parameters sorted by name (the
/// order of repeated names kept), and the request headers the answer varies on.
fn key(req: &ServiceRequest) -> Arc<str> {
    let mut params: Vec<(String, String)> = form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    params.sort_by(|a, b| a.0.cmp(&b.0));
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &params {
        query.append_pair(k, v);
    }
    let header = |name: header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    format!(
        "{}?{}\n{}\n{}",
        req.path(),
        query.finish(),
        header(header::ACCEPT_ENCODING),
        header(header::ORIGIN)
    )
    .into()
}

/// Whether a request may be answered from the cache: a plain `GET` without credentials or a
/// range.
fn cacheable_request(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    req.method() == Method::GET
        && !headers.contains_key(header::AUTHORIZATION)
        && !headers.contains_key(header::COOKIE)
        && !headers.contains_key(header::RANGE)
}

/// Whether an answer may be kept: a `200` that says shared caches may keep it.
fn cacheable_response(res: &ServiceResponse<impl MessageBody>) -> bool {
    res.status() == StatusCode::OK
        && res
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("public"))
        && !res.headers().contains_key(header::SET_COOKIE)
}

/// The middleware: answers from the cache when it can, and keeps what it may.
pub async fn response_cache(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let cache = req.app_data::<Data<ResponseCache>>().cloned();
    let Some(cache) = cache.filter(|c| c.budget > 0 && cacheable_request(&req)) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if let Some(db) = &cache.shared
        && let Err(e) = db.sync_shared_generation().await
    {
        // Whether another node wrote is unknown: answer without the cache.
        tracing::warn!(error = %e, "cannot read the shared content generation");
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let Some(generation) = cache.generation.current(chrono::Utc::now().timestamp()) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let key = key(&req);
    if let Some(res) = cache.get(&key, generation) {
        return Ok(req.into_response(res));
    }
    let making = match ResponseCache::turn(&cache, &key, generation) {
        Some(Turn::Wait(wakes)) => {
            if let Some(res) = cache.get(&key, generation) {
                return Ok(req.into_response(res));
            }
            let waited = actix_web::rt::time::timeout(MAX_WAIT, wakes).await;
            if let (Ok(()), Some(res)) = (waited, cache.get(&key, generation)) {
                return Ok(req.into_response(res));
            }
            // The other request failed, was abandoned, or made something not to keep (a
            // `404`, say): make it here, beside any others in the same case.
            None
        }
        Some(Turn::Make(making)) => Some(making),
        None => None,
    };
    let res = next.call(req).await?;
    if !cacheable_response(&res) {
        return Ok(res.map_into_boxed_body());
    }
    // What to keep: a body of known size within the limit, or the compressor's output (of a
    // body the handler made in memory). Anything else streams past.
    let keep = match res.response().body().size() {
        BodySize::Sized(n) => usize::try_from(n).is_ok_and(|n| n <= MAX_ENTRY_BYTES),
        BodySize::Stream => res.headers().contains_key(header::CONTENT_ENCODING),
        BodySize::None => true,
    };
    if !keep {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (res, body) = res.into_parts();
    let body = actix_web::body::to_bytes(body).await.map_err(|e| {
        let e: Box<dyn std::error::Error> = e.into();
        actix_web::error::ErrorInternalServerError(e.to_string())
    })?;
    if body.len() <= MAX_ENTRY_BYTES {
        let _making = making;
        let entry = Entry::new(
            &key,
            generation,
            res.status(),
            res.headers().clone(),
            body.clone(),
        );
        cache.put(key, entry);
    }
    Ok(ServiceResponse::new(
        req,
        res.set_body(body).map_into_boxed_body(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> Data<ResponseCache> {
        Data::new(ResponseCache::new(1 << 20, Arc::new(Generation::default())))
    }

    fn entry(key: &str, generation: u64, body: &'static str) -> Entry {
        let body = Bytes::from_static(body.as_bytes());
        Entry::new(key, generation, StatusCode::OK, HeaderMap::new(), body)
    }

    async fn body(res: HttpResponse) -> Bytes {
        actix_web::body::to_bytes(res.into_body()).await.unwrap()
    }

    #[actix_web::test]
    async fn an_answer_serves_its_generation_and_earlier_ones_never_later() {
        let cache = cache();
        cache.put("k".into(), entry("k", 5, "five"));
        assert_eq!(body(cache.get("k", 5).unwrap()).await, "five");
        // A request that learnt generation 4 a moment before the write of 5 may take it.
        assert!(cache.get("k", 4).is_some());
        assert!(cache.get("k", 6).is_none());
        // A maker of generation 4 finishing late does not replace the answer of 5.
        cache.put("k".into(), entry("k", 4, "four"));
        assert_eq!(body(cache.get("k", 5).unwrap()).await, "five");
        cache.put("k".into(), entry("k", 6, "six"));
        assert_eq!(body(cache.get("k", 6).unwrap()).await, "six");
    }

    #[test]
    fn a_request_waits_only_for_a_maker_of_its_generation_or_a_later_one() {
        let cache = cache();
        let key: Arc<str> = "k".into();
        let Some(Turn::Make(old)) = ResponseCache::turn(&cache, &key, 5) else {
            panic!("the first request makes the answer");
        };
        assert!(matches!(
            ResponseCache::turn(&cache, &key, 5),
            Some(Turn::Wait(_))
        ));
        assert!(matches!(
            ResponseCache::turn(&cache, &key, 4),
            Some(Turn::Wait(_))
        ));
        // After a write, the maker of 5 is of no use: the first request of 6 makes it, and
        // the next one waits for that maker.
        let Some(Turn::Make(new)) = ResponseCache::turn(&cache, &key, 6) else {
            panic!("a request of a later generation makes its own answer");
        };
        assert!(matches!(
            ResponseCache::turn(&cache, &key, 6),
            Some(Turn::Wait(_))
        ));
        // The old maker finishing leaves the new one's slot in place.
        drop(old);
        assert!(matches!(
            ResponseCache::turn(&cache, &key, 6),
            Some(Turn::Wait(_))
        ));
        drop(new);
        assert!(matches!(
            ResponseCache::turn(&cache, &key, 6),
            Some(Turn::Make(_))
        ));
    }
}
