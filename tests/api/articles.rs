//! `/api/v1/articles`: writing, the workflow, visibility, the role matrix, lists, search,
//! embedding, caching and validation.

use actix_web::http::Method;
use chrono::{Duration, SecondsFormat, Utc};
use dateline::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

const QAIM_BODY: &str = "Iraqi warplanes destroyed a workshop in **al-Obaidi** where militants \
were rigging explosives, killing fourteen of them, an army officer told Alsumaria News.\n\n\
Troops are massing in the desert for the push on Qaim and Rawa.";

/// A newsroom to write in: an admin token, two bylines, a tag and two sources.
struct Desk {
    admin: String,
    samir: i64,
    layla: i64,
    tag: i64,
    alsumaria: i64,
    mawazin: i64,
}

async fn desk(app: &TestApp) -> Desk {
    let admin = app.admin_token().await;
    let samir = app
        .create("/api/v1/authors", json!({"name": "Samir Khalil"}), &admin)
        .await;
    let layla = app
        .create("/api/v1/authors", json!({"name": "Layla Hassan"}), &admin)
        .await;
    let tag = app
        .create("/api/v1/tags", json!({"name": "Islamic State"}), &admin)
        .await;
    let alsumaria = app
        .create(
            "/api/v1/sources",
            json!({"name": "Alsumaria News", "kind": "broadcaster"}),
            &admin,
        )
        .await;
    let mawazin = app
        .create(
            "/api/v1/sources",
            json!({"name": "Mawazin News", "kind": "website"}),
            &admin,
        )
        .await;
    let id = |v: &Value| v["id"].as_i64().unwrap();
    Desk {
        samir: id(&samir),
        layla: id(&layla),
        tag: id(&tag),
        alsumaria: id(&alsumaria),
        mawazin: id(&mawazin),
        admin,
    }
}

/// Publishes an article as the admin; returns it.
async fn publish(app: &TestApp, d: &Desk, title: &str, extra: Value) -> Value {
    let mut body =
        json!({"title": title, "body": QAIM_BODY, "status": "published", "author_ids": [d.samir]});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    app.create("/api/v1/articles", body, &d.admin).await
}

/// An author account linked to a fresh byline: `(author id, token)`.
async fn reporter(app: &TestApp, d: &Desk, name: &str) -> (i64, String) {
    let byline = app
        .create("/api/v1/authors", json!({"name": name}), &d.admin)
        .await;
    let byline = byline["id"].as_i64().unwrap();
    let email = format!("{}@dateline.test", name.to_lowercase().replace(' ', "."));
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": email, "role": "author", "password": PASSWORD, "author_id": byline}),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    (byline, access(&app.login(&email, PASSWORD).await))
}

fn iso(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

// Writing and reading.

crate::both_backends!(an_article_is_created_rendered_and_read_back_by_id_or_slug);
async fn an_article_is_created_rendered_and_read_back_by_id_or_slug() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let res = app
        .post(
            "/api/v1/articles",
            &json!({
                "title": "Air raid on a Qaim workshop leaves 14 militants dead, Anbar officials say",
                "dateline": "Qaim",
                "body": QAIM_BODY,
                "author_ids": [d.samir, d.layla],
                "tag_ids": [d.tag],
                "source_ids": [d.mawazin, d.alsumaria]
            }),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let a = res.json();
    assert_eq!(
        res.header("location").unwrap(),
        app.url(&format!("/api/v1/articles/{}", a["id"]))
    );
    assert_eq!(
        a["slug"],
        "air-raid-on-a-qaim-workshop-leaves-14-militants-dead-anbar-officials-say"
    );
    assert_eq!(a["status"], "draft");
    assert_eq!(a["published_at"], json!(null));
    assert_eq!(a["dateline"], "Qaim");
    assert_eq!(a["author_ids"], json!([d.samir, d.layla]));
    assert_eq!(
        a["source_ids"],
        json!([d.mawazin, d.alsumaria]),
        "sources keep their order"
    );
    assert!(
        a["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>al-Obaidi</strong>")
    );
    assert_eq!(a["word_count"], 35);
    assert_eq!(a["reading_time_minutes"], 1);
    assert_eq!(a["comments_enabled"], true);
    assert_eq!(a["comment_count"], 0);
    assert!(
        a["excerpt"]
            .as_str()
            .unwrap()
            .starts_with("Iraqi warplanes destroyed a workshop in al-Obaidi")
    );
    assert!(!a["excerpt"].as_str().unwrap().contains("**"));
    let keys: Vec<&String> = a.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "slug",
            "url",
            "title",
            "subtitle",
            "excerpt",
            "body",
            "body_html",
            "dateline",
            "status",
            "published_at",
            "created_at",
            "updated_at",
            "word_count",
            "reading_time_minutes",
            "comments_enabled",
            "comment_count",
            "feature_image_id",
            "author_ids",
            "tag_ids",
            "source_ids",
            "corrections"
        ]
    );
    let by_id = app
        .get(&format!("/api/v1/articles/{}", a["id"]), Some(&d.admin))
        .await
        .ok();
    let by_slug = app
        .get(
            &format!("/api/v1/articles/{}", a["slug"].as_str().unwrap()),
            Some(&d.admin),
        )
        .await
        .ok();
    assert_eq!(by_id, by_slug);
    assert_eq!(by_id["title"], a["title"]);
}

