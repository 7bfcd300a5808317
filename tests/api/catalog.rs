//! `/api/v1/authors`, `/api/v1/sources` and `/api/v1/tags`.

use actix_web::http::Method;
use dateline::auth::Role;
use serde_json::json;

use crate::helpers::*;

crate::both_backends!(tags_sources_and_authors_are_created_with_derived_slugs);
async fn tags_sources_and_authors_are_created_with_derived_slugs() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let tag = app
        .create(
            "/api/v1/tags",
            json!({"name": "Islamic State", "description": "The group."}),
            &admin,
        )
        .await;
    assert_eq!(tag["slug"], "islamic-state");
    assert_eq!(tag["article_count"], 0);
    let source = app
        .create("/api/v1/sources", json!({"name": "IraqiNews.com", "url": "https://www.iraqinews.com/", "kind": "website"}), &admin)
        .await;
    assert_eq!(source["slug"], "iraqinews-com");
    assert_eq!(source["kind"], "website");
    let other = app
        .create("/api/v1/sources", json!({"name": "War Media Cell"}), &admin)
        .await;
    assert_eq!(other["kind"], "other", "kind defaults to other");
    let author = app
        .create("/api/v1/authors", json!({"name": "Qassem al-Mohammadi", "email": "qassem@news.example", "bio": "Covers Anbar."}), &admin)
        .await;
    assert_eq!(author["slug"], "qassem-al-mohammadi");
    assert_eq!(author["email"], "qassem@news.example");
    let again = app
        .create("/api/v1/tags", json!({"name": "Islamic  State!"}), &admin)
        .await;
    assert_eq!(again["slug"], "islamic-state-2");
    app.post(
        "/api/v1/tags",
        &json!({"name": "IS", "slug": "islamic-state"}),
        Some(&admin),
    )
    .await
    .problem(409);
    for (path, slug) in [
        ("/api/v1/tags", "islamic-state"),
        ("/api/v1/sources", "iraqinews-com"),
        ("/api/v1/authors", "qassem-al-mohammadi"),
    ] {
        let by_slug = app.get(&format!("{path}/{slug}"), None).await.ok();
        let by_id = app
            .get(&format!("{path}/{}", by_slug["id"]), None)
            .await
            .ok();
        assert_eq!(by_slug, by_id);
        app.get(&format!("{path}/nothing-here"), None)
            .await
            .problem(404);
    }
}

crate::both_backends!(author_emails_are_for_staff_only);
async fn author_emails_are_for_staff_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let a = app
        .create(
            "/api/v1/authors",
            json!({"name": "Layla Hassan", "email": "layla@news.example"}),
            &admin,
        )
        .await;
    let path = format!("/api/v1/authors/{}", a["id"]);
    let public = app.get(&path, None).await;
    assert!(public.json().get("email").is_none());
    assert_eq!(public.header("cache-control"), Some("public, max-age=60"));
    let staff = app.get(&path, Some(&admin)).await;
    assert_eq!(staff.json()["email"], "layla@news.example");
    assert_eq!(staff.header("cache-control"), Some("private, no-store"));
    let list = app.get("/api/v1/authors", None).await.ok();
    assert!(list["data"][0].get("email").is_none());
}

