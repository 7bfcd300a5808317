//! Logging in, refreshing, logging out, and every way a token must fail.

use actix_web::http::Method;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use dateline::auth::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::*;

const ME: &str = "/api/v1/auth/me";

/// The claims of a token this server issued.
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64.decode(payload).unwrap()).unwrap()
}

fn sign(claims: &Value, alg: Algorithm, typ: &str, secret: &str) -> String {
    let mut header = Header::new(alg);
    header.typ = Some(typ.to_owned());
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn assert_401(app: &TestApp, token: &str, why: &str) {
    let res = app.get(ME, Some(token)).await;
    res.problem(401);
    assert!(
        res.header("www-authenticate")
            .unwrap_or_default()
            .starts_with("Bearer"),
        "{why}: no Bearer challenge"
    );
}

crate::both_backends!(login_returns_a_bearer_pair_and_me_shows_the_caller);
async fn login_returns_a_bearer_pair_and_me_shows_the_caller() {
    let app = TestApp::spawn().await;
    let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 900);
    assert_eq!(pair["refresh_token"].as_str().unwrap().len(), 64);
    let claims = claims_of(pair["access_token"].as_str().unwrap());
    assert_eq!(claims["iss"], "dateline");
    assert_eq!(claims["aud"], "dateline-api");
    assert_eq!(claims["role"], "admin");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );

    let me = app.get(ME, Some(&access(&pair))).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.header("cache-control"), Some("private, no-store"));
    let me = me.json();
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["role"], "admin");
    assert_eq!(me["disabled"], false);
    assert!(me.get("password").is_none() && me.get("password_hash").is_none());
}

crate::both_backends!(login_email_is_case_insensitive);
async fn login_email_is_case_insensitive() {
    let app = TestApp::spawn().await;
    app.login("ADMIN@Dateline.Test", ADMIN_PASSWORD).await;
}

crate::both_backends!(unknown_email_and_wrong_password_answer_identically);
async fn unknown_email_and_wrong_password_answer_identically() {
    let app = TestApp::spawn().await;
    let wrong_pw = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": ADMIN_EMAIL, "password": "not the password"}),
            None,
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": "nobody@dateline.test", "password": "not the password"}),
            None,
        )
        .await;
    wrong_pw.problem(401);
    assert_eq!(wrong_pw.body, unknown.body);
    assert_eq!(unknown.status, wrong_pw.status);
    assert_eq!(wrong_pw.json()["detail"], "Wrong email or password.");
}

crate::both_backends!(a_disabled_user_cannot_log_in_and_sees_the_same_answer);
async fn a_disabled_user_cannot_log_in_and_sees_the_same_answer() {
    let app = TestApp::spawn().await;
    let id = app.user("gone@dateline.test", Role::Editor).await;
    let admin = app.admin_token().await;
    app.patch(
        &format!("/api/v1/users/{id}"),
        &json!({"disabled": true}),
        Some(&admin),
    )
    .await
    .ok();
    let res = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": "gone@dateline.test", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(res.problem(401)["detail"], "Wrong email or password.");
}

crate::both_backends!(the_sixth_failed_login_for_an_account_within_a_minute_is_429);
async fn the_sixth_failed_login_for_an_account_within_a_minute_is_429() {
    let app = TestApp::spawn().await;
    let bad = json!({"email": ADMIN_EMAIL, "password": "guess guess guess"});
    for attempt in 1..=5 {
        let res = app.post("/api/v1/auth/login", &bad, None).await;
        assert_eq!(res.status, 401, "attempt {attempt}");
    }
    let res = app.post("/api/v1/auth/login", &bad, None).await;
    res.problem(429);
    let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Even the right password waits: guessing must not go on.
    let good = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    app.post("/api/v1/auth/login", &good, None)
        .await
        .problem(429);
}

