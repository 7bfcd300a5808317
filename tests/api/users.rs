//! `/api/v1/users`: admin-only staff accounts.

use actix_web::http::Method;
use dateline::auth::Role;
use serde_json::json;

use crate::helpers::*;

crate::both_backends!(admin_creates_a_user_who_can_then_log_in);
async fn admin_creates_a_user_who_can_then_log_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": "Desk@IraqiNews.example", "display_name": "Baghdad desk", "role": "editor", "password": PASSWORD}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let user = res.json();
    let id = user["id"].as_i64().unwrap();
    assert_eq!(
        res.header("location").unwrap(),
        app.url(&format!("/api/v1/users/{id}"))
    );
    assert!(res.header("etag").is_some());
    assert_eq!(
        user["email"], "desk@iraqinews.example",
        "emails are kept in lower case"
    );
    assert_eq!(user["display_name"], "Baghdad desk");
    assert_eq!(user["role"], "editor");
    assert_eq!(user["author_id"], json!(null));
    assert_eq!(user["disabled"], false);
    assert!(user["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(user.get("password").is_none() && user.get("password_hash").is_none());
    let keys: Vec<&String> = user.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "email",
            "display_name",
            "role",
            "author_id",
            "disabled",
            "created_at",
            "updated_at"
        ]
    );
    app.login("desk@iraqinews.example", PASSWORD).await;
}

crate::both_backends!(display_name_defaults_to_the_emails_local_part);
async fn display_name_defaults_to_the_emails_local_part() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": "qaim@news.example", "role": "author", "password": PASSWORD}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.ok()["display_name"], "qaim");
}

crate::both_backends!(a_taken_email_is_409_whatever_its_case);
async fn a_taken_email_is_409_whatever_its_case() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": ADMIN_EMAIL.to_uppercase(), "role": "editor", "password": PASSWORD}),
            Some(&admin),
        )
        .await;
    assert!(
        res.problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );
}

crate::both_backends!(create_validation_names_every_bad_field);
async fn create_validation_names_every_bad_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .post("/api/v1/users", &json!({"email": "not-an-email", "display_name": "", "role": "editor", "password": "short"}), Some(&admin))
        .await;
    assert_eq!(res.invalid_fields(), ["email", "display_name", "password"]);
    let p = res.json();
    assert_eq!(p["errors"][2]["message"], "must be at least 12 characters");

    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": "a@b.example", "role": "chief", "password": PASSWORD}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["role"]);
    assert!(
        res.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown variant")
    );

    let res = app
        .post(
            "/api/v1/users",
            &json!({"role": "editor", "password": PASSWORD}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["email"]);
}

crate::both_backends!(unknown_and_read_only_fields_are_422_naming_them);
async fn unknown_and_read_only_fields_are_422_naming_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": "a@b.example", "role": "editor", "password": PASSWORD, "id": 9, "created_at": "2017-11-01T09:30:00Z", "nickname": "x"}),
            Some(&admin),
        )
        .await;
    let p = res.problem(422);
    assert_eq!(
        p["errors"],
        json!([
            {"field": "id", "message": "is read-only"},
            {"field": "created_at", "message": "is read-only"},
            {"field": "nickname", "message": "is not a field of this resource"}
        ])
    );
}

crate::both_backends!(a_user_cannot_be_linked_to_an_author_that_does_not_exist);
async fn a_user_cannot_be_linked_to_an_author_that_does_not_exist() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .post("/api/v1/users", &json!({"email": "a@b.example", "role": "author", "password": PASSWORD, "author_id": 99}), Some(&admin))
        .await;
    assert_eq!(res.invalid_fields(), ["author_id"]);
}

