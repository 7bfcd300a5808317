//! Revisions and corrections: what changed in a story and why, over HTTP.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;
use crate::webhooks::{Hit, Receiver, Script, endpoint};

/// A byline to publish under.
async fn byline(app: &TestApp, admin: &str) -> i64 {
    app.create(
        "/api/v1/authors",
        json!({"name": format!("Noor Hassan {}", unique())}),
        admin,
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

fn numbers(list: &Value) -> Vec<i64> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_i64().unwrap())
        .collect()
}

/// Moves every revision of `article` back by `seconds` (as if its saves were that long ago).
fn age_revisions(app: &TestApp, article: i64, seconds: i64) {
    use dateline::db::schema::article_revisions as r;
    use diesel::prelude::*;
    let pool = dateline::db::open_pool(&app.state.config.database, 1).unwrap();
    let mut conn = pool.get().unwrap();
    let rows: Vec<(i64, chrono::NaiveDateTime)> = r::table
        .filter(r::article_id.eq(article))
        .select((r::id, r::created_at))
        .load(&mut conn)
        .unwrap();
    for (id, at) in rows {
        diesel::update(r::table.find(id))
            .set(r::created_at.eq(at - chrono::Duration::seconds(seconds)))
            .execute(&mut conn)
            .unwrap();
    }
}

crate::both_backends!(saves_keep_revisions_and_bursts_by_one_user_coalesce);
async fn saves_keep_revisions_and_bursts_by_one_user_coalesce() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, editor) = app.token_for(dateline::auth::Role::Editor).await;
    let author = byline(&app, &admin).await;
    let a = app
        .create(
            "/api/v1/articles",
            json!({"title": "Troops near Qaim", "body": "First draft.", "author_ids": [author]}),
            &admin,
        )
        .await;
    let id = a["id"].as_i64().unwrap();
    let path = format!("/api/v1/articles/{id}");
    let revisions = format!("{path}/revisions");
    // An autosave burst by the same user folds into the first revision.
    for n in 2..=5 {
        app.patch(&path, &json!({"body": format!("Draft {n}.")}), Some(&admin))
            .await
            .ok();
    }
    let list = app.get(&revisions, Some(&admin)).await.ok();
    assert_eq!(numbers(&list), [1]);
    let first = &list["data"][0];
    assert_eq!(first["saves"], 5);
    assert_eq!(first["body"], "Draft 5.");
    assert_eq!(first["status"], "draft");
    assert_eq!(first["author_ids"], json!([author]));
    // A save that changes nothing editorial keeps no revision.
    app.patch(&path, &json!({"comments_enabled": false}), Some(&admin))
        .await
        .ok();
    assert_eq!(
        app.get(&revisions, Some(&admin)).await.ok()["data"][0]["saves"],
        5
    );
    // Another user's save is a revision of its own.
    app.patch(&path, &json!({"title": "Troops reach Qaim"}), Some(&editor))
        .await
        .ok();
    // A status change is never folded in, even by the same user at once.
    app.patch(&path, &json!({"status": "published"}), Some(&editor))
        .await
        .ok();
    let list = app.get(&revisions, Some(&admin)).await.ok();
    assert_eq!(numbers(&list), [3, 2, 1]);
    assert_eq!(list["data"][0]["status"], "published");
    assert_eq!(list["data"][1]["title"], "Troops reach Qaim");
    assert_eq!(list["data"][1]["status"], "draft");
    assert_ne!(list["data"][0]["user_id"], list["data"][2]["user_id"]);
    // Two minutes later the same user's save starts a new revision.
    app.patch(&path, &json!({"subtitle": "The army says"}), Some(&editor))
        .await
        .ok();
    assert_eq!(
        numbers(&app.get(&revisions, Some(&admin)).await.ok()),
        [3, 2, 1]
    );
    age_revisions(&app, id, 121);
    app.patch(
        &path,
        &json!({"subtitle": "The army says so"}),
        Some(&editor),
    )
    .await
    .ok();
    let list = app.get(&revisions, Some(&admin)).await.ok();
    assert_eq!(numbers(&list), [4, 3, 2, 1]);
    assert_eq!(list["meta"]["total"], 4);
    let one = app.get(&format!("{revisions}/2"), Some(&admin)).await.ok();
    assert_eq!(one["number"], 2);
    assert_eq!(one["title"], "Troops reach Qaim");
    app.get(&format!("{revisions}/99"), Some(&admin))
        .await
        .problem(404);
    app.get(&format!("{revisions}/x"), Some(&admin))
        .await
        .problem(400);
}

