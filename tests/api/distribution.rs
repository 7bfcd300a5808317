//! What a website's frontend needs: canonical URLs (and, as they come, feeds, sitemaps,
//! previews, slug history and responsive images).

use chrono::Timelike;
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

crate::both_backends!(images_list_their_renditions_up_to_their_own_width);
async fn images_list_their_renditions_up_to_their_own_width() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let img = crate::images::upload(&app, &crate::images::png(700, 400), &admin).await;
    let id = img["id"].as_i64().unwrap();
    let base = app.url(&format!("/api/v1/images/{id}/file"));
    assert_eq!(
        img["renditions"],
        json!([
            {"width": 160, "url": format!("{base}?w=160")},
            {"width": 320, "url": format!("{base}?w=320")},
            {"width": 640, "url": format!("{base}?w=640")},
        ]),
        "only the widths up to the picture's 700"
    );
    let listed = app
        .get("/api/v1/images?fields=id,renditions", None)
        .await
        .ok();
    assert_eq!(listed["data"][0]["renditions"], img["renditions"]);
    let res = app
        .get(&format!("/api/v1/images/{id}/file?w=500"), None)
        .await;
    let problem = res.problem(422);
    assert_eq!(res.invalid_fields(), ["w"]);
    assert!(
        problem.to_string().contains("160, 320, 640, 1024, 1600"),
        "the answer lists the widths: {problem}"
    );
}

crate::both_backends!(rendition_widths_come_from_configuration);
async fn rendition_widths_come_from_configuration() {
    let app = TestApp::spawn_with(|c| c.image_widths = vec![200, 500, 900]).await;
    let admin = app.admin_token().await;
    let img = crate::images::upload(&app, &crate::images::png(600, 300), &admin).await;
    let id = img["id"].as_i64().unwrap();
    let widths: Vec<i64> = img["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["width"].as_i64().unwrap())
        .collect();
    assert_eq!(widths, [200, 500]);
    let res = app
        .get(&format!("/api/v1/images/{id}/file?w=500"), None)
        .await;
    assert_eq!(res.status, 200);
    let decoded = image::load_from_memory(&res.body).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (500, 250));
    let res = app
        .get(&format!("/api/v1/images/{id}/file?w=320"), None)
        .await;
    assert_eq!(res.invalid_fields(), ["w"]);
    assert!(res.text().contains("200, 500, 900"), "{}", res.text());
    // The served document says which widths this server makes.
    let doc = app.get("/api-docs/openapi.json", None).await.ok();
    let params = &doc["paths"]["/api/v1/images/{id}/file"]["get"]["parameters"];
    let w = params
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "w")
        .unwrap();
    assert_eq!(w["schema"]["enum"], json!([200, 500, 900]));

    // Deleting the image removes its renditions, whatever widths they were made at: here
    // also one of a width configured no more.
    let store = app.state.media.store();
    let keys = store.keys().unwrap();
    assert_eq!(keys.len(), 2, "the original and one rendition: {keys:?}");
    let made = keys.iter().find(|k| k.contains("-w500.")).unwrap();
    store
        .put(&made.replace("-w500.", "-w777."), b"an older width")
        .unwrap();
    assert_eq!(store.keys().unwrap().len(), 3);
    let del = app
        .delete(&format!("/api/v1/images/{id}"), Some(&admin))
        .await;
    assert_eq!(del.status, 204);
    assert_eq!(store.keys().unwrap(), Vec::<String>::new());
}

/// An app whose articles have canonical URLs on https://www.iraqinews.example.
async fn with_site() -> TestApp {
    TestApp::spawn_with(|c| {
        c.site.base = Some("https://www.iraqinews.example".into());
        c.publication.name = "Iraqi News Desk".into();
        c.publication.language = "en-GB".into();
    })
    .await
}

const FILES: [(&str, &str, feed_rs::model::FeedType); 3] = [
    (
        "rss.xml",
        "application/rss+xml; charset=utf-8",
        feed_rs::model::FeedType::RSS2,
    ),
    (
        "atom.xml",
        "application/atom+xml; charset=utf-8",
        feed_rs::model::FeedType::Atom,
    ),
    (
        "feed.json",
        "application/feed+json; charset=utf-8",
        feed_rs::model::FeedType::JSON,
    ),
];

