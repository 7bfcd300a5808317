//! Reader comments: posting, threading, moderation, visibility, counts, abuse defences.

use actix_web::http::Method;
use dateline::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

struct Story {
    admin: String,
    path: String,
    comments: String,
}

/// A published article to comment on.
async fn story(app: &TestApp, title: &str) -> Story {
    let admin = app.admin_token().await;
    let author = app
        .create(
            "/api/v1/authors",
            json!({"name": format!("Byline {}", unique())}),
            &admin,
        )
        .await;
    let a = app
        .create(
            "/api/v1/articles",
            json!({"title": title, "status": "published", "author_ids": [author["id"]]}),
            &admin,
        )
        .await;
    let path = format!("/api/v1/articles/{}", a["slug"].as_str().unwrap());
    Story {
        comments: format!("{path}/comments"),
        path,
        admin,
    }
}

fn reader(body: &str) -> Value {
    json!({"author_name": "Ahmed from Ramadi", "author_email": "ahmed@example.com", "body": body})
}

async fn post(app: &TestApp, s: &Story, body: Value) -> Value {
    let res = app.post(&s.comments, &body, None).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

async fn approve(app: &TestApp, s: &Story, id: &Value) {
    let res = app
        .patch(
            &format!("/api/v1/comments/{id}"),
            &json!({"status": "approved"}),
            Some(&s.admin),
        )
        .await;
    assert_eq!(res.ok()["status"], "approved");
}

async fn count(app: &TestApp, s: &Story) -> i64 {
    app.get(&s.path, None).await.ok()["comment_count"]
        .as_i64()
        .unwrap()
}

async fn shown(app: &TestApp, s: &Story) -> Vec<i64> {
    ids(&app
        .get(&format!("{}?per_page=100", s.comments), None)
        .await
        .ok())
}

crate::both_backends!(a_readers_comment_waits_for_approval_then_shows_without_its_email);
async fn a_readers_comment_waits_for_approval_then_shows_without_its_email() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Families flee Rawa").await;
    let c = post(
        &app,
        &s,
        reader("Good news for the families waiting in Haditha."),
    )
    .await;
    assert_eq!(c["status"], "pending");
    assert_eq!(c["parent_id"], json!(null));
    assert!(c.get("author_email").is_none());
    assert_eq!(shown(&app, &s).await, Vec::<i64>::new());
    assert_eq!(count(&app, &s).await, 0);

    approve(&app, &s, &c["id"]).await;
    let list = app.get(&s.comments, None).await;
    assert_eq!(list.header("cache-control"), Some("public, max-age=60"));
    let list = list.json();
    assert_eq!(ids(&list), [c["id"].as_i64().unwrap()]);
    let item = &list["data"][0];
    assert_eq!(
        item.as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "id",
            "article_id",
            "parent_id",
            "author_name",
            "body",
            "deleted",
            "created_at"
        ]
    );
    assert_eq!(item["author_name"], "Ahmed from Ramadi");
    assert!(
        !list.to_string().contains("ahmed@example.com"),
        "never an email in public"
    );
    assert_eq!(count(&app, &s).await, 1);
}

crate::both_backends!(staff_comments_are_approved_at_once);
async fn staff_comments_are_approved_at_once() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Staff reply").await;
    let (_, author) = app.token_for(Role::Author).await;
    let res = app
        .post(
            &s.comments,
            &json!({"body": "Correction: the raid was on Wednesday."}),
            Some(&author),
        )
        .await;
    let c = res.ok();
    assert_eq!(res.status, 201);
    assert_eq!(c["status"], "approved");
    // Nothing of the staff email shows: this user's display name is only its local part.
    assert_eq!(c["author_name"], "Newsroom staff");
    assert_eq!(count(&app, &s).await, 1);
}

