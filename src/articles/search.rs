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

/// The longest search accepted, in characters.
pub const MAX_CHARS: usize = 500;
/// The most terms a search may hold.
pub const MAX_TERMS: usize = 32;

/// The FTS5 `MATCH` expression for `input`: `Ok(None)` when it holds nothing searchable
/// (every term excluded, or without a letter or digit), `Err` (why) when it is longer than
/// [`MAX_CHARS`] or has more than [`MAX_TERMS`] terms.
pub fn fts_query(input: &str) -> Result<Option<String>, String> {
    if input.chars().count() > MAX_CHARS {
        return Err(format!("must be at most {MAX_CHARS} characters"));
    }
    let terms = terms(input);
    if terms.len() > MAX_TERMS {
        return Err(format!("may hold at most {MAX_TERMS} words and phrases"));
    }
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
        return Ok(None);
    }
    let unwanted: Vec<String> = terms.iter().filter(|t| excluded(t)).map(render).collect();
    // One NOT over an OR list keeps the expression shallow however many words are excluded.
    Ok(Some(if unwanted.is_empty() {
        format!("({})", wanted.join(" "))
    } else {
        format!("({}) NOT ({})", wanted.join(" "), unwanted.join(" OR "))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(input: &str) -> Option<String> {
        fts_query(input).unwrap()
    }

    #[test]
    fn words_phrases_prefixes_and_exclusions() {
        assert_eq!(
            q("militant Qaim").as_deref(),
            Some(r#"("militant" "Qaim")"#)
        );
        assert_eq!(
            q(r#""black stain" anbar"#).as_deref(),
            Some(r#"("black stain" "anbar")"#)
        );
        assert_eq!(q("hawi*").as_deref(), Some(r#"("hawi"*)"#));
        assert_eq!(
            q("qaim -syria").as_deref(),
            Some(r#"("qaim") NOT ("syria")"#)
        );
    }

    #[test]
    fn many_exclusions_stay_shallow_and_limits_hold() {
        assert_eq!(
            q("qaim -a -b").as_deref(),
            Some(r#"("qaim") NOT ("a" OR "b")"#)
        );
        let many = format!(
            "qaim {}",
            (0..31)
                .map(|n| format!("-x{n}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert!(fts_query(&many).is_ok());
        let too_many = format!(
            "qaim {}",
            (0..32)
                .map(|n| format!("-x{n}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert!(fts_query(&too_many).is_err());
        assert!(fts_query(&"a".repeat(501)).is_err());
    }

    #[test]
    fn hostile_input_stays_quoted() {
        assert_eq!(q("\0").as_deref(), None);
        assert_eq!(q("").as_deref(), None);
        assert_eq!(q("   *** ()").as_deref(), None);
        assert_eq!(q("-syria").as_deref(), None);
        assert_eq!(
            q(r#"a" OR body:x NEAR( "#).as_deref(),
            Some(r#"("a""" "OR" "body:x" "NEAR(")"#)
        );
        assert_eq!(
            q(r#"say "unclosed phrase"#).as_deref(),
            Some(r#"("say" "unclosed phrase")"#)
        );
        assert_eq!(q("x\"y").as_deref(), Some(r#"("x""y")"#));
    }
}
