//! Sources: the agencies and outlets a story comes from or cites (IraqiNews.com, Alsumaria
//! News, Mawazin).

pub mod dto;
pub mod handlers;
pub mod models;
pub mod queries;
pub mod service;

pub use handlers::configure;
