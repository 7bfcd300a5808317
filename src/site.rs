//! The public website's canonical URLs: `DATELINE_SITE_URL` and a path template per kind of
//! page (`DATELINE_ARTICLE_PATH`, `DATELINE_TAG_PATH`, `DATELINE_AUTHOR_PATH`,
//! `DATELINE_SOURCE_PATH`). Without a site URL every `url` is `null`.

use chrono::{Datelike, NaiveDateTime};

/// The default article path: the day it went public, then its slug.
pub const DEFAULT_ARTICLE_PATH: &str = "/{yyyy}/{mm}/{dd}/{slug}/";
pub const DEFAULT_TAG_PATH: &str = "/tag/{slug}/";
pub const DEFAULT_AUTHOR_PATH: &str = "/author/{slug}/";
pub const DEFAULT_SOURCE_PATH: &str = "/source/{slug}/";

/// One part of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Slug,
    Id,
    Year,
    Month,
    Day,
}

/// A path template such as `/{yyyy}/{mm}/{dd}/{slug}/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    parts: Vec<Part>,
    dated: bool,
}

impl PathTemplate {
    /// Parses `template`; `dates` says whether `{yyyy}`, `{mm}` and `{dd}` may appear (articles
    /// only). Must start with `/` and name `{slug}` or `{id}`, so that each page has its own.
    pub fn parse(template: &str, dates: bool) -> Result<Self, String> {
        if !template.starts_with('/') {
            return Err(format!("`{template}` must start with /"));
        }
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_owned()));
            }
            let Some(close) = rest[open..].find('}') else {
                return Err(format!("`{template}` has a `{{` without its `}}`"));
            };
            let name = &rest[open + 1..open + close];
            parts.push(match name {
                "slug" => Part::Slug,
                "id" => Part::Id,
                "yyyy" if dates => Part::Year,
                "mm" if dates => Part::Month,
                "dd" if dates => Part::Day,
                _ => {
                    let known = if dates {
                        "{slug}, {id}, {yyyy}, {mm}, {dd}"
                    } else {
                        "{slug}, {id}"
                    };
                    return Err(format!(
                        "`{template}` names `{{{name}}}`; the placeholders are {known}"
                    ));
                }
            });
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        if let Some(Part::Text(text)) = parts.iter().find(|p| {
            matches!(p, Part::Text(t) if t.contains('}') || t.chars().any(|c| c.is_whitespace() || c == '?' || c == '#'))
        }) {
            return Err(format!(
                "`{template}` holds `{text}`: a path may not hold `}}`, spaces, `?` or `#`"
            ));
        }
        if !parts.iter().any(|p| matches!(p, Part::Slug | Part::Id)) {
            return Err(format!("`{template}` must name {{slug}} or {{id}}"));
        }
        let dated = parts
            .iter()
            .any(|p| matches!(p, Part::Year | Part::Month | Part::Day));
        Ok(Self { parts, dated })
    }

    /// The path of the page of `slug` (`id`), public since `date`; `None` when the template
    /// needs a date and there is none (a draft never published).
    fn path(&self, id: i64, slug: &str, date: Option<NaiveDateTime>) -> Option<String> {
        let date = match (self.dated, date) {
            (true, None) => return None,
            (_, date) => date,
        };
        let mut out = String::with_capacity(64);
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Slug => out.push_str(slug),
                Part::Id => out.push_str(&id.to_string()),
                Part::Year => out.push_str(&format!("{:04}", date?.year())),
                Part::Month => out.push_str(&format!("{:02}", date?.month())),
                Part::Day => out.push_str(&format!("{:02}", date?.day())),
            }
        }
        Some(out)
    }
}

/// The canonical URLs of the public website (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// `DATELINE_SITE_URL` without its trailing slash; `None`: no `url` anywhere.
    pub base: Option<String>,
    pub article: PathTemplate,
    pub tag: PathTemplate,
    pub author: PathTemplate,
    pub source: PathTemplate,
}

