//! What the articles endpoints accept and answer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::articles::models::ArticleRow;
use crate::authors::dto::AuthorView;
use crate::corrections::CorrectionView;
use crate::db::paging::CountMode;
use crate::http::json::{double_option, some};
use crate::images::dto::ImageView;
use crate::site::Site;
use crate::sources::dto::SourceView;
use crate::tags::dto::TagView;

/// Where an article is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    /// Being written; visible to staff within their role.
    Draft,
    /// Waiting for its `published_at`; public from then on, by itself.
    Scheduled,
    /// Public.
    Published,
    /// Withdrawn from the public, kept for the record.
    Archived,
}

impl ArticleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    pub fn from_db(s: &str) -> Self {
        match s {
            "scheduled" => Self::Scheduled,
            "published" => Self::Published,
            "archived" => Self::Archived,
            _ => Self::Draft,
        }
    }

    /// The status readers see at `now`: a scheduled article whose time has come is published.
    pub fn at(row: &ArticleRow, now: chrono::NaiveDateTime) -> Self {
        match Self::from_db(&row.status) {
            Self::Scheduled if row.published_at.is_some_and(|t| t <= now) => Self::Published,
            status => status,
        }
    }
}

/// The ordered ids an article links to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleLinks {
    pub author_ids: Vec<i64>,
    pub tag_ids: Vec<i64>,
    pub source_ids: Vec<i64>,
}

/// A news story.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1,
    "slug": "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14",
    "url": "https://www.iraqinews.example/2017/11/01/iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14/",
    "title": "Iraqi jets strike IS bomb workshop in Qaim, killing 14",
    "subtitle": "Air raid hits a bomb-making site in al-Obaidi ahead of the Anbar offensive",
    "excerpt": "Iraqi fighter jets destroyed a workshop where Islamic State militants rigged explosives in western Anbar, an army source said.",
    "body": "Iraqi fighter jets destroyed a workshop where **Islamic State** militants rigged explosives…",
    "body_html": "<p>Iraqi fighter jets destroyed a workshop where <strong>Islamic State</strong> militants rigged explosives…</p>",
    "dateline": "Qaim",
    "status": "published",
    "published_at": "2017-11-01T09:30:00Z",
    "created_at": "2017-11-01T08:55:00Z",
    "updated_at": "2017-11-01T09:30:00Z",
    "word_count": 412,
    "reading_time_minutes": 3,
    "comments_enabled": true,
    "comment_count": 0,
    "feature_image_id": 7,
    "author_ids": [3],
    "tag_ids": [1, 4],
    "source_ids": [1, 2, 3],
    "corrections": [{
        "id": 4, "article_id": 1, "kind": "clarification",
        "note": "This story was updated to make clear that the toll of 14 comes from an army officer.",
        "created_at": "2017-11-01T12:00:00Z", "updated_at": "2017-11-01T12:00:00Z",
        "amendments": []
    }]
}))]
pub struct ArticleView {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14")]
    pub slug: String,
    /// The story's canonical page on the website (`DATELINE_SITE_URL` +
    /// `DATELINE_ARTICLE_PATH`); `null` without a site URL, or while the path needs a
    /// publication date the article does not have yet.
    #[schema(
        example = "https://www.iraqinews.example/2017/11/01/iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14/"
    )]
    pub url: Option<String>,
    #[schema(example = "Iraqi jets strike IS bomb workshop in Qaim, killing 14")]
    pub title: String,
    pub subtitle: Option<String>,
    /// The summary shown in lists: given, or the first ~200 characters of the body's text.
    pub excerpt: String,
    /// The story in Markdown.
    pub body: String,
    /// The body rendered to HTML and sanitized (no script, no event handlers, no
    /// `javascript:` URLs).
    pub body_html: String,
    /// Where the story was filed.
    #[schema(example = "Qaim")]
    pub dateline: Option<String>,
    /// `published` also for a scheduled article whose time has come.
    pub status: ArticleStatus,
    /// When the story went (or goes) public.
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[schema(example = 412)]
    pub word_count: i32,
    /// At 200 words a minute, rounded up.
    #[schema(example = 3)]
    pub reading_time_minutes: i32,
    /// Whether readers may comment.
    pub comments_enabled: bool,
    /// Approved comments.
    #[schema(example = 0)]
    pub comment_count: i32,
    /// The picture shown with the story.
    #[schema(example = 7)]
    pub feature_image_id: Option<i64>,
    /// The byline, in order.
    #[schema(example = json!([3]))]
    pub author_ids: Vec<i64>,
    #[schema(example = json!([1, 4]))]
    pub tag_ids: Vec<i64>,
    /// The outlets and agencies the story comes from or cites, in order.
    #[schema(example = json!([1, 2, 3]))]
    pub source_ids: Vec<i64>,
    /// Public notes on what was corrected, clarified or updated since publication, newest
    /// first, each with its amendments.
    pub corrections: Vec<CorrectionView>,
    /// With `include=authors`: the byline's authors, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authors: Option<Vec<AuthorView>>,
    /// With `include=tags`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<TagView>>,
    /// With `include=sources`: in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<SourceView>>,
    /// With `include=feature_image`: the image's metadata and `url` (`null` when there is none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ImageView>, nullable)]
    pub feature_image: Option<Option<ImageView>>,
}