crate::both_backends!(a_staff_comment_without_a_name_shows_the_byline_or_the_display_name);
async fn a_staff_comment_without_a_name_shows_the_byline_or_the_display_name() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Staff names").await;
    let byline = app
        .create("/api/v1/authors", json!({"name": "Layla Hassan"}), &s.admin)
        .await;
    for (extra, shown) in [
        (json!({"display_name": "Anbar desk"}), "Anbar desk"),
        (
            json!({"display_name": "Anbar desk", "author_id": byline["id"]}),
            "Layla Hassan",
        ),
    ] {
        let email = format!("desk-{}@dateline.test", unique());
        let mut user = json!({"email": email, "role": "editor", "password": PASSWORD});
        user.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        app.post("/api/v1/users", &user, Some(&s.admin)).await.ok();
        let token = access(&app.login(&email, PASSWORD).await);
        let c = app
            .post(
                &s.comments,
                &json!({"body": format!("Update from the desk for {shown}.")}),
                Some(&token),
            )
            .await
            .ok();
        assert_eq!(c["author_name"], shown);
    }
}

crate::both_backends!(comments_are_validated);
async fn comments_are_validated() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Validation").await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (reader(""), vec!["body"]),
        (reader("   \n "), vec!["body"]),
        (reader(&"x".repeat(5001)), vec!["body"]),
        (reader("bell \u{7} character"), vec!["body"]),
        (reader("a NUL \u{0} byte"), vec!["body"]),
        (
            reader("https://a.example http://b.example www.c.example"),
            vec!["body"],
        ),
        (
            json!({"body": "no name or email"}),
            vec!["author_name", "author_email"],
        ),
        (
            json!({"author_name": "", "author_email": "nope", "body": "x"}),
            vec!["author_name", "author_email"],
        ),
        (
            json!({"author_name": "A", "author_email": "a@b.example", "body": "x", "website": "spam"}),
            vec!["website"],
        ),
        (
            json!({"author_name": "A", "author_email": "a@b.example", "body": "x", "status": "approved"}),
            vec!["status"],
        ),
    ];
    for (body, fields) in cases {
        let res = app.post(&s.comments, &body, None).await;
        assert_eq!(res.invalid_fields(), fields, "{body}");
    }
    let ok = post(
        &app,
        &s,
        reader(&format!(
            "{}\nSecond line\twith a tab, and https://example.com",
            "x".repeat(4900)
        )),
    )
    .await;
    assert_eq!(ok["status"], "pending");
}

crate::both_backends!(replies_thread_under_approved_comments_of_the_same_article);
async fn replies_thread_under_approved_comments_of_the_same_article() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Threads").await;
    let other = story(&app, "Other story").await;
    let root = post(&app, &s, reader("First!")).await;
    let mut reply = reader("A reply");
    reply["parent_id"] = root["id"].clone();
    let res = app.post(&s.comments, &reply, None).await;
    assert_eq!(
        res.invalid_fields(),
        ["parent_id"],
        "the parent is still pending"
    );
    approve(&app, &s, &root["id"]).await;
    let r1 = post(&app, &s, reply.clone()).await;
    approve(&app, &s, &r1["id"]).await;
    let mut deeper = reader("A reply to the reply");
    deeper["parent_id"] = r1["id"].clone();
    let r2 = post(&app, &s, deeper).await;
    approve(&app, &s, &r2["id"]).await;
    let res = app.post(&other.comments, &reply, None).await;
    assert_eq!(
        res.invalid_fields(),
        ["parent_id"],
        "a comment of another article"
    );
    let mut missing = reader("orphan");
    missing["parent_id"] = json!(424242);
    assert_eq!(
        app.post(&s.comments, &missing, None).await.invalid_fields(),
        ["parent_id"]
    );

    let list = app.get(&s.comments, None).await.ok();
    let parents: Vec<Value> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["parent_id"].clone())
        .collect();
    assert_eq!(
        parents,
        [json!(null), root["id"].clone(), r1["id"].clone()],
        "oldest first, with parents"
    );
}

