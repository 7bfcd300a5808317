//! `dateline seed --synthetic N [--seed S]`: an archive of `N` realistic articles to measure
//! against, fast (a million in a few minutes) and deterministic (the same seed on the same day
//! gives the same database).
//!
//! The articles are what a wire desk files: 2–5 KB Markdown bodies (paragraphs, the odd
//! subheading, quote, list and link) drawn from a vocabulary with a Zipf-like distribution, so
//! that search meets words in half the archive, in a tenth of it, and in a handful of
//! articles; 1–3 authors of a few hundred, tags, sources and datelines, each with its own
//! popular few; 90% published over ten years, 5% drafts, 2% scheduled (half of them already
//! due), 3% archived; and comments under a share of them. Bodies are rendered and sanitized by
//! the same code as the API's, on every core while one thread writes, in batched
//! transactions.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::articles::dto::{ArticleLinks, ArticleStatus};
use crate::articles::models::{ArticleFields, NewArticle};
use crate::articles::{queries as article_queries, render};
use crate::authors::models::NewAuthor;
use crate::comments::dto::body_hash;
use crate::comments::models::NewComment;
use crate::db::Conn;
use crate::db::schema::{articles, authors, comments, sources, tags};
use crate::slug;
use crate::sources::dto::SourceKind;
use crate::sources::models::NewSource;
use crate::tags::models::NewTag;

/// How many articles a generating thread makes at a time.
const BATCH: usize = 2_000;
/// How many batches one write transaction holds: fewer, larger transactions write faster.
const BATCHES_PER_TRANSACTION: usize = 8;
/// The exponent of the vocabulary's Zipf-like law: news text has a lighter tail of rare words
/// than the plain `1/r`.
const WORD_EXPONENT: f64 = 1.2;
/// Distinct words in the vocabulary; the rarest appear in a handful of a million articles.
const VOCABULARY: usize = 2_000_000;
const AUTHORS: usize = 300;
const TAGS: usize = 200;
const SOURCES: usize = 60;
/// The span of the archive, ending at the seed's day.
const YEARS: i64 = 10;

/// What to make.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub articles: usize,
    pub seed: u64,
}

/// What was made.
#[derive(Debug, Default)]
pub struct Summary {
    pub authors: usize,
    pub tags: usize,
    pub sources: usize,
    pub articles: usize,
    pub comments: usize,
}

/// Why seeding stopped.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the database already holds {0} articles; seed an empty one")]
    NotEmpty(i64),
    #[error("cannot open the database: {0}")]
    Open(#[from] diesel::ConnectionError),
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("a generating thread stopped")]
    Worker,
}

/// SplitMix64: small, fast and good enough to make test data, and stable across versions
/// (which a crate's generator need not be), so a seed always means the same archive.
struct Rng(u64);

