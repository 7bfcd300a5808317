//! Dateline's API tests: one binary, each test against the real app over HTTP with its own
//! temp-file SQLite database and, with `DATELINE_TEST_POSTGRES_URL`, again with a PostgreSQL
//! database of its own (and images in a bucket with `DATELINE_TEST_S3_URL`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod articles;
mod auth;
mod catalog;
mod comments;
mod distribution;
mod editorial;
mod helpers;
mod images;
mod migrate;
mod ops;
mod permissions;
mod reads;
mod search;
mod users;
mod webhooks;
