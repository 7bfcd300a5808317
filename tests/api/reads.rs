//! Reads at archive scale, over HTTP: cursor walks against page numbers, the `Link` header,
//! `count`, sparse fields, and a response cache that is never stale.

use std::cmp::Ordering;
use std::time::{Duration as StdDuration, Instant};

use actix_web::http::Method;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use dateline::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

/// Items per page in the walks: 25 public articles make 7 pages, the last one short.
const PER_PAGE: usize = 4;
/// More pages than any walk here may take (a walk that never ends fails).
const MAX_PAGES: usize = 40;
/// The tag and byline every fixture files under.
const TAG: &str = "islamic-state";
const AUTHOR: &str = "samir-khalil";

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().expect("id")
}

/// `parts` joined as a query string, empty ones left out.
fn query(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("&")
}

/// `GET /api/v1/articles?{q}`, asserting success.
async fn list(app: &TestApp, q: &str, token: Option<&str>) -> Value {
    let res = app.get(&format!("/api/v1/articles?{q}"), token).await;
    assert_eq!(res.status, 200, "GET ?{q}: {}", res.text());
    res.json()
}

/// A desk to write from: the admin's token and the ids of two bylines and a tag.
struct Desk {
    admin: String,
    samir: i64,
    layla: i64,
    tag: i64,
}

async fn desk(app: &TestApp) -> Desk {
    let admin = app.admin_token().await;
    let samir = app
        .create(
            "/api/v1/authors",
            json!({"name": "Samir Khalil", "email": "samir.khalil@iraqinews.example"}),
            &admin,
        )
        .await;
    let layla = app
        .create("/api/v1/authors", json!({"name": "Layla Hassan"}), &admin)
        .await;
    let tag = app
        .create("/api/v1/tags", json!({"name": "Islamic State"}), &admin)
        .await;
    assert_eq!(samir["slug"], AUTHOR);
    assert_eq!(tag["slug"], TAG);
    Desk {
        admin,
        samir: id_of(&samir),
        layla: id_of(&layla),
        tag: id_of(&tag),
    }
}

/// Creates an article as `token` and returns it.
async fn article(app: &TestApp, token: &str, body: Value) -> Value {
    app.create("/api/v1/articles", body, token).await
}

/// A published article by Samir filed under the tag.
async fn tagged(app: &TestApp, d: &Desk, title: &str) -> Value {
    article(
        app,
        &d.admin,
        json!({"title": title, "body": "Troops massed in the desert.", "status": "published",
               "author_ids": [d.samir], "tag_ids": [d.tag]}),
    )
    .await
}

/// Titles that tie, one of them only as the title collation sees it (case).
const TITLES: [&str; 5] = [
    "Army enters Qaim",
    "Families flee Rawa",
    "army enters qaim",
    "Briefing",
    "A school becomes a shelter",
];

/// An archive of 25 published articles whose order by date, title and id all differ, with
/// publication times shared three at a time and titles shared five at a time; the even ones
/// filed under the tag; beside them 3 drafts, 2 scheduled for tomorrow and 2 archived.
async fn archive(app: &TestApp, d: &Desk) -> Vec<i64> {
    let base = DateTime::parse_from_rfc3339("2017-11-01T09:30:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut published = Vec::new();
    for i in 0..25_i64 {
        let shared = base + Duration::hours((i * 7) % 25 / 3);
        let tags = if i % 2 == 0 { vec![d.tag] } else { vec![] };
        let author = if i % 3 == 0 { d.samir } else { d.layla };
        let a = article(
            app,
            &d.admin,
            json!({"title": TITLES[(i % 5) as usize], "body": format!("Dispatch number {i}."),
                   "status": "published", "published_at": iso(shared),
                   "author_ids": [author], "tag_ids": tags}),
        )
        .await;
        published.push(id_of(&a));
    }
    for i in 0..3 {
        article(
            app,
            &d.admin,
            json!({"title": format!("Draft {i}"), "author_ids": [d.samir], "tag_ids": [d.tag]}),
        )
        .await;
    }
    for i in 0..2 {
        article(
            app,
            &d.admin,
            json!({"title": format!("Tomorrow {i}"), "status": "scheduled",
                   "published_at": iso(Utc::now() + Duration::days(1) + Duration::hours(i)),
                   "author_ids": [d.samir], "tag_ids": [d.tag]}),
        )
        .await;
    }
    for i in 0..2_i64 {
        let a = article(
            app,
            &d.admin,
            json!({"title": format!("Old news {i}"), "status": "published",
                   "published_at": iso(base + Duration::minutes(90 * i + 30)),
                   "author_ids": [d.samir], "tag_ids": [d.tag]}),
        )
        .await;
        app.patch(
            &format!("/api/v1/articles/{}", id_of(&a)),
            &json!({"status": "archived"}),
            Some(&d.admin),
        )
        .await
        .ok();
    }
    published
}

/// What one list item sorts by.
struct Item {
    id: i64,
    title: String,
    published_at: Option<String>,
    created_at: String,
    updated_at: String,
}

/// Every article as the admin sees it now.
async fn items(app: &TestApp, d: &Desk) -> Vec<Item> {
    let all = list(app, "status=any&per_page=100", Some(&d.admin)).await;
    all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| Item {
            id: id_of(a),
            title: a["title"].as_str().unwrap().to_owned(),
            published_at: a["published_at"].as_str().map(str::to_owned),
            created_at: a["created_at"].as_str().unwrap().to_owned(),
            updated_at: a["updated_at"].as_str().unwrap().to_owned(),
        })
        .collect()
}