impl Rng {
    /// The generator of one stream (an article) of a seed: streams do not overlap.
    fn new(seed: u64, stream: u64) -> Self {
        let mut first = Self(stream);
        let mut rng = Self(seed ^ first.next());
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A rank in `0..n`, Zipf-like (the density of `1/x`, inverted): rank 0 is drawn most,
    /// and rank `r` about `1/(r+1)` as often.
    fn zipf(&mut self, n: usize) -> usize {
        let x = ((n + 1) as f64).powf(self.unit());
        (x as usize).saturating_sub(1).min(n - 1)
    }

    /// A rank in `0..n` with the density of `x^-s` (`s > 1`) inverted: a lighter tail than
    /// [`Rng::zipf`].
    fn zipf_s(&mut self, n: usize, s: f64) -> usize {
        let tail = ((n + 1) as f64).powf(1.0 - s);
        let x = (1.0 - self.unit() * (1.0 - tail)).powf(1.0 / (1.0 - s));
        (x as usize).saturating_sub(1).min(n - 1)
    }

    /// A word's rank in the vocabulary.
    fn word(&mut self) -> usize {
        self.zipf_s(VOCABULARY, WORD_EXPONENT)
    }

    /// `count` distinct Zipf-like ranks in `0..n`.
    fn distinct(&mut self, n: usize, count: usize) -> Vec<usize> {
        let mut picked = Vec::with_capacity(count);
        while picked.len() < count.min(n) {
            let r = self.zipf(n);
            if !picked.contains(&r) {
                picked.push(r);
            }
        }
        picked
    }
}

/// The most frequent words first, then the words of the news: in a million articles the
/// first ones are in nearly all, and ranks around 360 (`militants`, say) in about a tenth.
const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "it",
    "that",
    "was",
    "for",
    "on",
    "are",
    "with",
    "as",
    "he",
    "be",
    "at",
    "by",
    "this",
    "had",
    "from",
    "or",
    "have",
    "an",
    "they",
    "which",
    "one",
    "you",
    "were",
    "all",
    "we",
    "her",
    "she",
    "there",
    "would",
    "their",
    "will",
    "when",
    "who",
    "him",
    "been",
    "has",
    "more",
    "if",
    "no",
    "out",
    "so",
    "said",
    "what",
    "up",
    "its",
    "about",
    "than",
    "into",
    "them",
    "can",
    "only",
    "other",
    "new",
    "some",
    "could",
    "time",
    "these",
    "two",
    "may",
    "then",
    "do",
    "first",
    "any",
    "my",
    "now",
    "such",
    "like",
    "our",
    "over",
    "man",
    "me",
    "even",
    "most",
    "made",
    "after",
    "also",
    "did",
    "many",
    "before",
    "must",
    "through",
    "back",
    "years",
    "where",
    "much",
    "your",
    "way",
    "well",
    "down",
    "should",
    "because",
    "each",
    "just",
    "those",
    "people",
    "how",
    "too",
    "little",
    "state",
    "good",
    "very",
    "make",
    "world",
    "still",
    "own",
    "see",
    "men",
    "work",
    "long",
    "get",
    "here",
    "between",
    "both",
    "life",
    "being",
    "under",
    "never",
    "day",
    "same",
    "another",
    "know",
    "while",
    "last",
    "might",
    "us",
    "great",
    "old",
    "year",
    "off",
    "come",
    "since",
    "against",
    "go",
    "came",
    "right",
    "used",
    "take",
    "three",
    "week",
    "month",
    "morning",
    "night",
    "told",
    "according",
    "local",
    "officials",
    "government",
    "forces",
    "security",
    "minister",
    "army",
    "police",
    "city",
    "province",
    "attack",
    "killed",
    "wounded",
    "militants",
    "troops",
    "border",
    "president",
    "election",
    "report",
    "war",
    "military",
    "operation",
    "district",
    "village",
    "town",
    "council",
    "spokesman",
    "statement",
    "source",
    "sources",
    "residents",
    "families",
    "civilians",
    "fighters",
    "commander",
    "offensive",
    "strike",
    "strikes",
    "air",
    "ground",
    "road",
    "bridge",
    "river",
    "desert",
    "north",
    "south",
    "east",
    "west",
    "western",
    "northern",
    "southern",
    "eastern",
    "capital",
    "parliament",
    "prime",
    "ministry",
    "defence",
    "interior",
    "oil",
    "water",
    "power",
    "electricity",
    "schools",
    "hospital",
    "doctors",
    "aid",
    "food",
    "prices",
    "market",
    "traders",
    "farmers",
    "workers",
    "students",
    "teachers",
    "protest",
    "protesters",
    "rally",
    "talks",
    "agreement",
    "deal",
    "budget",
    "reform",
    "law",
    "court",
    "judge",
    "trial",
    "prison",
    "arrest",
    "arrested",
    "suspects",
    "bomb",
    "explosion",
    "blast",
    "checkpoint",
    "convoy",
    "camp",
    "camps",
    "displaced",
    "return",
    "returned",
    "homes",
    "rebuilding",
    "reconstruction",
    "damage",
    "flood",
    "drought",
    "heat",
    "dust",
    "storm",
    "harvest",
    "wheat",
    "dates",
    "cattle",
    "fuel",
    "shortage",
    "queue",
    "queues",
    "frontier",
    "crossing",
    "trade",
    "exports",
    "imports",
    "investment",
    "company",
    "companies",
    "contract",
    "contracts",
    "project",
    "projects",
    "plan",
    "plans",
    "vote",
    "voters",
    "candidates",
    "campaign",
    "party",
    "parties",
    "coalition",
    "alliance",
    "tribal",
    "tribes",
    "sheikh",
    "leaders",
    "envoy",
    "embassy",
    "visit",
    "delegation",
    "summit",
    "meeting",
    "conference",
    "journalists",
    "media",
    "television",
    "newspaper",
    "agency",
    "interview",
    "witnesses",
    "video",
    "photos",
    "footage",
    "claims",
    "denied",
    "confirmed",
    "announced",
    "warned",
    "called",
    "urged",
    "promised",
    "expected",
    "estimated",
    "reported",
    "killing",
    "bombing",
    "raid",
    "raids",
    "clashes",
    "fighting",
    "battle",
    "siege",
    "retaken",
    "liberated",
    "captured",
    "control",
    "areas",
    "positions",
    "weapons",
    "ammunition",
    "explosives",
    "workshop",
    "tunnel",
    "tunnels",
    "mines",
    "engineers",
    "snipers",
    "drones",
    "jets",
    "helicopters",
    "artillery",
    "patrol",
    "patrols",
    "units",
    "brigade",
    "division",
    "regiment",
    "paramilitary",
    "volunteers",
    "recruits",
    "training",
    "advisers",
    "allies",
    "neighbouring",
    "regional",
    "international",
    "united",
    "nations",
    "humanitarian",
    "refugees",
    "shelter",
    "tents",
    "blankets",
    "winter",
    "summer",
    "ramadan",
    "holiday",
    "pilgrims",
    "shrine",
    "mosque",
    "church",
    "museum",
    "heritage",
    "ruins",
    "archaeologists",
    "history",
    "culture",
    "music",
    "football",
    "league",
    "stadium",
    "fans",
    "players",
    "coach",
    "match",
    "victory",
    "defeat",
    "record",
    "season",
    "health",
    "disease",
    "vaccine",
    "clinic",
    "patients",
    "nurses",
    "budgetary",
    "salaries",
    "pensions",
    "unemployment",
    "jobs",
    "graduates",
    "youth",
    "women",
    "children",
    "orphans",
    "widows",
    "elders",
    "survivors",
    "victims",
    "funeral",
    "mourners",
    "memorial",
    "anniversary",
    "ceremony",
    "flag",
    "hall",
    "square",
    "street",
    "neighbourhood",
    "quarter",
    "suburb",
    "outskirts",
    "highway",
    "airport",
    "port",
    "railway",
    "station",
    "factory",
    "refinery",
    "pipeline",
    "field",
    "fields",
    "wells",
    "dam",
    "canal",
    "irrigation",
    "marshes",
    "palm",
    "groves",
    "orchards",
];