crate::both_backends!(every_feed_parses_with_a_real_parser);
async fn every_feed_parses_with_a_real_parser() {
    let app = with_site().await;
    let admin = app.admin_token().await;
    let first = filed(&app, &admin).await;
    let img = crate::images::upload(&app, &crate::images::png(800, 500), &admin).await;
    let res = app
        .patch(
            &format!("/api/v1/images/{}", img["id"]),
            &json!({"credit": "Iraqi Ministry of Defence"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let second = app
        .create(
            "/api/v1/articles",
            json!({
                "title": "Troops advance on Rawa",
                "body": "Army units *moved* toward Rawa at dawn.",
                "status": "published",
                "published_at": "2017-11-02T06:00:00Z",
                "author_ids": first["author_ids"],
                "feature_image_id": img["id"],
            }),
            &admin,
        )
        .await;
    app.create(
        "/api/v1/articles",
        json!({"title": "A draft nobody may read", "author_ids": first["author_ids"]}),
        &admin,
    )
    .await;

    for (subject, want) in [
        ("", vec![&second, &first]),
        ("tag/islamic-state/", vec![&first]),
        ("author/samir-khalil/", vec![&second, &first]),
        ("source/alsumaria-news/", vec![&first]),
    ] {
        for (file, content_type, kind) in FILES {
            let path = format!("/feeds/{subject}{file}");
            let res = app.get(&path, None).await;
            assert_eq!(res.status, 200, "{path}: {}", res.text());
            assert_eq!(res.header("content-type"), Some(content_type), "{path}");
            assert_eq!(res.header("cache-control"), Some("public, max-age=60"));
            let feed = feed_rs::parser::parse(res.body.as_slice())
                .unwrap_or_else(|e| panic!("{path} does not parse: {e}\n{}", res.text()));
            assert_eq!(feed.feed_type, kind, "{path}");
            let title = feed.title.as_ref().map(|t| t.content.as_str()).unwrap();
            assert!(title.starts_with("Iraqi News Desk"), "{path}: {title}");
            let links: Vec<String> = feed
                .entries
                .iter()
                .map(|e| e.links.first().map(|l| l.href.clone()).unwrap_or_default())
                .collect();
            let urls: Vec<String> = want
                .iter()
                .map(|a| a["url"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(links, urls, "{path}: newest first, public only");
            let entry = feed.entries.last().unwrap();
            assert_eq!(
                entry.title.as_ref().map(|t| t.content.as_str()),
                Some("Jets hit a workshop near Qaim"),
                "{path}"
            );
            assert_eq!(
                entry.published.map(|t| t.to_rfc3339()).as_deref(),
                Some("2017-11-01T09:30:00+00:00"),
                "{path}"
            );
            let names: Vec<&str> = entry
                .authors
                .iter()
                .filter_map(|p| p.name.as_deref())
                .collect();
            assert_eq!(names, ["Samir Khalil"], "{path}");
            let terms: Vec<String> = entry
                .categories
                .iter()
                .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
                .collect();
            assert_eq!(terms, ["Islamic State"], "{path}");
            let content = entry.content.as_ref().and_then(|c| c.body.as_deref());
            assert!(
                content.is_some_and(|c| c.contains("<p>Fighter jets struck")),
                "{path}: full content, got {content:?}"
            );
            assert!(entry.updated.is_some(), "{path}: the entry's update time");
            if subject.is_empty() || subject.starts_with("author") {
                let pictured = &feed.entries[0];
                let image_url = img["url"].as_str().unwrap();
                if file == "feed.json" {
                    // JSON Feed's attachments are links to feed-rs.
                    let attached = pictured
                        .links
                        .iter()
                        .find(|l| l.href == image_url)
                        .unwrap_or_else(|| panic!("{path}: {:?}", pictured.links));
                    assert_eq!(attached.media_type.as_deref(), Some("image/png"));
                    assert_eq!(attached.length, Some(img["size_bytes"].as_u64().unwrap()));
                    let json: Value = serde_json::from_slice(&res.body).unwrap();
                    assert_eq!(json["items"][0]["image"], image_url);
                    assert_eq!(
                        json["items"][0]["_dateline"]["image_credit"],
                        "Iraqi Ministry of Defence"
                    );
                } else {
                    let media = pictured.media.first();
                    let content = media.and_then(|m| m.content.first());
                    assert_eq!(
                        content.and_then(|c| c.url.as_ref()).map(|u| u.to_string()),
                        Some(image_url.to_owned()),
                        "{path}: the feature image, {:?}",
                        pictured.media
                    );
                    let credits: Vec<&str> = media
                        .map(|m| m.credits.iter().map(|c| c.entity.as_str()).collect())
                        .unwrap_or_default();
                    assert_eq!(credits, ["Iraqi Ministry of Defence"], "{path}");
                }
            }
        }
    }

    // limit, ETags, and what is not there.
    let one = app.get("/feeds/atom.xml?limit=1", None).await;
    let feed = feed_rs::parser::parse(one.body.as_slice()).unwrap();
    assert_eq!(feed.entries.len(), 1);
    for (bad, status) in [("limit=0", 422), ("limit=101", 422), ("limit=many", 422)] {
        let res = app.get(&format!("/feeds/rss.xml?{bad}"), None).await;
        assert_eq!(res.status, status, "{bad}: {}", res.text());
    }
    let res = app.get("/feeds/rss.xml", None).await;
    let tag = res.header("etag").unwrap().to_owned();
    let again = app
        .request(actix_web::http::Method::GET, "/feeds/rss.xml", None)
        .insert_header(("If-None-Match", tag.as_str()));
    assert_eq!(send(again, None).await.status, 304);
    assert_eq!(
        app.get("/feeds/tag/no-such-tag/rss.xml", None).await.status,
        404
    );
    assert!(
        app.get("/feeds/rss.txt", None)
            .await
            .status
            .is_client_error()
    );
}

crate::both_backends!(feeds_and_sitemaps_need_a_site_url);
async fn feeds_and_sitemaps_need_a_site_url() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    filed(&app, &admin).await;
    for path in [
        "/feeds/rss.xml",
        "/sitemap.xml",
        "/sitemaps/articles-1.xml",
        "/sitemap-news.xml",
    ] {
        let res = app.get(path, None).await;
        let problem = res.problem(404);
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("DATELINE_SITE_URL")),
            "{path}: {problem}"
        );
    }
}

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

/// The children of `node` named `name` in namespace `ns`.
fn children<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    ns: &'a str,
    name: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
    node.children()
        .filter(move |c| c.tag_name().namespace() == Some(ns) && c.tag_name().name() == name)
}

/// The text of `node`'s only child `name` in `ns`.
fn child_text<'a>(node: roxmltree::Node<'a, '_>, ns: &'a str, name: &'a str) -> &'a str {
    let found: Vec<_> = children(node, ns, name).collect();
    assert_eq!(
        found.len(),
        1,
        "one <{name}> in <{}>",
        node.tag_name().name()
    );
    found[0].text().unwrap_or_default()
}

fn w3c(text: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("`{text}` is not a W3C datetime: {e}"))
}