impl ArticleView {
    /// The view of a row, with its links, the status as readers see it at `now`, and its
    /// canonical URL on `site`.
    pub fn new(
        row: ArticleRow,
        links: ArticleLinks,
        now: chrono::NaiveDateTime,
        site: &Site,
    ) -> Self {
        let status = ArticleStatus::at(&row, now);
        Self {
            id: row.id,
            url: site.article(row.id, &row.slug, row.published_at),
            slug: row.slug,
            title: row.title,
            subtitle: row.subtitle,
            excerpt: row.excerpt,
            body: row.body,
            body_html: row.body_html,
            dateline: row.dateline,
            status,
            published_at: row.published_at.map(|t| t.and_utc()),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            word_count: row.word_count,
            reading_time_minutes: row.reading_time_minutes,
            comments_enabled: row.comments_enabled,
            comment_count: row.comment_count,
            feature_image_id: row.feature_image_id,
            author_ids: links.author_ids,
            tag_ids: links.tag_ids,
            source_ids: links.source_ids,
            corrections: Vec::new(),
            authors: None,
            tags: None,
            sources: None,
            feature_image: None,
        }
    }
}

/// The fields `fields=` may name.
pub const ARTICLE_FIELDS: &[&str] = &[
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
    "corrections",
];
/// The sort keys of the articles list.
pub const ARTICLE_SORTS: &[&str] = &["published_at", "updated_at", "created_at", "title"];
/// What `include=` may name.
pub const ARTICLE_INCLUDES: &[&str] = &["authors", "tags", "sources", "feature_image"];