const SYLLABLES: &[&str] = &[
    "ba", "ka", "da", "ra", "ma", "na", "sa", "ta", "la", "za", "be", "ke", "de", "re", "me", "ne",
    "se", "te", "le", "ze", "bi", "ki", "di", "ri", "mi", "ni", "si", "ti", "li", "zi", "bo", "ko",
    "do", "ro", "mo", "no", "so", "to", "lo", "zo",
];

/// The word of rank `rank`: a real one for the first ranks, then made-up, pronounceable and
/// distinct ones (a rank's digits in base 40, a syllable each, at least two).
fn word(rank: usize) -> std::borrow::Cow<'static, str> {
    if let Some(w) = WORDS.get(rank) {
        return std::borrow::Cow::Borrowed(w);
    }
    static REAL: std::sync::OnceLock<std::collections::HashSet<&str>> = std::sync::OnceLock::new();
    let mut n = rank - WORDS.len() + SYLLABLES.len();
    let mut out = String::with_capacity(9);
    while n > 0 {
        out.push_str(SYLLABLES[n % SYLLABLES.len()]);
        n /= SYLLABLES.len();
    }
    // A made-up word that spells a real one ("make") gets a tail: no two ranks share a word.
    if REAL
        .get_or_init(|| WORDS.iter().copied().collect())
        .contains(out.as_str())
    {
        out.push('x');
    }
    std::borrow::Cow::Owned(out)
}