crate::both_backends!(markdown_is_sanitized);
async fn markdown_is_sanitized() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let body = "Hello <script>alert('x')</script> <img src=x onerror=alert(1)> \
                [map](javascript:alert(1)) <a href=\"https://example.com\" onclick=\"x()\">ok</a>";
    let a = app
        .create(
            "/api/v1/articles",
            json!({"title": "Sanitize", "body": body}),
            &d.admin,
        )
        .await;
    let html = a["body_html"].as_str().unwrap().to_lowercase();
    for bad in ["<script", "onerror", "onclick", "javascript:"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(html.contains(r#"href="https://example.com""#), "{html}");
    assert_eq!(a["body"], body, "the Markdown is kept as written");
}

crate::both_backends!(slugs_are_transliterated_and_made_unique_and_a_taken_explicit_slug_is_409);
async fn slugs_are_transliterated_and_made_unique_and_a_taken_explicit_slug_is_409() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let first = app
        .create(
            "/api/v1/articles",
            json!({"title": "Al-Qā'im: élan returns"}),
            &d.admin,
        )
        .await;
    let second = app
        .create(
            "/api/v1/articles",
            json!({"title": "Al-Qa'im: elan returns"}),
            &d.admin,
        )
        .await;
    let third = app
        .create(
            "/api/v1/articles",
            json!({"title": "AL QAIM — ÉLAN RETURNS!"}),
            &d.admin,
        )
        .await;
    assert_eq!(first["slug"], "al-qaim-elan-returns");
    assert_eq!(second["slug"], "al-qaim-elan-returns-2");
    assert_eq!(third["slug"], "al-qaim-elan-returns-3");
    let res = app
        .post(
            "/api/v1/articles",
            &json!({"title": "Other", "slug": "al-qaim-elan-returns"}),
            Some(&d.admin),
        )
        .await;
    res.problem(409);
    let res = app
        .post(
            "/api/v1/articles",
            &json!({"title": "Other", "slug": "Not A Slug"}),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["slug"]);
    let own = app
        .create(
            "/api/v1/articles",
            json!({"title": "Other", "slug": "qaim-2017"}),
            &d.admin,
        )
        .await;
    assert_eq!(own["slug"], "qaim-2017");
    // All digits would read as an id.
    let year = app
        .create("/api/v1/articles", json!({"title": "2017"}), &d.admin)
        .await;
    assert_eq!(year["slug"], "article-2017");
    let res = app
        .post(
            "/api/v1/articles",
            &json!({"title": "x", "slug": "2017"}),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["slug"]);
    app.get("/api/v1/articles/01", Some(&d.admin))
        .await
        .problem(404);
}

crate::both_backends!(publishing_sets_published_at_and_needs_an_author);
async fn publishing_sets_published_at_and_needs_an_author() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let draft = app
        .create(
            "/api/v1/articles",
            json!({"title": "Byline later", "author_ids": []}),
            &d.admin,
        )
        .await;
    let path = format!("/api/v1/articles/{}", draft["id"]);
    let res = app
        .patch(&path, &json!({"status": "published"}), Some(&d.admin))
        .await;
    assert_eq!(res.invalid_fields(), ["author_ids"]);
    let before = Utc::now() - Duration::seconds(1);
    let res = app
        .patch(
            &path,
            &json!({"status": "published", "author_ids": [d.layla]}),
            Some(&d.admin),
        )
        .await;
    let a = res.ok();
    assert_eq!(a["status"], "published");
    let at: chrono::DateTime<Utc> = a["published_at"].as_str().unwrap().parse().unwrap();
    assert!(
        at >= before && at <= Utc::now() + Duration::seconds(1),
        "{at}"
    );
    // A backdated publication keeps its date.
    let old = publish(
        &app,
        &d,
        "From the archive",
        json!({"published_at": "2017-11-01T09:30:00Z"}),
    )
    .await;
    assert_eq!(old["published_at"], "2017-11-01T09:30:00Z");
}

crate::both_backends!(workflow_dates_are_checked);
async fn workflow_dates_are_checked() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let future = iso(Utc::now() + Duration::days(2));
    let past = iso(Utc::now() - Duration::days(2));
    let base = json!({"title": "Dates", "author_ids": [d.samir]});
    let with = |extra: Value| {
        let mut b = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let res = app
        .post(
            "/api/v1/articles",
            &with(json!({"status": "scheduled"})),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["published_at"]);
    let res = app
        .post(
            "/api/v1/articles",
            &with(json!({"status": "scheduled", "published_at": past})),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["published_at"]);
    let res = app
        .post(
            "/api/v1/articles",
            &with(json!({"status": "published", "published_at": future})),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["published_at"]);
    let res = app
        .post(
            "/api/v1/articles",
            &with(json!({"status": "scheduled", "published_at": "next tuesday"})),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["published_at"]);
    let ok = app
        .create(
            "/api/v1/articles",
            with(json!({"status": "scheduled", "published_at": future})),
            &d.admin,
        )
        .await;
    assert_eq!(ok["status"], "scheduled");

    // Publishing a draft with `published_at: null` means now, as leaving it out does.
    let draft = app.create("/api/v1/articles", base.clone(), &d.admin).await;
    let path = format!("/api/v1/articles/{}", draft["id"]);
    let published = app
        .patch(
            &path,
            &json!({"status": "published", "published_at": null}),
            Some(&d.admin),
        )
        .await
        .ok();
    assert_eq!(published["status"], "published");
    assert!(published["published_at"].is_string(), "{published}");
    // Once published, the date cannot be cleared; nor a scheduled one's.
    let res = app
        .patch(&path, &json!({"published_at": null}), Some(&d.admin))
        .await;
    assert_eq!(res.invalid_fields(), ["published_at"]);
    let res = app
        .patch(
            &format!("/api/v1/articles/{}", ok["id"]),
            &json!({"published_at": null}),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["published_at"]);
}