/// The ids of `items` (those `keep` keeps) in the order `cmp` gives.
fn ordered(items: &[Item], keep: &[i64], cmp: impl Fn(&Item, &Item) -> Ordering) -> Vec<i64> {
    let mut kept: Vec<&Item> = items.iter().filter(|i| keep.contains(&i.id)).collect();
    kept.sort_by(|a, b| cmp(a, b));
    kept.iter().map(|i| i.id).collect()
}

/// Titles compare as the title column's collation does (ASCII case folded).
fn title_cmp(a: &Item, b: &Item) -> Ordering {
    a.title
        .to_ascii_lowercase()
        .cmp(&b.title.to_ascii_lowercase())
}

/// The ids of pages 1 to `total_pages` of `q`, read by number, concatenated; checks that the
/// page after the last is empty.
async fn by_number(app: &TestApp, q: &str, token: Option<&str>) -> Vec<i64> {
    let per_page = format!("per_page={PER_PAGE}");
    let first = list(app, &query(&[q, &per_page, "page=1"]), token).await;
    let pages = first["meta"]["total_pages"].as_u64().expect("total_pages") as usize;
    let mut all = ids(&first);
    for page in 2..=pages + 1 {
        let next = list(app, &query(&[q, &per_page, &format!("page={page}")]), token).await;
        if page == pages + 1 {
            assert_eq!(ids(&next), Vec::<i64>::new(), "?{q}: past the last page");
        }
        all.extend(ids(&next));
    }
    all
}

/// Which way a cursor walk goes: its start page, the cursor it follows, the one each page
/// after the start must also carry, and its name in messages.
#[derive(Clone, Copy)]
enum Way {
    Forward,
    Backward,
}

impl Way {
    fn cursors(self) -> (&'static str, &'static str) {
        match self {
            Way::Forward => ("next_cursor", "prev_cursor"),
            Way::Backward => ("prev_cursor", "next_cursor"),
        }
    }
}

/// The ids of `q` walked by cursor: forward from page 1 by `meta.next_cursor`, or backward
/// from the last page by `meta.prev_cursor`; either way in list order.
async fn walk(app: &TestApp, q: &str, token: Option<&str>, way: Way) -> Vec<i64> {
    let per_page = format!("per_page={PER_PAGE}");
    let (follow, back) = way.cursors();
    let start = match way {
        Way::Forward => 1,
        Way::Backward => {
            let first = list(app, &query(&[q, &per_page]), token).await;
            first["meta"]["total_pages"].as_u64().expect("total_pages")
        }
    };
    let mut page = list(
        app,
        &query(&[q, &per_page, &format!("page={start}")]),
        token,
    )
    .await;
    assert_eq!(
        page["meta"].get(back),
        None,
        "?{q}: the page a walk starts from has no {back}"
    );
    let mut met: Vec<Vec<i64>> = vec![ids(&page)];
    for _ in 0..MAX_PAGES {
        let Some(cursor) = page["meta"][follow].as_str().map(str::to_owned) else {
            if matches!(way, Way::Backward) {
                met.reverse();
            }
            return met.concat();
        };
        page = list(
            app,
            &query(&[q, &per_page, &format!("cursor={cursor}")]),
            token,
        )
        .await;
        assert_eq!(
            page["meta"].get("page"),
            None,
            "?{q}: no page number by cursor"
        );
        assert!(
            page["meta"][back].is_string(),
            "?{q}: a page reached by {follow} has a {back}: {}",
            page["meta"]
        );
        assert!(!ids(&page).is_empty(), "?{q}: a {follow} led to nothing");
        met.push(ids(&page));
    }
    panic!("?{q}: the walk by {follow} never ended");
}

/// The ids of `q` walked from page 1 by `meta.next_cursor` to the end.
async fn walk_forward(app: &TestApp, q: &str, token: Option<&str>) -> Vec<i64> {
    walk(app, q, token, Way::Forward).await
}

/// Walks `q` by number, forward by cursor and backward by cursor; asserts all three agree
/// with `expected`.
async fn walks_agree(app: &TestApp, q: &str, token: Option<&str>, expected: &[i64]) {
    let numbered = by_number(app, q, token).await;
    assert_eq!(numbered, expected, "?{q}: pages by number");
    let forward = walk_forward(app, q, token).await;
    assert_eq!(forward, numbered, "?{q}: forward by cursor");
    let backward = walk(app, q, token, Way::Backward).await;
    assert_eq!(backward, numbered, "?{q}: backward by cursor");
}

// Cursors.