const PLACES: &[&str] = &[
    "Baghdad",
    "Mosul",
    "Qaim",
    "Ramadi",
    "Fallujah",
    "Basra",
    "Erbil",
    "Kirkuk",
    "Haditha",
    "Rawa",
    "Tikrit",
    "Samarra",
    "Najaf",
    "Karbala",
    "Hilla",
    "Kut",
    "Amara",
    "Nasiriya",
    "Duhok",
    "Sulaimaniya",
    "Anah",
    "Hit",
    "Akashat",
    "Rutba",
    "Tal Afar",
    "Sinjar",
    "Baiji",
    "Beirut",
    "Damascus",
    "Amman",
    "Cairo",
    "Tehran",
    "Ankara",
    "Riyadh",
    "Doha",
    "Dubai",
    "Kuwait City",
    "Aleppo",
    "Deir ez-Zor",
    "Raqqa",
];

const TOPICS: &[&str] = &[
    "Islamic State",
    "Anbar",
    "Air strikes",
    "Iraqi army",
    "Displacement",
    "Elections",
    "Oil",
    "Economy",
    "Health",
    "Education",
    "Water",
    "Electricity",
    "Agriculture",
    "Culture",
    "Sport",
    "Football",
    "Heritage",
    "Religion",
    "Courts",
    "Corruption",
    "Parliament",
    "Kurdistan",
    "Syria",
    "Iran",
    "Turkey",
    "Diplomacy",
    "Trade",
    "Reconstruction",
    "Refugees",
    "Human rights",
    "Women",
    "Youth",
    "Climate",
    "Drought",
    "Floods",
    "Transport",
    "Technology",
    "Media",
    "Crime",
    "Protests",
    "Tribes",
    "Militias",
    "Coalition",
    "United Nations",
    "Aid",
    "Archaeology",
    "Music",
    "Food",
    "Business",
    "Weather",
];

const FIRST_NAMES: &[&str] = &[
    "Samir", "Layla", "Omar", "Huda", "Karim", "Noor", "Ali", "Zainab", "Hassan", "Rana", "Yusuf",
    "Maryam", "Ahmed", "Sara", "Mustafa", "Dalia", "Haider", "Aya", "Khalid", "Lina", "Tariq",
    "Farah", "Bilal", "Reem", "Walid", "Hiba", "Jamal", "Nadia", "Faris", "Salma",
];

const LAST_NAMES: &[&str] = &[
    "Khalil", "Hassan", "Farouk", "Jaber", "Saleh", "Mahdi", "Obaidi", "Rawi", "Dulaimi",
    "Jubouri", "Tamimi", "Shammari", "Kubaisi", "Ani", "Hashimi", "Bayati", "Zubaidi", "Azzawi",
    "Samarrai", "Mosuli", "Karbalai", "Basri", "Najafi", "Hilli", "Kurdi", "Barzani", "Talabani",
    "Haddad", "Naji", "Yasin",
];

/// Capitalizes the first letter.
fn capital(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `lo..=hi` words joined by spaces, drawn from the vocabulary past its `skip` commonest.
fn words(rng: &mut Rng, (lo, hi): (usize, usize), skip: usize) -> String {
    let count = rng.range(lo, hi);
    let mut out = String::new();
    for i in 0..count {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&word(skip + rng.word()));
    }
    out
}