crate::both_backends!(restoring_a_revision_brings_its_content_back_as_a_new_revision);
async fn restoring_a_revision_brings_its_content_back_as_a_new_revision() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, editor) = app.token_for(dateline::auth::Role::Editor).await;
    let author = byline(&app, &admin).await;
    let tag = app
        .create("/api/v1/tags", json!({"name": "Anbar"}), &admin)
        .await;
    let a = app
        .create(
            "/api/v1/articles",
            json!({"title": "Families return to Haditha", "body": "The **first** text.",
                   "dateline": "Haditha", "author_ids": [author], "tag_ids": [tag["id"]],
                   "status": "published"}),
            &admin,
        )
        .await;
    let path = format!("/api/v1/articles/{}", a["id"]);
    let changed = app
        .patch(
            &path,
            &json!({"title": "Hundreds return to Haditha", "body": "A new text.",
                    "dateline": "Ramadi", "tag_ids": []}),
            Some(&editor),
        )
        .await
        .ok();
    assert_eq!(changed["tag_ids"], json!([]));
    let res = app
        .post(
            &format!("{path}/revisions/1/restore"),
            &json!({}),
            Some(&editor),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let restored = res.json();
    assert_eq!(restored["number"], 3);
    assert_eq!(restored["restored_from"], 1);
    assert_eq!(restored["title"], "Families return to Haditha");
    assert!(
        res.header("location")
            .unwrap()
            .ends_with(&format!("{path}/revisions/3"))
    );
    let now = app.get(&path, None).await.ok();
    assert_eq!(now["title"], "Families return to Haditha");
    assert_eq!(now["body"], "The **first** text.");
    assert_eq!(
        now["body_html"],
        "<p>The <strong>first</strong> text.</p>\n"
    );
    assert_eq!(now["dateline"], "Haditha");
    assert_eq!(now["tag_ids"], json!([tag["id"]]));
    assert_eq!(now["status"], "published", "the status is not restored");
    // The restore stays what it restored: the same user's next save is a revision of its own.
    app.patch(
        &path,
        &json!({"subtitle": "After the restore"}),
        Some(&editor),
    )
    .await
    .ok();
    let list = app
        .get(&format!("{path}/revisions"), Some(&editor))
        .await
        .ok();
    assert_eq!(list["meta"]["total"], 4);
    assert_eq!(list["data"][1]["restored_from"], 1);
    assert_eq!(list["data"][1]["subtitle"], Value::Null);
    // A tag deleted since is left out of a restore.
    app.delete(&format!("/api/v1/tags/{}", tag["id"]), Some(&admin))
        .await
        .ok();
    let res = app
        .post(
            &format!("{path}/revisions/1/restore"),
            &json!({}),
            Some(&editor),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["number"], 5);
    assert_eq!(res.json()["tag_ids"], json!([]));
    app.post(
        &format!("{path}/revisions/42/restore"),
        &json!({}),
        Some(&editor),
    )
    .await
    .problem(404);
    // Authors may not restore what they may not edit.
    let (_, other) = app.token_for(dateline::auth::Role::Author).await;
    app.post(
        &format!("{path}/revisions/1/restore"),
        &json!({}),
        Some(&other),
    )
    .await
    .problem(403);
}