crate::both_backends!(cursor_walks_either_way_give_exactly_the_order_of_the_numbered_pages);
async fn cursor_walks_either_way_give_exactly_the_order_of_the_numbered_pages() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let published = archive(&app, &d).await;
    // Later edits to some, so that `updated_at` differs as well as ties.
    actix_web::rt::time::sleep(StdDuration::from_millis(1100)).await;
    for id in published.iter().step_by(4) {
        app.patch(
            &format!("/api/v1/articles/{id}"),
            &json!({"subtitle": "Updated"}),
            Some(&d.admin),
        )
        .await
        .ok();
    }
    let all = items(&app, &d).await;
    let tagged: Vec<i64> = published.iter().copied().step_by(2).collect();

    let newest_first = ordered(&all, &published, |a, b| {
        b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id))
    });
    walks_agree(&app, "", None, &newest_first).await;
    let by_title = ordered(&all, &published, |a, b| {
        title_cmp(a, b).then(a.id.cmp(&b.id))
    });
    walks_agree(&app, "sort=title", None, &by_title).await;
    let by_update = ordered(&all, &published, |a, b| {
        b.updated_at
            .cmp(&a.updated_at)
            .then(title_cmp(a, b))
            .then(b.id.cmp(&a.id))
    });
    walks_agree(&app, "sort=-updated_at,title", None, &by_update).await;
    let oldest_first = ordered(&all, &published, |a, b| {
        a.published_at.cmp(&b.published_at).then(a.id.cmp(&b.id))
    });
    walks_agree(&app, "sort=published_at", None, &oldest_first).await;
    let title_descending = ordered(&all, &published, |a, b| {
        title_cmp(b, a).then(b.id.cmp(&a.id))
    });
    walks_agree(&app, "sort=-title", None, &title_descending).await;
    let by_creation = ordered(&all, &published, |a, b| {
        a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id))
    });
    walks_agree(&app, "sort=created_at", None, &by_creation).await;
    let title_then_newest = ordered(&all, &published, |a, b| {
        title_cmp(a, b)
            .then(b.published_at.cmp(&a.published_at))
            .then(a.id.cmp(&b.id))
    });
    walks_agree(&app, "sort=title,-published_at", None, &title_then_newest).await;

    // One tag's list walks its own index.
    let tag_newest = ordered(&all, &tagged, |a, b| {
        b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id))
    });
    walks_agree(&app, &format!("tag={TAG}"), None, &tag_newest).await;
    let tag_oldest = ordered(&all, &tagged, |a, b| {
        a.published_at.cmp(&b.published_at).then(a.id.cmp(&b.id))
    });
    walks_agree(
        &app,
        &format!("tag={TAG}&sort=published_at"),
        None,
        &tag_oldest,
    )
    .await;
    let by_samir: Vec<i64> = published.iter().copied().step_by(3).collect();
    let samir_newest = ordered(&all, &by_samir, |a, b| {
        b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id))
    });
    walks_agree(&app, &format!("author={AUTHOR}"), None, &samir_newest).await;
}

crate::both_backends!(a_comma_list_filter_matches_any_of_its_values_once_each);
/// `tag=a,b` (and `author=`, `source=`) match any of their values: each article once, in the
/// list's order, by page number and by cursor either way, with an exact total.
async fn a_comma_list_filter_matches_any_of_its_values_once_each() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let published = archive(&app, &d).await;
    let anbar = app
        .create("/api/v1/tags", json!({"name": "Anbar"}), &d.admin)
        .await;
    // Every third also under Anbar: some under both tags, some under Anbar alone.
    for (i, id) in published.iter().enumerate().step_by(3) {
        let tags = if i % 2 == 0 {
            vec![d.tag, id_of(&anbar)]
        } else {
            vec![id_of(&anbar)]
        };
        app.patch(
            &format!("/api/v1/articles/{id}"),
            &json!({"tag_ids": tags}),
            Some(&d.admin),
        )
        .await
        .ok();
    }
    let all = items(&app, &d).await;
    let either: Vec<i64> = published
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0 || i % 3 == 0)
        .map(|(_, id)| *id)
        .collect();
    let newest = ordered(&all, &either, |a, b| {
        b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id))
    });
    for q in [
        format!("tag={TAG},anbar"),
        format!("tag=anbar,%20{TAG}"),
        format!("tag={},{}", id_of(&anbar), d.tag),
        format!("tag={TAG},anbar,none-such"),
    ] {
        walks_agree(&app, &q, None, &newest).await;
        let page = list(&app, &format!("{q}&count=exact&per_page=1"), None).await;
        assert_eq!(page["meta"]["total"], either.len(), "?{q}");
    }
    let oldest = ordered(&all, &either, |a, b| {
        a.published_at.cmp(&b.published_at).then(a.id.cmp(&b.id))
    });
    walks_agree(
        &app,
        &format!("tag={TAG},anbar&sort=published_at"),
        None,
        &oldest,
    )
    .await;
    let by_title = ordered(&all, &either, |a, b| title_cmp(a, b).then(a.id.cmp(&b.id)));
    walks_agree(
        &app,
        &format!("tag={TAG},anbar&sort=title"),
        None,
        &by_title,
    )
    .await;

    // Any of two bylines is everything published here; with a tag, both filters hold.
    let newest_all = ordered(&all, &published, |a, b| {
        b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id))
    });
    walks_agree(
        &app,
        &format!("author={AUTHOR},layla-hassan"),
        None,
        &newest_all,
    )
    .await;
    let samir_either: Vec<i64> = either
        .iter()
        .copied()
        .filter(|id| {
            published
                .iter()
                .position(|p| p == id)
                .is_some_and(|i| i % 3 == 0)
        })
        .collect();
    let samir_newest = ordered(&all, &samir_either, |a, b| {
        b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id))
    });
    walks_agree(
        &app,
        &format!("author={AUTHOR}&tag=anbar,{TAG}"),
        None,
        &samir_newest,
    )
    .await;

    // Staff over every status: the 3 drafts, 2 scheduled and 2 archived are under the tag.
    let staff = list(
        &app,
        &format!("status=any&tag={TAG},anbar&count=exact&per_page=1"),
        Some(&d.admin),
    )
    .await;
    assert_eq!(staff["meta"]["total"], either.len() + 7);

    // Nothing known: nothing matches.
    let none = list(&app, "tag=none-such,nor-this&count=exact", None).await;
    assert_eq!(none["meta"]["total"], 0);
    assert_eq!(ids(&none), Vec::<i64>::new());
    // At most 20 values.
    let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    let res = app
        .get(&format!("/api/v1/articles?tag={}", many.join(",")), None)
        .await;
    res.problem(422);
    assert_eq!(res.invalid_fields(), ["tag"]);
}