fn sentence(rng: &mut Rng, out: &mut String) {
    let n = rng.range(8, 24);
    for i in 0..n {
        let w = word(rng.word());
        if i == 0 {
            out.push_str(&capital(&w));
        } else {
            out.push(' ');
            if rng.chance(0.01) {
                out.push_str("**");
                out.push_str(&w);
                out.push_str("**");
            } else if rng.chance(0.01) {
                out.push('*');
                out.push_str(&w);
                out.push('*');
            } else if rng.chance(0.004) {
                out.push_str(PLACES[rng.zipf(PLACES.len())]);
            } else {
                out.push_str(&w);
            }
        }
        if i + 1 < n && rng.chance(0.06) {
            out.push(',');
        }
    }
    out.push('.');
}

/// A Markdown body of 2–5 KB.
fn body(rng: &mut Rng) -> String {
    let target = rng.range(2_000, 5_000);
    let mut out = String::with_capacity(target + 400);
    let mut paragraphs = 0;
    while out.len() < target {
        if paragraphs > 0 {
            out.push_str("\n\n");
        }
        if paragraphs == 3 && rng.chance(0.4) {
            out.push_str("## ");
            out.push_str(&capital(&words(rng, (3, 6), 100)));
            out.push_str("\n\n");
        }
        if paragraphs == 2 && rng.chance(0.2) {
            out.push_str("> ");
            sentence(rng, &mut out);
        } else if paragraphs == 4 && rng.chance(0.15) {
            for _ in 0..3 {
                out.push_str("- ");
                sentence(rng, &mut out);
                out.push('\n');
            }
        } else {
            for _ in 0..rng.range(2, 5) {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push(' ');
                }
                sentence(rng, &mut out);
            }
            if paragraphs == 1 && rng.chance(0.25) {
                out.push_str(" See [the full statement](https://example.org/statements/");
                out.push_str(&rng.range(1_000, 99_999).to_string());
                out.push_str(").");
            }
        }
        paragraphs += 1;
    }
    out
}

/// One article, ready to insert: its columns and its links by index.
struct Generated {
    fields: ArticleFields,
    created_at: NaiveDateTime,
    authors: Vec<usize>,
    tags: Vec<usize>,
    sources: Vec<usize>,
    comments: Vec<GeneratedComment>,
}

struct GeneratedComment {
    /// Index of an earlier comment of the same article this one answers.
    parent: Option<usize>,
    name: String,
    body: String,
    status: &'static str,
    at: NaiveDateTime,
}

/// The whole archive's clock: its first and last moment.
#[derive(Clone, Copy)]
struct Timeline {
    start: NaiveDateTime,
    end: NaiveDateTime,
    total: usize,
}

impl Timeline {
    /// Article `i`'s moment: evenly along the span, give or take a few hours.
    fn at(&self, i: usize, rng: &mut Rng) -> NaiveDateTime {
        let span = (self.end - self.start).num_seconds();
        let base = span as f64 * (i as f64 + 0.5) / self.total as f64;
        let jitter = rng.range(0, 6 * 3600) as i64 - 3 * 3600;
        (self.start + Duration::seconds(base as i64 + jitter)).min(self.end)
    }
}