/// A new article. Only `title` is required; it starts as a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Iraqi jets strike IS bomb workshop in Qaim, killing 14",
    "dateline": "Qaim",
    "body": "Iraqi fighter jets destroyed a workshop where **Islamic State** militants rigged explosives in western Anbar on Wednesday, an army source told Alsumaria News.",
    "author_ids": [3],
    "tag_ids": [1],
    "source_ids": [1, 2]
}))]
pub struct CreateArticle {
    /// 1–300 characters.
    #[schema(
        min_length = 1,
        max_length = 300,
        example = "Iraqi jets strike IS bomb workshop in Qaim, killing 14"
    )]
    pub title: String,
    /// Derived from the title (transliterated to ASCII) when left out; a taken slug is a `409`.
    #[schema(pattern = "^(?![0-9]+$)[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: Option<String>,
    #[schema(max_length = 300)]
    pub subtitle: Option<String>,
    /// Derived from the body when left out.
    #[schema(min_length = 1, max_length = 1000)]
    pub excerpt: Option<String>,
    /// Markdown, at most 1 MB.
    pub body: Option<String>,
    #[schema(min_length = 1, max_length = 100, example = "Qaim")]
    pub dateline: Option<String>,
    /// `draft` when left out. Authors may only write drafts.
    pub status: Option<ArticleStatus>,
    /// Required for `scheduled` (in the future); defaults to now for `published` (which may
    /// be backdated, not postdated).
    pub published_at: Option<DateTime<Utc>>,
    /// `true` when left out.
    pub comments_enabled: Option<bool>,
    /// The picture shown with the story (an uploaded image's id).
    pub feature_image_id: Option<i64>,
    /// The byline, in order; defaults to the caller's own byline, if they have one. A
    /// published or scheduled article needs at least one author.
    #[schema(max_items = 100)]
    pub author_ids: Option<Vec<i64>>,
    #[schema(max_items = 100)]
    pub tag_ids: Option<Vec<i64>>,
    #[schema(max_items = 100)]
    pub source_ids: Option<Vec<i64>>,
}

/// Changes to an article; absent fields keep their value, `null` clears a nullable field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "published"}))]
pub struct UpdateArticle {
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = String, min_length = 1, max_length = 300)]
    pub title: Option<String>,
    /// Changing a published article's slug changes its URL.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = String, pattern = "^(?![0-9]+$)[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub subtitle: Option<Option<String>>,
    /// `null` goes back to the excerpt derived from the body.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub excerpt: Option<Option<String>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = String)]
    pub body: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub dateline: Option<Option<String>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = ArticleStatus)]
    pub status: Option<ArticleStatus>,
    /// When the story goes public: required (in the future) to schedule; publishing without
    /// it, or with `null`, means now (published articles may be backdated, not postdated).
    /// `null` clears it only on a draft or an archived article.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>, nullable)]
    pub published_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = bool)]
    pub comments_enabled: Option<bool>,
    /// `null` removes the picture.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, nullable)]
    pub feature_image_id: Option<Option<i64>>,
    /// Replaces the byline, in order. A published or scheduled article needs at least one
    /// author.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Vec<i64>, max_items = 100)]
    pub author_ids: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Vec<i64>, max_items = 100)]
    pub tag_ids: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Vec<i64>, max_items = 100)]
    pub source_ids: Option<Vec<i64>>,
}

impl From<CreateArticle> for UpdateArticle {
    /// A new article is a change to an empty one.
    fn from(c: CreateArticle) -> Self {
        Self {
            title: Some(c.title),
            slug: c.slug,
            subtitle: c.subtitle.map(Some),
            excerpt: c.excerpt.map(Some),
            body: c.body,
            dateline: c.dateline.map(Some),
            status: c.status,
            published_at: c.published_at.map(Some),
            comments_enabled: c.comments_enabled,
            feature_image_id: c.feature_image_id.map(Some),
            author_ids: c.author_ids,
            tag_ids: c.tag_ids,
            source_ids: c.source_ids,
        }
    }
}

/// Which articles the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatusFilter {
    Draft,
    Scheduled,
    Published,
    Archived,
    /// Every status (within the caller's role).
    Any,
}