impl PathTemplate {
    /// [`DEFAULT_ARTICLE_PATH`], built rather than parsed (a test checks they agree).
    fn dated_slug() -> Self {
        let slash = || Part::Text("/".into());
        Self {
            parts: vec![
                slash(),
                Part::Year,
                slash(),
                Part::Month,
                slash(),
                Part::Day,
                slash(),
                Part::Slug,
                slash(),
            ],
            dated: true,
        }
    }

    /// `/{folder}/{slug}/`: the other defaults, built rather than parsed.
    fn slug_under(folder: &str) -> Self {
        Self {
            parts: vec![
                Part::Text(format!("/{folder}/")),
                Part::Slug,
                Part::Text("/".into()),
            ],
            dated: false,
        }
    }
}

impl Default for Site {
    fn default() -> Self {
        Self {
            base: None,
            article: PathTemplate::dated_slug(),
            tag: PathTemplate::slug_under("tag"),
            author: PathTemplate::slug_under("author"),
            source: PathTemplate::slug_under("source"),
        }
    }
}

/// The kinds of page that have a canonical URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Tag,
    Author,
    Source,
}

impl Site {
    /// An article's page: dated by when it went (or goes) public.
    pub fn article(
        &self,
        id: i64,
        slug: &str,
        published_at: Option<NaiveDateTime>,
    ) -> Option<String> {
        let base = self.base.as_deref()?;
        Some(format!(
            "{base}{}",
            self.article.path(id, slug, published_at)?
        ))
    }

    /// A tag's, author's or source's page.
    pub fn page(&self, page: Page, id: i64, slug: &str) -> Option<String> {
        let base = self.base.as_deref()?;
        let template = match page {
            Page::Tag => &self.tag,
            Page::Author => &self.author,
            Page::Source => &self.source,
        };
        Some(format!("{base}{}", template.path(id, slug, None)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Option<NaiveDateTime> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").ok()
    }

    fn site() -> Site {
        Site {
            base: Some("https://news.example".into()),
            ..Site::default()
        }
    }

    #[test]
    fn the_default_article_path_is_dated_by_publication() {
        assert_eq!(
            site().article(7, "jets-strike-qaim", at("2017-11-01 09:30")),
            Some("https://news.example/2017/11/01/jets-strike-qaim/".into())
        );
        assert_eq!(site().article(7, "draft", None), None);
        assert_eq!(
            site().page(Page::Tag, 1, "islamic-state"),
            Some("https://news.example/tag/islamic-state/".into())
        );
    }

    #[test]
    fn the_built_defaults_are_the_documented_templates() {
        let site = Site::default();
        for (template, dates, built) in [
            (DEFAULT_ARTICLE_PATH, true, &site.article),
            (DEFAULT_TAG_PATH, false, &site.tag),
            (DEFAULT_AUTHOR_PATH, false, &site.author),
            (DEFAULT_SOURCE_PATH, false, &site.source),
        ] {
            assert_eq!(&PathTemplate::parse(template, dates).unwrap(), built);
        }
    }

    #[test]
    fn no_site_url_no_url() {
        let site = Site::default();
        assert_eq!(site.article(7, "a", at("2017-11-01 09:30")), None);
        assert_eq!(site.page(Page::Author, 1, "a"), None);
    }

    #[test]
    fn templates_may_use_ids_and_need_no_date() {
        let site = Site {
            article: PathTemplate::parse("/news/{id}-{slug}", true).unwrap(),
            ..site()
        };
        assert_eq!(
            site.article(42, "qaim", None),
            Some("https://news.example/news/42-qaim".into())
        );
    }

    #[test]
    fn bad_templates_say_why() {
        for (template, dates, says) in [
            ("tag/{slug}", false, "must start with /"),
            (
                "/tag/{yyyy}/{slug}",
                false,
                "the placeholders are {slug}, {id}",
            ),
            ("/{yyyy}/{month}/{slug}", true, "names `{month}`"),
            ("/{yyyy}/{mm}/", true, "must name {slug} or {id}"),
            ("/{slug", true, "without its"),
            ("/a b/{slug}", false, "spaces"),
            ("/x}/{slug}", false, "may not hold"),
        ] {
            let err = PathTemplate::parse(template, dates).unwrap_err();
            assert!(err.contains(says), "{template}: {err}");
        }
    }
}
