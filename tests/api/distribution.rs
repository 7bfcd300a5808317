//! What a website's frontend needs: canonical URLs (and, as they come, feeds, sitemaps,
//! previews, slug history and responsive images).

use serde_json::{Value, json};

use crate::helpers::*;

/// An article, a tag, a byline and a source, all public; answers the article.
async fn filed(app: &TestApp, admin: &str) -> Value {
    let tag = app
        .create("/api/v1/tags", json!({"name": "Islamic State"}), admin)
        .await;
    let author = app
        .create("/api/v1/authors", json!({"name": "Samir Khalil"}), admin)
        .await;
    let source = app
        .create(
            "/api/v1/sources",
            json!({"name": "Alsumaria News", "url": "https://www.alsumaria.tv/"}),
            admin,
        )
        .await;
    app.create(
        "/api/v1/articles",
        json!({
            "title": "Jets hit a workshop near Qaim",
            "body": "Fighter jets struck a site in al-Obaidi, a security source said.",
            "status": "published",
            "published_at": "2017-11-01T09:30:00Z",
            "author_ids": [author["id"]],
            "tag_ids": [tag["id"]],
            "source_ids": [source["id"]],
        }),
        admin,
    )
    .await
}

crate::both_backends!(canonical_urls_follow_the_site_and_its_path_templates);
async fn canonical_urls_follow_the_site_and_its_path_templates() {
    let app = TestApp::spawn_with(|c| {
        c.site = dateline::config::Config::from_lookup(|k| match k {
            "DATELINE_SITE_URL" => Some("https://www.iraqinews.example/".into()),
            "DATELINE_SOURCE_PATH" => Some("/outlets/{id}-{slug}".into()),
            _ => None,
        })
        .unwrap()
        .site;
    })
    .await;
    let admin = app.admin_token().await;
    let article = filed(&app, &admin).await;
    assert_eq!(
        article["url"],
        "https://www.iraqinews.example/2017/11/01/jets-hit-a-workshop-near-qaim/"
    );
    let read = app
        .get(
            "/api/v1/articles/jets-hit-a-workshop-near-qaim?include=authors,tags,sources",
            None,
        )
        .await
        .ok();
    assert_eq!(read["url"], article["url"]);
    assert_eq!(
        read["tags"][0]["url"],
        "https://www.iraqinews.example/tag/islamic-state/"
    );
    assert_eq!(
        read["authors"][0]["url"],
        "https://www.iraqinews.example/author/samir-khalil/"
    );
    let source_id = read["sources"][0]["id"].as_i64().unwrap();
    assert_eq!(
        read["sources"][0]["page_url"],
        format!("https://www.iraqinews.example/outlets/{source_id}-alsumaria-news")
    );
    assert_eq!(
        read["sources"][0]["url"], "https://www.alsumaria.tv/",
        "a source's url stays the outlet's own website"
    );
    let listed = app.get("/api/v1/articles?fields=id,url", None).await.ok();
    assert_eq!(
        listed["data"][0],
        json!({"id": article["id"], "url": article["url"]})
    );
    let tags = app.get("/api/v1/tags?fields=slug,url", None).await.ok();
    assert_eq!(tags["data"][0]["url"], read["tags"][0]["url"]);

    // A draft that never had a publication date has no dated URL yet.
    let draft = app
        .create(
            "/api/v1/articles",
            json!({"title": "Not filed yet"}),
            &admin,
        )
        .await;
    assert_eq!(draft["url"], Value::Null);
}

crate::both_backends!(without_a_site_url_every_url_is_null);
async fn without_a_site_url_every_url_is_null() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let article = filed(&app, &admin).await;
    let read = app
        .get(
            &format!(
                "/api/v1/articles/{}?include=authors,tags,sources",
                article["id"]
            ),
            None,
        )
        .await
        .ok();
    for url in [
        &read["url"],
        &read["tags"][0]["url"],
        &read["authors"][0]["url"],
        &read["sources"][0]["page_url"],
    ] {
        assert_eq!(url, &Value::Null, "{read}");
    }
}
