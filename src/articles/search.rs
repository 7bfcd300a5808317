//! Turns what a reader types into a safe FTS5 query.
//!
//! Supported: words (stemmed by the index's porter tokenizer, so `militant` finds
//! `militants`), `"quoted phrases"`, `prefix*`, and `-word` to exclude. Everything else is
//! taken literally: every term is quoted, so no input can be an FTS5 syntax error.

/// One piece of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Word {
        text: String,
        prefix: bool,
        exclude: bool,
    },
    Phrase {
        text: String,
        exclude: bool,
    },
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Whether FTS5's unicode61 tokenizer would find at least one token in `text`.
fn has_token(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

fn terms(input: &str) -> Vec<Term> {
    let clean: String = input
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut terms = Vec::new();
    let mut rest = clean.as_str();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let (exclude, body) = match rest.strip_prefix('-') {
            Some(b) if b.starts_with('"') || b.starts_with(|c: char| c.is_alphanumeric()) => {
                (true, b)
            }
            _ => (false, rest),
        };
        if let Some(quoted) = body.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            let text = quoted[..end].trim().to_owned();
            rest = quoted.get(end + 1..).unwrap_or("");
            if has_token(&text) {
                terms.push(Term::Phrase { text, exclude });
            }
        } else {
            let end = body.find(char::is_whitespace).unwrap_or(body.len());
            let word = &body[..end];
            rest = &body[end..];
            let prefix = word.ends_with('*') && word.len() > 1;
            let text = word.trim_end_matches('*').to_owned();
            if has_token(&text) {
                terms.push(Term::Word {
                    text,
                    prefix,
                    exclude,
                });
            }
        }
    }
    terms
}

/// The FTS5 `MATCH` expression for `input`, or `None` when it holds nothing searchable
/// (every term excluded or without a letter or digit).
pub fn fts_query(input: &str) -> Option<String> {
    let terms = terms(input);
    let render = |t: &Term| match t {
        Term::Word { text, prefix, .. } => {
            if *prefix {
                format!("{}*", quote(text))
            } else {
                quote(text)
            }
        }
        Term::Phrase { text, .. } => quote(text),
    };
    let excluded = |t: &Term| {
        matches!(
            t,
            Term::Word { exclude: true, .. } | Term::Phrase { exclude: true, .. }
        )
    };
    let wanted: Vec<String> = terms.iter().filter(|t| !excluded(t)).map(render).collect();
    if wanted.is_empty() {
        return None;
    }
    let mut query = format!("({})", wanted.join(" "));
    for t in terms.iter().filter(|t| excluded(t)) {
        query = format!("{query} NOT {}", render(t));
    }
    Some(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_prefixes_and_exclusions() {
        assert_eq!(
            fts_query("militant Qaim").as_deref(),
            Some(r#"("militant" "Qaim")"#)
        );
        assert_eq!(
            fts_query(r#""black stain" anbar"#).as_deref(),
            Some(r#"("black stain" "anbar")"#)
        );
        assert_eq!(fts_query("hawi*").as_deref(), Some(r#"("hawi"*)"#));
        assert_eq!(
            fts_query("qaim -syria").as_deref(),
            Some(r#"("qaim") NOT "syria""#)
        );
    }

    #[test]
    fn hostile_input_stays_quoted() {
        assert_eq!(fts_query("\0").as_deref(), None);
        assert_eq!(fts_query("").as_deref(), None);
        assert_eq!(fts_query("   *** ()").as_deref(), None);
        assert_eq!(fts_query("-syria").as_deref(), None);
        assert_eq!(
            fts_query(r#"a" OR body:x NEAR( "#).as_deref(),
            Some(r#"("a""" "OR" "body:x" "NEAR(")"#)
        );
        assert_eq!(
            fts_query(r#"say "unclosed phrase"#).as_deref(),
            Some(r#"("say" "unclosed phrase")"#)
        );
        assert_eq!(fts_query("x\"y").as_deref(), Some(r#"("x""y")"#));
    }
}