/// Fetches an XML document; asserts its media type and answers its text.
async fn xml_of(app: &TestApp, path: &str) -> String {
    let res = app.get(path, None).await;
    assert_eq!(res.status, 200, "{path}: {}", res.text());
    assert_eq!(
        res.header("content-type"),
        Some("application/xml; charset=utf-8")
    );
    assert_eq!(res.header("cache-control"), Some("public, max-age=60"));
    res.text()
}

crate::both_backends!(sitemaps_list_what_is_public_and_parse_with_a_real_parser);
async fn sitemaps_list_what_is_public_and_parse_with_a_real_parser() {
    let app = with_site().await;
    let admin = app.admin_token().await;
    let now = chrono::Utc::now();
    let at = |hours: i64| (now + chrono::Duration::hours(hours)).to_rfc3339();
    let author = app
        .create("/api/v1/authors", json!({"name": "Samir Khalil"}), &admin)
        .await;
    let mut public = Vec::new();
    for (title, status, published_at) in [
        ("Jets strike a workshop in al-Obaidi", "published", at(-2)),
        (
            "Qaim mayor reports calm after strikes",
            "published",
            at(-30),
        ),
        ("Rawa bridge reopens to traffic", "published", at(-24 * 40)),
        ("Draft: casualty figures awaited", "draft", at(-1)),
        ("Archived: old checkpoint list", "archived", at(-5)),
        ("Scheduled: the governor's visit", "scheduled", at(24)),
    ] {
        let article = app
            .create(
                "/api/v1/articles",
                json!({"title": title, "body": "Text & <more> text.", "status": status,
                       "published_at": published_at, "author_ids": [author["id"]]}),
                &admin,
            )
            .await;
        if status == "published" {
            public.push(article);
        }
    }

    let index = xml_of(&app, "/sitemap.xml").await;
    let doc = roxmltree::Document::parse(&index).expect("the index is XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "sitemapindex");
    assert_eq!(root.tag_name().namespace(), Some(SITEMAP_NS));
    let entries: Vec<_> = children(root, SITEMAP_NS, "sitemap").collect();
    let locs: Vec<&str> = entries
        .iter()
        .map(|e| child_text(*e, SITEMAP_NS, "loc"))
        .collect();
    // The articles' pages, and the author's (no tag or source files a public story here).
    assert_eq!(
        locs,
        [
            "https://www.iraqinews.example/sitemaps/articles-1.xml",
            "https://www.iraqinews.example/sitemaps/authors-1.xml",
        ],
        "{index}"
    );
    let loc = locs[0];
    // Its lastmod is the newest change among public articles: never the scheduled one's
    // time to come.
    let lastmod = w3c(child_text(entries[0], SITEMAP_NS, "lastmod"));
    assert!(lastmod <= chrono::Utc::now(), "{index}");
    assert!(lastmod >= now - chrono::Duration::minutes(1), "{index}");
    // Preparing a story for later, or dropping it, changes nothing a reader of the index saw.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    let embargoed = app
        .create(
            "/api/v1/articles",
            json!({"title": "Embargoed: the budget", "body": "Text.", "status": "scheduled",
                   "published_at": at(48), "author_ids": [author["id"]]}),
            &admin,
        )
        .await;
    let res = app
        .delete(
            &format!("/api/v1/articles/{}", embargoed["id"]),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.text());
    assert_eq!(xml_of(&app, "/sitemap.xml").await, index);

    let path = loc.trim_start_matches("https://www.iraqinews.example");
    let page = xml_of(&app, path).await;
    let doc = roxmltree::Document::parse(&page).expect("the page is XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "urlset");
    assert_eq!(root.tag_name().namespace(), Some(SITEMAP_NS));
    let mut locs: Vec<&str> = children(root, SITEMAP_NS, "url")
        .map(|u| {
            w3c(child_text(u, SITEMAP_NS, "lastmod"));
            child_text(u, SITEMAP_NS, "loc")
        })
        .collect();
    locs.sort_unstable();
    let mut want: Vec<&str> = public.iter().map(|a| a["url"].as_str().unwrap()).collect();
    want.sort_unstable();
    assert_eq!(locs, want, "{page}");

    // The author's page, dated by its newest public story (or its own later change).
    let authors = xml_of(&app, "/sitemaps/authors-1.xml").await;
    let doc = roxmltree::Document::parse(&authors).expect("the author sitemap is XML");
    let urls: Vec<_> = children(doc.root_element(), SITEMAP_NS, "url").collect();
    assert_eq!(urls.len(), 1, "{authors}");
    assert_eq!(
        child_text(urls[0], SITEMAP_NS, "loc"),
        "https://www.iraqinews.example/author/samir-khalil/"
    );
    let author_lastmod = w3c(child_text(urls[0], SITEMAP_NS, "lastmod"));
    assert!(
        author_lastmod >= now - chrono::Duration::minutes(1),
        "{authors}"
    );
    assert!(author_lastmod <= chrono::Utc::now(), "{authors}");
    for path in ["/sitemaps/tags-1.xml", "/sitemaps/sources-1.xml"] {
        app.get(path, None).await.problem(404);
    }

    let news = xml_of(&app, "/sitemap-news.xml").await;
    let doc = roxmltree::Document::parse(&news).expect("the news sitemap is XML");
    let urls: Vec<_> = children(doc.root_element(), SITEMAP_NS, "url").collect();
    let listed: Vec<(&str, &str, String)> = urls
        .iter()
        .map(|u| {
            let story = children(*u, NEWS_NS, "news").next().expect("news:news");
            let publication = children(story, NEWS_NS, "publication")
                .next()
                .expect("news:publication");
            assert_eq!(child_text(publication, NEWS_NS, "name"), "Iraqi News Desk");
            assert_eq!(child_text(publication, NEWS_NS, "language"), "en");
            (
                child_text(*u, SITEMAP_NS, "loc"),
                child_text(story, NEWS_NS, "title"),
                w3c(child_text(story, NEWS_NS, "publication_date")).to_rfc3339(),
            )
        })
        .collect();
    // The last 48 hours, newest first: not the story from 40 days ago.
    let expected: Vec<(&str, &str, String)> = public[..2]
        .iter()
        .map(|a| {
            (
                a["url"].as_str().unwrap(),
                a["title"].as_str().unwrap(),
                w3c(a["published_at"].as_str().unwrap()).to_rfc3339(),
            )
        })
        .collect();
    assert_eq!(listed, expected, "{news}");

    // Unpublished, an article leaves its page; with none left the page is gone.
    let tag = app
        .get("/sitemap.xml", None)
        .await
        .header("etag")
        .map(str::to_owned)
        .expect("an ETag");
    let res = send(
        app.request(actix_web::http::Method::GET, "/sitemap.xml", None)
            .insert_header(("If-None-Match", tag.as_str())),
        None,
    )
    .await;
    assert_eq!(res.status, 304);
    for article in &public {
        let res = app
            .patch(
                &format!("/api/v1/articles/{}", article["id"]),
                &json!({"status": "draft"}),
                Some(&admin),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
    app.get(path, None).await.problem(404);
    let index = xml_of(&app, "/sitemap.xml").await;
    let doc = roxmltree::Document::parse(&index).expect("the index is XML");
    assert_eq!(
        doc.root_element()
            .children()
            .filter(|c| c.is_element())
            .count(),
        0
    );
    for path in [
        "/sitemaps/articles-0.xml",
        "/sitemaps/articles-2.xml",
        "/sitemaps/authors-1.xml",
    ] {
        app.get(path, None).await.problem(404);
    }
    for path in ["/sitemaps/articles-x.xml", "/sitemaps/pages-1.xml"] {
        assert_eq!(app.get(path, None).await.status, 400, "{path}");
    }

    // A story scheduled for a moment from now joins the index when its time comes, with no
    // write in between, dated by that time.
    let due = (chrono::Utc::now() + chrono::Duration::seconds(2))
        .with_nanosecond(0)
        .unwrap();
    let scheduled = app
        .create(
            "/api/v1/articles",
            json!({"title": "Scheduled: the bridge reopens", "body": "Text.",
                   "status": "scheduled", "published_at": due.to_rfc3339(),
                   "author_ids": [author["id"]]}),
            &admin,
        )
        .await;
    let index = xml_of(&app, "/sitemap.xml").await;
    assert!(!index.contains("<sitemap>"), "not yet: {index}");
    let wait = (due - chrono::Utc::now()).to_std().unwrap_or_default();
    actix_web::rt::time::sleep(wait + std::time::Duration::from_millis(1100)).await;
    let index = xml_of(&app, "/sitemap.xml").await;
    let doc = roxmltree::Document::parse(&index).expect("the index is XML");
    let entries: Vec<_> = children(doc.root_element(), SITEMAP_NS, "sitemap").collect();
    assert_eq!(entries.len(), 2, "the articles' and the author's: {index}");
    for entry in entries {
        assert_eq!(
            w3c(child_text(entry, SITEMAP_NS, "lastmod")),
            due,
            "{index}"
        );
    }
    let page = xml_of(&app, path).await;
    assert!(page.contains(scheduled["url"].as_str().unwrap()), "{page}");
}

crate::both_backends!(an_authors_avatar_carries_its_image_object);
async fn an_authors_avatar_carries_its_image_object() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let avatar = crate::images::upload(&app, &crate::images::png(400, 400), &admin).await;
    let author = app
        .create(
            "/api/v1/authors",
            json!({"name": "Layla Hassan", "avatar_image_id": avatar["id"]}),
            &admin,
        )
        .await;
    assert_eq!(
        author["avatar_image"], avatar,
        "the create answer embeds it"
    );
    let plain = app
        .create("/api/v1/authors", json!({"name": "Omar Farouk"}), &admin)
        .await;
    assert_eq!(plain["avatar_image"], Value::Null);
    let widths: Vec<i64> = avatar["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["width"].as_i64().unwrap())
        .collect();
    assert_eq!(widths, [160, 320], "ready for srcset, up to its 400 pixels");

    let read = app
        .get(
            &format!("/api/v1/authors/{}", author["slug"].as_str().unwrap()),
            None,
        )
        .await
        .ok();
    assert_eq!(read["avatar_image"], avatar);
    let listed = app
        .get("/api/v1/authors?fields=slug,avatar_image", None)
        .await
        .ok();
    let by_slug = |slug: &str| {
        listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["slug"] == slug)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_slug("layla-hassan")["avatar_image"], avatar);
    assert_eq!(by_slug("omar-farouk")["avatar_image"], Value::Null);

    app.create(
        "/api/v1/articles",
        json!({
            "title": "Families return to Qaim",
            "status": "published",
            "author_ids": [author["id"], plain["id"]],
        }),
        &admin,
    )
    .await;
    let article = app
        .get(
            "/api/v1/articles/families-return-to-qaim?include=authors",
            None,
        )
        .await
        .ok();
    assert_eq!(article["authors"][0]["avatar_image"], avatar);
    assert_eq!(article["authors"][1]["avatar_image"], Value::Null);
}

/// Renames `path`'s item to `slug` as `token`; asserts the `200`.
async fn rename(app: &TestApp, path: &str, slug: &str, token: &str) {
    let res = app.patch(path, &json!({"slug": slug}), Some(token)).await;
    assert_eq!(res.status, 200, "{path}: {}", res.text());
    assert_eq!(res.json()["slug"], slug);
}

/// Asserts that `path` answers `301` to `to` (a path on the app).
#[track_caller]
fn assert_moved(res: &Resp, app: &TestApp, to: &str) {
    let problem = res.problem(301);
    assert_eq!(
        res.header("location"),
        Some(app.url(to).as_str()),
        "{problem}"
    );
}

crate::both_backends!(old_slugs_answer_301_to_the_current_one);
async fn old_slugs_answer_301_to_the_current_one() {
    let app = with_site().await;
    let admin = app.admin_token().await;
    let article = filed(&app, &admin).await;
    let id = article["id"].as_i64().unwrap();
    let first = "jets-hit-a-workshop-near-qaim";
    rename(
        &app,
        &format!("/api/v1/articles/{id}"),
        "qaim-workshop-strike",
        &admin,
    )
    .await;
    rename(
        &app,
        &format!("/api/v1/articles/{id}"),
        "qaim-strike-kills-14",
        &admin,
    )
    .await;

    // Every old slug leads straight to the current one, the query string kept; the current
    // slug and the id answer 200.
    for old in [first, "qaim-workshop-strike"] {
        let res = app
            .get(&format!("/api/v1/articles/{old}?include=tags"), None)
            .await;
        assert_moved(
            &res,
            &app,
            "/api/v1/articles/qaim-strike-kills-14?include=tags",
        );
    }
    app.get("/api/v1/articles/qaim-strike-kills-14", None)
        .await
        .ok();
    // A client that follows redirects, as API clients do, lands on the article.
    let mut followed = awc::Client::default()
        .get(app.url(&format!("/api/v1/articles/{first}")))
        .send()
        .await
        .unwrap();
    assert_eq!(followed.status(), 200);
    let body: Value = followed.json().await.unwrap();
    assert_eq!(body["id"], id);

    // Taking an old slug back is allowed; the slug given up joins the history.
    rename(&app, &format!("/api/v1/articles/{id}"), first, &admin).await;
    let res = app.get("/api/v1/articles/qaim-strike-kills-14", None).await;
    assert_moved(&res, &app, &format!("/api/v1/articles/{first}"));

    // Another article may not take a slug still in this one's history; a derived slug steps
    // around it.
    let res = app
        .post(
            "/api/v1/articles",
            &json!({"title": "Another story", "slug": "qaim-workshop-strike", "body": "Text."}),
            Some(&admin),
        )
        .await;
    res.problem(409);
    let derived = app
        .create(
            "/api/v1/articles",
            json!({"title": "Qaim workshop strike", "body": "Text."}),
            &admin,
        )
        .await;
    assert_eq!(derived["slug"], "qaim-workshop-strike-2");

    // Tags, authors and sources too, and the feeds that follow them.
    let tag = article["tag_ids"][0].as_i64().unwrap();
    rename(&app, &format!("/api/v1/tags/{tag}"), "isis", &admin).await;
    let res = app.get("/api/v1/tags/islamic-state?fields=id", None).await;
    assert_moved(&res, &app, "/api/v1/tags/isis?fields=id");
    // A feed's moves stay on whichever host serves it: a path.
    let res = app
        .get("/feeds/tag/islamic-state/atom.xml?limit=5", None)
        .await;
    res.problem(301);
    assert_eq!(
        res.header("location"),
        Some("/feeds/tag/isis/atom.xml?limit=5")
    );
    let author = article["author_ids"][0].as_i64().unwrap();
    rename(
        &app,
        &format!("/api/v1/authors/{author}"),
        "s-khalil",
        &admin,
    )
    .await;
    let res = app.get("/api/v1/authors/samir-khalil", None).await;
    assert_moved(&res, &app, "/api/v1/authors/s-khalil");
    let source = article["source_ids"][0].as_i64().unwrap();
    rename(
        &app,
        &format!("/api/v1/sources/{source}"),
        "alsumaria",
        &admin,
    )
    .await;
    let res = app.get("/api/v1/sources/alsumaria-news", None).await;
    assert_moved(&res, &app, "/api/v1/sources/alsumaria");
    // Kinds keep their own histories: a tag may take a slug an author gave up.
    let other = app
        .create(
            "/api/v1/tags",
            json!({"name": "Samir Khalil", "slug": "samir-khalil"}),
            &admin,
        )
        .await;
    assert_eq!(other["slug"], "samir-khalil");

    // A draft's old slug tells a reader nothing; its staff are sent on.
    let draft = app
        .create(
            "/api/v1/articles",
            json!({"title": "Draft on Rawa", "body": "Text."}),
            &admin,
        )
        .await;
    rename(
        &app,
        &format!("/api/v1/articles/{}", draft["id"]),
        "rawa-draft",
        &admin,
    )
    .await;
    app.get("/api/v1/articles/draft-on-rawa", None)
        .await
        .problem(404);
    let res = app
        .get("/api/v1/articles/draft-on-rawa", Some(&admin))
        .await;
    assert_moved(&res, &app, "/api/v1/articles/rawa-draft");

    // Staff read the history, with both pages on the website.
    app.get("/api/v1/redirects", None).await.problem(401);
    let list = app
        .get("/api/v1/redirects?kind=article&per_page=100", Some(&admin))
        .await
        .ok();
    let mut pairs: Vec<(String, String)> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["from"].as_str().unwrap().to_owned(),
                r["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        [
            ("draft-on-rawa".into(), "rawa-draft".into()),
            ("qaim-strike-kills-14".into(), first.into()),
            ("qaim-workshop-strike".into(), first.into()),
        ]
    );
    assert_eq!(list["meta"]["total"], 3);
    let moved = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["from"] == "qaim-workshop-strike")
        .unwrap();
    assert_eq!(moved["id"], id);
    assert_eq!(
        moved["from_url"],
        "https://www.iraqinews.example/2017/11/01/qaim-workshop-strike/"
    );
    assert_eq!(moved["to_url"], article["url"]);
    let tags = app
        .get("/api/v1/redirects?kind=tag", Some(&admin))
        .await
        .ok();
    assert_eq!(
        tags["data"][0]["from_url"],
        "https://www.iraqinews.example/tag/islamic-state/"
    );
    assert_eq!(
        tags["data"][0]["to_url"],
        "https://www.iraqinews.example/tag/isis/"
    );
    // An author sees the old slugs of public articles and of everything else, not of
    // someone else's draft.
    let (_, author_token) = app.token_for(dateline::auth::Role::Author).await;
    let seen = app
        .get("/api/v1/redirects?per_page=100", Some(&author_token))
        .await
        .ok();
    let froms: Vec<&str> = seen["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["from"].as_str().unwrap())
        .collect();
    assert!(froms.contains(&"qaim-workshop-strike") && froms.contains(&"islamic-state"));
    assert!(!froms.contains(&"draft-on-rawa"), "{seen}");
    assert_eq!(
        app.get("/api/v1/redirects?kind=page", Some(&admin))
            .await
            .status,
        422
    );

    // Deleting an item forgets its old slugs, which are free again.
    let res = app
        .delete(&format!("/api/v1/articles/{}", draft["id"]), Some(&admin))
        .await;
    assert_eq!(res.status, 204);
    app.get("/api/v1/articles/draft-on-rawa", Some(&admin))
        .await
        .problem(404);
    app.create(
        "/api/v1/articles",
        json!({"title": "Rawa", "slug": "draft-on-rawa", "body": "Text."}),
        &admin,
    )
    .await;
}

/// A fresh access token of the account `email` (made with [`PASSWORD`]).
async fn reporter_again(app: &TestApp, email: &str) -> String {
    access(&app.login(email, PASSWORD).await)
}

/// The preview link's path on the app (its `url` without the base).
fn preview_path(app: &TestApp, preview: &Value) -> String {
    preview["url"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.base)
        .expect("a preview url on the app")
        .to_owned()
}

crate::both_backends!(previews_show_a_draft_until_they_end);
async fn previews_show_a_draft_until_they_end() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let byline = app
        .create("/api/v1/authors", json!({"name": "Samir Khalil"}), &admin)
        .await;
    let email = format!("reporter-{}@dateline.test", unique());
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": email, "role": "author", "password": PASSWORD,
                    "author_id": byline["id"]}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let reporter_id = res.json()["id"].as_i64().unwrap();
    let reporter = access(&app.login(&email, PASSWORD).await);
    let draft = app
        .create(
            "/api/v1/articles",
            json!({"title": "Draft: strikes near Qaim", "body": "First *draft*.",
                   "author_ids": [byline["id"]]}),
            &reporter,
        )
        .await;
    let id = draft["id"].as_i64().unwrap();

    // The author makes a link for their own draft, with no body: 7 days.
    let res = app
        .request(
            actix_web::http::Method::POST,
            &format!("/api/v1/articles/{id}/previews"),
            Some(&reporter),
        )
        .send()
        .await
        .unwrap();
    let res = read(res).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let preview = res.json();
    assert_eq!(res.header("location"), preview["url"].as_str());
    let expires = w3c(preview["expires_at"].as_str().unwrap());
    let week = chrono::Utc::now() + chrono::Duration::days(7);
    assert!(
        (expires.with_timezone(&chrono::Utc) - week)
            .num_seconds()
            .abs()
            < 60
    );
    let path = preview_path(&app, &preview);

    // Anyone holding it reads the draft as it stands, embeds too; nobody caches or indexes it.
    let res = app.get(&format!("{path}?include=authors"), None).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.header("cache-control"), Some("private, no-store"));
    assert_eq!(res.header("x-robots-tag"), Some("noindex"));
    let seen = res.json();
    assert_eq!(seen["status"], "draft");
    assert_eq!(seen["authors"][0]["name"], "Samir Khalil");
    assert!(seen["authors"][0].get("email").is_none_or(Value::is_null));
    let res = app
        .patch(
            &format!("/api/v1/articles/{id}"),
            &json!({"title": "Draft: jets strike a workshop near Qaim"}),
            Some(&reporter),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        app.get(&path, None).await.ok()["title"],
        "Draft: jets strike a workshop near Qaim"
    );
    // The article itself stays out of reach, and the token is no access token.
    app.get(&format!("/api/v1/articles/{id}"), None)
        .await
        .problem(404);
    let token = preview["token"].as_str().unwrap();
    app.get("/api/v1/articles?status=draft", Some(token))
        .await
        .problem(401);
    // A token changed by one character is nothing.
    let mut forged = token.to_owned();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    app.get(&format!("/api/v1/previews/{forged}"), None)
        .await
        .problem(404);

    // Expiry: in the future, at most 30 days away.
    let at = |days: i64| (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
    for bad in [at(-1), at(31)] {
        let res = app
            .post(
                &format!("/api/v1/articles/{id}/previews"),
                &json!({"expires_at": bad}),
                Some(&reporter),
            )
            .await;
        assert_eq!(res.problem(422)["errors"][0]["field"], "expires_at");
    }
    let day = app
        .post(
            &format!("/api/v1/articles/{id}/previews"),
            &json!({"expires_at": at(1)}),
            Some(&admin),
        )
        .await;
    assert_eq!(day.status, 201, "{}", day.text());
    let day = day.json();

    // Who may: not another author (the draft is not theirs to see), not the author once the
    // story has left the draft stage.
    let (_, other) = app.token_for(dateline::auth::Role::Author).await;
    app.post(
        &format!("/api/v1/articles/{id}/previews"),
        &json!({}),
        Some(&other),
    )
    .await
    .problem(404);
    app.get(&format!("/api/v1/articles/{id}/previews"), None)
        .await
        .problem(401);

    // Staff list the live links, tokens and all, and revoke by token or by id.
    let listed = app
        .get(&format!("/api/v1/articles/{id}/previews"), Some(&reporter))
        .await
        .ok();
    let tokens: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["token"].as_str().unwrap())
        .collect();
    assert_eq!(tokens.len(), 2, "{listed}");
    assert!(tokens.contains(&token) && tokens.contains(&day["token"].as_str().unwrap()));
    let res = app
        .delete(
            &format!("/api/v1/articles/{id}/previews/{token}"),
            Some(&reporter),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.text());
    app.get(&path, None).await.problem(404);
    let res = app
        .delete(
            &format!("/api/v1/articles/{id}/previews/{token}"),
            Some(&reporter),
        )
        .await;
    res.problem(404);
    app.get(&preview_path(&app, &day), None).await.ok();
    // A link's token still names it for revoking once expired (signed here as the server
    // would have, an hour ago).
    let hour_ago = chrono::Utc::now().timestamp() - 3600;
    let expired = app
        .state
        .keys
        .issue_preview(id, day["id"].as_str().unwrap(), hour_ago - 60, hour_ago)
        .unwrap();
    app.get(&format!("/api/v1/previews/{expired}"), None)
        .await
        .problem(404);
    let res = app
        .delete(
            &format!("/api/v1/articles/{id}/previews/{expired}"),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.text());
    app.get(&preview_path(&app, &day), None).await.problem(404);

    // Disabling the link's maker ends it for good.
    let made = app
        .post(
            &format!("/api/v1/articles/{id}/previews"),
            &json!({}),
            Some(&reporter),
        )
        .await
        .json();
    app.get(&preview_path(&app, &made), None).await.ok();
    for disabled in [true, false] {
        let res = app
            .patch(
                &format!("/api/v1/users/{reporter_id}"),
                &json!({"disabled": disabled}),
                Some(&admin),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
    app.get(&preview_path(&app, &made), None).await.problem(404);

    // Deleting the article ends its links.
    let last = app
        .post(
            &format!("/api/v1/articles/{id}/previews"),
            &json!({}),
            Some(&admin),
        )
        .await
        .json();
    app.get(&preview_path(&app, &last), None).await.ok();
    let res = app
        .delete(&format!("/api/v1/articles/{id}"), Some(&admin))
        .await;
    assert_eq!(res.status, 204, "{}", res.text());
    app.get(&preview_path(&app, &last), None).await.problem(404);

    // Once an editor publishes their story, an author keeps the links they made (listed and
    // revoked by id), not the editor's.
    let reporter = reporter_again(&app, &email).await;
    let story = app
        .create(
            "/api/v1/articles",
            json!({"title": "Draft: the Rawa bridge", "body": "Text.",
                   "author_ids": [byline["id"]]}),
            &reporter,
        )
        .await;
    let path = format!("/api/v1/articles/{}/previews", story["id"]);
    let theirs = app.post(&path, &json!({}), Some(&reporter)).await.json();
    let editors = app.post(&path, &json!({}), Some(&admin)).await.json();
    let res = app
        .patch(
            &format!("/api/v1/articles/{}", story["id"]),
            &json!({"status": "published"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let listed = app.get(&path, Some(&reporter)).await.ok();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["id"], theirs["id"]);
    app.delete(
        &format!("{path}/{}", editors["id"].as_str().unwrap()),
        Some(&reporter),
    )
    .await
    .problem(404);
    let res = app
        .delete(
            &format!("{path}/{}", theirs["id"].as_str().unwrap()),
            Some(&reporter),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.text());
    app.get(&preview_path(&app, &editors), None).await.ok();

    // An author may not preview their own story once it is past the draft stage.
    let published = app
        .create(
            "/api/v1/articles",
            json!({"title": "Published by the desk", "body": "Text.", "status": "published",
                   "author_ids": [byline["id"]]}),
            &admin,
        )
        .await;
    let reporter = access(&app.login(&email, PASSWORD).await);
    app.post(
        &format!("/api/v1/articles/{}/previews", published["id"]),
        &json!({}),
        Some(&reporter),
    )
    .await
    .problem(403);
}
