//! From an article's Markdown body to what readers get: sanitized HTML, a plain-text excerpt,
//! a word count and a reading time.

use std::sync::OnceLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Words a reader reads per minute, for `reading_time_minutes`.
pub const WORDS_PER_MINUTE: usize = 200;
/// The length an automatic excerpt aims for, in characters.
pub const EXCERPT_CHARS: usize = 200;

/// The deepest a body may nest (Markdown blocks and spans plus raw HTML elements). Deeper
/// bodies are refused: nothing a newsroom writes nests so deep, and HTML parsing slows down
/// sharply with depth.
pub const MAX_NESTING: usize = 32;

/// Elements that never hold others, or that HTML closes by itself when the next one opens:
/// neither makes the tree deeper.
const FLAT_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "td", "th", "tr", "option",
];

/// Follows the open and close tags of a piece of raw HTML: `depth` is carried from piece to
/// piece, the deepest point is returned.
fn html_depth(html: &str, depth: &mut usize) -> usize {
    let mut deepest = *depth;
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        if let Some(closing) = rest.strip_prefix('/') {
            if closing.starts_with(|c: char| c.is_ascii_alphabetic()) {
                *depth = depth.saturating_sub(1);
            }
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() || FLAT_ELEMENTS.contains(&name.as_str()) {
            continue;
        }
        // The tag ends at the next `>`, or (unclosed) where the next tag starts: never a scan
        // past the next `<`, so the walk stays linear in the text.
        let tag_end = rest.find(['>', '<']).unwrap_or(rest.len());
        if rest[..tag_end].ends_with('/') {
            continue;
        }
        *depth += 1;
        deepest = deepest.max(*depth);
        if deepest > MAX_NESTING {
            break;
        }
    }
    deepest
}

/// How deeply `markdown` nests: its Markdown structure plus the raw HTML in it.
pub fn nesting(markdown: &str) -> usize {
    // A cheap look first: a line of hundreds of `>` quote markers is deep before any parsing.
    let quotes = markdown
        .lines()
        .map(|l| {
            l.chars()
                .take_while(|c| *c == '>' || c.is_whitespace())
                .filter(|c| *c == '>')
                .count()
        })
        .max()
        .unwrap_or(0);
    if quotes > MAX_NESTING {
        return quotes;
    }
    let (mut depth, mut html, mut deepest) = (0usize, 0usize, 0usize);
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Html(h) | Event::InlineHtml(h) => {
                let before = depth + html;
                deepest = deepest.max(before.max(depth + html_depth(&h, &mut html)));
            }
            _ => {}
        }
        deepest = deepest.max(depth + html);
        if deepest > MAX_NESTING {
            break;
        }
    }
    deepest
}

/// What the body renders to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub html: String,
    pub excerpt: String,
    pub word_count: i32,
    pub reading_time_minutes: i32,
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION
}

/// The sanitizer: ammonia's defaults (no script or style, no event handlers, no
/// `javascript:` or `data:` URLs), links get `rel="noopener noreferrer"`.
fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        // ammonia's defaults already drop `id` attributes, which could clobber the ids of the
        // page around an article.
        let mut b = ammonia::Builder::default();
        b.link_rel(Some("noopener noreferrer"));
        b
    })
}

/// Renders Markdown to sanitized HTML.
pub fn html(markdown: &str) -> String {
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut raw, Parser::new_ext(markdown, options()));
    sanitizer().clean(&raw).to_string()
}

/// The readable text of a Markdown body: what a reader sees, without markup, one space
/// between words.
pub fn plain_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    let mut in_code_block = false;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Text(t) | Event::Code(t) if !in_code_block => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::BlockQuote(_),
            ) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first ~[`EXCERPT_CHARS`] characters of `text`, cut at a word, with `…` when cut.
pub fn excerpt(text: &str) -> String {
    if text.chars().count() <= EXCERPT_CHARS {
        return text.to_owned();
    }
    let mut out = String::new();
    for word in text.split(' ') {
        if out.chars().count() + word.chars().count() + 1 > EXCERPT_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(EXCERPT_CHARS).collect();
    }
    let trimmed = out.trim_end_matches(|c: char| c.is_ascii_punctuation() && c != ')' && c != '"');
    format!("{trimmed}…")
}