crate::both_backends!(moderation_is_for_editors_and_admins);
async fn moderation_is_for_editors_and_admins() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Moderation").await;
    let c = post(&app, &s, reader("Please moderate me.")).await;
    let (_, author) = app.token_for(Role::Author).await;
    let (_, editor) = app.token_for(Role::Editor).await;
    let path = format!("/api/v1/comments/{}", c["id"]);
    app.get("/api/v1/comments", Some(&author))
        .await
        .problem(403);
    app.get("/api/v1/comments", None).await.problem(401);
    app.patch(&path, &json!({"status": "approved"}), Some(&author))
        .await
        .problem(403);
    app.patch(&path, &json!({"status": "approved"}), None)
        .await
        .problem(401);
    app.delete(&path, Some(&author)).await.problem(403);
    app.get(&path, Some(&author)).await.problem(403);

    let queue = app.get("/api/v1/comments", Some(&editor)).await;
    assert_eq!(queue.header("cache-control"), Some("private, no-store"));
    let queue = queue.json();
    assert_eq!(ids(&queue), [c["id"].as_i64().unwrap()]);
    assert_eq!(
        queue["data"][0]["author_email"], "ahmed@example.com",
        "staff see the email"
    );
    assert_eq!(queue["data"][0]["status"], "pending");
    let res = app
        .patch(&path, &json!({"status": "pending"}), Some(&editor))
        .await;
    assert_eq!(res.invalid_fields(), ["status"]);
    let res = app
        .patch(&path, &json!({"status": "deleted"}), Some(&editor))
        .await;
    assert_eq!(res.invalid_fields(), ["status"]);
    assert_eq!(
        app.patch(&path, &json!({"status": "spam"}), Some(&editor))
            .await
            .ok()["status"],
        "spam"
    );
    assert_eq!(
        ids(&app.get("/api/v1/comments", Some(&editor)).await.ok()),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(&app
            .get("/api/v1/comments?status=spam", Some(&editor))
            .await
            .ok()),
        [c["id"].as_i64().unwrap()]
    );
    app.get("/api/v1/comments/424242", Some(&editor))
        .await
        .problem(404);
    app.patch(
        "/api/v1/comments/424242",
        &json!({"status": "spam"}),
        Some(&editor),
    )
    .await
    .problem(404);
}

crate::both_backends!(the_queue_is_newest_first_and_filters_by_article);
async fn the_queue_is_newest_first_and_filters_by_article() {
    let app = TestApp::spawn().await;
    let a = story(&app, "Story A").await;
    let b = story(&app, "Story B").await;
    let first = post(&app, &a, reader("one")).await;
    let second = post(&app, &b, reader("two")).await;
    let third = post(&app, &a, reader("three")).await;
    let all = app.get("/api/v1/comments", Some(&a.admin)).await.ok();
    let all_ids = ids(&all);
    assert_eq!(all_ids.len(), 3);
    assert_eq!(all_ids[0], third["id"].as_i64().unwrap(), "newest first");
    let slug = a.path.rsplit('/').next().unwrap();
    let only_a = app
        .get(&format!("/api/v1/comments?article={slug}"), Some(&a.admin))
        .await
        .ok();
    let mut got = ids(&only_a);
    got.sort();
    assert_eq!(
        got,
        [first["id"].as_i64().unwrap(), third["id"].as_i64().unwrap()]
    );
    assert!(
        !ids(&app
            .get("/api/v1/comments?article=nothing-here", Some(&a.admin))
            .await
            .ok())
        .contains(&second["id"].as_i64().unwrap())
    );
}

crate::both_backends!(comment_count_follows_approval_rejection_and_deletion);
async fn comment_count_follows_approval_rejection_and_deletion() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Counting").await;
    let a = post(&app, &s, reader("one")).await;
    let b = post(&app, &s, reader("two")).await;
    approve(&app, &s, &a["id"]).await;
    approve(&app, &s, &b["id"]).await;
    assert_eq!(count(&app, &s).await, 2);
    app.patch(
        &format!("/api/v1/comments/{}", a["id"]),
        &json!({"status": "rejected"}),
        Some(&s.admin),
    )
    .await
    .ok();
    assert_eq!(count(&app, &s).await, 1);
    assert_eq!(shown(&app, &s).await, [b["id"].as_i64().unwrap()]);
    assert_eq!(
        app.delete(&format!("/api/v1/comments/{}", b["id"]), Some(&s.admin))
            .await
            .status,
        204
    );
    assert_eq!(count(&app, &s).await, 0);
    approve(&app, &s, &a["id"]).await;
    assert_eq!(count(&app, &s).await, 1);
}

