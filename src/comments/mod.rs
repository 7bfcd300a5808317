//! Reader comments: posted by anyone on public articles, held for moderation, threaded.

pub mod dto;
pub mod handlers;
pub mod models;
pub mod queries;
pub mod service;

pub use handlers::configure;