/// Filters, order, fields and embeds of the articles list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleFilters {
    /// `published` (the default: what is public now). Staff may ask for `draft`,
    /// `scheduled` (not yet due), `archived` or `any`; authors see only their own among
    /// those.
    #[param(inline)]
    pub status: Option<StatusFilter>,
    /// Only articles with this author on the byline (slug or id); a comma list (at most 20)
    /// matches any of them.
    #[param(example = "samir-khalil,layla-hassan")]
    pub author: Option<String>,
    /// Only articles filed under this tag (slug or id); a comma list (at most 20) matches any
    /// of them.
    #[param(example = "islamic-state,anbar")]
    pub tag: Option<String>,
    /// Only articles that cite this source (slug or id); a comma list (at most 20) matches
    /// any of them.
    #[param(example = "alsumaria-news,mawazin-news")]
    pub source: Option<String>,
    /// Only articles filed from this place (case-insensitive). One place: a dateline may
    /// hold a comma (`Washington, D.C.`).
    #[param(example = "Qaim")]
    pub dateline: Option<String>,
    /// Only articles published at or after this moment: a date (`2017-11-01`, from midnight
    /// UTC) or an RFC 3339 time (`2017-11-01T08:30:00Z`).
    #[param(value_type = Option<String>, example = "2017-11-01")]
    pub published_after: Option<QueryTime>,
    /// Only articles published before this moment: a date (`2017-12-01`, before its
    /// midnight UTC) or an RFC 3339 time (`2017-12-01T08:30:00+03:00`).
    #[param(value_type = Option<String>, example = "2017-12-01T00:00:00Z")]
    pub published_before: Option<QueryTime>,
    /// Full-text search over title, subtitle, excerpt and body: words match their stems
    /// (`militant` finds `militants`), `"quoted phrases"` match as phrases, `word*` as a
    /// prefix, `-word` excludes. Ranked by relevance unless `sort` is given.
    #[param(example = "militants Qaim")]
    pub q: Option<String>,
    /// Sort keys, comma-separated, `-` for descending: `published_at`, `updated_at`,
    /// `created_at`, `title`. Default `-published_at`.
    #[param(example = "-published_at,title")]
    pub sort: Option<String>,
    /// Sparse fieldset: a comma list of article fields to return. Naming an embedded member
    /// (`authors`, `tags`, `sources`, `feature_image`) embeds it, as `include` does.
    #[param(example = "id,slug,title,published_at")]
    pub fields: Option<String>,
    /// Embed related objects beside the id arrays: a comma list of `authors`, `tags`,
    /// `sources`, `feature_image`.
    #[param(example = "authors,tags")]
    pub include: Option<String>,
    /// Walk the list from here instead of by `page`: an opaque position from
    /// `meta.next_cursor` or `meta.prev_cursor` (or the `Link` header), valid for the same
    /// `sort`. A deep page of a list costs what the first page costs (a search's cursor is a
    /// position in its ranked results, so a deep search page still costs its depth). Not with
    /// `page`.
    pub cursor: Option<String>,
    /// What `total` costs: `exact` counts every match; `estimate` (the default) counts
    /// exactly when that is cheap (the public list, one tag's, author's or source's, or up to
    /// 10,000 matches) and otherwise extrapolates, saying so in `meta.count`; `none` leaves
    /// `total`, `total_pages` and `X-Total-Count` out.
    #[param(inline)]
    pub count: Option<CountMode>,
}

/// Fields and embeds of a single article.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleParams {
    /// Sparse fieldset: a comma list of article fields to return. Naming an embedded member
    /// (`authors`, `tags`, `sources`, `feature_image`) embeds it, as `include` does.
    #[param(example = "id,slug,title,body_html")]
    pub fields: Option<String>,
    /// Embed related objects: a comma list of `authors`, `tags`, `sources`, `feature_image`.
    #[param(example = "authors,sources")]
    pub include: Option<String>,
}

/// A moment given in a query string: a date (`2026-12-01`, its midnight UTC) or an RFC 3339
/// time. Anything else is a `422` that shows both forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryTime(pub DateTime<Utc>);

impl QueryTime {
    /// What a wrong value is told.
    pub const EXPECTED: &'static str =
        "must be a date such as 2026-12-01 or an RFC 3339 time such as 2026-12-01T08:30:00Z";

    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Some(Self(t.with_timezone(&Utc)));
        }
        let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
        Some(Self(day.and_hms_opt(0, 0, 0)?.and_utc()))
    }
}

impl<'de> Deserialize<'de> for QueryTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom(Self::EXPECTED))
    }
}