crate::both_backends!(deleting_a_comment_with_replies_keeps_the_thread_readable);
async fn deleting_a_comment_with_replies_keeps_the_thread_readable() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Deleting").await;
    let root = post(&app, &s, reader("The parent")).await;
    approve(&app, &s, &root["id"]).await;
    let mut r = reader("The reply");
    r["parent_id"] = root["id"].clone();
    let reply = post(&app, &s, r).await;
    approve(&app, &s, &reply["id"]).await;
    assert_eq!(count(&app, &s).await, 2);

    assert_eq!(
        app.delete(&format!("/api/v1/comments/{}", root["id"]), Some(&s.admin))
            .await
            .status,
        204
    );
    let list = app.get(&s.comments, None).await.ok();
    assert_eq!(
        ids(&list),
        [root["id"].as_i64().unwrap(), reply["id"].as_i64().unwrap()]
    );
    let placeholder = &list["data"][0];
    assert_eq!(placeholder["deleted"], true);
    assert_eq!(placeholder["body"], json!(null));
    assert_eq!(placeholder["author_name"], json!(null));
    assert_eq!(list["data"][1]["parent_id"], root["id"]);
    assert_eq!(count(&app, &s).await, 1, "the placeholder does not count");
    let moderated = app
        .get(&format!("/api/v1/comments/{}", root["id"]), Some(&s.admin))
        .await
        .ok();
    assert_eq!(
        moderated["author_email"],
        json!(null),
        "the email is gone too"
    );

    // When the last reply goes, the placeholder goes with it.
    assert_eq!(
        app.delete(&format!("/api/v1/comments/{}", reply["id"]), Some(&s.admin))
            .await
            .status,
        204
    );
    assert_eq!(shown(&app, &s).await, Vec::<i64>::new());
    app.get(&format!("/api/v1/comments/{}", root["id"]), Some(&s.admin))
        .await
        .problem(404);
    assert_eq!(count(&app, &s).await, 0);
}

crate::both_backends!(the_public_never_sees_pending_rejected_or_spam);
async fn the_public_never_sees_pending_rejected_or_spam() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Visibility").await;
    let pending = post(&app, &s, reader("pending")).await;
    let spam = post(&app, &s, reader("spam")).await;
    let rejected = post(&app, &s, reader("rejected")).await;
    let approved = post(&app, &s, reader("approved")).await;
    for (c, status) in [
        (&spam, "spam"),
        (&rejected, "rejected"),
        (&approved, "approved"),
    ] {
        app.patch(
            &format!("/api/v1/comments/{}", c["id"]),
            &json!({"status": status}),
            Some(&s.admin),
        )
        .await
        .ok();
    }
    let _ = pending;
    assert_eq!(shown(&app, &s).await, [approved["id"].as_i64().unwrap()]);
    let staff_view = app.get(&s.comments, Some(&s.admin)).await.ok();
    assert_eq!(
        ids(&staff_view),
        [approved["id"].as_i64().unwrap()],
        "the thread is the same for staff"
    );
}

crate::both_backends!(comments_are_closed_when_disabled_or_not_public);
async fn comments_are_closed_when_disabled_or_not_public() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Closed").await;
    app.patch(&s.path, &json!({"comments_enabled": false}), Some(&s.admin))
        .await
        .ok();
    let p = app
        .post(&s.comments, &reader("hello"), None)
        .await
        .problem(403);
    assert!(p["detail"].as_str().unwrap().contains("closed"));
    let draft = app
        .create(
            "/api/v1/articles",
            json!({"title": "Draft story"}),
            &s.admin,
        )
        .await;
    let draft_comments = format!("/api/v1/articles/{}/comments", draft["id"]);
    // Whoever may not read the draft cannot learn that it exists: 404, as for GET. Staff who
    // may read it learn why they cannot comment.
    let p = app
        .post(&draft_comments, &reader("hello"), None)
        .await
        .problem(404);
    let got = app.get(&draft_comments, None).await.problem(404);
    assert_eq!(p["detail"], got["detail"], "the same answer as GET");
    let (_, other_author) = app.token_for(Role::Author).await;
    app.post(&draft_comments, &reader("hello"), Some(&other_author))
        .await
        .problem(404);
    let p = app
        .post(&draft_comments, &reader("hello"), Some(&s.admin))
        .await
        .problem(403);
    assert!(p["detail"].as_str().unwrap().contains("published"));
    app.post(
        "/api/v1/articles/no-such-story/comments",
        &reader("hello"),
        None,
    )
    .await
    .problem(404);
    app.get("/api/v1/articles/no-such-story/comments", None)
        .await
        .problem(404);
}

