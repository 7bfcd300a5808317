//! The permissions matrix: every operation that writes or reads non-public data, against six
//! callers, each cell the exact status `../shared/docs/API.md` promises.
//!
//! Columns, in this order: anonymous; the owning author (an author-role user whose byline is
//! on the article, or who created the source/tag/image/comment concerned); another author
//! (with a byline of their own); an editor; an admin; a disabled user (an admin who logged
//! in, then was disabled by another admin: their unexpired token must be refused, `401`).
//!
//! Every cell runs against fixtures its row's setup makes afresh, so a delete that succeeds
//! for one caller never decides another caller's answer. The users log in once.
//!
//! The operations come from the live OpenAPI document: one the matrix does not cover and
//! [`PUBLIC`] does not list fails the test, and so does a row or a public entry naming an
//! operation the document lacks.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::future::Future;
use std::io::Cursor;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Instant;

use actix_web::http::Method;
use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::helpers::*;

/// The operations that are public by contract, each with why it needs no row. Everything
/// else in the OpenAPI document must have at least one row in the matrix.
const PUBLIC: &[(&str, &str, &str)] = &[
    (
        "GET",
        "/",
        "the index: fixed links to the docs, the spec and the API root",
    ),
    (
        "GET",
        "/healthz",
        "health check: says only whether the database answers",
    ),
    (
        "POST",
        "/api/v1/auth/login",
        "where a token comes from: the email and password are the credential",
    ),
    (
        "POST",
        "/api/v1/auth/refresh",
        "the refresh token in the body is the credential, not a bearer token",
    ),
    (
        "GET",
        "/api/v1/authors",
        "bylines are public (staff also see `email`: a field, not a status)",
    ),
    (
        "GET",
        "/api/v1/authors/{id_or_slug}",
        "a byline is public (staff also see `email`)",
    ),
    ("GET", "/api/v1/sources", "sources are public"),
    ("GET", "/api/v1/sources/{id_or_slug}", "a source is public"),
    ("GET", "/api/v1/tags", "tags are public"),
    ("GET", "/api/v1/tags/{id_or_slug}", "a tag is public"),
    (
        "GET",
        "/api/v1/images",
        "the media library is public: images have no draft state",
    ),
    ("GET", "/api/v1/images/{id}", "image metadata is public"),
    (
        "GET",
        "/api/v1/images/{id}/file",
        "image bytes are public and immutable (`Cache-Control: public`)",
    ),
    (
        "GET",
        "/feeds/{file}",
        "the site's feed: public articles only, the same for every caller",
    ),
    (
        "GET",
        "/feeds/{subject}/{slug}/{file}",
        "a tag's, author's or source's feed: public articles only, the same for every caller",
    ),
    (
        "GET",
        "/api/v1/previews/{token}",
        "a preview: whoever holds a live token reads the article; the token is the credential",
    ),
    (
        "GET",
        "/sitemap.xml",
        "the sitemap index: public articles only, the same for every caller",
    ),
    (
        "GET",
        "/sitemaps/{kind}-{page}.xml",
        "a paged sitemap of articles, tags, authors or sources: public only, the same for every caller",
    ),
    (
        "GET",
        "/api/v1/corrections",
        "corrections are public notes: those of public articles, the same for every caller",
    ),
    (
        "GET",
        "/api/v1/corrections/{id}",
        "a correction of a public article is public (staff who may read the article see it always)",
    ),
    (
        "GET",
        "/sitemap-news.xml",
        "the news sitemap: public articles only, the same for every caller",
    ),
];

/// The callers, in column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Owner,
    OtherAuthor,
    Editor,
    Admin,
    Disabled,
}

const CALLERS: [Caller; 6] = [
    Caller::Anonymous,
    Caller::Owner,
    Caller::OtherAuthor,
    Caller::Editor,
    Caller::Admin,
    Caller::Disabled,
];

impl Caller {
    fn name(self) -> &'static str {
        match self {
            Self::Anonymous => "anonymous",
            Self::Owner => "owning author",
            Self::OtherAuthor => "other author",
            Self::Editor => "editor",
            Self::Admin => "admin",
            Self::Disabled => "disabled user",
        }
    }
}

/// A request body.
enum Body {
    None,
    Json(Value),
    /// A `multipart/form-data` body with [`BOUNDARY`].
    Multipart(Vec<u8>),
}

/// What a row's setup made for one cell: the value of the path's parameter (if it has one)
/// and the body to send.
struct Target {
    id: Option<String>,
    body: Body,
}

fn at(id: impl ToString, body: Body) -> Target {
    Target {
        id: Some(id.to_string()),
        body,
    }
}

fn bare(body: Body) -> Target {
    Target { id: None, body }
}

type Setup = fn(Rc<Ctx>) -> Pin<Box<dyn Future<Output = Target>>>;