crate::both_backends!(corrections_are_public_newest_first_and_amended_never_deleted);
async fn corrections_are_public_newest_first_and_amended_never_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, author_token) = app.token_for(dateline::auth::Role::Author).await;
    let author = byline(&app, &admin).await;
    let a = app
        .create(
            "/api/v1/articles",
            json!({"title": "Jets strike a workshop near Qaim", "author_ids": [author],
                   "status": "published"}),
            &admin,
        )
        .await;
    let path = format!("/api/v1/articles/{}", a["id"]);
    let first = app
        .create(
            &format!("{path}/corrections"),
            json!({"kind": "correction", "note": "An earlier version said 12 were killed; the army says 14."}),
            &admin,
        )
        .await;
    assert_eq!(first["kind"], "correction");
    assert_eq!(first["amendments"], json!([]));
    let second = app
        .create(
            &format!("{path}/corrections"),
            json!({"kind": "update", "note": "The army has since named the commander."}),
            &admin,
        )
        .await;
    let read = app.get(&path, None).await.ok();
    let kinds: Vec<&str> = read["corrections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["update", "correction"], "newest first");
    assert!(read["updated_at"].as_str().unwrap() >= a["updated_at"].as_str().unwrap());
    // Lists carry them too.
    let listed = app.get("/api/v1/articles", None).await.ok();
    assert_eq!(
        listed["data"][0]["corrections"].as_array().unwrap().len(),
        2
    );
    // Amending keeps what it said, and why it changed.
    let amended = app
        .patch(
            &format!("{path}/corrections/{}", first["id"]),
            &json!({"note": "An earlier version said 12 were killed; the Joint Operations Command says 14.",
                    "reason": "Named the source of the figure."}),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(
        amended["note"],
        "An earlier version said 12 were killed; the Joint Operations Command says 14."
    );
    let history = amended["amendments"].as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        history[0]["previous_note"],
        "An earlier version said 12 were killed; the army says 14."
    );
    assert_eq!(history[0]["reason"], "Named the source of the figure.");
    let read = app.get(&path, None).await.ok();
    assert_eq!(read["corrections"][1]["amendments"], amended["amendments"]);
    // If-Match: the correction's ETag, as its read gives it.
    let correction = format!("/api/v1/corrections/{}", first["id"]);
    let etag = app
        .get(&correction, None)
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let stale = app
        .request(
            actix_web::http::Method::PATCH,
            &format!("{path}/corrections/{}", first["id"]),
            Some(&admin),
        )
        .insert_header(("If-Match", "\"not-the-current-one\""));
    send(stale, Some(&json!({"note": "Another", "reason": "Stale"})))
        .await
        .problem(412);
    let fresh = app
        .request(
            actix_web::http::Method::PATCH,
            &format!("{path}/corrections/{}", first["id"]),
            Some(&admin),
        )
        .insert_header(("If-Match", etag.as_str()));
    let res = send(
        fresh,
        Some(&json!({"note": "An earlier version said 12 were killed; the JOC says 14.", "reason": "Shorter."})),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let amended = res.json();
    // An amendment needs a reason and a change.
    let res = app
        .patch(
            &format!("{path}/corrections/{}", first["id"]),
            &json!({"note": "Anything"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.text());
    let res = app
        .patch(
            &format!("{path}/corrections/{}", first["id"]),
            &json!({"note": amended["note"], "reason": "No change"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["note"]);
    // No delete, for anyone.
    let res = app
        .delete(&format!("{path}/corrections/{}", first["id"]), Some(&admin))
        .await;
    res.problem(405);
    assert_eq!(
        app.get(&format!("/api/v1/corrections/{}", first["id"]), None)
            .await
            .ok()["note"],
        amended["note"]
    );
    // Editors only; published articles only; a known kind; a note.
    app.post(
        &format!("{path}/corrections"),
        &json!({"kind": "correction", "note": "Mine"}),
        Some(&author_token),
    )
    .await
    .problem(403);
    let draft = app
        .create("/api/v1/articles", json!({"title": "Not out yet"}), &admin)
        .await;
    app.post(
        &format!("/api/v1/articles/{}/corrections", draft["id"]),
        &json!({"kind": "correction", "note": "Too early"}),
        Some(&admin),
    )
    .await
    .problem(409);
    for body in [
        json!({"kind": "erratum", "note": "x"}),
        json!({"kind": "correction", "note": "  "}),
        json!({"kind": "correction"}),
    ] {
        let res = app
            .post(&format!("{path}/corrections"), &body, Some(&admin))
            .await;
        assert_eq!(res.status, 422, "{body}: {}", res.text());
    }
    // The site-wide list: newest first, with the article, public articles only.
    let all = app.get("/api/v1/corrections", None).await.ok();
    assert_eq!(all["meta"]["total"], 2);
    assert_eq!(all["data"][0]["id"], second["id"]);
    assert_eq!(
        all["data"][0]["article"]["title"],
        "Jets strike a workshop near Qaim"
    );
    assert_eq!(all["data"][0]["article"]["id"], a["id"]);
    let updates = app.get("/api/v1/corrections?kind=update", None).await.ok();
    assert_eq!(ids(&updates), [second["id"].as_i64().unwrap()]);
    let by_article = app
        .get(
            &format!(
                "/api/v1/corrections?article={}",
                a["slug"].as_str().unwrap()
            ),
            None,
        )
        .await
        .ok();
    assert_eq!(by_article["meta"]["total"], 2);
    app.patch(&path, &json!({"status": "archived"}), Some(&admin))
        .await
        .ok();
    let all = app.get("/api/v1/corrections", None).await.ok();
    assert_eq!(
        all["meta"]["total"], 0,
        "an archived story's corrections are not public"
    );
    app.get(&format!("/api/v1/corrections/{}", first["id"]), None)
        .await
        .problem(404);
    // Staff who may read the article still see them.
    app.get(
        &format!("/api/v1/corrections/{}", first["id"]),
        Some(&admin),
    )
    .await
    .ok();
}

crate::both_backends!(a_correction_is_announced_and_marked_in_the_feeds);
async fn a_correction_is_announced_and_marked_in_the_feeds() {
    let app = TestApp::spawn_with(|c| {
        c.webhooks.allow_http = true;
        c.webhooks.allow_private = true;
        c.site = dateline::config::Config::from_lookup(|k| match k {
            "DATELINE_SITE_URL" => Some("https://www.iraqinews.example".into()),
            _ => None,
        })
        .unwrap()
        .site;
    })
    .await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start(Script::default()).await;
    endpoint(&app, &admin, &receiver.url, Some(&["article.updated"])).await;
    let author = byline(&app, &admin).await;
    let a = app
        .create(
            "/api/v1/articles",
            json!({"title": "Jets strike a workshop near Qaim", "author_ids": [author],
                   "status": "published", "body": "The toll was 12."}),
            &admin,
        )
        .await;
    let c = app
        .create(
            &format!("/api/v1/articles/{}/corrections", a["id"]),
            json!({"kind": "correction", "note": "The toll was 14 <not 12>."}),
            &admin,
        )
        .await;
    let hits: Vec<Hit> = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(hits[0].kind(), "article.updated");
    assert_eq!(hits[0].body["data"]["id"], a["id"]);
    assert_eq!(hits[0].body["data"]["corrections"][0]["id"], c["id"]);
    assert_eq!(
        hits[0].body["data"]["corrections"][0]["note"],
        "The toll was 14 <not 12>."
    );

    let rss = app.get("/feeds/rss.xml", None).await;
    assert_eq!(rss.status, 200);
    let feed = feed_rs::parser::parse(rss.body.as_slice()).unwrap();
    let entry = &feed.entries[0];
    assert!(
        entry.categories.iter().any(|c| c.term == "Corrected"),
        "{:?}",
        entry.categories
    );
    let html = entry.content.as_ref().and_then(|c| c.body.clone()).unwrap();
    assert!(html.contains("<strong>Correction</strong>"), "{html}");
    assert!(html.contains("The toll was 14 &lt;not 12&gt;."), "{html}");
    let atom = app.get("/feeds/atom.xml", None).await;
    let feed = feed_rs::parser::parse(atom.body.as_slice()).unwrap();
    assert!(
        feed.entries[0]
            .categories
            .iter()
            .any(|c| c.term == "corrected")
    );
    let json_feed = app.get("/feeds/feed.json", None).await.json();
    let item = &json_feed["items"][0];
    assert!(
        item["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("Corrected"))
    );
    assert_eq!(item["_dateline"]["corrections"][0]["id"], c["id"]);
}