fn generate(i: usize, seed: u64, timeline: Timeline) -> Generated {
    let mut rng = Rng::new(seed, i as u64 + 1);
    let title = capital(&words(&mut rng, (6, 10), 60));
    let subtitle = rng
        .chance(0.3)
        .then(|| capital(&words(&mut rng, (8, 14), 40)));
    let markdown = body(&mut rng);
    let rendered = render::render(&markdown);
    let roll = rng.unit();
    let at = timeline.at(i, &mut rng);
    let (status, published_at) = if roll < 0.05 {
        (ArticleStatus::Draft, None)
    } else if roll < 0.06 {
        // Scheduled and already due: published by the clock, not yet by a save.
        let ago = Duration::minutes(rng.range(1, 3 * 24 * 60) as i64);
        (ArticleStatus::Scheduled, Some(timeline.end - ago))
    } else if roll < 0.07 {
        let ahead = Duration::minutes(rng.range(60, 60 * 24 * 60) as i64);
        (ArticleStatus::Scheduled, Some(timeline.end + ahead))
    } else if roll < 0.10 {
        (ArticleStatus::Archived, Some(at))
    } else {
        (ArticleStatus::Published, Some(at))
    };
    let created_at = published_at.unwrap_or(at) - Duration::minutes(rng.range(10, 600) as i64);
    let updated_at = (published_at.unwrap_or(at) + Duration::minutes(rng.range(0, 240) as i64))
        .min(timeline.end)
        .max(created_at);
    let byline = match rng.unit() {
        r if r < 0.6 => 1,
        r if r < 0.9 => 2,
        _ => 3,
    };
    let authors = rng.distinct(AUTHORS, byline);
    let tag_count = rng.range(1, 4);
    let tags = rng.distinct(TAGS, tag_count);
    let source_count = rng.range(1, 2);
    let sources = rng.distinct(SOURCES, source_count);
    let comments = if status == ArticleStatus::Published && rng.chance(0.08) {
        comments(&mut rng, at, timeline.end)
    } else {
        Vec::new()
    };
    let slug = format!("{}-{}", slug::derive(&title, "article"), i + 1);
    Generated {
        fields: ArticleFields {
            slug,
            title,
            subtitle,
            excerpt: rendered.excerpt,
            excerpt_custom: false,
            body: markdown,
            body_html: rendered.html,
            dateline: rng
                .chance(0.9)
                .then(|| PLACES[rng.zipf(PLACES.len())].to_owned()),
            status: status.as_str().to_owned(),
            published_at,
            word_count: rendered.word_count,
            reading_time_minutes: rendered.reading_time_minutes,
            comments_enabled: rng.chance(0.95),
            feature_image_id: None,
            updated_at,
        },
        created_at,
        authors,
        tags,
        sources,
        comments,
    }
}

fn comments(rng: &mut Rng, from: NaiveDateTime, until: NaiveDateTime) -> Vec<GeneratedComment> {
    let mut out: Vec<GeneratedComment> = Vec::new();
    let mut at = from;
    for _ in 0..rng.range(1, 12) {
        at = (at + Duration::minutes(rng.range(1, 600) as i64)).min(until);
        let mut body = String::new();
        for _ in 0..rng.range(1, 3) {
            if !body.is_empty() {
                body.push(' ');
            }
            sentence(rng, &mut body);
        }
        let status = match rng.unit() {
            r if r < 0.85 => "approved",
            r if r < 0.95 => "pending",
            r if r < 0.98 => "rejected",
            _ => "spam",
        };
        let parent = out
            .iter()
            .rposition(|c| c.status == "approved")
            .filter(|_| rng.chance(0.3));
        out.push(GeneratedComment {
            parent,
            name: format!(
                "{} {}",
                FIRST_NAMES[rng.zipf(FIRST_NAMES.len())],
                &LAST_NAMES[rng.zipf(LAST_NAMES.len())][..1]
            ),
            body: body.replace('*', ""),
            status,
            at,
        });
    }
    out
}