crate::both_backends!(patch_is_partial_null_clears_and_the_excerpt_follows_the_body_until_set);
async fn patch_is_partial_null_clears_and_the_excerpt_follows_the_body_until_set() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let a = app
        .create("/api/v1/articles", json!({"title": "Partial", "subtitle": "Sub", "dateline": "Rawa", "body": "First body."}), &d.admin)
        .await;
    let path = format!("/api/v1/articles/{}", a["id"]);
    let b = app
        .patch(&path, &json!({"body": "Second body."}), Some(&d.admin))
        .await
        .ok();
    assert_eq!(b["title"], "Partial");
    assert_eq!(b["subtitle"], "Sub");
    assert_eq!(b["excerpt"], "Second body.");
    assert_eq!(b["slug"], a["slug"], "a new title or body keeps the slug");
    let c = app
        .patch(
            &path,
            &json!({"excerpt": "Hand-written summary.", "subtitle": null, "dateline": null}),
            Some(&d.admin),
        )
        .await
        .ok();
    assert_eq!(c["excerpt"], "Hand-written summary.");
    assert_eq!(c["subtitle"], json!(null));
    assert_eq!(c["dateline"], json!(null));
    let e = app
        .patch(&path, &json!({"body": "Third body."}), Some(&d.admin))
        .await
        .ok();
    assert_eq!(
        e["excerpt"], "Hand-written summary.",
        "a custom excerpt stays"
    );
    let f = app
        .patch(&path, &json!({"excerpt": null}), Some(&d.admin))
        .await
        .ok();
    assert_eq!(
        f["excerpt"], "Third body.",
        "null goes back to the derived excerpt"
    );
    let res = app
        .patch(&path, &json!({"title": null}), Some(&d.admin))
        .await;
    assert_eq!(res.invalid_fields(), ["title"]);
}

crate::both_backends!(validation_names_unknown_read_only_and_bad_fields);
async fn validation_names_unknown_read_only_and_bad_fields() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let res = app
        .post(
            "/api/v1/articles",
            &json!({"title": "x", "body_html": "<p>", "word_count": 3, "headline": "y"}),
            Some(&d.admin),
        )
        .await;
    let p = res.problem(422);
    assert_eq!(
        p["errors"],
        json!([
            {"field": "body_html", "message": "is read-only"},
            {"field": "word_count", "message": "is read-only"},
            {"field": "headline", "message": "is not a field of this resource"}
        ])
    );
    let res = app
        .post(
            "/api/v1/articles",
            &json!({"title": "", "subtitle": "s".repeat(301), "author_ids": [1, 1]}),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["title", "subtitle", "author_ids"]);
    let res = app
        .post(
            "/api/v1/articles",
            &json!({"title": "t".repeat(301)}),
            Some(&d.admin),
        )
        .await;
    assert_eq!(
        res.json()["errors"][0]["message"],
        "must be at most 300 characters"
    );
    let res = app
        .post("/api/v1/articles", &json!({"title": "x", "author_ids": [d.samir, 9999], "tag_ids": [8888], "source_ids": [7777]}), Some(&d.admin))
        .await;
    let p = res.problem(422);
    assert_eq!(
        p["errors"],
        json!([
            {"field": "author_ids", "message": "no author with id 9999"},
            {"field": "tag_ids", "message": "no tag with id 8888"},
            {"field": "source_ids", "message": "no source with id 7777"}
        ])
    );
    let res = app
        .post(
            "/api/v1/articles",
            &json!({"title": "x", "status": "live"}),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["status"]);
    let res = app
        .post(
            "/api/v1/articles",
            &json!({"title": "x", "author_ids": ["one"]}),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["author_ids[0]"]);
}

crate::both_backends!(a_body_over_a_megabyte_is_422_and_over_the_json_limit_413);
async fn a_body_over_a_megabyte_is_422_and_over_the_json_limit_413() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let res = app
        .post(
            "/api/v1/articles",
            &json!({"title": "Long", "body": "a".repeat(1_000_001)}),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["body"]);
    let res = app
        .post(
            "/api/v1/articles",
            &json!({"title": "Longer", "body": "a".repeat(1_100_000)}),
            Some(&d.admin),
        )
        .await;
    res.problem(413);
    let ok = app
        .create(
            "/api/v1/articles",
            json!({"title": "Just fits", "body": "word ".repeat(199_999)}),
            &d.admin,
        )
        .await;
    assert_eq!(ok["word_count"], 199_999);
    assert_eq!(ok["reading_time_minutes"], 1000);
}

// Visibility.

crate::both_backends!(drafts_are_hidden_from_the_public_and_from_other_authors);
async fn drafts_are_hidden_from_the_public_and_from_other_authors() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let (_, owner) = reporter(&app, &d, "Nadia Owner").await;
    let (_, other) = reporter(&app, &d, "Karim Other").await;
    let (_, editor) = app.token_for(Role::Editor).await;
    let draft = app
        .create("/api/v1/articles", json!({"title": "Secret draft"}), &owner)
        .await;
    let path = format!("/api/v1/articles/{}", draft["id"]);
    app.get(&path, None).await.problem(404);
    app.get(&path, Some(&other)).await.problem(404);
    assert_eq!(app.get(&path, Some(&owner)).await.status, 200);
    assert_eq!(app.get(&path, Some(&editor)).await.status, 200);

    assert_eq!(
        ids(&app.get("/api/v1/articles", None).await.ok()),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(&app.get("/api/v1/articles", Some(&editor)).await.ok()),
        Vec::<i64>::new(),
        "the default is what is public"
    );
    let id = draft["id"].as_i64().unwrap();
    assert_eq!(
        ids(&app
            .get("/api/v1/articles?status=draft", Some(&editor))
            .await
            .ok()),
        [id]
    );
    assert_eq!(
        ids(&app
            .get("/api/v1/articles?status=draft", Some(&owner))
            .await
            .ok()),
        [id]
    );
    assert_eq!(
        ids(&app
            .get("/api/v1/articles?status=draft", Some(&other))
            .await
            .ok()),
        Vec::<i64>::new()
    );
    app.get("/api/v1/articles?status=draft", None)
        .await
        .problem(401);
    app.get("/api/v1/articles?status=any", None)
        .await
        .problem(401);
}

