//! Dateline: a headless CMS for newsrooms.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod health;
pub mod http;
pub mod openapi;
pub mod users;
pub mod validate;