crate::both_backends!(malformed_oversized_and_non_json_bodies_are_problems);
async fn malformed_oversized_and_non_json_bodies_are_problems() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let req = app
        .request(Method::POST, "/api/v1/users", Some(&admin))
        .content_type("application/json");
    let p = send_raw(req, "{\"email\": \"a@b.example\",")
        .await
        .problem(400);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .starts_with("The body is not valid JSON")
    );
    let req = app
        .request(Method::POST, "/api/v1/users", Some(&admin))
        .content_type("application/x-www-form-urlencoded");
    send_raw(req, "email=a").await.problem(415);
    let big = format!("{{\"email\":\"{}\"}}", "a".repeat(1024 * 1024 + 1));
    let req = app
        .request(Method::POST, "/api/v1/users", Some(&admin))
        .content_type("application/json");
    send_raw(req, big).await.problem(413);
    let req = app
        .request(Method::POST, "/api/v1/users", Some(&admin))
        .content_type("application/json");
    send_raw(req, "[]").await.problem(422);
}

crate::both_backends!(only_admins_reach_users);
async fn only_admins_reach_users() {
    let app = TestApp::spawn().await;
    let (_, editor) = app.token_for(Role::Editor).await;
    let (_, author) = app.token_for(Role::Author).await;
    let body = json!({"email": "x@y.example", "role": "author", "password": PASSWORD});
    for token in [&editor, &author] {
        app.get("/api/v1/users", Some(token)).await.problem(403);
        app.get("/api/v1/users/1", Some(token)).await.problem(403);
        app.post("/api/v1/users", &body, Some(token))
            .await
            .problem(403);
        app.patch("/api/v1/users/1", &json!({"role": "author"}), Some(token))
            .await
            .problem(403);
        app.delete("/api/v1/users/1", Some(token))
            .await
            .problem(403);
    }
    let p = app.get("/api/v1/users", Some(&editor)).await.problem(403);
    assert_eq!(
        p["detail"],
        "This needs the admin role or higher; you are signed in as editor."
    );
    app.get("/api/v1/users", None).await.problem(401);
    app.post("/api/v1/users", &body, None).await.problem(401);
    app.delete("/api/v1/users/1", None).await.problem(401);
}

crate::both_backends!(non_admins_learn_they_may_not_before_anything_about_their_body);
async fn non_admins_learn_they_may_not_before_anything_about_their_body() {
    let app = TestApp::spawn().await;
    let (_, editor) = app.token_for(Role::Editor).await;
    app.post("/api/v1/users", &json!({"bad": 1}), Some(&editor))
        .await
        .problem(403);
    app.patch("/api/v1/users/1", &json!({"bad": 1}), Some(&editor))
        .await
        .problem(403);
    let req = app
        .request(Method::POST, "/api/v1/users", Some(&editor))
        .content_type("text/plain");
    send_raw(req, "x").await.problem(403);
}

crate::both_backends!(null_for_a_field_that_cannot_be_null_is_422);
async fn null_for_a_field_that_cannot_be_null_is_422() {
    let app = TestApp::spawn().await;
    let id = app.user("n@dateline.test", Role::Author).await;
    let admin = app.admin_token().await;
    let res = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &json!({"display_name": null, "role": null, "disabled": null}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["display_name"]);
    assert_eq!(res.json()["errors"][0]["message"], "must not be null");
}

crate::both_backends!(a_password_of_spaces_is_refused_and_long_emails_get_a_short_display_name);
async fn a_password_of_spaces_is_refused_and_long_emails_get_a_short_display_name() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": "s@b.example", "role": "author", "password": " ".repeat(14)}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["password"]);
    let long = format!("{}@b.example", "x".repeat(150));
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": long, "role": "author", "password": PASSWORD}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.ok()["display_name"].as_str().unwrap().len(), 100);
}

