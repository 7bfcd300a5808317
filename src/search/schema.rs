//! The index's shape: which article fields it holds, how their text is analysed, and how an
//! article becomes an index document.
//!
//! Nothing is stored: a search answers article ids (a fast field), and the database supplies
//! the rest. The text fields keep positions for phrases.

use std::cell::RefCell;
use std::collections::HashMap;
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TantivyDocument, TextFieldIndexing,
    TextOptions,
};

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer,
};
use tantivy::{Index, Score};

/// The name the text fields' analyzer is registered under in every opened index.
const ANALYZER: &str = "dateline_en";

/// Tokens longer than this (in bytes) are not indexed: they are base64 blobs and the like,
/// which would bloat the term dictionary and that nobody types.
const MAX_TOKEN_BYTES: usize = 64;

/// A `visible_at` that no clock reaches: the article is not public (a draft, or archived).
pub const NEVER: i64 = i64::MAX;

/// Relevance weights of the text fields, as FTS5's `bm25(10, 5, 3, 1)` had them: a word in a
/// title counts ten times one in the body.
const WEIGHTS: [(&str, Score); 4] = [
    ("title", 10.0),
    ("subtitle", 5.0),
    ("excerpt", 3.0),
    ("body", 1.0),
];

/// The schema's fields, resolved once.
#[derive(Debug, Clone)]
pub struct Fields {
    pub schema: Schema,
    /// The article id: indexed to delete or replace its document, fast to answer it.
    pub id: Field,
    /// Unix seconds from which the article is public, or [`NEVER`].
    pub visible_at: Field,
    /// Title, subtitle, excerpt and body with their relevance weights.
    pub text: [(Field, Score); 4],
}

impl Fields {
    /// The schema every Dateline search index has.
    pub fn new() -> Self {
        let mut builder = Schema::builder();
        let id = builder.add_i64_field("id", NumericOptions::default().set_indexed().set_fast());
        let visible_at = builder.add_i64_field("visible_at", NumericOptions::default().set_fast());
        let text_options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let text = WEIGHTS
            .map(|(name, weight)| (builder.add_text_field(name, text_options.clone()), weight));
        Self {
            schema: builder.build(),
            id,
            visible_at,
            text,
        }
    }

    /// The index document of one article.
    pub fn document(&self, article: &ArticleText) -> TantivyDocument {
        let mut doc = TantivyDocument::new();
        doc.add_i64(self.id, article.id);
        doc.add_i64(self.visible_at, article.visible_at);
        let [title, subtitle, excerpt, body] = self.text.map(|(field, _)| field);
        doc.add_text(title, &article.title);
        if let Some(text) = &article.subtitle {
            doc.add_text(subtitle, text);
        }
        doc.add_text(excerpt, &article.excerpt);
        doc.add_text(body, &article.body);
        doc
    }
}

/// What the index needs of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleText {
    pub id: i64,
    /// Unix seconds, or [`NEVER`] (see [`Fields::visible_at`]).
    pub visible_at: i64,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: String,
    pub body: String,
}

/// Words as the index keeps them: split on anything but letters and digits, lower case,
/// folded to ASCII where a letter has an ASCII form (`Qāʾim` → `qaim`), and stemmed for
/// English (`militants` → `milit`). FTS5 did the same with `porter unicode61
/// remove_diacritics 2`.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(DropModifierLetters)
        .filter(CachedEnglishStemmer)
        .build()
}

/// [`analyzer`] without the stemmer, for the typed part of a `prefix*` (a stemmer would cut a
/// prefix as if it were a word: `shelt` must still find `shelter`).
pub fn prefix_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(DropModifierLetters)
        .build()
}

/// The tokens `analyzer` makes of `text`.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

/// Makes the text fields' analyzer known to `index` (it is not stored in the index files).
pub fn register(index: &Index) {
    index.tokenizers().register(ANALYZER, analyzer());
}

/// The English stemmer tantivy's `Stemmer::new(Language::English)` applies (the same
/// algorithm, so the same stems), remembering the last words it stemmed: stemming was the
/// largest part of indexing an article, and news text repeats its words.
#[derive(Clone, Copy, Debug)]
struct CachedEnglishStemmer;

/// How many words each thread remembers before it starts again (about half a megabyte).
const STEM_CACHE_WORDS: usize = 10_000;

thread_local! {
    static STEMS: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

impl TokenFilter for CachedEnglishStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        CachedStemmerFilter(tokenizer)
    }
}