fn boxed(f: impl Future<Output = Target> + 'static) -> Pin<Box<dyn Future<Output = Target>>> {
    Box::pin(f)
}

/// One operation in one situation, with the status each caller must get.
struct Row {
    method: Method,
    /// The OpenAPI path template.
    path: &'static str,
    /// Appended to the concrete path.
    query: &'static str,
    /// The situation, for the failure report.
    case: &'static str,
    /// Anonymous, owning author, other author, editor, admin, disabled user.
    expect: [u16; 6],
    setup: Setup,
}

fn row(
    method: Method,
    path: &'static str,
    case: &'static str,
    expect: [u16; 6],
    setup: Setup,
) -> Row {
    Row {
        method,
        path,
        query: "",
        case,
        expect,
        setup,
    }
}

/// A staff member made for the matrix.
struct Staff {
    id: i64,
    token: String,
    /// Their byline (`author_id`).
    byline: i64,
}

/// The app and its users, made once and shared by every cell.
struct Ctx {
    app: TestApp,
    admin: String,
    owner: Staff,
    /// The other author's token (they have a byline of their own).
    other: String,
    editor: String,
    disabled: String,
}

impl Ctx {
    fn token(&self, caller: Caller) -> Option<&str> {
        match caller {
            Caller::Anonymous => None,
            Caller::Owner => Some(&self.owner.token),
            Caller::OtherAuthor => Some(&self.other),
            Caller::Editor => Some(&self.editor),
            Caller::Admin => Some(&self.admin),
            Caller::Disabled => Some(&self.disabled),
        }
    }

    /// A fresh article of `status` with the owner (alone) on its byline, made by the admin;
    /// returns its id.
    async fn article(&self, status: &str) -> i64 {
        let mut body = json!({
            "title": format!("Matrix {status} story {}", unique()),
            "status": status,
            "author_ids": [self.owner.byline],
        });
        if status == "scheduled" {
            let later = Utc::now() + Duration::days(30);
            body["published_at"] = json!(later.to_rfc3339_opts(SecondsFormat::Secs, true));
        }
        let a = self.app.create("/api/v1/articles", body, &self.admin).await;
        assert_eq!(a["status"], status, "{a}");
        a["id"].as_i64().expect("article id")
    }

    /// A fresh comment by the owner on a fresh published article of theirs; returns its id.
    async fn owners_comment(&self) -> i64 {
        let article = self.article("published").await;
        let c = self
            .app
            .create(
                &format!("/api/v1/articles/{article}/comments"),
                json!({"body": format!("A comment to moderate, no. {}.", unique())}),
                &self.owner.token,
            )
            .await;
        c["id"].as_i64().expect("comment id")
    }

    /// A fresh image the owner uploaded; returns its id.
    async fn owners_image(&self) -> i64 {
        let req = self
            .app
            .request(Method::POST, "/api/v1/images", Some(&self.owner.token))
            .content_type(format!("multipart/form-data; boundary={BOUNDARY}"));
        let res = send_raw(req, upload_form()).await;
        assert_eq!(res.status, 201, "upload: {}", res.text());
        res.json()["id"].as_i64().expect("image id")
    }

    /// A fresh source or tag (`collection`) the owner created; returns its id.
    async fn owners(&self, collection: &str) -> i64 {
        let made = self
            .app
            .create(
                &format!("/api/v1/{collection}"),
                json!({"name": format!("Matrix {collection} {}", unique())}),
                &self.owner.token,
            )
            .await;
        made["id"].as_i64().expect("id")
    }

    /// A fresh source or tag the owner created, on a fresh published article of theirs;
    /// returns its id.
    async fn owners_in_use(&self, collection: &str) -> i64 {
        let id = self.owners(collection).await;
        let article = self.article("draft").await;
        let link = if collection == "tags" {
            "tag_ids"
        } else {
            "source_ids"
        };
        self.app
            .patch(
                &format!("/api/v1/articles/{article}"),
                &json!({ link: [id], "status": "published" }),
                Some(&self.admin),
            )
            .await
            .ok();
        id
    }

    /// A fresh byline no article uses, made by the admin; returns its id.
    async fn spare_byline(&self) -> i64 {
        byline(&self.app, &self.admin).await
    }

    /// A fresh author-role account, made by the admin; returns its id.
    async fn spare_user(&self) -> i64 {
        let res = self
            .app
            .post("/api/v1/users", &new_user(), Some(&self.admin))
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()["id"].as_i64().expect("user id")
    }