crate::both_backends!(a_parallel_burst_of_guesses_cannot_slip_past_the_throttle);
async fn a_parallel_burst_of_guesses_cannot_slip_past_the_throttle() {
    let app = TestApp::spawn().await;
    let attempts = (0..20).map(|i| {
        let body = json!({"email": ADMIN_EMAIL, "password": format!("guess number {i}")});
        let req = app.request(Method::POST, "/api/v1/auth/login", None);
        async move { send(req, Some(&body)).await.status.as_u16() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked, 5, "{statuses:?}");
    assert_eq!(refused, 15, "{statuses:?}");
}

crate::both_backends!(successful_logins_do_not_use_up_the_addresss_allowance);
async fn successful_logins_do_not_use_up_the_addresss_allowance() {
    let app = TestApp::spawn().await;
    for _ in 0..8 {
        app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    }
}

crate::both_backends!(behind_a_trusted_proxy_the_proxys_own_entry_is_the_client);
async fn behind_a_trusted_proxy_the_proxys_own_entry_is_the_client() {
    let app = TestApp::spawn_with(|c| {
        c.trust_proxy = dateline::config::ProxyHeader::XForwardedFor;
    })
    .await;
    // The client forges the first entry anew each time; the proxy's entry stays the same.
    for n in 1..=5 {
        let req = app
            .request(Method::POST, "/api/v1/auth/login", None)
            .insert_header(("x-forwarded-for", format!("10.9.9.{n}, 203.0.113.7")));
        let body = json!({"email": format!("u{n}@dateline.test"), "password": "wrong wrong wrong"});
        assert_eq!(send(req, Some(&body)).await.status, 401);
    }
    let req = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .insert_header(("x-forwarded-for", "10.9.9.99, 203.0.113.7"));
    let body = json!({"email": "u6@dateline.test", "password": "wrong wrong wrong"});
    send(req, Some(&body)).await.problem(429);
    // Another client behind the same proxy is not affected.
    let req = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .insert_header(("x-forwarded-for", "203.0.113.8"));
    assert_eq!(send(req, Some(&body)).await.status, 401);
}

crate::both_backends!(failures_across_accounts_from_one_address_are_throttled_too);
async fn failures_across_accounts_from_one_address_are_throttled_too() {
    let app = TestApp::spawn().await;
    for n in 1..=5 {
        let res = app
            .post(
                "/api/v1/auth/login",
                &json!({"email": format!("u{n}@dateline.test"), "password": "wrong wrong wrong"}),
                None,
            )
            .await;
        assert_eq!(res.status, 401);
    }
    let res = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": "u6@dateline.test", "password": "wrong wrong wrong"}),
            None,
        )
        .await;
    res.problem(429);
    assert!(res.header("retry-after").is_some());
}

crate::both_backends!(login_body_errors_are_problems);
async fn login_body_errors_are_problems() {
    let app = TestApp::spawn().await;
    let req = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .content_type("application/json");
    send_raw(req, "{\"email\":").await.problem(400);
    let req = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .content_type("text/plain");
    send_raw(req, "email=x").await.problem(415);
    let res = app
        .post("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL}), None)
        .await;
    assert_eq!(res.invalid_fields(), ["password"]);
    let res = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": ADMIN_EMAIL, "password": "x", "remember": true}),
            None,
        )
        .await;
    assert_eq!(res.invalid_fields(), ["remember"]);
}

crate::both_backends!(refresh_rotates_and_the_old_refresh_token_is_dead);
async fn refresh_rotates_and_the_old_refresh_token_is_dead() {
    let app = TestApp::spawn().await;
    let first = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let second = app
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": first["refresh_token"]}),
            None,
        )
        .await
        .ok();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(app.get(ME, Some(&access(&second))).await.status, 200);
    // The rotated token again: 401, and the whole session ends with it.
    let reuse = app
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": first["refresh_token"]}),
            None,
        )
        .await;
    assert!(
        reuse.problem(401)["detail"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    assert_401(
        &app,
        &access(&second),
        "access token of a session ended by reuse",
    )
    .await;
    let later = app
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": second["refresh_token"]}),
            None,
        )
        .await;
    later.problem(401);
}

crate::both_backends!(a_garbage_refresh_token_is_401);
async fn a_garbage_refresh_token_is_401() {
    let app = TestApp::spawn().await;
    app.post(
        "/api/v1/auth/refresh",
        &json!({"refresh_token": "not-a-token"}),
        None,
    )
    .await
    .problem(401);
}

crate::both_backends!(an_access_token_is_not_a_refresh_token_nor_the_reverse);
async fn an_access_token_is_not_a_refresh_token_nor_the_reverse() {
    let app = TestApp::spawn().await;
    let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    app.post(
        "/api/v1/auth/refresh",
        &json!({"refresh_token": pair["access_token"]}),
        None,
    )
    .await
    .problem(401);
    assert_401(
        &app,
        pair["refresh_token"].as_str().unwrap(),
        "refresh token as bearer",
    )
    .await;
    // The pair still works: neither misuse consumed anything.
    app.post(
        "/api/v1/auth/refresh",
        &json!({"refresh_token": pair["refresh_token"]}),
        None,
    )
    .await
    .ok();
}