crate::both_backends!(a_scheduled_article_goes_public_by_itself_when_due);
async fn a_scheduled_article_goes_public_by_itself_when_due() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let later = publish(
        &app,
        &d,
        "Far future",
        json!({"status": "scheduled", "published_at": iso(Utc::now() + Duration::days(1))}),
    )
    .await;
    let due_at = Utc::now() + Duration::seconds(2);
    let soon = publish(
        &app,
        &d,
        "Very soon",
        json!({"status": "scheduled", "published_at": iso(due_at)}),
    )
    .await;
    let soon_path = format!("/api/v1/articles/{}", soon["id"]);
    app.get(&soon_path, None).await.problem(404);
    assert_eq!(
        ids(&app.get("/api/v1/articles", None).await.ok()),
        Vec::<i64>::new()
    );
    let scheduled = app
        .get("/api/v1/articles?status=scheduled", Some(&d.admin))
        .await
        .ok();
    assert_eq!(scheduled["meta"]["total"], 2);

    while Utc::now() < due_at + Duration::milliseconds(1100) {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let res = app.get(&soon_path, None).await;
    assert_eq!(
        res.ok()["status"],
        "published",
        "due: public, and shown as published"
    );
    assert_eq!(
        ids(&app.get("/api/v1/articles", None).await.ok()),
        [soon["id"].as_i64().unwrap()]
    );
    let scheduled = app
        .get("/api/v1/articles?status=scheduled", Some(&d.admin))
        .await
        .ok();
    assert_eq!(ids(&scheduled), [later["id"].as_i64().unwrap()]);
}

crate::both_backends!(archived_articles_leave_the_public_list);
async fn archived_articles_leave_the_public_list() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let a = publish(&app, &d, "Live page", json!({})).await;
    let path = format!("/api/v1/articles/{}", a["id"]);
    app.patch(&path, &json!({"status": "archived"}), Some(&d.admin))
        .await
        .ok();
    app.get(&path, None).await.problem(404);
    let archived = app
        .get("/api/v1/articles?status=archived", Some(&d.admin))
        .await
        .ok();
    assert_eq!(ids(&archived), [a["id"].as_i64().unwrap()]);
    let any = app
        .get("/api/v1/articles?status=any", Some(&d.admin))
        .await
        .ok();
    assert_eq!(any["meta"]["total"], 1);
}

// The role matrix.

crate::both_backends!(who_may_create_which_status);
async fn who_may_create_which_status() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let (byline, author) = reporter(&app, &d, "Nadia Owner").await;
    let (_, editor) = app.token_for(Role::Editor).await;
    app.post("/api/v1/articles", &json!({"title": "Anon"}), None)
        .await
        .problem(401);
    let mine = app
        .create("/api/v1/articles", json!({"title": "Mine"}), &author)
        .await;
    assert_eq!(
        mine["author_ids"],
        json!([byline]),
        "the byline defaults to the caller's own"
    );
    for status in ["published", "archived"] {
        let res = app
            .post(
                "/api/v1/articles",
                &json!({"title": "Go", "status": status, "author_ids": [byline]}),
                Some(&author),
            )
            .await;
        res.problem(403);
    }
    let res = app
        .post("/api/v1/articles", &json!({"title": "Later", "status": "scheduled", "author_ids": [byline], "published_at": iso(Utc::now() + Duration::days(1))}), Some(&author))
        .await;
    res.problem(403);
    let ok = app
        .create(
            "/api/v1/articles",
            json!({"title": "Go", "status": "published", "author_ids": [byline]}),
            &editor,
        )
        .await;
    assert_eq!(ok["status"], "published");
}

crate::both_backends!(the_edit_and_delete_matrix);
async fn the_edit_and_delete_matrix() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let (byline, owner) = reporter(&app, &d, "Nadia Owner").await;
    let (_, other) = reporter(&app, &d, "Karim Other").await;
    let (_, editor) = app.token_for(Role::Editor).await;

    let draft = app
        .create(
            "/api/v1/articles",
            json!({"title": "Owner's draft"}),
            &owner,
        )
        .await;
    let draft_path = format!("/api/v1/articles/{}", draft["id"]);
    let edit = json!({"subtitle": "edited"});
    // The owner edits their own draft; another author cannot even see it.
    assert_eq!(
        app.patch(&draft_path, &edit, Some(&owner)).await.status,
        200
    );
    app.patch(&draft_path, &edit, Some(&other))
        .await
        .problem(404);
    app.delete(&draft_path, Some(&other)).await.problem(404);
    app.patch(&draft_path, &edit, None).await.problem(401);
    // The owner may not publish it.
    let p = app
        .patch(&draft_path, &json!({"status": "published"}), Some(&owner))
        .await
        .problem(403);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("Only editors and admins publish")
    );
    // An editor and an admin may.
    assert_eq!(
        app.patch(&draft_path, &edit, Some(&editor)).await.status,
        200
    );
    let published = app
        .patch(&draft_path, &json!({"status": "published"}), Some(&d.admin))
        .await
        .ok();
    assert_eq!(published["author_ids"], json!([byline]));
    // Once published, the owner may neither edit nor delete it; another author sees it but may not touch it.
    app.patch(&draft_path, &edit, Some(&owner))
        .await
        .problem(403);
    app.delete(&draft_path, Some(&owner)).await.problem(403);
    app.patch(&draft_path, &edit, Some(&other))
        .await
        .problem(403);
    app.delete(&draft_path, Some(&other)).await.problem(403);
    assert_eq!(
        app.patch(&draft_path, &json!({"status": "archived"}), Some(&editor))
            .await
            .status,
        200
    );

    // Deleting: the owner deletes their own draft; an editor deletes anything.
    let second = app
        .create("/api/v1/articles", json!({"title": "Second draft"}), &owner)
        .await;
    let second_path = format!("/api/v1/articles/{}", second["id"]);
    assert_eq!(app.delete(&second_path, Some(&owner)).await.status, 204);
    app.get(&second_path, Some(&d.admin)).await.problem(404);
    app.delete(&draft_path, None).await.problem(401);
    assert_eq!(app.delete(&draft_path, Some(&editor)).await.status, 204);
}