crate::both_backends!(
    staff_cursor_walks_over_every_status_put_unpublished_drafts_first_ascending_and_last_descending
);
async fn staff_cursor_walks_over_every_status_put_unpublished_drafts_first_ascending_and_last_descending()
 {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    archive(&app, &d).await;
    let all = items(&app, &d).await;
    let every: Vec<i64> = all.iter().map(|i| i.id).collect();
    assert_eq!(every.len(), 25 + 3 + 2 + 2);
    let drafts: Vec<i64> = sorted(
        all.iter()
            .filter(|i| i.published_at.is_none())
            .map(|i| i.id)
            .collect(),
    );
    assert_eq!(drafts.len(), 3);

    // Option orders None first: NULLs first ascending, last descending, as SQLite does.
    let ascending = ordered(&all, &every, |a, b| {
        a.published_at.cmp(&b.published_at).then(a.id.cmp(&b.id))
    });
    assert_eq!(
        ascending[..3],
        drafts[..],
        "no publication time sorts first"
    );
    walks_agree(
        &app,
        "status=any&sort=published_at",
        Some(&d.admin),
        &ascending,
    )
    .await;
    let descending = ordered(&all, &every, |a, b| {
        b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id))
    });
    let mut drafts_desc = drafts.clone();
    drafts_desc.reverse();
    assert_eq!(
        descending[descending.len() - 3..],
        drafts_desc[..],
        "no publication time sorts last"
    );
    walks_agree(
        &app,
        "status=any&sort=-published_at",
        Some(&d.admin),
        &descending,
    )
    .await;
    let descending_then_title = ordered(&all, &every, |a, b| {
        b.published_at
            .cmp(&a.published_at)
            .then(title_cmp(a, b))
            .then(b.id.cmp(&a.id))
    });
    walks_agree(
        &app,
        "status=any&sort=-published_at,title",
        Some(&d.admin),
        &descending_then_title,
    )
    .await;
}

/// A query string's pairs, sorted.
type Pairs = Vec<(String, String)>;

/// The `Link` header's relations, each with its target's path and query pairs.
fn links(res: &Resp) -> Vec<(String, String, Pairs)> {
    let header = res.header("link").expect("a Link header");
    header
        .split(',')
        .map(|part| {
            let part = part.trim();
            let (target, rel) = part.split_once(">; rel=\"").expect("<target>; rel=\"…\"");
            let target = target.strip_prefix('<').expect("<");
            let rel = rel.strip_suffix('"').expect("closing quote");
            let (path, q) = target.split_once('?').unwrap_or((target, ""));
            (rel.to_owned(), path.to_owned(), pairs(q, &[]))
        })
        .collect()
}

/// Sorted query pairs of `q` plus `extra`.
fn pairs(q: &str, extra: &[(&str, &str)]) -> Pairs {
    let mut p: Pairs = form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .chain(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
        .collect();
    p.sort();
    p
}

crate::both_backends!(
    the_link_header_points_by_cursor_from_a_cursor_page_and_by_number_from_a_numbered_one
);
async fn the_link_header_points_by_cursor_from_a_cursor_page_and_by_number_from_a_numbered_one() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    archive(&app, &d).await;
    let kept = "sort=title&fields=id%2Ctitle&per_page=4";
    let path = app.url("/api/v1/articles");

    // A numbered page: first, prev, next and last by page, the rest of the query kept.
    let numbered = app
        .get(&format!("/api/v1/articles?{kept}&page=2"), None)
        .await;
    assert_eq!(numbered.status, 200, "{}", numbered.text());
    assert_eq!(
        links(&numbered),
        [
            ("first", pairs(kept, &[("page", "1")])),
            ("prev", pairs(kept, &[("page", "1")])),
            ("next", pairs(kept, &[("page", "3")])),
            ("last", pairs(kept, &[("page", "7")])),
        ]
        .map(|(rel, p)| (rel.to_owned(), path.clone(), p))
    );

    // A page reached by cursor: first without page or cursor, prev and next by cursor.
    let body = numbered.json();
    let next = body["meta"]["next_cursor"].as_str().unwrap();
    let by_cursor = app
        .get(&format!("/api/v1/articles?{kept}&cursor={next}"), None)
        .await;
    assert_eq!(by_cursor.status, 200, "{}", by_cursor.text());
    let meta = by_cursor.json()["meta"].clone();
    let (prev, next) = (
        meta["prev_cursor"].as_str().unwrap(),
        meta["next_cursor"].as_str().unwrap(),
    );
    assert_eq!(
        links(&by_cursor),
        [
            ("first", pairs(kept, &[])),
            ("prev", pairs(kept, &[("cursor", prev)])),
            ("next", pairs(kept, &[("cursor", next)])),
        ]
        .map(|(rel, p)| (rel.to_owned(), path.clone(), p))
    );

    // Following `prev` from there twice reaches page 1 again: no `prev` link on it.
    let back = app
        .get(&format!("/api/v1/articles?{kept}&cursor={prev}"), None)
        .await;
    let prev = back.json()["meta"]["prev_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let start = app
        .get(&format!("/api/v1/articles?{kept}&cursor={prev}"), None)
        .await;
    let page_one = list(&app, &format!("{kept}&page=1"), None).await;
    assert_eq!(ids(&start.json()), ids(&page_one));
    let rels: Vec<String> = links(&start).into_iter().map(|(rel, ..)| rel).collect();
    assert_eq!(rels, ["first", "next"]);
}

// Errors.

crate::both_backends!(
    a_cursor_with_a_page_a_cursor_that_is_not_one_and_one_of_another_sort_are_422
);
async fn a_cursor_with_a_page_a_cursor_that_is_not_one_and_one_of_another_sort_are_422() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    for i in 0..3 {
        tagged(&app, &d, &format!("Dispatch {i}")).await;
    }
    let first = list(&app, "per_page=1", None).await;
    let cursor = first["meta"]["next_cursor"].as_str().unwrap().to_owned();
    // The cursor itself is good.
    list(&app, &format!("per_page=1&cursor={cursor}"), None).await;

    for (q, says) in [
        (format!("page=2&cursor={cursor}"), "not both"),
        ("cursor=garbage".to_owned(), "is not a cursor"),
        (
            format!("sort=title&cursor={cursor}"),
            "was made for `sort=-published_at`",
        ),
    ] {
        let res = app.get(&format!("/api/v1/articles?{q}"), None).await;
        assert_eq!(res.invalid_fields(), ["cursor"], "?{q}");
        let message = res.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(says), "?{q}: {message}");
    }
}

