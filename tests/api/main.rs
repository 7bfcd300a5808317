//! Dateline's API tests: one binary, each test against the real app over HTTP with its own
//! temp-file SQLite database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod articles;
mod auth;
mod catalog;
mod comments;
mod helpers;
mod images;
mod ops;
mod permissions;
mod reads;
mod search;
mod users;
