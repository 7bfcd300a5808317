//! A feed's articles written as RSS 2.0 (`rss`), Atom 1.0 (`atom_syndication`) and JSON Feed
//! 1.1 (`serde`): full content, the feature image with its credit, authors, categories and
//! times.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::articles::dto::ArticleView;
use crate::images::dto::ImageView;

/// Media RSS, for the feature image and its credit in RSS and Atom.
const MEDIA_NS: &str = "http://search.yahoo.com/mrss/";
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const DC_NS: &str = "http://purl.org/dc/elements/1.1/";
const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";
const GENERATOR: &str = "Dateline";

/// What every format says about the feed itself.
#[derive(Debug, Clone)]
pub struct FeedInfo {
    /// The publication's name, with the tag, author or source for their feeds.
    pub title: String,
    pub description: String,
    /// The page on the website this feed follows (the home page, a tag's page…).
    pub home: String,
    /// This feed's own address.
    pub self_url: String,
    /// `DATELINE_PUBLICATION_LANGUAGE`.
    pub language: String,
    /// Where the API, and so this feed's extensions, are documented.
    pub docs: String,
}

/// When the feed last changed: its newest `updated_at`, or the epoch for an empty feed (a
/// fixed moment keeps an empty feed's bytes, and so its `ETag`, stable).
fn updated(articles: &[ArticleView]) -> DateTime<Utc> {
    articles
        .iter()
        .map(|a| a.updated_at.max(a.published_at.unwrap_or(a.updated_at)))
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// The category a corrected story carries in every format.
const CORRECTED: &str = "Corrected";

/// The story's HTML, followed by its corrections (newest first) as a reader sees them at its
/// foot: the feeds mark a corrected story with this and with the [`CORRECTED`] category.
fn content(a: &ArticleView) -> String {
    let mut html = a.body_html.clone();
    if a.corrections.is_empty() {
        return html;
    }
    html.push_str("<aside class=\"corrections\">");
    for c in &a.corrections {
        html.push_str(&format!(
            "<p><strong>{}</strong> ({}): {}</p>",
            c.kind.label(),
            c.created_at.format("%-d %B %Y"),
            quick_xml::escape::escape(c.note.as_str())
        ));
    }
    html.push_str("</aside>");
    html
}

fn names<T>(items: Option<&Vec<T>>, name: impl Fn(&T) -> &str) -> Vec<String> {
    items
        .into_iter()
        .flatten()
        .map(|i| name(i).to_owned())
        .collect()
}

fn article_link(article: &ArticleView) -> String {
    // Feeds are only served with a site URL, so every public article has one; fall back to
    // the id-based tag URI should a template need a date it lacks.
    article
        .url
        .clone()
        .unwrap_or_else(|| format!("tag:dateline,article:{}", article.id))
}

/// The feature image as Media RSS `media:content` with its `media:credit` and
/// `media:description` (caption).
fn media_content(image: &ImageView) -> rss::extension::Extension {
    let mut attrs = BTreeMap::new();
    attrs.insert("url".to_owned(), image.url.clone());
    attrs.insert("type".to_owned(), image.mime_type.clone());
    attrs.insert("medium".to_owned(), "image".to_owned());
    attrs.insert("width".to_owned(), image.width.to_string());
    attrs.insert("height".to_owned(), image.height.to_string());
    attrs.insert("fileSize".to_owned(), image.size_bytes.to_string());
    let mut children = BTreeMap::new();
    let text =
        |name: &str, value: &str, attrs: BTreeMap<String, String>| rss::extension::Extension {
            name: name.to_owned(),
            value: Some(value.to_owned()),
            attrs,
            children: BTreeMap::new(),
        };
    if let Some(credit) = &image.credit {
        let role = BTreeMap::from([("role".to_owned(), "photographer".to_owned())]);
        children.insert(
            "media:credit".to_owned(),
            vec![text("media:credit", credit, role)],
        );
    }
    if let Some(caption) = image.caption.as_ref().or(image.alt.as_ref()) {
        children.insert(
            "media:description".to_owned(),
            vec![text("media:description", caption, BTreeMap::new())],
        );
    }
    rss::extension::Extension {
        name: "media:content".to_owned(),
        value: None,
        attrs,
        children,
    }
}

/// RSS 2.0, with `content:encoded` for the full story, `dc:creator` for each author,
/// an enclosure and `media:content` for the feature image.
pub fn rss(info: &FeedInfo, articles: &[ArticleView]) -> String {
    let items = articles
        .iter()
        .map(|a| {
            let image = a.feature_image.clone().flatten();
            let mut extensions = rss::extension::ExtensionMap::new();
            if let Some(image) = &image {
                extensions.insert(
                    "media".to_owned(),
                    BTreeMap::from([("content".to_owned(), vec![media_content(image)])]),
                );
            }
            rss::Item {
                title: Some(a.title.clone()),
                link: a.url.clone(),
                description: Some(a.excerpt.clone()),
                categories: names(a.tags.as_ref(), |t| &t.name)
                    .into_iter()
                    .chain((!a.corrections.is_empty()).then(|| CORRECTED.to_owned()))
                    .map(|name| rss::Category { name, domain: None })
                    .collect(),
                enclosure: image.as_ref().map(|i| rss::Enclosure {
                    url: i.url.clone(),
                    length: i.size_bytes.to_string(),
                    mime_type: i.mime_type.clone(),
                }),
                guid: Some(rss::Guid {
                    value: article_link(a),
                    permalink: a.url.is_some(),
                }),
                pub_date: a.published_at.map(|t| t.to_rfc2822()),
                content: Some(content(a)),
                extensions,
                dublin_core_ext: Some(rss::extension::dublincore::DublinCoreExtension {
                    creators: names(a.authors.as_ref(), |p| &p.name),
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    let self_link = rss::extension::Extension {
        name: "atom:link".to_owned(),
        value: None,
        attrs: BTreeMap::from([
            ("href".to_owned(), info.self_url.clone()),
            ("rel".to_owned(), "self".to_owned()),
            ("type".to_owned(), "application/rss+xml".to_owned()),
        ]),
        children: BTreeMap::new(),
    };
    let channel = rss::Channel {
        title: info.title.clone(),
        link: info.home.clone(),
        description: info.description.clone(),
        language: Some(info.language.clone()),
        last_build_date: Some(updated(articles).to_rfc2822()),
        generator: Some(GENERATOR.to_owned()),
        items,
        extensions: BTreeMap::from([(
            "atom".to_owned(),
            BTreeMap::from([("link".to_owned(), vec![self_link])]),
        )]),
        namespaces: BTreeMap::from([
            ("atom".to_owned(), ATOM_NS.to_owned()),
            ("content".to_owned(), CONTENT_NS.to_owned()),
            ("dc".to_owned(), DC_NS.to_owned()),
            ("media".to_owned(), MEDIA_NS.to_owned()),
        ]),
        ..Default::default()
    };
    channel.to_string()
}

/// Atom 1.0: an entry per article with its authors, categories, `published` and `updated`,
/// the story as HTML content, and the feature image as an enclosure link and `media:content`.
pub fn atom(info: &FeedInfo, articles: &[ArticleView]) -> String {
    use atom_syndication as atom;
    let entries = articles
        .iter()
        .map(|a| {
            let image = a.feature_image.clone().flatten();
            let mut links = Vec::new();
            if let Some(url) = &a.url {
                links.push(atom::Link {
                    href: url.clone(),
                    rel: "alternate".to_owned(),
                    mime_type: Some("text/html".to_owned()),
                    ..Default::default()
                });
            }
            let mut extensions = atom::extension::ExtensionMap::new();
            if let Some(image) = &image {
                links.push(atom::Link {
                    href: image.url.clone(),
                    rel: "enclosure".to_owned(),
                    mime_type: Some(image.mime_type.clone()),
                    length: Some(image.size_bytes.to_string()),
                    title: image.caption.clone(),
                    ..Default::default()
                });
                extensions.insert(
                    "media".to_owned(),
                    BTreeMap::from([(
                        "content".to_owned(),
                        vec![atom_extension(media_content(image))],
                    )]),
                );
            }
            atom::Entry {
                title: atom::Text::plain(a.title.clone()),
                id: article_link(a),
                updated: a.updated_at.into(),
                published: a.published_at.map(Into::into),
                authors: names(a.authors.as_ref(), |p| &p.name)
                    .into_iter()
                    .map(|name| atom::Person {
                        name,
                        ..Default::default()
                    })
                    .collect(),
                categories: a
                    .tags
                    .iter()
                    .flatten()
                    .map(|t| atom::Category {
                        term: t.slug.clone(),
                        label: Some(t.name.clone()),
                        scheme: None,
                    })
                    .chain((!a.corrections.is_empty()).then(|| atom::Category {
                        term: CORRECTED.to_lowercase(),
                        label: Some(CORRECTED.to_owned()),
                        scheme: None,
                    }))
                    .collect(),
                links,
                summary: Some(atom::Text::plain(a.excerpt.clone())),
                content: Some(atom::Content {
                    value: Some(content(a)),
                    content_type: Some("html".to_owned()),
                    ..Default::default()
                }),
                extensions,
                ..Default::default()
            }
        })
        .collect();
    let feed = atom::Feed {
        title: atom::Text::plain(info.title.clone()),
        id: info.self_url.clone(),
        updated: updated(articles).into(),
        subtitle: Some(atom::Text::plain(info.description.clone())),
        generator: Some(atom::Generator {
            value: GENERATOR.to_owned(),
            ..Default::default()
        }),
        links: vec![
            atom::Link {
                href: info.self_url.clone(),
                rel: "self".to_owned(),
                mime_type: Some("application/atom+xml".to_owned()),
                ..Default::default()
            },
            atom::Link {
                href: info.home.clone(),
                rel: "alternate".to_owned(),
                mime_type: Some("text/html".to_owned()),
                ..Default::default()
            },
        ],
        lang: Some(info.language.clone()),
        entries,
        namespaces: BTreeMap::from([("media".to_owned(), MEDIA_NS.to_owned())]),
        ..Default::default()
    };
    feed.to_string()
}

/// The same Media RSS element in `atom_syndication`'s terms.
fn atom_extension(e: rss::extension::Extension) -> atom_syndication::extension::Extension {
    atom_syndication::extension::Extension {
        name: e.name,
        value: e.value,
        attrs: e.attrs,
        children: e
            .children
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().map(atom_extension).collect()))
            .collect(),
    }
}

/// JSON Feed 1.1 (<https://www.jsonfeed.org/version/1.1/>).
#[derive(Debug, Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    language: &'a str,
    items: Vec<JsonItem<'a>>,
}

#[derive(Debug, Serialize)]
struct JsonItem<'a> {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    title: &'a str,
    content_html: String,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<JsonAuthor<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<JsonAttachment<'a>>,
    /// What JSON Feed has no member for: the feature image's credit and caption.
    #[serde(rename = "_dateline", skip_serializing_if = "Option::is_none")]
    dateline: Option<JsonExtension<'a>>,
}

#[derive(Debug, Serialize)]
struct JsonAuthor<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct JsonAttachment<'a> {
    url: &'a str,
    mime_type: &'a str,
    size_in_bytes: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct JsonExtension<'a> {
    about: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_credit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_caption: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dateline: Option<&'a str>,
    /// The story's corrections, newest first, as the API shows them.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    corrections: &'a [crate::corrections::CorrectionView],
}

/// JSON Feed 1.1.
pub fn json(info: &FeedInfo, articles: &[ArticleView]) -> serde_json::Result<Vec<u8>> {
    let items = articles
        .iter()
        .map(|a| {
            let image = a.feature_image.as_ref().and_then(Option::as_ref);
            JsonItem {
                id: article_link(a),
                url: a.url.as_deref(),
                title: &a.title,
                content_html: content(a),
                summary: &a.excerpt,
                image: image.map(|i| i.url.as_str()),
                date_published: a.published_at.map(|t| t.to_rfc3339()),
                date_modified: a.updated_at.to_rfc3339(),
                authors: a
                    .authors
                    .iter()
                    .flatten()
                    .map(|p| JsonAuthor {
                        name: &p.name,
                        url: p.url.as_deref(),
                    })
                    .collect(),
                tags: a
                    .tags
                    .iter()
                    .flatten()
                    .map(|t| t.name.as_str())
                    .chain((!a.corrections.is_empty()).then_some(CORRECTED))
                    .collect(),
                attachments: image
                    .map(|i| JsonAttachment {
                        url: &i.url,
                        mime_type: &i.mime_type,
                        size_in_bytes: i.size_bytes,
                        title: i.caption.as_deref(),
                    })
                    .into_iter()
                    .collect(),
                dateline: (image.is_some() || a.dateline.is_some() || !a.corrections.is_empty())
                    .then(|| JsonExtension {
                        about: &info.docs,
                        image_credit: image.and_then(|i| i.credit.as_deref()),
                        image_caption: image.and_then(|i| i.caption.as_deref()),
                        dateline: a.dateline.as_deref(),
                        corrections: &a.corrections,
                    }),
            }
        })
        .collect();
    serde_json::to_vec(&JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &info.title,
        home_page_url: &info.home,
        feed_url: &info.self_url,
        description: &info.description,
        language: &info.language,
        items,
    })
}