// Counts.

crate::both_backends!(count_none_leaves_the_total_out_but_keeps_the_cursor);
async fn count_none_leaves_the_total_out_but_keeps_the_cursor() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    for i in 0..3 {
        tagged(&app, &d, &format!("Dispatch {i}")).await;
    }
    for q in [
        "count=none&per_page=2",
        &format!("count=none&per_page=2&tag={TAG}"),
    ] {
        let res = app.get(&format!("/api/v1/articles?{q}"), None).await;
        let body = res.ok();
        let meta = body["meta"].as_object().unwrap();
        for absent in ["total", "total_pages", "count"] {
            assert!(!meta.contains_key(absent), "?{q}: {absent} in {meta:?}");
        }
        assert!(meta["next_cursor"].is_string(), "?{q}: {meta:?}");
        assert_eq!(res.header("x-total-count"), None, "?{q}");
        let rels: Vec<String> = links(&res).into_iter().map(|(rel, ..)| rel).collect();
        assert_eq!(
            rels,
            ["first", "next"],
            "?{q}: no last page without a total"
        );
    }
}

crate::both_backends!(count_exact_and_the_default_give_an_exact_total_that_matches_the_walk);
async fn count_exact_and_the_default_give_an_exact_total_that_matches_the_walk() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let published = archive(&app, &d).await;
    for (q, expected) in [
        ("", 25),
        ("count=exact", 25),
        ("count=estimate", 25),
        ("tag=islamic-state", 13),
        ("tag=islamic-state&count=exact", 13),
    ] {
        let res = app
            .get(
                &format!("/api/v1/articles?{}", query(&[q, "per_page=4"])),
                None,
            )
            .await;
        let body = res.ok();
        assert_eq!(body["meta"]["total"], expected, "?{q}");
        assert_eq!(body["meta"]["count"], "exact", "?{q}");
        assert_eq!(body["meta"]["total_pages"], (expected + 3) / 4, "?{q}");
        assert_eq!(
            res.header("x-total-count"),
            Some(expected.to_string().as_str()),
            "?{q}"
        );
        let walked = walk_forward(&app, q, None).await;
        assert_eq!(walked.len(), expected as usize, "?{q}");
    }
    assert_eq!(published.len(), 25);
}

/// The public list's, the tag's and the author's totals, each checked three ways: the list's
/// `meta.total` and `X-Total-Count`, a cursor walk, and the catalog's `article_count`.
async fn totals(app: &TestApp) -> (Vec<i64>, Vec<i64>, Vec<i64>) {
    let mut found = Vec::new();
    for filter in ["", &format!("tag={TAG}"), &format!("author={AUTHOR}")] {
        let res = app
            .get(
                &format!("/api/v1/articles?{}", query(&[filter, "count=exact"])),
                None,
            )
            .await;
        let total = res.ok()["meta"]["total"].as_i64().expect("total");
        assert_eq!(
            res.header("x-total-count"),
            Some(total.to_string().as_str()),
            "?{filter}"
        );
        let mut walked = walk_forward(app, &query(&[filter, "count=none"]), None).await;
        assert_eq!(
            walked.len() as i64,
            total,
            "?{filter}: total against the walk"
        );
        walked.sort_unstable();
        found.push(walked);
    }
    for (path, walked) in [
        (format!("/api/v1/tags/{TAG}"), &found[1]),
        (format!("/api/v1/authors/{AUTHOR}"), &found[2]),
    ] {
        let count = app.get(&path, None).await.ok()["article_count"].clone();
        assert_eq!(
            count,
            walked.len(),
            "{path}: article_count against the walk"
        );
    }
    let mut found = found.into_iter();
    (
        found.next().unwrap(),
        found.next().unwrap(),
        found.next().unwrap(),
    )
}

/// Asserts that the public list holds `everything`, and the tag's and author's lists `live`.
async fn expect_totals(app: &TestApp, live: &[i64], everything: &[i64], step: &str) {
    let (all, tag, author) = totals(app).await;
    assert_eq!(all, everything, "{step}: the list");
    assert_eq!(tag, sorted(live.to_vec()), "{step}: the tag");
    assert_eq!(author, sorted(live.to_vec()), "{step}: the author");
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort_unstable();
    v
}