crate::both_backends!(an_article_the_author_created_is_theirs_even_off_the_byline);
async fn an_article_the_author_created_is_theirs_even_off_the_byline() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let (_, owner) = reporter(&app, &d, "Nadia Owner").await;
    let a = app
        .create(
            "/api/v1/articles",
            json!({"title": "For Samir", "author_ids": [d.samir]}),
            &owner,
        )
        .await;
    let path = format!("/api/v1/articles/{}", a["id"]);
    assert_eq!(
        app.patch(&path, &json!({"subtitle": "mine"}), Some(&owner))
            .await
            .status,
        200
    );
}

// Lists: filters, search, sorting, paging, fields, embedding.

/// Six published articles across bylines, tags, sources, datelines and dates.
async fn newsroom(app: &TestApp) -> (Desk, Vec<Value>) {
    let d = desk(app).await;
    let mut made = Vec::new();
    for (title, body, dateline, date, authors, tags, sources) in [
        (
            "Jets strike militants in Qaim",
            "Fourteen militants were killed near Qaim.",
            "Qaim",
            "2017-11-01T09:30:00Z",
            vec![d.samir],
            vec![d.tag],
            vec![d.alsumaria],
        ),
        (
            "Families flee Rawa",
            "A militant checkpoint was abandoned as families fled.",
            "Rawa",
            "2017-11-02T09:30:00Z",
            vec![d.layla],
            vec![],
            vec![d.mawazin],
        ),
        (
            "The black stain on the map",
            "The map shows the towns as a black stain.",
            "Baghdad",
            "2017-11-03T09:30:00Z",
            vec![d.samir, d.layla],
            vec![d.tag],
            vec![d.alsumaria, d.mawazin],
        ),
        (
            "Army enters Qaim",
            "Troops entered the town from three directions.",
            "qaim",
            "2017-11-04T09:30:00Z",
            vec![d.samir],
            vec![d.tag],
            vec![],
        ),
        (
            "A school becomes a shelter",
            "Forty families sleep in the classrooms.",
            "Haditha",
            "2017-11-05T09:30:00Z",
            vec![d.layla],
            vec![],
            vec![],
        ),
        (
            "Briefing",
            "Stains, maps and militants: the week.",
            "Baghdad",
            "2017-11-06T09:30:00Z",
            vec![d.layla],
            vec![d.tag],
            vec![d.mawazin],
        ),
    ] {
        let a = app
            .create(
                "/api/v1/articles",
                json!({"title": title, "body": body, "dateline": dateline, "status": "published", "published_at": date,
                       "author_ids": authors, "tag_ids": tags, "source_ids": sources}),
                &d.admin,
            )
            .await;
        made.push(a);
    }
    (d, made)
}

fn id_of(a: &Value) -> i64 {
    a["id"].as_i64().unwrap()
}

crate::both_backends!(the_list_is_newest_first_and_filters_by_author_tag_source_dateline_and_dates);
async fn the_list_is_newest_first_and_filters_by_author_tag_source_dateline_and_dates() {
    let app = TestApp::spawn().await;
    let (d, a) = newsroom(&app).await;
    let all = app.get("/api/v1/articles", None).await.ok();
    assert_eq!(ids(&all), [6, 5, 4, 3, 2, 1].map(|n| id_of(&a[n - 1])));
    let get = |q: String| {
        let app = &app;
        async move { ids(&app.get(&format!("/api/v1/articles?{q}"), None).await.ok()) }
    };
    assert_eq!(
        get("author=samir-khalil".into()).await,
        [4, 3, 1].map(|n| id_of(&a[n - 1]))
    );
    assert_eq!(
        get(format!("author={}", d.samir)).await,
        [4, 3, 1].map(|n| id_of(&a[n - 1]))
    );
    assert_eq!(
        get("tag=islamic-state".into()).await,
        [6, 4, 3, 1].map(|n| id_of(&a[n - 1]))
    );
    assert_eq!(
        get(format!("source={}", d.mawazin)).await,
        [6, 3, 2].map(|n| id_of(&a[n - 1]))
    );
    assert_eq!(
        get("source=mawazin-news&author=layla-hassan".into()).await,
        [6, 3, 2].map(|n| id_of(&a[n - 1]))
    );
    assert_eq!(
        get("dateline=QAIM".into()).await,
        [4, 1].map(|n| id_of(&a[n - 1]))
    );
    assert_eq!(
        get("published_after=2017-11-02T09:30:00Z&published_before=2017-11-04T09:30:00Z".into())
            .await,
        [3, 2].map(|n| id_of(&a[n - 1]))
    );
    // A bare date is its midnight UTC; a time may carry any offset.
    assert_eq!(
        get("published_after=2017-11-02&published_before=2017-11-04".into()).await,
        [3, 2].map(|n| id_of(&a[n - 1]))
    );
    assert_eq!(
        get("published_after=2017-11-02&published_before=2017-11-03T12:00:00%2B03:00".into()).await,
        [2].map(|n| id_of(&a[n - 1]))
    );
    assert_eq!(get("author=nobody".into()).await, Vec::<i64>::new());
    for bad in ["yesterday", "2017-11", "2017-02-30", "2017-11-02T09:30"] {
        let res = app
            .get(&format!("/api/v1/articles?published_after={bad}"), None)
            .await;
        assert_eq!(res.invalid_fields(), ["published_after"], "{bad}");
        let message = res.problem(422)["errors"][0]["message"].clone();
        assert_eq!(
            message,
            "must be a date such as 2026-12-01 or an RFC 3339 time such as 2026-12-01T08:30:00Z",
            "{bad}"
        );
    }
}

