//! Staff accounts: admins manage them; each has a role and may be linked to a byline.

pub mod dto;
pub mod handlers;
pub mod models;
pub mod queries;
pub mod service;

pub use handlers::configure;
