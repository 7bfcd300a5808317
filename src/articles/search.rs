//! Reads what a reader types into the search box (`q=`) as a list of terms.
//!
//! Supported: words (matched by their stem, so `militant` finds `militants`), `"quoted
//! phrases"`, `prefix*`, and `-word` / `-"phrase"` to exclude. Everything else is taken
//! literally: no character has a meaning beyond these, so no input can be a syntax error of
//! whatever engine runs the search (see `crate::search`, which turns the terms into index
//! queries without ever parsing text again).

/// One thing a search asks for (or, in [`Search::unwanted`], excludes).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Term {
    /// A word; `prefix` when it ended with `*` (`shelt*`). The text may still hold
    /// punctuation (`body:x`), which the index's tokenizer splits into a phrase.
    Word { text: String, prefix: bool },
    /// The words of a `"quoted phrase"`, in order.
    Phrase { text: String },
}

/// A parsed search: every wanted term must match, no unwanted one may.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Search {
    /// Never empty: a search that wants nothing is no search (see [`parse`]).
    pub wanted: Vec<Term>,
    pub unwanted: Vec<Term>,
}

/// The longest search accepted, in characters.
pub const MAX_CHARS: usize = 500;
/// The most terms a search may hold.
pub const MAX_TERMS: usize = 32;

/// Whether a tokenizer that splits on everything but letters and digits (FTS5's unicode61,
/// tantivy's simple tokenizer) would find at least one token in `text`.
fn has_token(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// Splits `input` into `(term, excluded)` pairs, dropping terms without a letter or digit.
fn terms(input: &str) -> Vec<(Term, bool)> {
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
                terms.push((Term::Phrase { text }, exclude));
            }
        } else {
            let end = body.find(char::is_whitespace).unwrap_or(body.len());
            let word = &body[..end];
            rest = &body[end..];
            let prefix = word.ends_with('*') && word.len() > 1;
            let text = word.trim_end_matches('*').to_owned();
            if has_token(&text) {
                terms.push((Term::Word { text, prefix }, exclude));
            }
        }
    }
    terms
}

/// Reads `input`: `Ok(None)` when it holds nothing searchable (every term excluded, or
/// without a letter or digit), `Err` (why) when it is longer than [`MAX_CHARS`] or has more
/// than [`MAX_TERMS`] terms.
pub fn parse(input: &str) -> Result<Option<Search>, String> {
    if input.chars().count() > MAX_CHARS {
        return Err(format!("must be at most {MAX_CHARS} characters"));
    }
    let terms = terms(input);
    if terms.len() > MAX_TERMS {
        return Err(format!("may hold at most {MAX_TERMS} words and phrases"));
    }
    let (unwanted, wanted): (Vec<_>, Vec<_>) = terms.into_iter().partition(|(_, ex)| *ex);
    if wanted.is_empty() {
        return Ok(None);
    }
    let strip = |v: Vec<(Term, bool)>| v.into_iter().map(|(t, _)| t).collect();
    Ok(Some(Search {
        wanted: strip(wanted),
        unwanted: strip(unwanted),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> Term {
        Term::Word {
            text: text.into(),
            prefix: false,
        }
    }

    fn phrase(text: &str) -> Term {
        Term::Phrase { text: text.into() }
    }

    fn p(input: &str) -> Option<Search> {
        parse(input).unwrap()
    }

    fn exclusions(n: usize) -> String {
        (0..n)
            .map(|n| format!("-x{n}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn words_phrases_prefixes_and_exclusions() {
        let s = p(r#"militant "black stain" hawi* -syria -"air strike""#).unwrap();
        assert_eq!(
            s.wanted,
            [
                word("militant"),
                phrase("black stain"),
                Term::Word {
                    text: "hawi".into(),
                    prefix: true
                }
            ]
        );
        assert_eq!(s.unwanted, [word("syria"), phrase("air strike")]);
    }

    #[test]
    fn limits_hold_and_count_exclusions_too() {
        assert!(parse(&format!("qaim {}", exclusions(31))).is_ok());
        assert_eq!(
            parse(&format!("qaim {}", exclusions(32))).unwrap_err(),
            "may hold at most 32 words and phrases"
        );
        assert_eq!(
            parse(&"a".repeat(501)).unwrap_err(),
            "must be at most 500 characters"
        );
        assert!(parse(&"a".repeat(500)).is_ok());
    }

    #[test]
    fn nothing_wanted_is_no_search() {
        for input in ["\0", "", "   *** ()", "-syria", "-\"x y\" -z", "\"\"", "*"] {
            assert_eq!(p(input), None, "{input:?}");
        }
    }

    #[test]
    fn hostile_input_is_taken_literally() {
        let s = p(r#"a" OR body:x NEAR( "#).unwrap();
        assert_eq!(
            s.wanted,
            [word("a\""), word("OR"), word("body:x"), word("NEAR(")]
        );
        let s = p(r#"say "unclosed phrase"#).unwrap();
        assert_eq!(s.wanted, [word("say"), phrase("unclosed phrase")]);
        // A lone dash or a dash before punctuation is no exclusion: `-(x` wants `(x`.
        let s = p("qaim - -(x").unwrap();
        assert_eq!(s.wanted, [word("qaim"), word("-(x")]);
        assert!(s.unwanted.is_empty());
        // Control characters separate words.
        assert_eq!(p("a\0b").unwrap().wanted, [word("a"), word("b")]);
    }
}