crate::both_backends!(logout_ends_the_session_for_both_tokens);
async fn logout_ends_the_session_for_both_tokens() {
    let app = TestApp::spawn().await;
    let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let other = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let res = app
        .post("/api/v1/auth/logout", &json!({}), Some(&access(&pair)))
        .await;
    assert_eq!(res.status, 204);
    assert_401(&app, &access(&pair), "access token after logout").await;
    app.post(
        "/api/v1/auth/refresh",
        &json!({"refresh_token": pair["refresh_token"]}),
        None,
    )
    .await
    .problem(401);
    // Another session of the same user is untouched.
    assert_eq!(app.get(ME, Some(&access(&other))).await.status, 200);
}

crate::both_backends!(logout_needs_a_token);
async fn logout_needs_a_token() {
    let app = TestApp::spawn().await;
    app.post("/api/v1/auth/logout", &json!({}), None)
        .await
        .problem(401);
}

crate::both_backends!(me_answers_304_to_its_own_etag);
async fn me_answers_304_to_its_own_etag() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let first = app.get(ME, Some(&token)).await;
    let tag = first.header("etag").unwrap().to_owned();
    let req = app
        .request(Method::GET, ME, Some(&token))
        .insert_header(("if-none-match", tag.clone()));
    let res = send(req, None).await;
    assert_eq!(res.status, 304);
    assert!(res.body.is_empty());
    assert_eq!(res.header("etag"), Some(tag.as_str()));
}

// The token attack matrix: every one of these is a 401.

crate::both_backends!(no_token_is_401_with_a_bearer_challenge);
async fn no_token_is_401_with_a_bearer_challenge() {
    let app = TestApp::spawn().await;
    let res = app.get(ME, None).await;
    res.problem(401);
    assert!(
        res.header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
}

crate::both_backends!(malformed_authorization_headers_are_401);
async fn malformed_authorization_headers_are_401() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    for value in [
        format!("Token {token}"),
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        token.clone(),
        "Basic YWRtaW46YWRtaW4=".to_owned(),
        "Bearer not.a.jwt".to_owned(),
        "Bearer a.b".to_owned(),
    ] {
        let req = app
            .request(Method::GET, ME, None)
            .insert_header(("authorization", value.clone()));
        let res = send(req, None).await;
        res.problem(401);
        assert!(res.header("www-authenticate").is_some(), "{value}");
    }
}

crate::both_backends!(alg_none_is_401);
async fn alg_none_is_401() {
    let app = TestApp::spawn().await;
    let claims = claims_of(&app.admin_token().await);
    let header = B64.encode(r#"{"alg":"none","typ":"at+jwt"}"#);
    let payload = B64.encode(claims.to_string());
    assert_401(&app, &format!("{header}.{payload}."), "alg none").await;
    assert_401(
        &app,
        &format!("{header}.{payload}"),
        "alg none, no signature part",
    )
    .await;
}

crate::both_backends!(another_algorithm_with_the_right_key_is_401);
async fn another_algorithm_with_the_right_key_is_401() {
    let app = TestApp::spawn().await;
    let claims = claims_of(&app.admin_token().await);
    let hs512 = sign(&claims, Algorithm::HS512, "at+jwt", JWT_SECRET);
    assert_401(&app, &hs512, "HS512").await;
    let hs384 = sign(&claims, Algorithm::HS384, "at+jwt", JWT_SECRET);
    assert_401(&app, &hs384, "HS384").await;
}

crate::both_backends!(a_tampered_payload_is_401);
async fn a_tampered_payload_is_401() {
    let app = TestApp::spawn().await;
    let (_, token) = app.token_for(Role::Author).await;
    let mut claims = claims_of(&token);
    claims["sub"] = json!("1");
    claims["role"] = json!("admin");
    let parts: Vec<&str> = token.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        B64.encode(claims.to_string()),
        parts[2]
    );
    assert_401(&app, &forged, "tampered payload").await;
}

crate::both_backends!(a_token_signed_with_another_key_is_401);
async fn a_token_signed_with_another_key_is_401() {
    let app = TestApp::spawn().await;
    let claims = claims_of(&app.admin_token().await);
    let forged = sign(
        &claims,
        Algorithm::HS256,
        "at+jwt",
        "another-secret-another-secret-another",
    );
    assert_401(&app, &forged, "wrong key").await;
}