crate::both_backends!(totals_and_article_counts_follow_every_change_of_what_is_public);
async fn totals_and_article_counts_follow_every_change_of_what_is_public() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let mut live = Vec::new();
    for i in 0..5 {
        live.push(id_of(&tagged(&app, &d, &format!("Dispatch {i}")).await));
    }
    let draft = article(
        &app,
        &d.admin,
        json!({"title": "Draft", "author_ids": [d.samir], "tag_ids": [d.tag]}),
    )
    .await;
    article(
        &app,
        &d.admin,
        json!({"title": "Tomorrow", "status": "scheduled",
               "published_at": iso(Utc::now() + Duration::days(1)),
               "author_ids": [d.samir], "tag_ids": [d.tag]}),
    )
    .await;
    let untagged = article(
        &app,
        &d.admin,
        json!({"title": "Elsewhere", "status": "published", "author_ids": [d.layla]}),
    )
    .await;
    let path = |id: i64| format!("/api/v1/articles/{id}");
    let everything = |live: &[i64]| sorted([live, &[id_of(&untagged)]].concat());
    let set_status = |id: i64, status: &'static str| {
        let (app, path, token) = (&app, path(id), &d.admin);
        async move {
            app.patch(&path, &json!({ "status": status }), Some(token))
                .await
                .ok();
        }
    };

    // The draft and the article scheduled for tomorrow are not counted.
    expect_totals(&app, &live, &everything(&live), "at first").await;

    // Publishing the draft counts it.
    set_status(id_of(&draft), "published").await;
    live.push(id_of(&draft));
    expect_totals(&app, &live, &everything(&live), "published").await;

    // Archiving, deleting and moving back to draft each take one away.
    let archived = live.remove(0);
    set_status(archived, "archived").await;
    expect_totals(&app, &live, &everything(&live), "archived").await;
    let deleted = live.remove(0);
    let res = app.delete(&path(deleted), Some(&d.admin)).await;
    assert_eq!(res.status, 204, "{}", res.text());
    expect_totals(&app, &live, &everything(&live), "deleted").await;
    let unpublished = live.remove(0);
    set_status(unpublished, "draft").await;
    expect_totals(&app, &live, &everything(&live), "back to draft").await;

    // Taking the tag off an article takes it off the tag's count only.
    let untagged_now = live[0];
    app.patch(&path(untagged_now), &json!({"tag_ids": []}), Some(&d.admin))
        .await
        .ok();
    let (all, tag, author) = totals(&app).await;
    assert_eq!(all, everything(&live), "tag removed: the list");
    assert_eq!(tag, sorted(live[1..].to_vec()), "tag removed: the tag");
    assert_eq!(author, sorted(live.clone()), "tag removed: the author");
}

// Sparse fields.

crate::both_backends!(sparse_fields_return_only_those_members_and_still_page_by_cursor);
async fn sparse_fields_return_only_those_members_and_still_page_by_cursor() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let published = archive(&app, &d).await;

    let full = walk_forward(&app, "sort=title", None).await;
    let sparse = walk_forward(&app, "sort=title&fields=id,title", None).await;
    assert_eq!(sparse, full, "the same walk with fewer fields");
    let page = list(&app, "sort=title&fields=id,title&per_page=4", None).await;
    let next = page["meta"]["next_cursor"].as_str().unwrap();
    let by_cursor = list(
        &app,
        &format!("sort=title&fields=id,title&per_page=4&cursor={next}"),
        None,
    )
    .await;
    for item in page["data"]
        .as_array()
        .unwrap()
        .iter()
        .chain(by_cursor["data"].as_array().unwrap())
    {
        let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "title"]);
    }

    let with_body = list(&app, "fields=id,body&per_page=100", None).await;
    let data = with_body["data"].as_array().unwrap();
    assert_eq!(data.len(), published.len());
    for item in data {
        let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "body"]);
        let n = published.iter().position(|id| *id == id_of(item)).unwrap();
        assert_eq!(item["body"], format!("Dispatch number {n}."));
    }
}

// The response cache.

crate::both_backends!(the_cached_public_list_shows_each_create_publish_and_delete_at_once);
async fn the_cached_public_list_shows_each_create_publish_and_delete_at_once() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let (_, editor) = app.token_for(Role::Editor).await;
    let first = tagged(&app, &d, "First dispatch").await;
    let draft = article(
        &app,
        &editor,
        json!({"title": "Held back", "author_ids": [d.samir]}),
    )
    .await;
    let url = "/api/v1/articles?include=authors";

    let one = app.get(url, None).await;
    let statements = app.statements();
    let two = app.get(url, None).await;
    assert_eq!(
        app.statements(),
        statements + app.cache_check(),
        "the second answer came from the cache"
    );
    assert_eq!(two.body, one.body);
    assert_eq!(two.header("etag"), one.header("etag"));
    assert_eq!(ids(&two.json()), [id_of(&first)]);

    let created = article(
        &app,
        &editor,
        json!({"title": "Second dispatch", "status": "published", "author_ids": [d.samir]}),
    )
    .await;
    let res = app.get(url, None).await;
    assert_eq!(
        ids(&res.json()),
        [id_of(&created), id_of(&first)],
        "created"
    );
    assert_ne!(res.header("etag"), one.header("etag"));

    app.patch(
        &format!("/api/v1/articles/{}", id_of(&draft)),
        &json!({"status": "published"}),
        Some(&editor),
    )
    .await
    .ok();
    let res = app.get(url, None).await;
    assert_eq!(
        sorted(ids(&res.json())),
        sorted(vec![id_of(&draft), id_of(&created), id_of(&first)]),
        "published"
    );

    let gone = app
        .delete(
            &format!("/api/v1/articles/{}", id_of(&created)),
            Some(&editor),
        )
        .await;
    assert_eq!(gone.status, 204, "{}", gone.text());
    let res = app.get(url, None).await;
    assert_eq!(
        sorted(ids(&res.json())),
        sorted(vec![id_of(&draft), id_of(&first)]),
        "deleted"
    );
    assert_eq!(res.json()["meta"]["total"], 2);
}

