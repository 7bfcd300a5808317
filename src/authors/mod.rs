//! Authors: the bylines articles carry. A staff account may be linked to one (`author_id`).

pub mod dto;
pub mod handlers;
pub mod models;
pub mod queries;
pub mod service;

pub use handlers::configure;