    /// A fresh webhook endpoint, made by the admin; returns its id.
    async fn webhook(&self) -> i64 {
        let res = self
            .app
            .post(
                "/api/v1/webhooks",
                &json!({"url": "https://hooks.example.com/matrix"}),
                Some(&self.admin),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()["id"].as_i64().expect("webhook id")
    }

    /// A fresh endpoint with one delivery (a ping): `endpoint/delivery`.
    async fn webhook_delivery(&self) -> String {
        let id = self.webhook().await;
        let res = self
            .app
            .post(
                &format!("/api/v1/webhooks/{id}/ping"),
                &json!({}),
                Some(&self.admin),
            )
            .await;
        assert_eq!(res.status, 202, "{}", res.text());
        format!("{id}/{}", res.json()["id"])
    }
}

fn new_user() -> Value {
    json!({
        "email": format!("matrix-{}@dateline.test", unique()),
        "role": "author",
        "password": PASSWORD,
    })
}

fn reader_comment() -> Value {
    json!({
        "author_name": "Ahmed from Ramadi",
        "author_email": "ahmed@example.com",
        "body": format!("Thank you for this report, no. {}.", unique()),
    })
}

const BOUNDARY: &str = "dateline-permissions-matrix-boundary";

/// An upload form holding a small PNG (its pixels differ from one call to the next).
fn upload_form() -> Vec<u8> {
    let shade = (unique() % 251) as u8;
    let picture = image::RgbImage::from_fn(8, 8, |x, y| {
        image::Rgb([shade, (x * 30) as u8, (y * 30) as u8])
    });
    let mut png = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let mut form = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"matrix.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    form.extend_from_slice(&png.into_inner());
    form.extend_from_slice(
        format!(
            "\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nA test card\r\n\
             --{BOUNDARY}--\r\n"
        )
        .as_bytes(),
    );
    form
}

/// A fresh byline made with `token`; returns its id.
async fn byline(app: &TestApp, token: &str) -> i64 {
    let a = app
        .create(
            "/api/v1/authors",
            json!({"name": format!("Matrix Byline {}", unique())}),
            token,
        )
        .await;
    a["id"].as_i64().expect("author id")
}

/// Creates a staff account as the admin and logs it in once: `(user id, access token)`.
async fn staff(app: &TestApp, admin: &str, role: &str, author_id: Option<i64>) -> (i64, String) {
    let email = format!("matrix-{role}-{}@dateline.test", unique());
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": email, "role": role, "password": PASSWORD, "author_id": author_id}),
            Some(admin),
        )
        .await;
    assert_eq!(res.status, 201, "creating {email}: {}", res.text());
    let id = res.json()["id"].as_i64().expect("user id");
    (id, access(&app.login(&email, PASSWORD).await))
}

