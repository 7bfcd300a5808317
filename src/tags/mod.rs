//! Tags: the topics a newsroom files stories under ("Islamic State", "Anbar").

pub mod dto;
pub mod handlers;
pub mod models;
pub mod queries;
pub mod service;

pub use handlers::configure;