crate::both_backends!(get_one_user_and_missing_or_malformed_ids);
async fn get_one_user_and_missing_or_malformed_ids() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let id = app.user("one@dateline.test", Role::Author).await;
    let res = app.get(&format!("/api/v1/users/{id}"), Some(&admin)).await;
    assert_eq!(res.ok()["email"], "one@dateline.test");
    assert_eq!(res.header("cache-control"), Some("private, no-store"));
    let p = app
        .get("/api/v1/users/424242", Some(&admin))
        .await
        .problem(404);
    assert_eq!(p["detail"], "No user with id 424242.");
    app.get("/api/v1/users/abc", Some(&admin))
        .await
        .problem(400);
    app.delete("/api/v1/users/424242", Some(&admin))
        .await
        .problem(404);
    app.patch(
        "/api/v1/users/424242",
        &json!({"role": "author"}),
        Some(&admin),
    )
    .await
    .problem(404);
}

crate::both_backends!(the_list_paginates_with_meta_total_and_links);
async fn the_list_paginates_with_meta_total_and_links() {
    let app = TestApp::spawn().await;
    for n in 0..4 {
        app.user(&format!("u{n}@dateline.test"), Role::Author).await;
    }
    let admin = app.admin_token().await;
    let res = app
        .get("/api/v1/users?per_page=2&page=2", Some(&admin))
        .await;
    let body = res.ok();
    assert_eq!(
        body["meta"],
        json!({"page": 2, "per_page": 2, "total": 5, "total_pages": 3})
    );
    assert_eq!(res.header("x-total-count"), Some("5"));
    let emails: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    // Default order is by email: admin@, u0@, u1@, u2@, u3@.
    assert_eq!(emails, ["u1@dateline.test", "u2@dateline.test"]);
    let link = res.header("link").unwrap();
    let base = app.url("/api/v1/users?per_page=2");
    assert_eq!(
        link,
        format!(
            "<{base}&page=1>; rel=\"first\", <{base}&page=1>; rel=\"prev\", <{base}&page=3>; rel=\"next\", <{base}&page=3>; rel=\"last\""
        )
    );

    let last = app
        .get("/api/v1/users?per_page=2&page=3", Some(&admin))
        .await
        .ok();
    assert_eq!(last["data"].as_array().unwrap().len(), 1);
    let beyond = app
        .get("/api/v1/users?per_page=2&page=9", Some(&admin))
        .await
        .ok();
    assert_eq!(beyond["data"], json!([]));
    assert_eq!(beyond["meta"]["total"], 5);
}

crate::both_backends!(list_parameters_are_validated);
async fn list_parameters_are_validated() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for (query, field) in [
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("per_page=-5", "per_page"),
        ("sort=password_hash", "sort"),
        ("role=chief", "role"),
    ] {
        let res = app
            .get(&format!("/api/v1/users?{query}"), Some(&admin))
            .await;
        assert_eq!(res.invalid_fields(), [field], "{query}");
    }
    assert_eq!(
        app.get("/api/v1/users?per_page=100", Some(&admin))
            .await
            .status,
        200
    );
}

crate::both_backends!(the_list_filters_by_role_and_sorts);
async fn the_list_filters_by_role_and_sorts() {
    let app = TestApp::spawn().await;
    app.user("b-editor@dateline.test", Role::Editor).await;
    app.user("a-editor@dateline.test", Role::Editor).await;
    app.user("c-author@dateline.test", Role::Author).await;
    let admin = app.admin_token().await;
    let body = app
        .get("/api/v1/users?role=editor&sort=-email", Some(&admin))
        .await
        .ok();
    let emails: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["b-editor@dateline.test", "a-editor@dateline.test"]);
    let body = app
        .get("/api/v1/users?sort=role,email", Some(&admin))
        .await
        .ok();
    let roles: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["admin", "author", "editor", "editor"]);
}