crate::both_backends!(validation_of_catalog_writes);
async fn validation_of_catalog_writes() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/sources",
            &json!({"name": "", "url": "ftp://x", "kind": "blog", "slug": "Bad Slug"}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        res.invalid_fields(),
        ["kind"],
        "the enum fails first, at parse time"
    );
    let res = app
        .post(
            "/api/v1/sources",
            &json!({"name": "", "url": "ftp://x", "slug": "Bad Slug"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["name", "slug", "url"]);
    let res = app
        .post(
            "/api/v1/authors",
            &json!({"name": "X", "email": "not-mail", "website": "javascript:alert(1)"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["email", "website"]);
    let res = app
        .post(
            "/api/v1/tags",
            &json!({"name": "X", "article_count": 3}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        res.json()["errors"],
        json!([{"field": "article_count", "message": "is read-only"}])
    );
    let t = app
        .create("/api/v1/tags", json!({"name": "Anbar"}), &admin)
        .await;
    let res = app
        .patch(
            &format!("/api/v1/tags/{}", t["id"]),
            &json!({"name": null}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["name"]);
    let res = app
        .patch(
            &format!("/api/v1/tags/{}", t["id"]),
            &json!({"description": null}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.ok()["description"], json!(null));
}

crate::both_backends!(the_catalog_role_matrix);
async fn the_catalog_role_matrix() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, author) = app.token_for(Role::Author).await;
    let (_, other) = app.token_for(Role::Author).await;
    let (_, editor) = app.token_for(Role::Editor).await;

    // Anyone on staff creates tags and sources; only editors and admins create bylines.
    for path in ["/api/v1/tags", "/api/v1/sources"] {
        app.post(path, &json!({"name": "Anon"}), None)
            .await
            .problem(401);
        let mine = app
            .create(path, json!({"name": format!("Mine {path}")}), &author)
            .await;
        let theirs = app
            .create(path, json!({"name": format!("Theirs {path}")}), &editor)
            .await;
        let mine_path = format!("{path}/{}", mine["id"]);
        let theirs_path = format!("{path}/{}", theirs["id"]);
        // Authors change what they created, and nothing else.
        assert_eq!(
            app.patch(&mine_path, &json!({"name": "Renamed"}), Some(&author))
                .await
                .status,
            200
        );
        app.patch(&mine_path, &json!({"name": "Nope"}), Some(&other))
            .await
            .problem(403);
        app.patch(&theirs_path, &json!({"name": "Nope"}), Some(&author))
            .await
            .problem(403);
        app.patch(&theirs_path, &json!({"bad": "body"}), Some(&author))
            .await
            .problem(403);
        app.delete(&theirs_path, Some(&author)).await.problem(403);
        app.patch(&theirs_path, &json!({"name": "Anon"}), None)
            .await
            .problem(401);
        app.delete(&theirs_path, None).await.problem(401);
        // Editors and admins change anything.
        assert_eq!(
            app.patch(&mine_path, &json!({"name": "Edited"}), Some(&editor))
                .await
                .status,
            200
        );
        assert_eq!(
            app.patch(&theirs_path, &json!({"name": "Admin edit"}), Some(&admin))
                .await
                .status,
            200
        );
        assert_eq!(app.delete(&mine_path, Some(&author)).await.status, 204);
        assert_eq!(app.delete(&theirs_path, Some(&editor)).await.status, 204);
    }
    app.post(
        "/api/v1/authors",
        &json!({"name": "By author"}),
        Some(&author),
    )
    .await
    .problem(403);
    app.post("/api/v1/authors", &json!({"name": "Anon"}), None)
        .await
        .problem(401);
    let byline = app
        .create("/api/v1/authors", json!({"name": "Editor made"}), &editor)
        .await;
    let path = format!("/api/v1/authors/{}", byline["id"]);
    app.patch(&path, &json!({"bio": "x"}), Some(&author))
        .await
        .problem(403);
    assert_eq!(
        app.patch(&path, &json!({"bio": "Edited by admin"}), Some(&admin))
            .await
            .status,
        200
    );
}

crate::both_backends!(a_reporter_may_not_change_their_own_byline);
async fn a_reporter_may_not_change_their_own_byline() {
    // A byline stands on published articles its reporter may no longer change: only editors
    // (or whoever created it) may rename or delete it.
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let byline = app
        .create("/api/v1/authors", json!({"name": "Nadia Reporter"}), &admin)
        .await;
    let res = app
        .post("/api/v1/users", &json!({"email": "nadia@dateline.test", "role": "author", "password": PASSWORD, "author_id": byline["id"]}), Some(&admin))
        .await;
    assert_eq!(res.ok()["author_id"], byline["id"]);
    let token = access(&app.login("nadia@dateline.test", PASSWORD).await);
    let path = format!("/api/v1/authors/{}", byline["id"]);
    app.patch(&path, &json!({"name": "Someone Else"}), Some(&token))
        .await
        .problem(403);
    app.delete(&path, Some(&token)).await.problem(403);
}

crate::both_backends!(deleting_a_tag_touches_the_articles_that_lose_it);
async fn deleting_a_tag_touches_the_articles_that_lose_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let tag = app
        .create("/api/v1/tags", json!({"name": "Rawa"}), &admin)
        .await;
    let a = app
        .create(
            "/api/v1/articles",
            json!({"title": "Tagged", "tag_ids": [tag["id"]]}),
            &admin,
        )
        .await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        app.delete(&format!("/api/v1/tags/{}", tag["id"]), Some(&admin))
            .await
            .status,
        204
    );
    let after = app
        .get(&format!("/api/v1/articles/{}", a["id"]), Some(&admin))
        .await
        .ok();
    assert_eq!(after["tag_ids"], json!([]));
    assert_ne!(after["updated_at"], a["updated_at"]);
}

crate::both_backends!(deleting_a_tag_or_source_unlinks_it_and_an_only_author_cannot_go);
async fn deleting_a_tag_or_source_unlinks_it_and_an_only_author_cannot_go() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let samir = app
        .create("/api/v1/authors", json!({"name": "Samir Khalil"}), &admin)
        .await;
    let layla = app
        .create("/api/v1/authors", json!({"name": "Layla Hassan"}), &admin)
        .await;
    let tag = app
        .create("/api/v1/tags", json!({"name": "Anbar"}), &admin)
        .await;
    let source = app
        .create("/api/v1/sources", json!({"name": "Mawazin News"}), &admin)
        .await;
    let solo = app
        .create("/api/v1/articles", json!({"title": "Solo", "author_ids": [samir["id"]], "tag_ids": [tag["id"]], "source_ids": [source["id"]], "status": "published"}), &admin)
        .await;
    let shared = app
        .create(
            "/api/v1/articles",
            json!({"title": "Shared", "author_ids": [layla["id"], samir["id"]]}),
            &admin,
        )
        .await;
    assert_eq!(
        app.get(&format!("/api/v1/tags/{}", tag["id"]), None)
            .await
            .ok()["article_count"],
        1
    );

    assert_eq!(
        app.delete(&format!("/api/v1/tags/{}", tag["id"]), Some(&admin))
            .await
            .status,
        204
    );
    assert_eq!(
        app.delete(&format!("/api/v1/sources/{}", source["id"]), Some(&admin))
            .await
            .status,
        204
    );
    let solo_now = app
        .get(&format!("/api/v1/articles/{}", solo["id"]), None)
        .await
        .ok();
    assert_eq!(solo_now["tag_ids"], json!([]));
    assert_eq!(solo_now["source_ids"], json!([]));

    let p = app
        .delete(&format!("/api/v1/authors/{}", samir["id"]), Some(&admin))
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("solo"), "{p}");
    // Layla is the co-author of `shared` only: she goes, and the byline shrinks.
    assert_eq!(
        app.delete(&format!("/api/v1/authors/{}", layla["id"]), Some(&admin))
            .await
            .status,
        204
    );
    let shared_now = app
        .get(&format!("/api/v1/articles/{}", shared["id"]), Some(&admin))
        .await
        .ok();
    assert_eq!(shared_now["author_ids"], json!([samir["id"]]));
}

