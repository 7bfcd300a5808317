//! Sample content: `dateline seed --demo` (a small newsroom to look at) and
//! `dateline seed --synthetic N` (a large archive to measure against).

mod demo;
pub mod synthetic;

pub use demo::{LEAD_SLUG, Seeded, demo};
