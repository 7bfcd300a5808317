//! `dateline migrate-to`: a newsroom on SQLite moves into PostgreSQL (and its images into a
//! bucket) without losing a word.

use std::process::Command;

use dateline::db::Location;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::images::{png, upload};

const BIN: &str = env!("CARGO_BIN_EXE_dateline");

/// What a newsroom shows its staff: every article with its links, the catalogs, comments.
async fn snapshot(app: &TestApp, admin: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    for path in [
        "/api/v1/articles?status=any&per_page=100&include=authors,tags,sources,feature_image",
        "/api/v1/articles?per_page=100",
        "/api/v1/authors?per_page=100",
        "/api/v1/tags?per_page=100",
        "/api/v1/sources?per_page=100",
        "/api/v1/images?per_page=100",
        "/api/v1/comments?status=approved&per_page=100",
        "/api/v1/users?per_page=100",
    ] {
        // Addresses name the server that answered: the same newsroom on another server.
        let text = app.get(path, Some(admin)).await.ok().to_string();
        seen.push(serde_json::from_str(&text.replace(&app.base, "https://newsroom.test")).unwrap());
    }
    seen
}

#[actix_web::test]
async fn a_newsroom_moves_to_postgresql_without_losing_a_word() {
    let Some(server) = std::env::var("DATELINE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    else {
        eprintln!("not run: DATELINE_TEST_POSTGRES_URL is not set");
        return;
    };
    let bucket = std::env::var("DATELINE_TEST_S3_URL")
        .ok()
        .filter(|u| !u.trim().is_empty());
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("db/dateline.db");
    let media = dir.path().join("media");
    let cli = |args: &[&str]| {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(dir.path())
            .env("DATABASE_URL", &sqlite)
            .env("DATELINE_MEDIA_DIR", &media)
            .env("DATELINE_SEARCH_DIR", dir.path().join("search"))
            .env_remove("DATELINE_MEDIA_STORE")
            .args(args);
        cmd.output().unwrap()
    };
    let seeded = cli(&["seed", "--demo"]);
    assert!(seeded.status.success(), "{seeded:?}");

    // The demo newsroom, plus a photo on a story, a comment thread and staff sessions.
    let (sqlite_path, media_dir) = (sqlite.clone(), media.clone());
    let before = TestApp::spawn_with(move |c| {
        c.database = Location::Sqlite(sqlite_path);
        c.media_dir = media_dir;
        c.media_store = None;
    })
    .await;
    let admin = before.admin_token().await;
    let photo = png(640, 400);
    let image = upload(&before, &photo, &admin).await;
    let articles = before.get("/api/v1/articles", None).await.ok();
    let story = articles["data"][0]["id"].as_i64().unwrap();
    before
        .patch(
            &format!("/api/v1/articles/{story}"),
            &json!({"feature_image_id": image["id"]}),
            Some(&admin),
        )
        .await
        .ok();
    let comment = before
        .post(
            &format!("/api/v1/articles/{story}/comments"),
            &json!({"author_name": "Reader in Anbar", "author_email": "reader@example.net",
                    "body": "The bridge at Qaim was closed again this morning."}),
            None,
        )
        .await
        .ok();
    before
        .patch(
            &format!("/api/v1/comments/{}", comment["id"]),
            &json!({"status": "approved"}),
            Some(&admin),
        )
        .await
        .ok();
    let rendition = before
        .get(&format!("/api/v1/images/{}/file?w=320", image["id"]), None)
        .await;
    assert_eq!(rendition.status, 200);
    let original = before
        .get(&format!("/api/v1/images/{}/file", image["id"]), None)
        .await;
    assert_eq!(original.status, 200);
    let was = snapshot(&before, &admin).await;
    drop(before);

    let target = TestDatabase::create(&server);
    let media_url = bucket
        .as_ref()
        .map(|b| format!("{}/{}", b.trim_end_matches('/'), target.name));
    let mut args = vec!["migrate-to".to_owned(), target.url()];
    if let Some(url) = &media_url {
        args.extend(["--media".to_owned(), url.clone()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let moved = cli(&args);
    let said = String::from_utf8_lossy(&moved.stdout).into_owned();
    assert!(
        moved.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&moved.stderr)
    );
    assert!(said.contains("articles: 12 rows"), "{said}");
    assert!(said.contains("checked by SHA-256"), "{said}");
    if media_url.is_some() {
        assert!(
            said.contains("images: 1 originals checked by SHA-256"),
            "{said}"
        );
    }
    // A second run finds the target in use and changes nothing.
    let again = cli(&args);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("not empty"),
        "{again:?}"
    );

    let (url, media_dir) = (target.url(), media.clone());
    let after = TestApp::spawn_with(move |c| {
        c.database = Location::Postgres(url);
        match media_url {
            Some(url) => c.media_store = Some(url),
            None => c.media_dir = media_dir,
        }
    })
    .await;
    // The same admin logs in with the same password; every answer is the same.
    let admin = after.admin_token().await;
    let now = snapshot(&after, &admin).await;
    for (i, (now, was)) in now.iter().zip(&was).enumerate() {
        assert!(now == was, "answer {i} differs:\n{now}\n{was}");
    }
    let served = after
        .get(&format!("/api/v1/images/{}/file", image["id"]), None)
        .await;
    assert_eq!(served.status, 200);
    assert!(served.body == original.body, "the photo's bytes changed");
    assert_eq!(
        after
            .get(&format!("/api/v1/images/{}/file?w=320", image["id"]), None)
            .await
            .body,
        rendition.body
    );
    // New rows take new ids: the sequences moved past the copied ones.
    let fresh = after
        .create("/api/v1/tags", json!({"name": "Moved desk"}), &admin)
        .await;
    let highest = was[3]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .max()
        .unwrap();
    assert!(fresh["id"].as_i64().unwrap() > highest);
    // Search works there too, from an index each node builds.
    after.search_settled().await;
    let found = after.get("/api/v1/articles?q=Qaim", None).await.ok();
    assert!(found["meta"]["total"].as_i64().unwrap() > 0, "{found}");
    drop(after);
    drop(target);
}