crate::both_backends!(a_role_change_applies_from_the_next_request);
async fn a_role_change_applies_from_the_next_request() {
    let app = TestApp::spawn().await;
    let (id, token) = app.token_for(Role::Editor).await;
    app.get("/api/v1/users", Some(&token)).await.problem(403);
    let admin = app.admin_token().await;
    let res = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &json!({"role": "admin"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.ok()["role"], "admin");
    // Same token, new role.
    assert_eq!(app.get("/api/v1/users", Some(&token)).await.status, 200);
    app.patch(
        &format!("/api/v1/users/{id}"),
        &json!({"role": "author"}),
        Some(&admin),
    )
    .await
    .ok();
    app.get("/api/v1/users", Some(&token)).await.problem(403);
}

crate::both_backends!(patch_is_partial_and_validated);
async fn patch_is_partial_and_validated() {
    let app = TestApp::spawn().await;
    let id = app.user("p@dateline.test", Role::Author).await;
    let admin = app.admin_token().await;
    let path = format!("/api/v1/users/{id}");
    let res = app
        .patch(
            &path,
            &json!({"display_name": "Anbar stringer"}),
            Some(&admin),
        )
        .await;
    let user = res.ok();
    assert_eq!(user["display_name"], "Anbar stringer");
    assert_eq!(user["email"], "p@dateline.test");
    assert_eq!(user["role"], "author");
    let res = app
        .patch(
            &path,
            &json!({"email": "nope", "password": "short"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["email", "password"]);
    let res = app
        .patch(&path, &json!({"email": ADMIN_EMAIL}), Some(&admin))
        .await;
    res.problem(409);
    let res = app
        .patch(
            &path,
            &json!({"updated_at": "2020-01-01T00:00:00Z"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["updated_at"]);
    let res = app
        .patch(&path, &json!({"author_id": null}), Some(&admin))
        .await;
    assert_eq!(res.ok()["author_id"], json!(null));
}

crate::both_backends!(if_match_guards_patch_and_delete);
async fn if_match_guards_patch_and_delete() {
    let app = TestApp::spawn().await;
    let id = app.user("m@dateline.test", Role::Author).await;
    let admin = app.admin_token().await;
    let path = format!("/api/v1/users/{id}");
    let tag = app
        .get(&path, Some(&admin))
        .await
        .header("etag")
        .unwrap()
        .to_owned();

    let req = app
        .request(Method::PATCH, &path, Some(&admin))
        .insert_header(("if-match", tag.clone()));
    let res = send(req, Some(&json!({"display_name": "First edit"}))).await;
    let new_tag = res.header("etag").unwrap().to_owned();
    assert_eq!(res.ok()["display_name"], "First edit");
    assert_ne!(new_tag, tag);

    // A second writer with the old tag loses nothing and learns why.
    let req = app
        .request(Method::PATCH, &path, Some(&admin))
        .insert_header(("if-match", tag.clone()));
    send(req, Some(&json!({"display_name": "Stale edit"})))
        .await
        .problem(412);
    let req = app
        .request(Method::DELETE, &path, Some(&admin))
        .insert_header(("if-match", tag.clone()));
    send(req, None).await.problem(412);
    assert_eq!(
        app.get(&path, Some(&admin)).await.ok()["display_name"],
        "First edit"
    );

    let req = app
        .request(Method::DELETE, &path, Some(&admin))
        .insert_header(("if-match", new_tag));
    assert_eq!(send(req, None).await.status, 204);
    app.get(&path, Some(&admin)).await.problem(404);
}

crate::both_backends!(the_last_enabled_admin_cannot_be_removed);
async fn the_last_enabled_admin_cannot_be_removed() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let me = app.get("/api/v1/auth/me", Some(&admin)).await.ok();
    let path = format!("/api/v1/users/{}", me["id"]);
    app.patch(&path, &json!({"role": "editor"}), Some(&admin))
        .await
        .problem(409);
    app.patch(&path, &json!({"disabled": true}), Some(&admin))
        .await
        .problem(409);
    app.delete(&path, Some(&admin)).await.problem(409);
    // With a second admin, the first may go.
    app.user("second-admin@dateline.test", Role::Admin).await;
    assert_eq!(app.delete(&path, Some(&admin)).await.status, 204);
}