crate::both_backends!(search_finds_stems_and_phrases_ranked_by_relevance);
async fn search_finds_stems_and_phrases_ranked_by_relevance() {
    let app = TestApp::spawn().await;
    let (_, a) = newsroom(&app).await;
    app.search_settled().await;
    let search = |q: &str| {
        let app = &app;
        let q = q.to_owned();
        async move {
            let req = app
                .client
                .get(app.url("/api/v1/articles"))
                .query(&[("q", q.as_str())])
                .unwrap();
            let res = send(req, None).await;
            assert_eq!(res.status, 200, "q={q}: {}", res.text());
            ids(&res.json())
        }
    };
    // `militant` finds `militants` (and `militant`).
    let hits = search("militant").await;
    assert_eq!(hits.len(), 3, "{hits:?}");
    for n in [1, 2, 6] {
        assert!(hits.contains(&id_of(&a[n - 1])), "{n}");
    }
    // A phrase matches only as a phrase.
    assert_eq!(search("\"black stain\"").await, [id_of(&a[2])]);
    assert_eq!(search("\"stain black\"").await, Vec::<i64>::new());
    // The title weighs more than the body: "Qaim" in a title ranks first.
    let qaim = search("qaim").await;
    assert_eq!(qaim.len(), 2);
    assert!(qaim.contains(&id_of(&a[0])) && qaim.contains(&id_of(&a[3])));
    // Ranking, not date, decides the order unless sort is given.
    let stain = search("stain").await;
    assert_eq!(stain[0], id_of(&a[2]), "the title hit comes first");
    let by_date = ids(&app
        .get("/api/v1/articles?q=stain&sort=-published_at", None)
        .await
        .ok());
    assert_eq!(by_date, [id_of(&a[5]), id_of(&a[2])]);
    // Prefix and exclusion.
    assert_eq!(search("shelt*").await, [id_of(&a[4])]);
    assert_eq!(search("militants -checkpoint").await.len(), 2);
}

crate::both_backends!(hostile_search_input_never_breaks_the_query);
async fn hostile_search_input_never_breaks_the_query() {
    let app = TestApp::spawn().await;
    newsroom(&app).await;
    app.search_settled().await;
    for q in [
        "\0",
        "\"",
        "\"\"",
        "*",
        "NEAR(",
        "a OR",
        "AND",
        "title:qaim",
        "^qaim",
        "-",
        "(((",
        "qaim\"",
        "'; DROP TABLE articles; --",
        "\u{202e}",
        "🙂",
    ] {
        let req = app
            .client
            .get(app.url("/api/v1/articles"))
            .query(&[("q", q)])
            .unwrap();
        let res = send(req, None).await;
        assert_eq!(res.status, 200, "q={q:?}: {}", res.text());
        assert!(res.json()["data"].is_array());
    }
    let res = app.get("/api/v1/articles?q=%00", None).await;
    assert_eq!(res.status, 200);
}

