//! Webhooks: endpoints that hear at once when a story is published, changed or pulled (or a
//! comment comes in), delivered from a durable outbox, signed as the Standard Webhooks
//! specification says, in order per endpoint, retried with backoff for 24 hours.
//!
//! - [`events`]: the outbox rows a change writes in its own transaction;
//! - [`worker`]: the per-node worker that fans events out and delivers them;
//! - [`sign`]: the signatures; [`guard`]: where deliveries may go;
//! - [`handlers`]: the `/api/v1/webhooks` endpoints.

pub mod dto;
pub mod events;
pub mod guard;
pub mod handlers;
pub mod sign;
pub mod worker;

pub use handlers::configure;
