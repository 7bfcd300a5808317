//! Standard Webhooks signing: each endpoint has a secret `whsec_<base64 key>`; a delivery
//! carries `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
//! (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`).

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::AppError;

/// What every secret starts with.
pub const SECRET_PREFIX: &str = "whsec_";

/// Bytes of key in a new secret (the specification asks for 24 to 64).
const KEY_BYTES: usize = 32;

/// A new random secret.
pub fn new_secret() -> Result<String, AppError> {
    let mut key = [0_u8; KEY_BYTES];
    getrandom::fill(&mut key).map_err(|e| AppError::internal(format!("getrandom: {e}")))?;
    Ok(format!("{SECRET_PREFIX}{}", STANDARD.encode(key)))
}

/// The `webhook-signature` of `body` sent as message `id` at `timestamp`, or `None` if
/// `secret` is not a secret of ours.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    let key = hmac::Key::new(hmac::HMAC_SHA256, &key);
    let mut context = hmac::Context::with_key(&key);
    context.update(id.as_bytes());
    context.update(b".");
    context.update(timestamp.to_string().as_bytes());
    context.update(b".");
    context.update(body);
    Some(format!("v1,{}", STANDARD.encode(context.sign().as_ref())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in the Standard Webhooks specification's reference libraries.
    #[test]
    fn signs_as_the_specification_example() {
        let sig = signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(
            sig.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn new_secrets_differ_and_sign() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with(SECRET_PREFIX));
        assert!(signature(&a, "msg_1", 1, b"{}").is_some());
        assert!(signature("not-a-secret", "msg_1", 1, b"{}").is_none());
    }
}