crate::both_backends!(sorting_paging_and_their_errors);
async fn sorting_paging_and_their_errors() {
    let app = TestApp::spawn().await;
    let (_, a) = newsroom(&app).await;
    let titles = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let by_title = app
        .get("/api/v1/articles?sort=title&per_page=3", None)
        .await
        .ok();
    assert_eq!(
        titles(&by_title),
        ["A school becomes a shelter", "Army enters Qaim", "Briefing"]
    );
    let oldest = app
        .get("/api/v1/articles?sort=published_at&per_page=1&page=2", None)
        .await;
    assert_eq!(ids(&oldest.json()), [id_of(&a[1])]);
    let link = oldest.header("link").unwrap();
    assert!(
        link.contains("rel=\"prev\"")
            && link.contains("rel=\"next\"")
            && link.contains("page=6>; rel=\"last\""),
        "{link}"
    );
    assert_eq!(oldest.header("x-total-count"), Some("6"));
    let past = app
        .get("/api/v1/articles?page=7&per_page=1", None)
        .await
        .ok();
    assert_eq!(past["data"], json!([]));
    assert_eq!(
        past["meta"],
        json!({"page": 7, "per_page": 1, "total": 6, "total_pages": 6, "count": "exact"})
    );
    for (q, field) in [
        ("sort=body", "sort"),
        ("sort=title,published", "sort"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
        ("status=live", "status"),
    ] {
        let res = app
            .get(
                &format!("/api/v1/articles?{q}"),
                Some(&app.admin_token().await),
            )
            .await;
        assert_eq!(res.invalid_fields(), [field], "{q}");
    }
}

crate::both_backends!(sparse_fields_and_include);
async fn sparse_fields_and_include() {
    let app = TestApp::spawn().await;
    let (d, a) = newsroom(&app).await;
    let list = app
        .get("/api/v1/articles?fields=id,slug,title&per_page=1", None)
        .await
        .ok();
    let first = &list["data"][0];
    assert_eq!(
        first.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["id", "slug", "title"]
    );
    let res = app.get("/api/v1/articles?fields=id,secret", None).await;
    assert_eq!(res.invalid_fields(), ["fields"]);
    let res = app.get("/api/v1/articles?include=comments", None).await;
    assert_eq!(res.invalid_fields(), ["include"]);

    let path = format!(
        "/api/v1/articles/{}?include=authors,tags,sources",
        a[2]["id"]
    );
    let full = app.get(&path, None).await.ok();
    let names: Vec<&str> = full["authors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Samir Khalil", "Layla Hassan"],
        "the byline in order"
    );
    assert!(
        full["authors"][0].get("email").is_none(),
        "no email for anonymous readers"
    );
    assert_eq!(full["authors"][0]["article_count"], 3);
    assert_eq!(full["tags"][0]["id"], d.tag);
    let sources: Vec<i64> = full["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    assert_eq!(sources, [d.alsumaria, d.mawazin]);
    let sparse = app
        .get(
            &format!(
                "/api/v1/articles/{}?fields=id,title&include=tags",
                a[2]["id"]
            ),
            None,
        )
        .await
        .ok();
    assert_eq!(
        sparse.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["id", "title", "tags"]
    );
    // An embedded member may be named in `fields` beside what `include` asks for.
    let named = app
        .get(
            &format!(
                "/api/v1/articles/{}?fields=id,tags&include=tags,sources",
                a[2]["id"]
            ),
            None,
        )
        .await
        .ok();
    assert_eq!(
        named.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["id", "tags", "sources"]
    );
    // Named in `fields` alone, it is embedded as if `include` asked for it.
    let listed = app
        .get("/api/v1/articles?fields=id,authors&include=tags", None)
        .await
        .ok();
    let first = &listed["data"][0];
    assert_eq!(
        first.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["id", "authors", "tags"]
    );
    assert!(first["authors"][0]["name"].is_string(), "{first}");
    let res = app.get("/api/v1/articles?fields=id,nothing", None).await;
    assert_eq!(res.invalid_fields(), ["fields"]);
    let staff = app.get(&path, Some(&d.admin)).await.ok();
    assert!(
        staff["authors"][0].get("email").is_some(),
        "staff see the email member"
    );
}

crate::both_backends!(include_costs_a_fixed_number_of_queries_whatever_the_page_size);
async fn include_costs_a_fixed_number_of_queries_whatever_the_page_size() {
    let app = TestApp::spawn().await;
    let (_, _) = newsroom(&app).await;
    let mut costs = Vec::new();
    for per_page in [1, 2, 6, 50] {
        let before = app.statements();
        let res = app
            .get(
                &format!("/api/v1/articles?per_page={per_page}&include=authors,tags,sources"),
                None,
            )
            .await;
        assert_eq!(res.status, 200);
        costs.push(app.statements() - before);
    }
    assert!(
        costs.iter().all(|c| *c == costs[0]),
        "statements per request: {costs:?}"
    );
    assert!(costs[0] <= 12, "statements per request: {costs:?}");
    // Without include: the page's ids, their rows, the total, three link queries, and the
    // corrections (their amendments only when there are some).
    let before = app.statements();
    app.get("/api/v1/articles?per_page=50", None).await.ok();
    assert_eq!(app.statements() - before, 7 + app.cache_check());
}

// HTTP caching.

crate::both_backends!(etags_304_and_412);
async fn etags_304_and_412() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let a = publish(&app, &d, "Cache me", json!({})).await;
    let path = format!("/api/v1/articles/{}", a["id"]);
    let first = app.get(&path, None).await;
    let tag = first.header("etag").unwrap().to_owned();
    assert_eq!(first.header("cache-control"), Some("public, max-age=60"));
    assert!(first.header("vary").unwrap().contains("Authorization"));
    let req = app
        .request(Method::GET, &path, None)
        .insert_header(("if-none-match", tag.clone()));
    let res = send(req, None).await;
    assert_eq!(res.status, 304);
    assert!(res.body.is_empty());
    let staff = app.get(&path, Some(&d.admin)).await;
    assert_eq!(staff.header("cache-control"), Some("private, no-store"));

    // The plain GET's tag guards writes.
    let staff_tag = staff.header("etag").unwrap().to_owned();
    let req = app
        .request(Method::PATCH, &path, Some(&d.admin))
        .insert_header(("if-match", staff_tag.clone()));
    let res = send(req, Some(&json!({"subtitle": "first"}))).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let req = app
        .request(Method::PATCH, &path, Some(&d.admin))
        .insert_header(("if-match", staff_tag.clone()));
    send(req, Some(&json!({"subtitle": "second"})))
        .await
        .problem(412);
    let req = app
        .request(Method::DELETE, &path, Some(&d.admin))
        .insert_header(("if-match", staff_tag));
    send(req, None).await.problem(412);
    // The old tag no longer revalidates.
    let req = app
        .request(Method::GET, &path, None)
        .insert_header(("if-none-match", tag));
    assert_eq!(send(req, None).await.status, 200);
    let list = app.get("/api/v1/articles", None).await;
    assert_eq!(list.header("cache-control"), Some("public, max-age=60"));
    assert!(list.header("etag").is_some());
}

crate::both_backends!(unknown_articles_are_404_problems);
async fn unknown_articles_are_404_problems() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let p = app
        .get("/api/v1/articles/no-such-story", None)
        .await
        .problem(404);
    assert_eq!(p["detail"], "No article `no-such-story`.");
    app.get("/api/v1/articles/424242", None).await.problem(404);
    app.patch(
        "/api/v1/articles/424242",
        &json!({"title": "x"}),
        Some(&d.admin),
    )
    .await
    .problem(404);
    app.delete("/api/v1/articles/424242", Some(&d.admin))
        .await
        .problem(404);
}