crate::both_backends!(catalog_lists_filter_sort_page_and_count_public_articles);
async fn catalog_lists_filter_sort_page_and_count_public_articles() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for (name, kind) in [
        ("Reuters", "agency"),
        ("Alsumaria News", "broadcaster"),
        ("Mawazin News", "website"),
        ("IraqiNews.com", "website"),
    ] {
        app.create(
            "/api/v1/sources",
            json!({"name": name, "kind": kind}),
            &admin,
        )
        .await;
    }
    let list = app.get("/api/v1/sources", None).await.ok();
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Alsumaria News", "IraqiNews.com", "Mawazin News", "Reuters"]
    );
    assert_eq!(
        slugs(
            &app.get("/api/v1/sources?kind=website&sort=-name", None)
                .await
                .ok()
        ),
        ["mawazin-news", "iraqinews-com"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/sources?q=NEWS", None).await.ok()),
        ["alsumaria-news", "iraqinews-com", "mawazin-news"]
    );
    assert_eq!(
        slugs(&app.get("/api/v1/sources?q=%25", None).await.ok()),
        Vec::<String>::new(),
        "LIKE wildcards are literal"
    );
    let page = app.get("/api/v1/sources?per_page=3&page=2", None).await;
    assert_eq!(page.header("x-total-count"), Some("4"));
    assert_eq!(page.json()["meta"]["total_pages"], 2);
    let sparse = app
        .get("/api/v1/sources?fields=slug,kind&per_page=1", None)
        .await
        .ok();
    assert_eq!(
        sparse["data"][0],
        json!({"slug": "alsumaria-news", "kind": "broadcaster"})
    );
    assert_eq!(
        slugs(&app.get("/api/v1/sources?q=%00", None).await.ok()).len(),
        4,
        "a NUL matches like nothing was typed"
    );
    for q in ["sort=url", "fields=password", "kind=blog", "per_page=500"] {
        app.get(&format!("/api/v1/sources?{q}"), None)
            .await
            .problem(422);
    }

    // Counts include public articles only.
    let author = app
        .create("/api/v1/authors", json!({"name": "Samir Khalil"}), &admin)
        .await;
    app.create(
        "/api/v1/articles",
        json!({"title": "Public", "status": "published", "author_ids": [author["id"]]}),
        &admin,
    )
    .await;
    app.create(
        "/api/v1/articles",
        json!({"title": "Draft", "author_ids": [author["id"]]}),
        &admin,
    )
    .await;
    let a = app.get("/api/v1/authors/samir-khalil", None).await.ok();
    assert_eq!(a["article_count"], 1);
}

