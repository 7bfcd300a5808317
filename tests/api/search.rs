//! Search follows the newsroom: the index (kept in the background, about a second behind)
//! finds what is public and only that, and is rebuilt from the database when it is lost.

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::helpers::*;

/// An admin token and a byline to write with.
async fn writer(app: &TestApp) -> (String, i64) {
    let admin = app.admin_token().await;
    let author = app
        .create("/api/v1/authors", json!({"name": "Samir Khalil"}), &admin)
        .await;
    (admin, author["id"].as_i64().unwrap())
}

/// The ids a public search for `q` finds.
async fn found(app: &TestApp, q: &str) -> Vec<i64> {
    let req = app
        .client
        .get(app.url("/api/v1/articles"))
        .query(&[("q", q)])
        .unwrap();
    let res = send(req, None).await;
    assert_eq!(res.status, 200, "q={q}: {}", res.text());
    ids(&res.json())
}

fn id(article: &Value) -> i64 {
    article["id"].as_i64().unwrap()
}

crate::both_backends!(published_articles_are_found_until_unpublished_or_deleted);
async fn published_articles_are_found_until_unpublished_or_deleted() {
    let app = TestApp::spawn().await;
    let (admin, author) = writer(&app).await;
    let article = app
        .create(
            "/api/v1/articles",
            json!({"title": "Jets strike a workshop in Qaim", "body": "Militants were killed.",
                   "status": "published", "author_ids": [author]}),
            &admin,
        )
        .await;
    let draft = app
        .create(
            "/api/v1/articles",
            json!({"title": "Qaim draft", "body": "Militants, unconfirmed.", "author_ids": [author]}),
            &admin,
        )
        .await;
    app.search_settled().await;
    assert_eq!(found(&app, "militant").await, [id(&article)]);

    let path = format!("/api/v1/articles/{}", id(&article));
    let res = app
        .patch(&path, &json!({"status": "draft"}), Some(&admin))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    app.search_settled().await;
    assert_eq!(found(&app, "militant").await, Vec::<i64>::new());

    let res = app
        .patch(&path, &json!({"status": "published"}), Some(&admin))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let res = app
        .patch(
            &path,
            &json!({"body": "Troops entered the town."}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    app.search_settled().await;
    assert_eq!(
        found(&app, "militant").await,
        Vec::<i64>::new(),
        "the old body is gone"
    );
    assert_eq!(found(&app, "troops").await, [id(&article)]);

    let res = app.delete(&path, Some(&admin)).await;
    assert!(res.status.is_success(), "{}", res.text());
    app.search_settled().await;
    assert_eq!(found(&app, "qaim").await, Vec::<i64>::new());
    // Staff still find the draft.
    let res = app
        .get("/api/v1/articles?q=qaim&status=any", Some(&admin))
        .await
        .ok();
    assert_eq!(ids(&res), [id(&draft)]);
}

crate::both_backends!(a_scheduled_article_is_found_once_it_is_due);
async fn a_scheduled_article_is_found_once_it_is_due() {
    let app = TestApp::spawn().await;
    let (admin, author) = writer(&app).await;
    let due = Utc::now() + Duration::seconds(2);
    let article = app
        .create(
            "/api/v1/articles",
            json!({"title": "Rawa falls", "body": "Troops entered Rawa.", "status": "scheduled",
                   "published_at": due.to_rfc3339_opts(SecondsFormat::Millis, true),
                   "author_ids": [author]}),
            &admin,
        )
        .await;
    app.search_settled().await;
    assert_eq!(found(&app, "rawa").await, Vec::<i64>::new(), "not yet due");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let hits = found(&app, "rawa").await;
        if hits == [id(&article)] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still not found: {hits:?}"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(Utc::now() >= due, "found before it was due");
}

crate::both_backends!(the_index_is_rebuilt_from_the_database_when_its_folder_is_lost);
async fn the_index_is_rebuilt_from_the_database_when_its_folder_is_lost() {
    let app = TestApp::spawn().await;
    let (admin, author) = writer(&app).await;
    let article = app
        .create(
            "/api/v1/articles",
            json!({"title": "The black stain on the map", "body": "Towns as a black stain.",
                   "status": "published", "author_ids": [author]}),
            &admin,
        )
        .await;
    app.search_settled().await;
    assert_eq!(found(&app, "\"black stain\"").await, [id(&article)]);

    let app = app
        .restart(|dir| std::fs::remove_dir_all(dir.join("search")).unwrap())
        .await;
    // While it is built, a search is a 503 that says so, never an empty answer.
    let res = app.get("/api/v1/articles?q=stain", None).await;
    if res.status != 200 {
        let problem = res.problem(503);
        assert!(problem["detail"].as_str().unwrap().contains("search index"));
        assert!(res.header("retry-after").is_some());
    } else {
        assert_eq!(ids(&res.json()), [id(&article)]);
    }
    app.search_settled().await;
    assert_eq!(found(&app, "\"black stain\"").await, [id(&article)]);
    assert!(app.state.config.search_dir.join("meta.json").exists());
}