/// The app, with its users made and logged in once.
async fn world() -> Ctx {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let owner_byline = byline(&app, &admin).await;
    let (owner_id, owner) = staff(&app, &admin, "author", Some(owner_byline)).await;
    let other_byline = byline(&app, &admin).await;
    let (_, other) = staff(&app, &admin, "author", Some(other_byline)).await;
    let (_, editor) = staff(&app, &admin, "editor", None).await;
    // An admin, so that nothing but the disabling can explain a refusal.
    let (disabled_id, disabled) = staff(&app, &admin, "admin", None).await;
    let res = app
        .patch(
            &format!("/api/v1/users/{disabled_id}"),
            &json!({"disabled": true}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, 200, "disabling: {}", res.text());
    Ctx {
        app,
        admin,
        owner: Staff {
            id: owner_id,
            token: owner,
            byline: owner_byline,
        },
        other,
        editor,
        disabled,
    }
}

/// The matrix. Columns: anonymous, owning author, other author, editor, admin, disabled user.
fn rows() -> Vec<Row> {
    use Method as M;
    vec![
        // ---- Articles ----
        // API.md: staff may ask `status=draft|…` "within their role"; it is silent on an
        // anonymous caller asking for drafts. The server answers 401 (the question needs a
        // token), which is what a client can act on: kept.
        Row {
            query: "?status=draft",
            ..row(
                M::GET,
                "/api/v1/articles",
                "list drafts (status=draft)",
                [401, 200, 200, 200, 200, 401],
                |_| boxed(async { bare(Body::None) }),
            )
        },
        row(
            M::POST,
            "/api/v1/articles",
            "create a draft",
            [401, 201, 201, 201, 201, 401],
            |_| {
                boxed(async {
                    bare(Body::Json(
                        json!({"title": format!("Matrix new draft {}", unique())}),
                    ))
                })
            },
        ),
        row(
            M::POST,
            "/api/v1/articles",
            "create it published (authors: drafts only)",
            [401, 403, 403, 201, 201, 401],
            |cx| {
                boxed(async move {
                    bare(Body::Json(json!({
                        "title": format!("Matrix new story {}", unique()),
                        "status": "published",
                        "author_ids": [cx.owner.byline],
                    })))
                })
            },
        ),
        row(
            M::GET,
            "/api/v1/articles/{id_or_slug}",
            "the owner's draft",
            [404, 200, 404, 200, 200, 401],
            |cx| boxed(async move { at(cx.article("draft").await, Body::None) }),
        ),
        row(
            M::GET,
            "/api/v1/articles/{id_or_slug}",
            "the owner's scheduled article (not due)",
            [404, 200, 404, 200, 200, 401],
            |cx| boxed(async move { at(cx.article("scheduled").await, Body::None) }),
        ),
        row(
            M::GET,
            "/api/v1/articles/{id_or_slug}",
            "the owner's archived article",
            [404, 200, 404, 200, 200, 401],
            |cx| boxed(async move { at(cx.article("archived").await, Body::None) }),
        ),
        row(
            M::PATCH,
            "/api/v1/articles/{id_or_slug}",
            "retitle the owner's draft",
            [401, 200, 404, 200, 200, 401],
            |cx| {
                boxed(async move {
                    at(
                        cx.article("draft").await,
                        Body::Json(json!({"title": "Retitled by the matrix"})),
                    )
                })
            },
        ),
        row(
            M::PATCH,
            "/api/v1/articles/{id_or_slug}",
            "publish the owner's draft",
            [401, 403, 404, 200, 200, 401],
            |cx| {
                boxed(async move {
                    at(
                        cx.article("draft").await,
                        Body::Json(json!({"status": "published"})),
                    )
                })
            },
        ),
        row(
            M::PATCH,
            "/api/v1/articles/{id_or_slug}",
            "schedule the owner's draft",
            [401, 403, 404, 200, 200, 401],
            |cx| {
                boxed(async move {
                    let later = Utc::now() + Duration::days(7);
                    at(
                        cx.article("draft").await,
                        Body::Json(json!({
                            "status": "scheduled",
                            "published_at": later.to_rfc3339_opts(SecondsFormat::Secs, true),
                        })),
                    )
                })
            },
        ),
        row(
            M::PATCH,
            "/api/v1/articles/{id_or_slug}",
            "archive the owner's draft",
            [401, 403, 404, 200, 200, 401],
            |cx| {
                boxed(async move {
                    at(
                        cx.article("draft").await,
                        Body::Json(json!({"status": "archived"})),
                    )
                })
            },
        ),
        row(
            M::PATCH,
            "/api/v1/articles/{id_or_slug}",
            "retitle the owner's published article",
            [401, 403, 403, 200, 200, 401],
            |cx| {
                boxed(async move {
                    at(
                        cx.article("published").await,
                        Body::Json(json!({"title": "Retitled by the matrix"})),
                    )
                })
            },
        ),
        row(
            M::DELETE,
            "/api/v1/articles/{id_or_slug}",
            "the owner's draft",
            [401, 204, 404, 204, 204, 401],
            |cx| boxed(async move { at(cx.article("draft").await, Body::None) }),
        ),
        row(
            M::DELETE,
            "/api/v1/articles/{id_or_slug}",
            "the owner's published article",
            [401, 403, 403, 204, 204, 401],
            |cx| boxed(async move { at(cx.article("published").await, Body::None) }),
        ),
        // ---- Comments ----
        row(
            M::GET,
            "/api/v1/articles/{id_or_slug}/comments",
            "comments of the owner's draft",
            [404, 200, 404, 200, 200, 401],
            |cx| boxed(async move { at(cx.article("draft").await, Body::None) }),
        ),
        // API.md: an article the caller may not read is a 404 "as for GET". It does not say
        // what staff who may read a draft get; the server says 403 ("comments are open only
        // on published articles"), as for a public article with comments closed: kept.
        row(
            M::POST,
            "/api/v1/articles/{id_or_slug}/comments",
            "comment on the owner's draft",
            [404, 403, 404, 403, 403, 401],
            |cx| boxed(async move { at(cx.article("draft").await, Body::Json(reader_comment())) }),
        ),
        row(
            M::POST,
            "/api/v1/articles/{id_or_slug}/comments",
            "comment on a published article (public)",
            [201, 201, 201, 201, 201, 401],
            |cx| {
                boxed(
                    async move { at(cx.article("published").await, Body::Json(reader_comment())) },
                )
            },
        ),
        row(
            M::GET,
            "/api/v1/comments",
            "the moderation queue",
            [401, 403, 403, 200, 200, 401],
            |_| boxed(async { bare(Body::None) }),
        ),
        row(
            M::GET,
            "/api/v1/comments/{id}",
            "the owner's comment on their article",
            [401, 403, 403, 200, 200, 401],
            |cx| boxed(async move { at(cx.owners_comment().await, Body::None) }),
        ),
        row(
            M::PATCH,
            "/api/v1/comments/{id}",
            "reject the owner's comment",
            [401, 403, 403, 200, 200, 401],
            |cx| {
                boxed(async move {
                    at(
                        cx.owners_comment().await,
                        Body::Json(json!({"status": "rejected"})),
                    )
                })
            },
        ),
        row(
            M::DELETE,
            "/api/v1/comments/{id}",
            "the owner's comment",
            [401, 403, 403, 204, 204, 401],
            |cx| boxed(async move { at(cx.owners_comment().await, Body::None) }),
        ),
        // ---- Images ----
        row(
            M::POST,
            "/api/v1/images",
            "upload",
            [401, 201, 201, 201, 201, 401],
            |_| boxed(async { bare(Body::Multipart(upload_form())) }),
        ),
        row(
            M::PATCH,
            "/api/v1/images/{id}",
            "the owner's upload",
            [401, 200, 403, 200, 200, 401],
            |cx| {
                boxed(async move {
                    at(
                        cx.owners_image().await,
                        Body::Json(json!({"caption": "Recaptioned by the matrix"})),
                    )
                })
            },
        ),
        row(
            M::DELETE,
            "/api/v1/images/{id}",
            "the owner's unused upload",
            [401, 204, 403, 204, 204, 401],
            |cx| boxed(async move { at(cx.owners_image().await, Body::None) }),
        ),
        // ---- Authors (bylines) ----
        // API.md's role table lets authors create articles, sources and tags and upload
        // images, not bylines: 403 for them.
        row(
            M::POST,
            "/api/v1/authors",
            "create a byline",
            [401, 403, 403, 201, 201, 401],
            |_| {
                boxed(async {
                    bare(Body::Json(
                        json!({"name": format!("Matrix New Byline {}", unique())}),
                    ))
                })
            },
        ),
        // An author cannot create a byline, so "what they created" is never a byline: the
        // owning author here is the one whose own byline it is, and still gets 403.
        row(
            M::PATCH,
            "/api/v1/authors/{id_or_slug}",
            "the owner's own byline",
            [401, 403, 403, 200, 200, 401],
            |cx| {
                boxed(async move {
                    at(
                        cx.owner.byline,
                        Body::Json(json!({"bio": "Rewritten by the matrix."})),
                    )
                })
            },
        ),
        row(
            M::DELETE,
            "/api/v1/authors/{id_or_slug}",
            "an unused byline the admin made",
            [401, 403, 403, 204, 204, 401],
            |cx| boxed(async move { at(cx.spare_byline().await, Body::None) }),
        ),
        // ---- Sources ----
        row(
            M::POST,
            "/api/v1/sources",
            "create",
            [401, 201, 201, 201, 201, 401],
            |_| {
                boxed(async {
                    bare(Body::Json(
                        json!({"name": format!("Matrix New Source {}", unique()), "kind": "agency"}),
                    ))
                })
            },
        ),
        row(
            M::PATCH,
            "/api/v1/sources/{id_or_slug}",
            "an unused source the owner made",
            [401, 200, 403, 200, 200, 401],
            |cx| {
                boxed(async move {
                    at(
                        cx.owners("sources").await,
                        Body::Json(json!({"description": "Edited by the matrix."})),
                    )
                })
            },
        ),
        row(
            M::DELETE,
            "/api/v1/sources/{id_or_slug}",
            "an unused source the owner made",
            [401, 204, 403, 204, 204, 401],
            |cx| boxed(async move { at(cx.owners("sources").await, Body::None) }),
        ),
        // ---- Tags ----
        row(
            M::POST,
            "/api/v1/tags",
            "create",
            [401, 201, 201, 201, 201, 401],
            |_| {
                boxed(async {
                    bare(Body::Json(
                        json!({"name": format!("Matrix New Tag {}", unique())}),
                    ))
                })
            },
        ),
        row(
            M::PATCH,
            "/api/v1/tags/{id_or_slug}",
            "an unused tag the owner made",
            [401, 200, 403, 200, 200, 401],
            |cx| {
                boxed(async move {
                    at(
                        cx.owners("tags").await,
                        Body::Json(json!({"description": "Edited by the matrix."})),
                    )
                })
            },
        ),
        row(
            M::DELETE,
            "/api/v1/tags/{id_or_slug}",
            "an unused tag the owner made",
            [401, 204, 403, 204, 204, 401],
            |cx| boxed(async move { at(cx.owners("tags").await, Body::None) }),
        ),
        // A stricter rule than API.md's table spells out (`catalog::require_edit`): an author
        // may not rename or delete what they made once a published story uses it, since that
        // would change the story; an editor must.
        row(
            M::PATCH,
            "/api/v1/tags/{id_or_slug}",
            "a tag the owner made, on a published article",
            [401, 403, 403, 200, 200, 401],
            |cx| {
                boxed(async move {
                    at(
                        cx.owners_in_use("tags").await,
                        Body::Json(json!({"description": "Edited by the matrix."})),
                    )
                })
            },
        ),
        row(
            M::DELETE,
            "/api/v1/sources/{id_or_slug}",
            "a source the owner made, on a published article",
            [401, 403, 403, 204, 204, 401],
            |cx| boxed(async move { at(cx.owners_in_use("sources").await, Body::None) }),
        ),
        // ---- Previews ----
        row(
            M::POST,
            "/api/v1/articles/{id_or_slug}/previews",
            "preview the owner's draft",
            [401, 201, 404, 201, 201, 401],
            |cx| boxed(async move { at(cx.article("draft").await, Body::Json(json!({}))) }),
        ),
        row(
            M::POST,
            "/api/v1/articles/{id_or_slug}/previews",
            "preview a published article (authors: drafts only)",
            [401, 403, 403, 201, 201, 401],
            |cx| boxed(async move { at(cx.article("published").await, Body::Json(json!({}))) }),
        ),
        row(
            M::GET,
            "/api/v1/articles/{id_or_slug}/previews",
            "list the owner's draft's preview links",
            [401, 200, 404, 200, 200, 401],
            |cx| boxed(async move { at(cx.article("draft").await, Body::None) }),
        ),
        row(
            M::DELETE,
            "/api/v1/articles/{id_or_slug}/previews/{preview}",
            "revoke a preview link of the owner's draft",
            [401, 204, 404, 204, 204, 401],
            |cx| {
                boxed(async move {
                    let id = cx.article("draft").await;
                    let res = cx
                        .app
                        .post(
                            &format!("/api/v1/articles/{id}/previews"),
                            &json!({}),
                            Some(&cx.admin),
                        )
                        .await;
                    assert_eq!(res.status, 201, "{}", res.text());
                    let preview = res.json()["id"].as_str().expect("preview id").to_owned();
                    at(format!("{id}/{preview}"), Body::None)
                })
            },
        ),
        // ---- Redirects (old slugs) ----
        row(
            M::GET,
            "/api/v1/redirects",
            "list old slugs (staff; authors see those of public articles and their own)",
            [401, 200, 200, 200, 200, 401],
            |_| boxed(async { bare(Body::None) }),
        ),
        // ---- Revisions (staff who may edit the article) ----
        row(
            M::GET,
            "/api/v1/articles/{id_or_slug}/revisions",
            "the owner's draft's revisions",
            [401, 200, 404, 200, 200, 401],
            |cx| boxed(async move { at(cx.article("draft").await, Body::None) }),
        ),
        row(
            M::GET,
            "/api/v1/articles/{id_or_slug}/revisions/{n}",
            "the owner's draft's first revision",
            [401, 200, 404, 200, 200, 401],
            |cx| boxed(async move { at(format!("{}/1", cx.article("draft").await), Body::None) }),
        ),
        row(
            M::GET,
            "/api/v1/articles/{id_or_slug}/revisions",
            "a published article's revisions (authors: drafts only)",
            [401, 403, 403, 200, 200, 401],
            |cx| boxed(async move { at(cx.article("published").await, Body::None) }),
        ),
        row(
            M::POST,
            "/api/v1/articles/{id_or_slug}/revisions/{n}/restore",
            "restore the owner's draft's first revision",
            [401, 201, 404, 201, 201, 401],
            |cx| boxed(async move { at(format!("{}/1", cx.article("draft").await), Body::None) }),
        ),
        // ---- Corrections (editors) ----
        row(
            M::POST,
            "/api/v1/articles/{id_or_slug}/corrections",
            "correct the owner's published article",
            [401, 403, 403, 201, 201, 401],
            |cx| {
                boxed(async move {
                    at(
                        cx.article("published").await,
                        Body::Json(
                            json!({"kind": "correction", "note": "The toll was 14, not 12."}),
                        ),
                    )
                })
            },
        ),
        row(
            M::PATCH,
            "/api/v1/articles/{id_or_slug}/corrections/{id}",
            "amend a correction of the owner's published article",
            [401, 403, 403, 200, 200, 401],
            |cx| {
                boxed(async move {
                    let article = cx.article("published").await;
                    let c = cx
                        .app
                        .create(
                            &format!("/api/v1/articles/{article}/corrections"),
                            json!({"kind": "update", "note": "The road reopened."}),
                            &cx.admin,
                        )
                        .await;
                    at(
                        format!("{article}/{}", c["id"]),
                        Body::Json(
                            json!({"note": "The road reopened on Friday.", "reason": "Added the day."}),
                        ),
                    )
                })
            },
        ),
        // ---- Webhooks (admin only) ----
        row(
            M::GET,
            "/api/v1/webhooks",
            "list endpoints",
            [401, 403, 403, 403, 200, 401],
            |_| boxed(async { bare(Body::None) }),
        ),
        row(
            M::POST,
            "/api/v1/webhooks",
            "create an endpoint",
            [401, 403, 403, 403, 201, 401],
            |_| boxed(async { bare(Body::Json(json!({"url": "https://hooks.example.com/new"}))) }),
        ),
        row(
            M::GET,
            "/api/v1/webhooks/{id}",
            "an endpoint",
            [401, 403, 403, 403, 200, 401],
            |cx| boxed(async move { at(cx.webhook().await, Body::None) }),
        ),
        row(
            M::PATCH,
            "/api/v1/webhooks/{id}",
            "describe an endpoint",
            [401, 403, 403, 403, 200, 401],
            |cx| {
                boxed(async move {
                    at(
                        cx.webhook().await,
                        Body::Json(json!({"description": "Edited by the matrix"})),
                    )
                })
            },
        ),
        row(
            M::DELETE,
            "/api/v1/webhooks/{id}",
            "an endpoint",
            [401, 403, 403, 403, 204, 401],
            |cx| boxed(async move { at(cx.webhook().await, Body::None) }),
        ),
        row(
            M::GET,
            "/api/v1/webhooks/{id}/deliveries",
            "an endpoint's delivery log",
            [401, 403, 403, 403, 200, 401],
            |cx| boxed(async move { at(cx.webhook().await, Body::None) }),
        ),
        row(
            M::GET,
            "/api/v1/webhooks/{id}/deliveries/{delivery_id}",
            "one delivery",
            [401, 403, 403, 403, 200, 401],
            |cx| boxed(async move { at(cx.webhook_delivery().await, Body::None) }),
        ),
        row(
            M::POST,
            "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
            "send a delivery again",
            [401, 403, 403, 403, 202, 401],
            |cx| boxed(async move { at(cx.webhook_delivery().await, Body::None) }),
        ),
        row(
            M::POST,
            "/api/v1/webhooks/{id}/ping",
            "ping an endpoint",
            [401, 403, 403, 403, 202, 401],
            |cx| boxed(async move { at(cx.webhook().await, Body::None) }),
        ),
        // ---- Users (admin only) ----
        row(
            M::GET,
            "/api/v1/users",
            "list accounts",
            [401, 403, 403, 403, 200, 401],
            |_| boxed(async { bare(Body::None) }),
        ),
        row(
            M::POST,
            "/api/v1/users",
            "create an account",
            [401, 403, 403, 403, 201, 401],
            |_| boxed(async { bare(Body::Json(new_user())) }),
        ),
        row(
            M::GET,
            "/api/v1/users/{id}",
            "the owner's own account",
            [401, 403, 403, 403, 200, 401],
            |cx| boxed(async move { at(cx.owner.id, Body::None) }),
        ),
        // A role "change" to the role the owner has: refused to all but the admin, and
        // harmless to the rest of the matrix when it is not.
        row(
            M::PATCH,
            "/api/v1/users/{id}",
            "set the owner's own role",
            [401, 403, 403, 403, 200, 401],
            |cx| {
                boxed(async move {
                    at(
                        cx.owner.id,
                        Body::Json(json!({"role": "author", "display_name": "Matrix owner"})),
                    )
                })
            },
        ),
        row(
            M::DELETE,
            "/api/v1/users/{id}",
            "another author's account",
            [401, 403, 403, 403, 204, 401],
            |cx| boxed(async move { at(cx.spare_user().await, Body::None) }),
        ),
        // ---- Auth ----
        row(
            M::GET,
            "/api/v1/auth/me",
            "the caller's account",
            [401, 200, 200, 200, 200, 401],
            |_| boxed(async { bare(Body::None) }),
        ),
        // Last: logging out ends each caller's session, and the admin's token also makes the
        // fixtures of the rows above.
        row(
            M::POST,
            "/api/v1/auth/logout",
            "end the caller's session",
            [401, 204, 204, 204, 204, 401],
            |_| boxed(async { bare(Body::None) }),
        ),
    ]
}

/// `template` with its one parameter replaced by `id`.
/// The path of `template` with its parameters filled: `id` holds one value per parameter,
/// `/`-separated (`42/abc` for `/articles/{id_or_slug}/previews/{preview}`).
fn fill(template: &str, id: Option<&str>) -> String {
    let Some(id) = id else {
        assert!(
            !template.contains('{'),
            "{template}: a setup gives an id exactly when the path has a parameter"
        );
        return template.to_owned();
    };
    let mut out = template.to_owned();
    for value in id.split('/') {
        let start = out.find('{').expect("a parameter for every value");
        let end = start + out[start..].find('}').expect("closing brace");
        out = format!("{}{value}{}", &out[..start], &out[end + 1..]);
    }
    assert!(
        !out.contains('{'),
        "{template}: a value for every parameter"
    );
    out
}

/// Sends one cell's request.
async fn send_as(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Body,
) -> Resp {
    let req = app.request(method, path, token);
    match body {
        Body::None => send(req, None).await,
        Body::Json(value) => send(req, Some(&value)).await,
        Body::Multipart(form) => {
            let req = req.content_type(format!("multipart/form-data; boundary={BOUNDARY}"));
            send_raw(req, form).await
        }
    }
}

/// The operations of the live OpenAPI document: `(METHOD, path template)`.
async fn documented(app: &TestApp) -> BTreeSet<(String, String)> {
    let doc = app.get(dateline::openapi::OPENAPI_PATH, None).await.ok();
    let paths = doc["paths"].as_object().expect("the document's paths");
    let mut ops = BTreeSet::new();
    for (path, item) in paths {
        for method in item.as_object().expect("a path item").keys() {
            if matches!(
                method.as_str(),
                "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
            ) {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

/// What is wrong with the coverage: operations with neither a row nor a public entry, rows
/// and public entries naming operations the document lacks, operations in both lists.
fn coverage(documented: &BTreeSet<(String, String)>, rows: &[Row]) -> Vec<String> {
    let op = |m: &str, p: &str| (m.to_owned(), p.to_owned());
    let in_matrix: BTreeSet<(String, String)> =
        rows.iter().map(|r| op(r.method.as_str(), r.path)).collect();
    let public: BTreeSet<(String, String)> = PUBLIC.iter().map(|(m, p, _)| op(m, p)).collect();
    let mut problems = Vec::new();
    for (m, p) in documented {
        let key = op(m, p);
        if !in_matrix.contains(&key) && !public.contains(&key) {
            problems.push(format!(
                "{m} {p}: documented, but has no row in the matrix and is not in PUBLIC"
            ));
        }
    }
    for (m, p) in &in_matrix {
        if !documented.contains(&op(m, p)) {
            problems.push(format!(
                "{m} {p}: has matrix rows, but the OpenAPI document has no such operation"
            ));
        }
        if public.contains(&op(m, p)) {
            problems.push(format!(
                "{m} {p}: both in the matrix and in PUBLIC; keep one"
            ));
        }
    }
    for (m, p) in &public {
        if !documented.contains(&op(m, p)) {
            problems.push(format!(
                "{m} {p}: listed in PUBLIC, but the OpenAPI document has no such operation"
            ));
        }
    }
    problems
}

/// One cell whose answer is not the contract's.
struct Mismatch {
    method: Method,
    template: &'static str,
    case: &'static str,
    caller: Caller,
    path: String,
    expected: u16,
    got: String,
    body: String,
}

fn report(mismatches: &[Mismatch], cells: usize) -> String {
    let mut out = format!(
        "{} of {cells} cells differ from API.md:\n{:<7} {:<42} {:<44} {:<14} {:>4} {:<24} {:<24} body\n",
        mismatches.len(),
        "method",
        "path",
        "case",
        "caller",
        "want",
        "got",
        "request"
    );
    for m in mismatches {
        let _ = writeln!(
            out,
            "{:<7} {:<42} {:<44} {:<14} {:>4} {:<24} {:<24} {}",
            m.method.as_str(),
            m.template,
            m.case,
            m.caller.name(),
            m.expected,
            m.got,
            m.path,
            m.body
        );
    }
    out
}

fn snippet(res: &Resp) -> String {
    let text = res.text().replace('\n', " ");
    match text.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

crate::both_backends!(every_operation_answers_each_caller_as_the_contract_says);
async fn every_operation_answers_each_caller_as_the_contract_says() {
    let started = Instant::now();
    let cx = Rc::new(world().await);
    let rows = rows();
    let coverage = coverage(&documented(&cx.app).await, &rows);

    let mut mismatches = Vec::new();
    let mut cells = 0;
    for row in &rows {
        for (column, caller) in CALLERS.into_iter().enumerate() {
            let target = (row.setup)(cx.clone()).await;
            let path = format!("{}{}", fill(row.path, target.id.as_deref()), row.query);
            let res = send_as(
                &cx.app,
                row.method.clone(),
                &path,
                cx.token(caller),
                target.body,
            )
            .await;
            cells += 1;
            let expected = row.expect[column];
            let got = res.status.as_u16();
            // API.md: a 401 carries `WWW-Authenticate: Bearer`.
            let challenge = res
                .header("www-authenticate")
                .is_some_and(|h| h.starts_with("Bearer"));
            let got = if got != expected {
                got.to_string()
            } else if got == 401 && !challenge {
                "401 w/o WWW-Authenticate".to_owned()
            } else {
                continue;
            };
            mismatches.push(Mismatch {
                method: row.method.clone(),
                template: row.path,
                case: row.case,
                caller,
                path,
                expected,
                got,
                body: snippet(&res),
            });
        }
    }
    let operations = rows
        .iter()
        .map(|r| (r.method.as_str(), r.path))
        .collect::<BTreeSet<_>>()
        .len();
    eprintln!(
        "permissions matrix: {cells} cells checked ({} rows over {operations} operations; {} \
         public operations listed) in {:.1?}",
        rows.len(),
        PUBLIC.len(),
        started.elapsed()
    );
    let mut failure = String::new();
    if !coverage.is_empty() {
        let _ = writeln!(
            failure,
            "the matrix does not match the OpenAPI document:\n  {}",
            coverage.join("\n  ")
        );
    }
    if !mismatches.is_empty() {
        failure.push_str(&report(&mismatches, cells));
    }
    assert!(failure.is_empty(), "{failure}");
}