crate::both_backends!(catalog_if_match_guards_writes);
async fn catalog_if_match_guards_writes() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let tag = app
        .create("/api/v1/tags", json!({"name": "Rawa"}), &admin)
        .await;
    let path = format!("/api/v1/tags/{}", tag["id"]);
    let etag = app
        .get(&path, Some(&admin))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let req = app
        .request(Method::PATCH, &path, Some(&admin))
        .insert_header(("if-match", etag.clone()));
    assert_eq!(
        send(
            req,
            Some(&json!({"description": "A town on the Euphrates."}))
        )
        .await
        .status,
        200
    );
    let req = app
        .request(Method::PATCH, &path, Some(&admin))
        .insert_header(("if-match", etag.clone()));
    send(req, Some(&json!({"description": "Stale."})))
        .await
        .problem(412);
    let req = app
        .request(Method::DELETE, &path, Some(&admin))
        .insert_header(("if-match", etag));
    send(req, None).await.problem(412);
    let req = app
        .request(Method::GET, &path, None)
        .insert_header(("if-none-match", "*"));
    assert_eq!(send(req, None).await.status, 304);
}

crate::both_backends!(an_author_may_not_change_a_tag_that_published_stories_use);
async fn an_author_may_not_change_a_tag_that_published_stories_use() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, author) = app.token_for(Role::Author).await;
    let tag = app
        .create("/api/v1/tags", json!({"name": "Mine"}), &author)
        .await;
    let byline = app
        .create("/api/v1/authors", json!({"name": "Samir Khalil"}), &admin)
        .await;
    app.create(
        "/api/v1/articles",
        json!({"title": "Published with it", "status": "published", "author_ids": [byline["id"]], "tag_ids": [tag["id"]]}),
        &admin,
    )
    .await;
    let path = format!("/api/v1/tags/{}", tag["id"]);
    let p = app
        .patch(&path, &json!({"name": "Renamed"}), Some(&author))
        .await
        .problem(403);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("past the draft stage")
    );
    app.delete(&path, Some(&author)).await.problem(403);
    let (_, editor) = app.token_for(Role::Editor).await;
    assert_eq!(
        app.patch(&path, &json!({"name": "Renamed"}), Some(&editor))
            .await
            .status,
        200
    );
}

crate::both_backends!(a_long_url_in_another_alphabet_is_counted_in_characters);
/// URL lengths count characters, as the OpenAPI's `maxLength` does: a path of 1,008 `µ`
/// (2,016 bytes) is a URL of 1,028 characters, well within 2,000.
async fn a_long_url_in_another_alphabet_is_counted_in_characters() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let url = format!("https://example.com/{}", "µ".repeat(1008));
    let author = app
        .create(
            "/api/v1/authors",
            json!({"name": "Hawre Aziz", "website": url}),
            &admin,
        )
        .await;
    assert_eq!(author["website"], url.as_str());
    let too_long = format!("https://example.com/{}", "µ".repeat(1981));
    let res = app
        .post(
            "/api/v1/sources",
            &json!({"name": "Long address", "url": too_long, "kind": "website"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["url"]);
    assert_eq!(
        res.problem(422)["errors"][0]["message"],
        "must be at most 2000 characters"
    );
}
