//! Dateline: a headless CMS for newsrooms.

pub mod app;
pub mod articles;
pub mod auth;
pub mod authors;
pub mod catalog;
pub mod cli;
pub mod comments;
pub mod config;
pub mod db;
pub mod error;
pub mod feeds;
pub mod health;
pub mod http;
pub mod images;
pub mod openapi;
pub mod search;
pub mod seed;
pub mod server;
pub mod site;
pub mod slug;
pub mod sources;
pub mod state;
pub mod tags;
pub mod users;
pub mod validate;
