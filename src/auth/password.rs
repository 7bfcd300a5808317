//! Password hashing with Argon2id (the `argon2` crate's defaults: m=19 MiB, t=2, p=1).
//!
//! Each hash takes 19 MiB for its run, so how many run at once is bounded ([`gated`]): the
//! others wait for a turn without holding a thread, and past a queue they are told to come
//! back (`503` with `Retry-After`). 30 failed logins once took the server from 29 to 379 MB,
//! and 16 at a time to 983 MB.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::web;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// Hashes run at once, at most.
const MAX_RUNNING: usize = 2;
/// Requests that may wait for a turn; one more is a `503`.
const MAX_WAITING: usize = 64;

/// A bound on the password work running at once, with a queue of bounded length.
pub struct Gate {
    turns: Semaphore,
    /// Requests running or waiting.
    admitted: AtomicUsize,
    limit: usize,
}

impl Gate {
    pub const fn new(running: usize, waiting: usize) -> Self {
        Self {
            turns: Semaphore::const_new(running),
            admitted: AtomicUsize::new(0),
            limit: running + waiting,
        }
    }

    /// Runs `work` on a blocking thread once a turn is free; a `503` when the queue is full.
    /// The turn is held by the blocking work itself, so a request abandoned while its hash
    /// runs keeps the hash counted until it ends.
    pub async fn run<T: Send + 'static>(
        &'static self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= self.limit {
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(AppError::Unavailable(
                "Too many logins and password changes are being checked right now; retry in a \
                 second."
                    .into(),
            ));
        }
        let admitted = Admitted(&self.admitted);
        let turn = self
            .turns
            .acquire()
            .await
            .map_err(|e| AppError::internal(format!("password gate: {e}")))?;
        Ok(web::block(move || {
            let _held = (turn, admitted);
            work()
        })
        .await?)
    }
}

/// Gives the queue slot back when the request (or its blocking work) ends, however it ends.
struct Admitted(&'static AtomicUsize);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The process's gate for password work: every hash and verification goes through it.
pub async fn gated<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    static GATE: Gate = Gate::new(MAX_RUNNING, MAX_WAITING);
    GATE.run(work).await
}

/// [`hash`], through the gate.
pub async fn hash_gated(password: String) -> Result<String, AppError> {
    gated(move || hash(&password)).await?
}

/// Hashes `password` into a PHC string (`$argon2id$v=19$…`) with a fresh random salt.
pub fn hash(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("argon2 hash: {e}")))
}

/// Whether `password` matches the stored PHC string. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// Spends the same work as a real verification, for logins with an unknown email: the answer
/// and its timing must not tell whether the account exists.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    if let Some(phc) = DUMMY.get_or_init(|| hash("dateline-dummy-password").ok()) {
        let _ = verify(password, phc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn past_the_running_and_waiting_bounds_a_request_is_a_503() {
        static GATE: Gate = Gate::new(1, 1);
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let first = actix_web::rt::spawn(GATE.run(move || wait.recv().is_ok()));
        // Let the first take its turn, then queue a second behind it.
        while GATE.turns.available_permits() > 0 {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let second = actix_web::rt::spawn(GATE.run(|| 2));
        while GATE.admitted.load(Ordering::Acquire) < 2 {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let third = GATE.run(|| 3).await.unwrap_err();
        assert_eq!(third.problem().status, 503);
        release.send(()).unwrap();
        assert!(first.await.unwrap().unwrap());
        assert_eq!(second.await.unwrap().unwrap(), 2);
        // Every slot is given back.
        assert_eq!(GATE.admitted.load(Ordering::Acquire), 0);
        assert_eq!(GATE.run(|| 4).await.unwrap(), 4);
    }

    #[test]
    fn a_hash_is_argon2id_and_verifies_only_its_password() {
        let phc = hash("correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse battery staple", &phc));
        assert!(!verify("correct horse battery stapler", &phc));
        assert!(!verify("anything", "not a phc string"));
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_salt() {
        assert_ne!(
            hash("same password!").unwrap(),
            hash("same password!").unwrap()
        );
    }
}