/// Authors, tags and sources; returns their ids in index order.
fn catalog(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<(Vec<i64>, Vec<i64>, Vec<i64>)> {
    let mut author_ids = Vec::with_capacity(AUTHORS);
    for i in 0..AUTHORS {
        let first = FIRST_NAMES[i % FIRST_NAMES.len()];
        let last = LAST_NAMES[(i / FIRST_NAMES.len() + 7 * i) % LAST_NAMES.len()];
        let name = format!("{first} {last}");
        let new = NewAuthor {
            slug: slug::derive(&name, "author"),
            bio: Some(format!(
                "Reports from {} for the desk.",
                PLACES[i % PLACES.len()]
            )),
            email: Some(format!(
                "{}.{}@newsroom.example",
                first.to_lowercase(),
                last.to_lowercase()
            )),
            website: None,
            avatar_image_id: None,
            name,
            created_by: None,
            created_at: now,
            updated_at: now,
        };
        author_ids.push(
            diesel::insert_into(authors::table)
                .values(&new)
                .returning(authors::id)
                .get_result(conn)?,
        );
    }
    let mut tag_ids = Vec::with_capacity(TAGS);
    for i in 0..TAGS {
        let name = match (TOPICS.get(i), PLACES.get(i.wrapping_sub(TOPICS.len()))) {
            (Some(topic), _) => (*topic).to_owned(),
            (None, Some(place)) => (*place).to_owned(),
            (None, None) => capital(&word(WORDS.len() + i * 7919)),
        };
        let new = NewTag {
            slug: slug::derive(&name, "tag"),
            description: Some(format!("Stories about {name}.")),
            name,
            created_by: None,
            created_at: now,
            updated_at: now,
        };
        tag_ids.push(
            diesel::insert_into(tags::table)
                .values(&new)
                .returning(tags::id)
                .get_result(conn)?,
        );
    }
    let mut source_ids = Vec::with_capacity(SOURCES);
    let kinds = [
        (SourceKind::Agency, "News Agency"),
        (SourceKind::Newspaper, "Times"),
        (SourceKind::Broadcaster, "TV"),
        (SourceKind::Website, "News"),
        (SourceKind::Government, "Media Office"),
    ];
    for i in 0..SOURCES {
        let (kind, suffix) = kinds[i % kinds.len()];
        let name = format!(
            "{} {suffix}",
            capital(&word(WORDS.len() + 104_729 * (i + 1)))
        );
        let slug = slug::derive(&name, "source");
        let new = NewSource {
            url: Some(format!("https://{slug}.example.org/")),
            slug,
            name,
            kind: kind.as_str().to_owned(),
            description: None,
            created_by: None,
            created_at: now,
            updated_at: now,
        };
        source_ids.push(
            diesel::insert_into(sources::table)
                .values(&new)
                .returning(sources::id)
                .get_result(conn)?,
        );
    }
    Ok((author_ids, tag_ids, source_ids))
}

/// Fills the (migrated, empty) database at `path`; `progress` hears how many articles are in.
pub fn run(
    path: &Path,
    options: Options,
    mut progress: impl FnMut(usize),
) -> Result<Summary, SeedError> {
    let mut conn = Conn::establish(&path.to_string_lossy())?;
    conn.batch_execute(
        "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = OFF;
         PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;",
    )?;
    let existing: i64 = articles::table.count().get_result(&mut conn)?;
    if existing > 0 {
        return Err(SeedError::NotEmpty(existing));
    }
    // The archive ends at the start of today (UTC): the same seed the same day, the same data.
    let today = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let timeline = Timeline {
        start: today - Duration::days(365 * YEARS),
        end: today,
        total: options.articles.max(1),
    };
    let (author_ids, tag_ids, source_ids) =
        crate::db::write_transaction(&mut conn, |c| catalog(c, today))?;
    let mut summary = Summary {
        authors: author_ids.len(),
        tags: tag_ids.len(),
        sources: source_ids.len(),
        ..Summary::default()
    };

    let chunks = options.articles.div_ceil(BATCH);
    let next_chunk = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (tx, rx) = mpsc::sync_channel::<(usize, Vec<Generated>)>(workers * 2);
    std::thread::scope(|scope| -> Result<(), SeedError> {
        for _ in 0..workers {
            let tx = tx.clone();
            let next_chunk = &next_chunk;
            scope.spawn(move || {
                loop {
                    let chunk = next_chunk.fetch_add(1, Ordering::Relaxed);
                    if chunk >= chunks {
                        break;
                    }
                    let end = ((chunk + 1) * BATCH).min(options.articles);
                    let batch = (chunk * BATCH..end)
                        .map(|i| generate(i, options.seed, timeline))
                        .collect();
                    if tx.send((chunk, batch)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Chunks arrive in any order; they are written in order, so ids follow the index.
        let mut waiting = BTreeMap::new();
        let mut expected = 0;
        while expected < chunks {
            let (chunk, batch) = rx.recv().map_err(|_| SeedError::Worker)?;
            waiting.insert(chunk, batch);
            while let Some(batch) = waiting.remove(&expected) {
                let ids = (&author_ids, &tag_ids, &source_ids);
                if expected % BATCHES_PER_TRANSACTION == 0 {
                    conn.batch_execute("BEGIN IMMEDIATE")?;
                }
                summary.comments += write_batch(&mut conn, batch, ids)?;
                expected += 1;
                if expected % BATCHES_PER_TRANSACTION == 0 || expected == chunks {
                    conn.batch_execute("COMMIT")?;
                }
                summary.articles = (expected * BATCH).min(options.articles);
                progress(summary.articles);
            }
        }
        Ok(())
    })?;
    conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA optimize;")?;
    Ok(summary)
}

/// Writes one batch of articles with their links and comments; returns the comments written.
fn write_batch(
    conn: &mut Conn,
    batch: Vec<Generated>,
    (author_ids, tag_ids, source_ids): (&Vec<i64>, &Vec<i64>, &Vec<i64>),
) -> QueryResult<usize> {
    let mut written = 0;
    for g in batch {
        let visible_at = match g.fields.status.as_str() {
            "published" | "scheduled" => g.fields.published_at,
            _ => None,
        };
        let new = NewArticle {
            fields: g.fields,
            created_by: None,
            created_at: g.created_at,
        };
        let id: i64 = diesel::insert_into(articles::table)
            .values(&new)
            .returning(articles::id)
            .get_result(conn)?;
        let pick = |ids: &Vec<i64>, picks: &[usize]| picks.iter().map(|&p| ids[p]).collect();
        let links = ArticleLinks {
            author_ids: pick(author_ids, &g.authors),
            tag_ids: pick(tag_ids, &g.tags),
            source_ids: pick(source_ids, &g.sources),
        };
        article_queries::insert_links(conn, id, visible_at, &links)?;
        let mut comment_ids: Vec<i64> = Vec::with_capacity(g.comments.len());
        for c in g.comments {
            let new = NewComment {
                article_id: id,
                parent_id: c.parent.and_then(|p| comment_ids.get(p).copied()),
                author_email: format!(
                    "{}@readers.example",
                    c.name.to_lowercase().replace(' ', ".")
                ),
                author_name: c.name,
                body_hash: body_hash(&c.body),
                body: c.body,
                status: c.status.to_owned(),
                user_id: None,
                created_at: c.at,
                updated_at: c.at,
            };
            comment_ids.push(
                diesel::insert_into(comments::table)
                    .values(&new)
                    .returning(comments::id)
                    .get_result(conn)?,
            );
            written += 1;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_distinct_and_zipf_like() {
        let mut seen = std::collections::HashSet::new();
        for rank in 0..200_000 {
            assert!(seen.insert(word(rank).into_owned()), "rank {rank} repeats");
        }
        let mut rng = Rng::new(1, 1);
        let draws = 200_000;
        let top = (0..draws).filter(|_| rng.zipf(VOCABULARY) == 0).count();
        // Rank 0 comes about ln 2 / ln(n + 1) of the time (~5% here).
        assert!((6_000..14_000).contains(&top), "{top}");
        // With the words' exponent, 1 − 2^−0.2 / (1 − (n+1)^−0.2) of the time (~14%).
        let top = (0..draws).filter(|_| rng.word() == 0).count();
        assert!((24_000..32_000).contains(&top), "{top}");
    }

    #[test]
    fn the_same_seed_makes_the_same_article() {
        let timeline = Timeline {
            start: NaiveDateTime::default(),
            end: NaiveDateTime::default() + Duration::days(3650),
            total: 1_000,
        };
        let a = generate(7, 42, timeline);
        let b = generate(7, 42, timeline);
        let c = generate(7, 43, timeline);
        assert_eq!(a.fields.body, b.fields.body);
        assert_eq!(a.authors, b.authors);
        assert_ne!(a.fields.body, c.fields.body);
        assert!((2_000..5_400).contains(&a.fields.body.len()));
        assert!(!a.fields.body_html.is_empty());
    }
}