crate::both_backends!(
    the_cached_public_list_takes_in_a_scheduled_article_when_it_falls_due_with_no_write
);
async fn the_cached_public_list_takes_in_a_scheduled_article_when_it_falls_due_with_no_write() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let old = tagged(&app, &d, "Yesterday's news").await;
    let soon = article(
        &app,
        &d.admin,
        json!({"title": "Very soon", "status": "scheduled",
               "published_at": iso(Utc::now() + Duration::seconds(3)),
               "author_ids": [d.samir], "tag_ids": [d.tag]}),
    )
    .await;
    let due: DateTime<Utc> = soon["published_at"].as_str().unwrap().parse().unwrap();

    // Cached while it is not yet due.
    let before = app.get("/api/v1/articles", None).await;
    assert_eq!(ids(&before.json()), [id_of(&old)]);
    let statements = app.statements();
    let again = app.get("/api/v1/articles", None).await;
    assert_eq!(again.body, before.body);
    assert_eq!(
        app.statements(),
        statements + app.cache_check(),
        "served from the cache"
    );

    let deadline = Instant::now() + StdDuration::from_secs(5);
    let shown = loop {
        let list = app.get("/api/v1/articles", None).await.ok();
        let received = Utc::now();
        if ids(&list).contains(&id_of(&soon)) {
            break list;
        }
        assert!(
            Instant::now() < deadline,
            "not in the list 5 s after scheduling (due {due}, now {received})"
        );
        actix_web::rt::time::sleep(StdDuration::from_millis(100)).await;
    };
    assert!(Utc::now() >= due, "public before it was due");
    assert_eq!(ids(&shown), [id_of(&soon), id_of(&old)]);
    assert_eq!(shown["meta"]["total"], 2);
}

crate::both_backends!(a_scheduled_article_that_fell_due_reads_as_published_and_counts);
async fn a_scheduled_article_that_fell_due_reads_as_published_and_counts() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let soon = article(
        &app,
        &d.admin,
        json!({"title": "Very soon", "status": "scheduled",
               "published_at": iso(Utc::now() + Duration::seconds(3)),
               "author_ids": [d.samir], "tag_ids": [d.tag]}),
    )
    .await;
    let path = format!("/api/v1/articles/{}", soon["slug"].as_str().unwrap());
    app.get(&path, None).await.problem(404);
    let tag = app.get(&format!("/api/v1/tags/{TAG}"), None).await.ok();
    assert_eq!(tag["article_count"], 0, "not yet due: not counted");

    let deadline = Instant::now() + StdDuration::from_secs(5);
    let single = loop {
        let res = app.get(&path, None).await;
        if res.status == 200 {
            break res.json();
        }
        assert!(Instant::now() < deadline, "not public 5 s after scheduling");
        actix_web::rt::time::sleep(StdDuration::from_millis(100)).await;
    };

    assert_eq!(single["status"], "published", "the single GET");
    let staff = app.get(&path, Some(&d.admin)).await.ok();
    assert_eq!(staff["status"], "published", "the single GET, staff");
    let public = list(&app, "", None).await;
    assert_eq!(public["data"][0]["id"], soon["id"]);
    assert_eq!(public["data"][0]["status"], "published", "the public list");
    let any = list(&app, "status=any", Some(&d.admin)).await;
    assert_eq!(any["data"][0]["status"], "published", "the staff list");
    assert_eq!(public["meta"]["total"], 1);
    let tag = app.get(&format!("/api/v1/tags/{TAG}"), None).await.ok();
    assert_eq!(tag["article_count"], 1);
    let author = app
        .get(&format!("/api/v1/authors/{AUTHOR}"), None)
        .await
        .ok();
    assert_eq!(author["article_count"], 1);
}

crate::both_backends!(an_anonymous_reader_never_gets_an_answer_made_for_staff);
async fn an_anonymous_reader_never_gets_an_answer_made_for_staff() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let live = tagged(&app, &d, "On the record").await;
    let draft = article(
        &app,
        &d.admin,
        json!({"title": "Off the record", "author_ids": [d.samir]}),
    )
    .await;

    // Staff first: drafts, emails, and answers no one may keep.
    let staff_any = app.get("/api/v1/articles?status=any", Some(&d.admin)).await;
    assert_eq!(staff_any.header("cache-control"), Some("private, no-store"));
    assert_eq!(
        sorted(ids(&staff_any.json())),
        sorted(vec![id_of(&live), id_of(&draft)])
    );
    let url = "/api/v1/articles?include=authors";
    let staff = app.get(url, Some(&d.admin)).await;
    assert_eq!(staff.header("cache-control"), Some("private, no-store"));
    assert_eq!(
        staff.json()["data"][0]["authors"][0]["email"],
        "samir.khalil@iraqinews.example"
    );

    // Then an anonymous reader of the same addresses.
    app.get("/api/v1/articles?status=any", None)
        .await
        .problem(401);
    let anonymous = app.get(url, None).await;
    assert_eq!(
        anonymous.header("cache-control"),
        Some("public, max-age=60")
    );
    let body = anonymous.json();
    assert_eq!(ids(&body), [id_of(&live)]);
    assert!(
        !anonymous.text().contains("iraqinews.example"),
        "no email in public: {body}"
    );
    assert_eq!(ids(&list(&app, "", None).await), [id_of(&live)]);

    // And staff after the anonymous answer was kept: still their own.
    let statements = app.statements();
    let anonymous_again = app.get(url, None).await;
    assert_eq!(
        app.statements(),
        statements + app.cache_check(),
        "the anonymous answer is cached"
    );
    assert_eq!(anonymous_again.body, anonymous.body);
    let staff_again = app.get(url, Some(&d.admin)).await;
    assert_eq!(
        staff_again.header("cache-control"),
        Some("private, no-store")
    );
    assert!(
        staff_again
            .text()
            .contains("samir.khalil@iraqinews.example")
    );
}

