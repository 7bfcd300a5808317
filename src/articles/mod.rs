//! Articles: the stories. Markdown bodies rendered to sanitized HTML, a dateline, an ordered
//! byline, tags and sources; a draft → scheduled → published → archived workflow; full-text
//! search.

pub mod dto;
pub mod handlers;
pub mod listing;
pub mod models;
pub mod queries;
pub mod render;
pub mod search;
pub mod service;

pub use handlers::configure;