crate::both_backends!(the_same_text_twice_is_409_but_elsewhere_is_fine);
async fn the_same_text_twice_is_409_but_elsewhere_is_fine() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Duplicates").await;
    let other = story(&app, "Elsewhere").await;
    post(&app, &s, reader("Great reporting, thank you.")).await;
    app.post(&s.comments, &reader("Great  reporting, thank you.\n"), None)
        .await
        .problem(409);
    post(&app, &other, reader("Great reporting, thank you.")).await;
}

crate::both_backends!(one_address_may_post_only_so_many_comments_an_hour);
async fn one_address_may_post_only_so_many_comments_an_hour() {
    let app = TestApp::spawn_with(|c| c.comments_per_hour = 3).await;
    let s = story(&app, "Rate limit").await;
    for n in 0..3 {
        post(&app, &s, reader(&format!("comment number {n}"))).await;
    }
    // A fourth is over it.
    let res = app.post(&s.comments, &reader("fourth"), None).await;
    res.problem(429);
    let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 3000 && retry <= 3600, "{retry}");
    // Staff are not limited.
    let res = app
        .post(
            &s.comments,
            &json!({"body": "Editor's note."}),
            Some(&s.admin),
        )
        .await;
    assert_eq!(res.status, 201);
}

crate::both_backends!(invalid_comments_do_not_use_up_the_allowance);
async fn invalid_comments_do_not_use_up_the_allowance() {
    let app = TestApp::spawn_with(|c| c.comments_per_hour = 2).await;
    let s = story(&app, "Allowance").await;
    for _ in 0..5 {
        app.post(&s.comments, &reader(""), None).await.problem(422);
    }
    post(&app, &s, reader("one")).await;
    post(&app, &s, reader("two")).await;
    app.post(&s.comments, &reader("three"), None)
        .await
        .problem(429);
}

/// From the OWASP XSS Filter Evasion Cheat Sheet.
const XSS: &[&str] = &[
    "<script>alert('XSS')</script>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert(&quot;XSS&quot;)>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<SCRIPT/XSS SRC=\"http://xss.rocks/xss.js\"></SCRIPT>",
    "<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
    "<iframe src=http://xss.rocks/scriptlet.html <",
    "\\\";alert('XSS');//",
    "</TITLE><SCRIPT>alert(\"XSS\");</SCRIPT>",
    "<SVG/onload=alert('XSS')>",
    "<BODY ONLOAD=alert('XSS')>",
    "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
    "¼script¾alert(¢XSS¢)¼/script¾",
    "'';!--\"<XSS>=&{()}",
];

crate::both_backends!(xss_filter_evasion_strings_round_trip_unchanged_as_json_strings);
async fn xss_filter_evasion_strings_round_trip_unchanged_as_json_strings() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Hostile input").await;
    let mut posted = Vec::new();
    for (n, attack) in XSS.iter().enumerate() {
        let res = app
            .post(&s.comments, &json!({"author_name": attack.chars().take(100).collect::<String>(), "author_email": format!("x{n}@example.com"), "body": attack}), Some(&s.admin))
            .await;
        assert_eq!(res.status, 201, "{attack}: {}", res.text());
        assert_eq!(res.header("content-type"), Some("application/json"));
        let c = res.json();
        assert_eq!(c["body"], *attack, "stored and answered exactly as given");
        posted.push(c["id"].as_i64().unwrap());
    }
    let list = app.get(&format!("{}?per_page=100", s.comments), None).await;
    assert_eq!(list.header("content-type"), Some("application/json"));
    assert_eq!(list.header("x-content-type-options"), Some("nosniff"));
    let bodies: Vec<String> = list.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(bodies, XSS);
}