crate::both_backends!(bodies_that_nest_too_deep_are_refused_before_any_rendering);
async fn bodies_that_nest_too_deep_are_refused_before_any_rendering() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    for body in [
        "<div>".repeat(16_000),
        "> ".repeat(5_000),
        "<span>".repeat(40),
    ] {
        let res = app
            .post(
                "/api/v1/articles",
                &json!({"title": "Nested", "body": body}),
                Some(&d.admin),
            )
            .await;
        assert_eq!(res.invalid_fields(), ["body"]);
        assert!(
            res.json()["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("levels deep")
        );
    }
    // Someone who may not edit an article learns that, not what is wrong with their body.
    let (_, other) = reporter(&app, &d, "Karim Other").await;
    let a = publish(&app, &d, "Not yours", json!({})).await;
    let res = app
        .patch(
            &format!("/api/v1/articles/{}", a["id"]),
            &json!({"body": "<div>".repeat(1000)}),
            Some(&other),
        )
        .await;
    res.problem(403);
    // And a body of unclosed tags is measured in bounded time.
    let started = std::time::Instant::now();
    let res = app
        .post(
            "/api/v1/articles",
            &json!({"title": "Unclosed", "body": format!("<div {}", "<b".repeat(300_000))}),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["body"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

crate::both_backends!(every_documented_field_can_be_asked_for);
async fn every_documented_field_can_be_asked_for() {
    let app = TestApp::spawn().await;
    let (_, a) = newsroom(&app).await;
    let admin = app.admin_token().await;
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let article = app
        .get(&format!("/api/v1/articles/{}", a[0]["id"]), None)
        .await
        .ok();
    let all = keys(&article).join(",");
    let sparse = app
        .get(
            &format!("/api/v1/articles/{}?fields={all}", a[0]["id"]),
            None,
        )
        .await
        .ok();
    assert_eq!(keys(&sparse), keys(&article));
    for collection in ["authors", "sources", "tags"] {
        let list = app
            .get(&format!("/api/v1/{collection}"), Some(&admin))
            .await
            .ok();
        let one = &list["data"][0];
        let all = keys(one).join(",");
        let res = app
            .get(&format!("/api/v1/{collection}?fields={all}"), Some(&admin))
            .await
            .ok();
        assert_eq!(keys(&res["data"][0]), keys(one), "{collection}");
    }
}

crate::both_backends!(publication_times_are_for_editors_and_stay_set_on_public_articles);
async fn publication_times_are_for_editors_and_stay_set_on_public_articles() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let (_, author) = reporter(&app, &d, "Nadia Owner").await;
    let res = app
        .post(
            "/api/v1/articles",
            &json!({"title": "Backdated", "published_at": "2017-01-01T00:00:00Z"}),
            Some(&author),
        )
        .await;
    assert!(
        res.problem(403)["detail"]
            .as_str()
            .unwrap()
            .contains("publication time")
    );
    let a = publish(
        &app,
        &d,
        "Dated",
        json!({"published_at": "2017-11-01T09:30:00Z"}),
    )
    .await;
    let res = app
        .patch(
            &format!("/api/v1/articles/{}", a["id"]),
            &json!({"published_at": null}),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["published_at"]);
    // A moment a fraction of a second ahead is still in the future once stored.
    let soon = Utc::now() + Duration::milliseconds(1500);
    let res = app
        .post(
            "/api/v1/articles",
            &json!({"title": "Soon", "status": "scheduled", "author_ids": [d.samir],
                    "published_at": soon.to_rfc3339_opts(SecondsFormat::Millis, true)}),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
}

crate::both_backends!(oversized_searches_are_422_not_500_and_empty_parameters_are_ignored);
async fn oversized_searches_are_422_not_500_and_empty_parameters_are_ignored() {
    let app = TestApp::spawn().await;
    let (_, a) = newsroom(&app).await;
    app.search_settled().await;
    let exclusions: String = (0..300).map(|n| format!("-x{n} ")).collect();
    let req = app
        .client
        .get(app.url("/api/v1/articles"))
        .query(&[("q", format!("qaim {exclusions}"))])
        .unwrap();
    assert_eq!(send(req, None).await.invalid_fields(), ["q"]);
    let req = app
        .client
        .get(app.url("/api/v1/articles"))
        .query(&[("q", "a".repeat(501))])
        .unwrap();
    assert_eq!(send(req, None).await.invalid_fields(), ["q"]);
    let exclusions: String = (0..20).map(|n| format!("-x{n} ")).collect();
    let req = app
        .client
        .get(app.url("/api/v1/articles"))
        .query(&[("q", format!("qaim {exclusions}"))])
        .unwrap();
    assert_eq!(ids(&send(req, None).await.json()).len(), 2);

    let all = ids(&app.get("/api/v1/articles", None).await.ok());
    assert_eq!(all.len(), a.len());
    for q in [
        "author=",
        "tag=&source=",
        "dateline=%20",
        "fields=,",
        "sort=,",
        "include=,",
    ] {
        let res = app.get(&format!("/api/v1/articles?{q}"), None).await.ok();
        assert_eq!(ids(&res), all, "{q}");
    }
}

crate::both_backends!(every_answer_that_may_be_compressed_varies_on_accept_encoding);
async fn every_answer_that_may_be_compressed_varies_on_accept_encoding() {
    let app = TestApp::spawn().await;
    let req = app
        .request(Method::GET, "/api/v1/articles", None)
        .no_decompress()
        .insert_header(("accept-encoding", "identity"));
    let plain = send(req, None).await;
    let vary: Vec<String> = plain
        .headers
        .get_all("vary")
        .map(|v| v.to_str().unwrap().to_lowercase())
        .collect();
    assert!(
        vary.iter().any(|v| v.contains("accept-encoding")),
        "{vary:?}"
    );
    assert!(vary.iter().any(|v| v.contains("authorization")), "{vary:?}");
}

crate::both_backends!(a_body_that_names_a_key_twice_is_refused);
/// A body that names a key twice is a `422` naming it, and nothing is written: the last value
/// used to win without a word.
async fn a_body_that_names_a_key_twice_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let req = app
        .request(Method::POST, "/api/v1/articles", Some(&admin))
        .content_type("application/json");
    let res = send_raw(
        req,
        r#"{"title": "Qaim crossing reopens", "status": "draft", "status": "published"}"#,
    )
    .await;
    assert_eq!(res.invalid_fields(), ["status"]);
    assert!(res.text().contains("more than once"), "{}", res.text());
    let list = app
        .get("/api/v1/articles?status=any", Some(&admin))
        .await
        .ok();
    assert_eq!(list["meta"]["total"], 0);
}

crate::both_backends!(list_parameters_allow_spaces_around_names_and_nothing_else);
/// Names in `sort`, `fields` and `include` may have spaces around them, as the OpenAPI
/// patterns allow; any other blank is part of a name, so not a name.
async fn list_parameters_allow_spaces_around_names_and_nothing_else() {
    let app = TestApp::spawn().await;
    for q in [
        "sort=title,%20-published_at",
        "fields=%20id%20,title",
        "fields=%20",
        "include=%20tags",
    ] {
        app.get(&format!("/api/v1/articles?{q}"), None).await.ok();
    }
    for (q, field) in [
        ("sort=%09title", "sort"),
        ("fields=id,%C2%85title", "fields"),
        ("include=tags%0A", "include"),
    ] {
        let res = app.get(&format!("/api/v1/articles?{q}"), None).await;
        res.problem(422);
        assert_eq!(res.invalid_fields(), [field], "?{q}");
    }
}