/// Renders everything at once.
pub fn render(markdown: &str) -> Rendered {
    let text = plain_text(markdown);
    let words = text.split_whitespace().count();
    Rendered {
        html: html(markdown),
        excerpt: excerpt(&text),
        word_count: i32::try_from(words).unwrap_or(i32::MAX),
        reading_time_minutes: i32::try_from(words.div_ceil(WORDS_PER_MINUTE)).unwrap_or(i32::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_to_html() {
        let html = html("**Qaim** — see [the map](https://example.com/map).\n\n- one\n- two");
        assert!(html.contains("<strong>Qaim</strong>"), "{html}");
        assert!(
            html.contains(
                r#"<a href="https://example.com/map" rel="noopener noreferrer">the map</a>"#
            ),
            "{html}"
        );
        assert!(html.contains("<li>one</li>"), "{html}");
    }

    #[test]
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let evil = "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n\
                    [click](javascript:alert(1)) <a href=\"JaVaScRiPt:alert(1)\">x</a>\n\n\
                    <iframe src=\"https://evil.example\"></iframe><svg onload=alert(1)></svg>\n\n\
                    <p style=\"background:url(javascript:alert(1))\" onclick=\"x()\">hi</p>";
        let html = html(evil).to_lowercase();
        for bad in [
            "<script",
            "onerror",
            "onload",
            "onclick",
            "javascript:",
            "<iframe",
            "<svg",
            "style=",
        ] {
            assert!(!html.contains(bad), "{bad} survived in {html}");
        }
        assert!(html.contains("hi"));
    }

    #[test]
    fn plain_text_drops_markup_and_code_blocks() {
        let text = plain_text(
            "# Qaim\n\nJets *struck* a `workshop`.\n\n```\nlet x = 1;\n```\n\n> Bear with us.",
        );
        assert_eq!(text, "Qaim Jets struck a workshop. Bear with us.");
    }

    #[test]
    fn excerpts_are_cut_at_a_word_with_an_ellipsis() {
        let short = "Fourteen militants were killed.";
        assert_eq!(excerpt(short), short);
        let long = "word ".repeat(100);
        let e = excerpt(long.trim());
        assert!(e.ends_with("word…"), "{e}");
        assert!(e.chars().count() <= EXCERPT_CHARS + 1);
    }

    #[test]
    fn nesting_is_measured_in_markdown_and_raw_html() {
        assert!(nesting("A plain paragraph with *emphasis*.") <= 3);
        assert!(nesting(&"<div>".repeat(500)) > MAX_NESTING);
        assert!(nesting(&"> ".repeat(5000)) > MAX_NESTING);
        assert!(
            nesting(&"<p>para".repeat(500)) < MAX_NESTING,
            "p closes itself"
        );
        assert!(nesting(&format!("{}x{}", "<div>".repeat(30), "</div>".repeat(30))) <= MAX_NESTING);
        assert!(nesting(&"<br><img src=x/>".repeat(500)) < MAX_NESTING);
        assert!(nesting(&"<div>x</div>".repeat(500)) < 5);
        let list: String = (0..40)
            .map(|i| format!("{}- item\n", "  ".repeat(i)))
            .collect();
        assert!(nesting(&list) > MAX_NESTING);
    }

    #[test]
    fn unclosed_tags_are_measured_in_linear_time() {
        let body = format!("<div {}", "<b".repeat(500_000));
        let started = std::time::Instant::now();
        assert!(nesting(&body) > MAX_NESTING);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn word_count_and_reading_time() {
        let r = render(&"news ".repeat(401));
        assert_eq!(r.word_count, 401);
        assert_eq!(r.reading_time_minutes, 3);
        let empty = render("");
        assert_eq!((empty.word_count, empty.reading_time_minutes), (0, 0));
        assert_eq!(render("One word").reading_time_minutes, 1);
    }
}