crate::both_backends!(moderation_honours_if_match);
async fn moderation_honours_if_match() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Concurrent moderators").await;
    let c = post(&app, &s, reader("Moderate me carefully.")).await;
    let path = format!("/api/v1/comments/{}", c["id"]);
    let tag = app
        .get(&path, Some(&s.admin))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let req = app
        .request(Method::PATCH, &path, Some(&s.admin))
        .insert_header(("if-match", tag.clone()));
    assert_eq!(
        send(req, Some(&json!({"status": "approved"}))).await.status,
        200
    );
    let req = app
        .request(Method::PATCH, &path, Some(&s.admin))
        .insert_header(("if-match", tag.clone()));
    send(req, Some(&json!({"status": "spam"})))
        .await
        .problem(412);
    let req = app
        .request(Method::DELETE, &path, Some(&s.admin))
        .insert_header(("if-match", tag));
    send(req, None).await.problem(412);
}

crate::both_backends!(
    the_5000_character_limit_counts_every_character_and_bidi_overrides_are_refused
);
async fn the_5000_character_limit_counts_every_character_and_bidi_overrides_are_refused() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Limits").await;
    let padded = format!("{}{}", "\n".repeat(200_000), "c".repeat(10));
    assert_eq!(
        app.post(&s.comments, &reader(&padded), None)
            .await
            .invalid_fields(),
        ["body"]
    );
    let spoof = "harmless \u{202E}txt.exe";
    assert_eq!(
        app.post(&s.comments, &reader(spoof), None)
            .await
            .invalid_fields(),
        ["body"]
    );
    let exactly = "é".repeat(5000);
    post(&app, &s, reader(&exactly)).await;
}

crate::both_backends!(a_repeat_with_an_invisible_character_is_still_a_repeat);
async fn a_repeat_with_an_invisible_character_is_still_a_repeat() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Invisible").await;
    post(&app, &s, reader("Great reporting.")).await;
    app.post(&s.comments, &reader("Great\u{200B} reporting."), None)
        .await
        .problem(409);
}

crate::both_backends!(threads_stay_whole_when_a_parent_is_hidden_and_lone_placeholders_do_not_show);
async fn threads_stay_whole_when_a_parent_is_hidden_and_lone_placeholders_do_not_show() {
    let app = TestApp::spawn().await;
    let s = story(&app, "Hidden parents").await;
    let root = post(&app, &s, reader("A parent that will be rejected")).await;
    approve(&app, &s, &root["id"]).await;
    let mut r = reader("An approved reply");
    r["parent_id"] = root["id"].clone();
    let reply = post(&app, &s, r).await;
    approve(&app, &s, &reply["id"]).await;
    app.patch(
        &format!("/api/v1/comments/{}", root["id"]),
        &json!({"status": "rejected"}),
        Some(&s.admin),
    )
    .await
    .ok();
    let list = app.get(&s.comments, None).await.ok();
    assert_eq!(
        ids(&list),
        [root["id"].as_i64().unwrap(), reply["id"].as_i64().unwrap()]
    );
    assert_eq!(
        list["data"][0]["deleted"], true,
        "the rejected parent is a placeholder"
    );
    assert_eq!(list["data"][0]["body"], json!(null));
    assert!(!list.to_string().contains("will be rejected"));
    assert_eq!(count(&app, &s).await, 1);

    // A deleted comment whose only reply is still pending is not shown at all.
    let lone = post(&app, &s, reader("Soon deleted")).await;
    approve(&app, &s, &lone["id"]).await;
    let mut p = reader("A pending reply");
    p["parent_id"] = lone["id"].clone();
    post(&app, &s, p).await;
    assert_eq!(
        app.delete(&format!("/api/v1/comments/{}", lone["id"]), Some(&s.admin))
            .await
            .status,
        204
    );
    assert!(
        !shown(&app, &s)
            .await
            .contains(&lone["id"].as_i64().unwrap())
    );
}