crate::both_backends!(an_expired_token_is_401_and_says_so);
async fn an_expired_token_is_401_and_says_so() {
    let app = TestApp::spawn().await;
    let mut claims = claims_of(&app.admin_token().await);
    let now = chrono::Utc::now().timestamp();
    claims["iat"] = json!(now - 3600);
    claims["exp"] = json!(now - 60);
    let expired = sign(&claims, Algorithm::HS256, "at+jwt", JWT_SECRET);
    let res = app.get(ME, Some(&expired)).await;
    assert!(
        res.problem(401)["detail"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

crate::both_backends!(wrong_issuer_or_audience_is_401);
async fn wrong_issuer_or_audience_is_401() {
    let app = TestApp::spawn().await;
    let claims = claims_of(&app.admin_token().await);
    // Control: the same claims re-signed correctly are accepted.
    let good = sign(&claims, Algorithm::HS256, "at+jwt", JWT_SECRET);
    assert_eq!(app.get(ME, Some(&good)).await.status, 200);
    let mut wrong_iss = claims.clone();
    wrong_iss["iss"] = json!("someone-else");
    assert_401(
        &app,
        &sign(&wrong_iss, Algorithm::HS256, "at+jwt", JWT_SECRET),
        "iss",
    )
    .await;
    let mut wrong_aud = claims.clone();
    wrong_aud["aud"] = json!("another-api");
    assert_401(
        &app,
        &sign(&wrong_aud, Algorithm::HS256, "at+jwt", JWT_SECRET),
        "aud",
    )
    .await;
    let mut no_aud = claims.clone();
    no_aud.as_object_mut().unwrap().remove("aud");
    assert_401(
        &app,
        &sign(&no_aud, Algorithm::HS256, "at+jwt", JWT_SECRET),
        "no aud",
    )
    .await;
}

crate::both_backends!(a_jwt_that_is_not_typed_as_an_access_token_is_401);
async fn a_jwt_that_is_not_typed_as_an_access_token_is_401() {
    let app = TestApp::spawn().await;
    let claims = claims_of(&app.admin_token().await);
    let plain = sign(&claims, Algorithm::HS256, "JWT", JWT_SECRET);
    assert_401(&app, &plain, "typ JWT").await;
}

crate::both_backends!(a_disabled_users_tokens_stop_working_at_once);
async fn a_disabled_users_tokens_stop_working_at_once() {
    let app = TestApp::spawn().await;
    let (id, token) = app.token_for(Role::Editor).await;
    assert_eq!(app.get(ME, Some(&token)).await.status, 200);
    let admin = app.admin_token().await;
    app.patch(
        &format!("/api/v1/users/{id}"),
        &json!({"disabled": true}),
        Some(&admin),
    )
    .await
    .ok();
    assert_401(&app, &token, "disabled user").await;
}

crate::both_backends!(a_deleted_users_tokens_stop_working_at_once);
async fn a_deleted_users_tokens_stop_working_at_once() {
    let app = TestApp::spawn().await;
    let (id, token) = app.token_for(Role::Author).await;
    let admin = app.admin_token().await;
    assert_eq!(
        app.delete(&format!("/api/v1/users/{id}"), Some(&admin))
            .await
            .status,
        204
    );
    assert_401(&app, &token, "deleted user").await;
}

crate::both_backends!(a_new_password_ends_every_session_of_the_user);
async fn a_new_password_ends_every_session_of_the_user() {
    let app = TestApp::spawn().await;
    let (id, token) = app.token_for(Role::Editor).await;
    let admin = app.admin_token().await;
    app.patch(
        &format!("/api/v1/users/{id}"),
        &json!({"password": "a brand new password"}),
        Some(&admin),
    )
    .await
    .ok();
    assert_401(&app, &token, "after password change").await;
}

crate::both_backends!(concurrent_refreshes_of_one_token_let_exactly_one_through);
async fn concurrent_refreshes_of_one_token_let_exactly_one_through() {
    let app = TestApp::spawn().await;
    let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let attempts = (0..8).map(|_| {
        let req = app.request(Method::POST, "/api/v1/auth/refresh", None);
        let body = json!({"refresh_token": pair["refresh_token"]});
        async move { send(req, Some(&body)).await.status.as_u16() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        7,
        "{statuses:?}"
    );
}