crate::both_backends!(if_none_match_with_the_cached_etag_is_304_until_a_write);
async fn if_none_match_with_the_cached_etag_is_304_until_a_write() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    tagged(&app, &d, "First dispatch").await;
    let url = "/api/v1/articles?per_page=5";
    let fresh = app.get(url, None).await;
    let statements = app.statements();
    let cached = app.get(url, None).await;
    assert_eq!(
        app.statements(),
        statements + app.cache_check(),
        "the second answer is cached"
    );
    let etag = cached.header("etag").unwrap().to_owned();
    assert_eq!(fresh.header("etag"), Some(etag.as_str()));

    let conditional = |etag: String| {
        let app = &app;
        async move {
            let req = app
                .request(Method::GET, url, None)
                .insert_header(("if-none-match", etag));
            send(req, None).await
        }
    };
    let res = conditional(etag.clone()).await;
    assert_eq!(res.status, 304);
    assert!(res.body.is_empty());

    tagged(&app, &d, "Second dispatch").await;
    let res = conditional(etag.clone()).await;
    assert_eq!(res.status, 200, "the list changed");
    assert_ne!(res.header("etag"), Some(etag.as_str()));
    assert_eq!(ids(&res.json()).len(), 2);
}

crate::both_backends!(an_approved_comment_shows_in_the_cached_comment_count_at_once);
async fn an_approved_comment_shows_in_the_cached_comment_count_at_once() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let (_, editor) = app.token_for(Role::Editor).await;
    let a = tagged(&app, &d, "Families flee Rawa").await;
    let path = format!("/api/v1/articles/{}", a["slug"].as_str().unwrap());
    let comment = app
        .post(
            &format!("{path}/comments"),
            &json!({"author_name": "Ahmed from Ramadi", "author_email": "ahmed@example.com",
                    "body": "Good news for the families waiting in Haditha."}),
            None,
        )
        .await;
    assert_eq!(comment.status, 201, "{}", comment.text());
    let comment = comment.json();
    assert_eq!(comment["status"], "pending");
    app.get(&path, None).await.ok();
    list(&app, "", None).await;
    let statements = app.statements();
    assert_eq!(app.get(&path, None).await.ok()["comment_count"], 0);
    assert_eq!(list(&app, "", None).await["data"][0]["comment_count"], 0);
    assert_eq!(
        app.statements(),
        statements + 2 * app.cache_check(),
        "both answers are cached"
    );

    let res = app
        .patch(
            &format!("/api/v1/comments/{}", comment["id"]),
            &json!({"status": "approved"}),
            Some(&editor),
        )
        .await;
    assert_eq!(res.ok()["status"], "approved");

    assert_eq!(app.get(&path, None).await.ok()["comment_count"], 1);
    assert_eq!(list(&app, "", None).await["data"][0]["comment_count"], 1);
}

crate::both_backends!(unknown_and_repeated_query_parameters_are_422_naming_them);
/// A query parameter the operation does not take is a 422 naming it (`?limit=2` once
/// returned 20 items, `?tags=x` everything), and so is one given twice; what the OpenAPI
/// document lists for the operation is what it takes.
async fn unknown_and_repeated_query_parameters_are_422_naming_them() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let res = app
        .get("/api/v1/articles?limit=2&per_page=5&tags=x&limit=3", None)
        .await;
    assert_eq!(res.invalid_fields(), ["limit", "tags"]);
    let p = res.problem(422);
    let message = p["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("per_page"), "{message}");
    assert_eq!(
        res.header("content-type").unwrap(),
        "application/problem+json"
    );
    assert_eq!(
        app.get("/api/v1/articles?tag=a&tag=b", None)
            .await
            .invalid_fields(),
        ["tag"]
    );
    // The same for every method, HEAD included, and for writes.
    let head = send(
        app.request(Method::HEAD, "/api/v1/articles?limit=2", None),
        None,
    )
    .await;
    assert_eq!(head.status, 422);
    let res = app
        .post(
            "/api/v1/articles?draft=1",
            &json!({"title": "Checkpoint reopens"}),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["draft"]);
    assert_eq!(
        app.get("/healthz?verbose=1", None).await.invalid_fields(),
        ["verbose"]
    );
    // Every parameter the document lists is taken.
    let doc = app.get("/api-docs/openapi.json", None).await.ok();
    let params: Vec<String> = doc["paths"]["/api/v1/articles"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(params.len() > 10, "{params:?}");
    let all = params
        .iter()
        .map(|p| format!("{p}="))
        .collect::<Vec<_>>()
        .join("&");
    let res = app.get(&format!("/api/v1/articles?{all}"), None).await;
    assert!(
        !res.text().contains("is not a query parameter"),
        "{}",
        res.text()
    );
}
