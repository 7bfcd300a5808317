//! A reader's search as index queries: [`TextQuery`] holds the terms `articles::search` read
//! from `q=`, and [`TextQuery::to_query`] builds tantivy query objects from them directly.
//! User text is only ever tokenized, never parsed as a query language, so no input can be a
//! syntax error.

use tantivy::Term as IndexTerm;
use tantivy::query::{
    BooleanQuery, BoostQuery, EmptyQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::schema::{Fields, analyzer, prefix_analyzer, tokens};
use crate::articles::search::{self, Search, Term};

/// How many indexed words one `prefix*` may stand for (the first ones in alphabetical order).
/// A one-letter prefix would otherwise read the postings of a good part of the dictionary.
pub const MAX_PREFIX_EXPANSIONS: u32 = 200;

/// A parsed search: what `articles::search` makes of the `q` parameter. Every wanted term
/// must match (in any of title, subtitle, excerpt and body), no unwanted one may.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextQuery(Search);

impl TextQuery {
    /// Reads `input`: `Ok(None)` when nothing in it is searchable (every term excluded, or
    /// no letter or digit), `Err` (why, for a `422` on `q`) when it is too long or has too
    /// many terms (see [`search::MAX_CHARS`], [`search::MAX_TERMS`]).
    pub fn parse(input: &str) -> Result<Option<TextQuery>, String> {
        Ok(search::parse(input)?.map(TextQuery))
    }

    /// The index query: the wanted terms all required, the unwanted ones excluded.
    pub fn to_query(&self, fields: &Fields) -> Box<dyn Query> {
        let mut builder = Builder::new(fields);
        let mut wanted: Vec<Box<dyn Query>> =
            self.0.wanted.iter().map(|t| builder.term(t)).collect();
        if wanted.len() == 1 && self.0.unwanted.is_empty() {
            // Alone, a word's union over the fields keeps Block-WAND pruning.
            if let Some(only) = wanted.pop() {
                return only;
            }
        }
        let clauses = wanted
            .into_iter()
            .map(|q| (Occur::Must, q))
            .chain(
                self.0
                    .unwanted
                    .iter()
                    .map(|t| (Occur::MustNot, builder.term(t))),
            )
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }
}

/// Builds the query of one term at a time, with the analyzers the index used.
struct Builder<'a> {
    fields: &'a Fields,
    words: TextAnalyzer,
    prefixes: TextAnalyzer,
}

impl<'a> Builder<'a> {
    fn new(fields: &'a Fields) -> Self {
        Self {
            fields,
            words: analyzer(),
            prefixes: prefix_analyzer(),
        }
    }

    fn term(&mut self, term: &Term) -> Box<dyn Query> {
        match term {
            Term::Word { text, prefix: true } => self.prefix(text),
            // A word with punctuation inside (`al-qaim`) is a phrase of its parts, as in FTS5.
            Term::Word { text, .. } | Term::Phrase { text } => self.phrase(text),
        }
    }

    /// The words of `text` side by side in one field (or the one word anywhere).
    fn phrase(&mut self, text: &str) -> Box<dyn Query> {
        let words = tokens(&mut self.words, text);
        match words.as_slice() {
            [] => Box::new(EmptyQuery),
            [word] => self.in_any_field(|field| {
                Box::new(TermQuery::new(
                    IndexTerm::from_field_text(field, word),
                    IndexRecordOption::WithFreqs,
                ))
            }),
            _ => self.in_any_field(|field| {
                Box::new(PhraseQuery::new(
                    words
                        .iter()
                        .map(|w| IndexTerm::from_field_text(field, w))
                        .collect(),
                ))
            }),
        }
    }

    /// `text*`: its last word is a prefix of an indexed word, the words before it (if any)
    /// precede it as a phrase.
    fn prefix(&mut self, text: &str) -> Box<dyn Query> {
        let typed = tokens(&mut self.prefixes, text);
        let stems = tokens(&mut self.words, text);
        let Some((last, _)) = typed.split_last() else {
            return Box::new(EmptyQuery);
        };
        // Both analyzers split alike; the stemmer changes words, never their number.
        let before = &stems[..stems.len().min(typed.len() - 1)];
        self.in_any_field(|field| {
            let terms = before
                .iter()
                .chain(std::iter::once(last))
                .map(|w| IndexTerm::from_field_text(field, w))
                .collect();
            let mut query = PhrasePrefixQuery::new(terms);
            query.set_max_expansions(MAX_PREFIX_EXPANSIONS);
            Box::new(query)
        })
    }

    /// `make`'s query in each text field, with that field's weight; a document matches
    /// through any of them, and its score sums theirs.
    fn in_any_field(&self, make: impl Fn(Field) -> Box<dyn Query>) -> Box<dyn Query> {
        let clauses = self
            .fields
            .text
            .iter()
            .map(|&(field, weight)| {
                let query = make(field);
                let query: Box<dyn Query> = if weight == 1.0 {
                    query
                } else {
                    Box::new(BoostQuery::new(query, weight))
                };
                (Occur::Should, query)
            })
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }
}