#[derive(Clone)]
struct CachedStemmerFilter<T>(T);

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.0.token_stream(text),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

struct CachedStemmerStream<S> {
    tail: S,
    stemmer: frostem::Stemmer,
}

impl<S: TokenStream> TokenStream for CachedStemmerStream<S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        let stemmer = &self.stemmer;
        STEMS.with_borrow_mut(|stems| {
            if let Some(stem) = stems.get(&token.text) {
                token.text.clear();
                token.text.push_str(stem);
                return;
            }
            let stem = stemmer.stem(&token.text).into_owned();
            if stems.len() >= STEM_CACHE_WORDS {
                stems.clear();
            }
            let word = std::mem::replace(&mut token.text, stem.clone());
            stems.insert(word, stem);
        });
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Removes the modifier letters that transliterations write inside words (`ʾ` and `ʿ` in
/// `Qāʾim`, `ʿAnah`) and that ASCII folding leaves alone. They are letters to a tokenizer, so
/// they would keep `qaʾim` from matching `qaim`; FTS5's `remove_diacritics` dropped them too.
#[derive(Clone, Copy, Debug)]
struct DropModifierLetters;

/// The Unicode block "Spacing Modifier Letters".
fn is_modifier_letter(c: char) -> bool {
    ('\u{02B0}'..='\u{02FF}').contains(&c)
}

impl TokenFilter for DropModifierLetters {
    type Tokenizer<T: Tokenizer> = DropModifierLettersFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        DropModifierLettersFilter(tokenizer)
    }
}

#[derive(Clone)]
struct DropModifierLettersFilter<T>(T);

impl<T: Tokenizer> Tokenizer for DropModifierLettersFilter<T> {
    type TokenStream<'a> = DropModifierLettersStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        DropModifierLettersStream(self.0.token_stream(text))
    }
}

struct DropModifierLettersStream<S>(S);

impl<S: TokenStream> TokenStream for DropModifierLettersStream<S> {
    fn advance(&mut self) -> bool {
        // A token made only of modifier letters is no token at all.
        while self.0.advance() {
            let token = self.0.token_mut();
            if token.text.chars().any(is_modifier_letter) {
                token.text.retain(|c| !is_modifier_letter(c));
            }
            if !token.text.is_empty() {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{Language, Stemmer};

    #[test]
    fn words_are_lowered_folded_and_stemmed() {
        let mut a = analyzer();
        assert_eq!(tokens(&mut a, "Militants"), ["milit"]);
        assert_eq!(tokens(&mut a, "militant"), ["milit"]);
        assert_eq!(tokens(&mut a, "Al-Qāʾim"), ["al", "qaim"]);
        assert_eq!(tokens(&mut a, "Qaim"), ["qaim"]);
        assert_eq!(tokens(&mut a, "ʿAnah"), ["anah"]);
        assert_eq!(tokens(&mut a, "Stains, maps"), ["stain", "map"]);
        assert_eq!(tokens(&mut a, "body:x NEAR("), ["bodi", "x", "near"]);
        assert_eq!(tokens(&mut a, "ʾ ʿ"), Vec::<String>::new());
        assert_eq!(tokens(&mut a, &"x".repeat(65)), Vec::<String>::new());
    }

    #[test]
    fn the_cached_stemmer_stems_as_tantivys_does() {
        let mut plain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::English))
            .build();
        let text = "Militants shelled the bodies of running stains; militants ran, relational \
                    generously hopping cities";
        let mut cached = analyzer();
        // Twice: the second pass is served from the cache.
        for _ in 0..2 {
            assert_eq!(tokens(&mut cached, text), tokens(&mut plain, text));
        }
    }

    #[test]
    fn prefixes_are_not_stemmed() {
        let mut a = prefix_analyzer();
        assert_eq!(tokens(&mut a, "Shelt"), ["shelt"]);
        assert_eq!(tokens(&mut a, "Militan"), ["militan"]);
    }

    #[test]
    fn an_article_becomes_one_document_with_every_field() {
        let fields = Fields::new();
        let doc = fields.document(&ArticleText {
            id: 7,
            visible_at: NEVER,
            title: "t".into(),
            subtitle: None,
            excerpt: "e".into(),
            body: "b".into(),
        });
        assert_eq!(doc.len(), 5, "no subtitle field without a subtitle");
    }
}
