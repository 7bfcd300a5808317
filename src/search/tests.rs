//! The search module's tests: query translation on an in-memory index, then the whole
//! lifecycle (log, catch up, rebuild) over a real SQLite database.

#![cfg(test)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::collect::{AllIds, PublicTop};
use super::schema::{ArticleText, NEVER, register};
use super::*;
use crate::db;

// ---------------------------------------------------------------------------------------
// Query translation, on an in-memory index.

/// An index of `(id, visible_at, title, body)` articles.
fn ram_index(articles: &[(i64, i64, &str, &str)]) -> (Index, Fields) {
    let fields = Fields::new();
    let index = Index::create_in_ram(fields.schema.clone());
    register(&index);
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    for &(id, visible_at, title, body) in articles {
        let text = ArticleText {
            id,
            visible_at,
            title: title.into(),
            subtitle: None,
            excerpt: String::new(),
            body: body.into(),
        };
        writer.add_document(fields.document(&text)).unwrap();
    }
    writer.commit().unwrap();
    (index, fields)
}

fn parse(q: &str) -> TextQuery {
    TextQuery::parse(q).unwrap().unwrap()
}

/// The ids that `q` matches, ascending.
fn matching(index: &(Index, Fields), q: &str) -> Vec<i64> {
    let searcher = index.0.reader().unwrap().searcher();
    searcher
        .search(&*parse(q).to_query(&index.1), &AllIds)
        .unwrap()
}

/// The public hits of `q` at `now`, best first, and their count.
fn ranked(index: &(Index, Fields), q: &str, now: i64, count: bool) -> (Vec<i64>, u64) {
    let searcher = index.0.reader().unwrap().searcher();
    let top = PublicTop {
        now,
        keep: 10,
        scored: true,
        count,
        before: None,
    };
    let (hits, total) = searcher
        .search(&*parse(q).to_query(&index.1), &top)
        .unwrap();
    (hits.iter().map(|h| h.id).collect(), total)
}

/// The test newsroom of `tests/api/articles.rs`, by id 1–6, published a day apart.
fn newsroom() -> (Index, Fields) {
    ram_index(&[
        (
            1,
            100,
            "Jets strike militants in Qāʾim",
            "Fourteen militants were killed near Qaim.",
        ),
        (
            2,
            200,
            "Families flee Rawa",
            "A militant checkpoint was abandoned as families fled.",
        ),
        (
            3,
            300,
            "The black stain on the map",
            "The map shows the towns as a black stain.",
        ),
        (
            4,
            400,
            "Army enters Qaim",
            "Troops entered the town from three directions.",
        ),
        (
            5,
            500,
            "A school becomes a shelter",
            "Forty families sleep in the classrooms.",
        ),
        (6, 600, "Briefing", "Stains, maps and militants: the week."),
    ])
}

#[test]
fn words_match_by_their_stem_and_are_all_required() {
    let idx = newsroom();
    assert_eq!(matching(&idx, "militant"), [1, 2, 6]);
    assert_eq!(matching(&idx, "MILITANTS"), [1, 2, 6]);
    assert_eq!(matching(&idx, "militants checkpoint"), [2]);
    assert_eq!(matching(&idx, "stain"), [3, 6]);
    assert_eq!(matching(&idx, "nothing-like-this"), Vec::<i64>::new());
}

#[test]
fn diacritics_and_modifier_letters_are_folded_both_ways() {
    let idx = newsroom();
    assert_eq!(matching(&idx, "qaim"), [1, 4]);
    assert_eq!(matching(&idx, "Qāʾim"), [1, 4]);
    assert_eq!(matching(&idx, "QĀIM"), [1, 4]);
}

#[test]
fn phrases_match_only_in_order_and_within_one_field() {
    let idx = newsroom();
    assert_eq!(matching(&idx, "\"black stain\""), [3]);
    assert_eq!(matching(&idx, "\"stain black\""), Vec::<i64>::new());
    // "families" is in 2's title and body, "fled" only in its body; "flee rawa" in its title.
    assert_eq!(matching(&idx, "\"families fled\""), [2]);
    assert_eq!(matching(&idx, "\"flee rawa\""), [2]);
    assert_eq!(matching(&idx, "\"rawa families\""), Vec::<i64>::new());
    // A word with punctuation inside is a phrase of its parts.
    assert_eq!(matching(&idx, "black-stain"), [3]);
}

#[test]
fn prefixes_match_the_start_of_a_word() {
    let idx = newsroom();
    assert_eq!(matching(&idx, "shelt*"), [5]);
    assert_eq!(matching(&idx, "SHELT*"), [5]);
    assert_eq!(matching(&idx, "mili*"), [1, 2, 6]);
    assert_eq!(
        matching(&idx, "\"black stain*\""),
        [3],
        "a quoted `*` is no prefix…"
    );
    assert_eq!(
        matching(&idx, "\"black sta*\""),
        Vec::<i64>::new(),
        "…but punctuation"
    );
    assert_eq!(
        matching(&idx, "black-sta*"),
        [3],
        "the phrase's last word as a prefix"
    );
    assert_eq!(matching(&idx, "zzz*"), Vec::<i64>::new());
}

#[test]
fn exclusions_remove_words_and_phrases() {
    let idx = newsroom();
    assert_eq!(matching(&idx, "militants -checkpoint"), [1, 6]);
    assert_eq!(matching(&idx, "militants -checkpoint -week"), [1]);
    assert_eq!(matching(&idx, "stain -\"black stain\""), [6]);
    assert_eq!(matching(&idx, "stain -\"stain black\""), [3, 6]);
    assert!(TextQuery::parse("-militants").unwrap().is_none());
}

#[test]
fn hostile_input_is_only_ever_words() {
    let idx = newsroom();
    for q in ["\"", "\"\"", "*", "-", "(((", "\0", "\u{202e}", "🙂"] {
        assert!(TextQuery::parse(q).unwrap().is_none(), "{q:?}");
    }
    for q in [
        "NEAR(",
        "a OR",
        "AND",
        "title:qaim",
        "^qaim",
        "qaim\"",
        "qaim~2",
        "body:[a TO z]",
        "'; DROP TABLE articles; --",
        "qaim^10",
        "+qaim",
        "-(qaim",
        "\\qaim",
    ] {
        // Each is a list of plain words; none is an error.
        let _ = matching(&idx, q);
    }
    assert_eq!(
        matching(&idx, "title:qaim"),
        Vec::<i64>::new(),
        "`title qaim` as a phrase"
    );
    assert_eq!(matching(&idx, "qaim^10"), Vec::<i64>::new());
    assert_eq!(matching(&idx, "qaim\""), [1, 4]);
    // Words the analyzer drops whole match nothing (a modifier letter, an overlong token).
    assert_eq!(matching(&idx, "ʾ"), Vec::<i64>::new());
    assert_eq!(matching(&idx, &"x".repeat(80)), Vec::<i64>::new());
}

#[test]
fn titles_weigh_more_than_bodies_and_dates_break_ties() {
    let idx = newsroom();
    // 3 has "stain" in its title, 6 only in its body.
    assert_eq!(ranked(&idx, "stain", i64::MAX - 1, false).0, [3, 6]);
    // 1 and 4 have "Qaim" in the title: they come before 2, which has it nowhere, and 5,
    // which has "Qaim" only in its body.
    let idx = ram_index(&[
        (1, 100, "Jets strike militants in Qāʾim", "Near Qaim."),
        (4, 400, "Army enters Qaim", "Troops."),
        (5, 500, "Briefing", "From Qaim and Rawa."),
        (2, 200, "Rawa", "Families."),
    ]);
    let (hits, total) = ranked(&idx, "qaim", i64::MAX - 1, true);
    assert_eq!((hits[2], total), (5, 3), "{hits:?}");
    let (same, _) = ranked(
        &ram_index(&[
            (1, 100, "x", "word"),
            (2, 300, "x", "word"),
            (3, 200, "x", "word"),
        ]),
        "word",
        i64::MAX - 1,
        false,
    );
    assert_eq!(same, [2, 3, 1], "equal scores: newest first");
}

#[test]
fn only_what_is_public_at_the_moment_is_found_and_counted() {
    let idx = ram_index(&[
        (1, 100, "qaim", ""),
        (2, 200, "qaim", ""),
        (3, NEVER, "qaim", "a draft"),
        (4, 300, "qaim", "scheduled"),
    ]);
    assert_eq!(ranked(&idx, "qaim", 250, true), (vec![2, 1], 2));
    assert_eq!(ranked(&idx, "qaim", 300, true), (vec![4, 2, 1], 3));
    assert_eq!(ranked(&idx, "qaim", i64::MAX - 1, false).0, [4, 2, 1]);
    assert_eq!(
        matching(&idx, "qaim"),
        [1, 2, 3, 4],
        "all ids include drafts"
    );
}

#[test]
fn pruned_and_exhaustive_top_hits_agree() {
    // Enough documents for Block-WAND to skip blocks.
    let texts: Vec<(i64, i64, String, String)> = (1..=3000i64)
        .map(|n| {
            let body = format!(
                "{} militant {}",
                "filler ".repeat((n % 37) as usize),
                "word ".repeat((n % 5) as usize)
            );
            let title = if n % 500 == 0 { "militant" } else { "other" };
            (n, n, title.to_owned(), body)
        })
        .collect();
    let borrowed: Vec<(i64, i64, &str, &str)> = texts
        .iter()
        .map(|(a, b, c, d)| (*a, *b, c.as_str(), d.as_str()))
        .collect();
    let idx = ram_index(&borrowed);
    let now = 2000;
    let (pruned, _) = ranked(&idx, "militant", now, false);
    let (exhaustive, total) = ranked(&idx, "militant", now, true);
    assert_eq!(pruned, exhaustive);
    assert_eq!(total, 2000);
    let mut title_hits = pruned[..4].to_vec();
    title_hits.sort_unstable();
    assert_eq!(
        title_hits,
        [500, 1000, 1500, 2000],
        "title hits first: {pruned:?}"
    );
}

#[test]
fn building_is_a_503_that_says_so_and_other_failures_a_generic_500() {
    use actix_web::ResponseError;
    let building = AppError::from(SearchError::Building);
    assert_eq!(building.status_code().as_u16(), 503);
    assert!(
        building
            .problem()
            .detail
            .contains("search index is not ready")
    );
    let broken = AppError::from(SearchError::Corrupt("disk on fire".into()));
    assert_eq!(broken.status_code().as_u16(), 500);
    assert!(!broken.problem().detail.contains("disk"));
}

// ---------------------------------------------------------------------------------------
// The lifecycle, over SQLite.

struct Newsroom {
    dir: tempfile::TempDir,
    pool: db::DbPool,
    commits: Arc<AtomicUsize>,
}

impl Newsroom {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dateline.db");
        let pool = db::open_pool(&path, 2).unwrap();
        db::migrate(&path).unwrap();
        Self {
            dir,
            pool,
            commits: Arc::default(),
        }
    }

    fn index_dir(&self) -> PathBuf {
        self.dir.path().join("search")
    }

    fn open(&self) -> SearchIndex {
        let commits = self.commits.clone();
        SearchIndex::open(
            &self.index_dir(),
            self.pool.clone(),
            Box::new(move || {
                commits.fetch_add(1, AtomicOrdering::SeqCst);
            }),
        )
    }

    fn conn(&self) -> diesel::r2d2::PooledConnection<db::Manager> {
        self.pool.get().unwrap()
    }

    /// Adds an article; `published_at` in unix seconds.
    fn add(&self, title: &str, body: &str, status: &str, published_at: Option<i64>) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        let slug = format!(
            "{}-{}",
            title.to_lowercase().replace(' ', "-"),
            rand_suffix()
        );
        diesel::sql_query(
            "INSERT INTO articles (slug, status, published_at, created_at, updated_at, \
             word_count, reading_time_minutes, title, excerpt, body, body_html) \
             VALUES (?, ?, datetime(?, 'unixepoch'), '2026-01-01 00:00:00', \
             '2026-01-01 00:00:00', 1, 1, ?, '', ?, '') RETURNING id",
        )
        .bind::<Text, _>(slug)
        .bind::<Text, _>(status)
        .bind::<Nullable<BigInt>, _>(published_at)
        .bind::<Text, _>(title)
        .bind::<Text, _>(body)
        .get_result::<Id>(&mut *self.conn())
        .unwrap()
        .id
    }

    fn run(&self, sql: &str) {
        self.conn().batch_execute(sql).unwrap();
    }

    fn pending_changes(&self) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        diesel::sql_query("SELECT count(*) AS n FROM search_changes")
            .get_result::<N>(&mut *self.conn())
            .unwrap()
            .n
    }
}

fn rand_suffix() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, AtomicOrdering::Relaxed)
}

const LATER: i64 = 4_000_000_000;

fn settle(index: &SearchIndex) {
    assert!(
        index.wait_caught_up(Duration::from_secs(20)).unwrap(),
        "caught up"
    );
}

/// The public hits of `q` at `now`, newest first.
fn public_ids(index: &SearchIndex, q: &str, now: i64) -> Vec<i64> {
    index
        .public(&parse(q), now, Order::Newest, 0, 20, false, None)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id)
        .collect()
}

#[test]
fn a_missing_index_is_built_and_then_follows_every_change() {
    let room = Newsroom::new();
    let old = room.add(
        "Jets strike militants",
        "Near Qaim.",
        "published",
        Some(1000),
    );
    let index = room.open();
    assert!(!index.is_ready());
    assert!(matches!(
        index.public(&parse("qaim"), LATER, Order::Relevance, 0, 20, true, None),
        Err(SearchError::Building)
    ));
    index.start().unwrap();
    settle(&index);
    assert!(index.is_ready());
    assert_eq!(public_ids(&index, "militant", LATER), [old]);

    // New, edited, unpublished, deleted, scheduled.
    let new = room.add("Army enters Qaim", "Troops.", "published", Some(2000));
    let draft = room.add("Qaim draft", "Not yet.", "draft", None);
    let scheduled = room.add("Qaim tomorrow", "Soon.", "scheduled", Some(3000));
    index.notify();
    settle(&index);
    assert_eq!(public_ids(&index, "qaim", LATER), [scheduled, new, old]);
    assert_eq!(
        public_ids(&index, "qaim", 2500),
        [new, old],
        "the scheduled one is not due"
    );
    let window = |offset, limit, count, before| {
        let hits = index
            .public(
                &parse("qaim"),
                LATER,
                Order::Newest,
                offset,
                limit,
                count,
                before,
            )
            .unwrap();
        (
            hits.hits.iter().map(|h| h.id).collect::<Vec<_>>(),
            hits.total,
        )
    };
    assert_eq!(window(1, 1, true, None), (vec![new], Some(3)));
    assert_eq!(window(0, 5, false, Some((2000, new))), (vec![old], None));
    assert_eq!(
        window(0, 5, true, Some((2000, new + 1))),
        (vec![new, old], Some(3))
    );
    assert_eq!(window(3, 5, true, None), (vec![], Some(3)));
    assert_eq!(
        index.all_ids(&parse("qaim"), 10).unwrap(),
        Some(vec![old, new, draft, scheduled])
    );
    assert_eq!(index.all_ids(&parse("qaim"), 3).unwrap(), None);

    room.run(&format!(
        "UPDATE articles SET status = 'draft' WHERE id = {new}"
    ));
    room.run(&format!(
        "UPDATE articles SET body = 'Near Anah.' WHERE id = {old}"
    ));
    room.run(&format!("DELETE FROM articles WHERE id = {scheduled}"));
    settle(&index);
    assert_eq!(public_ids(&index, "qaim", LATER), Vec::<i64>::new());
    assert_eq!(public_ids(&index, "anah", LATER), [old]);
    assert_eq!(
        index.all_ids(&parse("qaim"), 10).unwrap(),
        Some(vec![new, draft])
    );
    // Cleared just after the commit is announced.
    let deadline = Instant::now() + Duration::from_secs(5);
    while room.pending_changes() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(room.pending_changes(), 0, "applied changes are cleared");
    assert!(
        room.commits.load(AtomicOrdering::SeqCst) >= 3,
        "the callback ran per commit"
    );
}

#[test]
fn an_update_that_changes_nothing_searched_logs_nothing() {
    let room = Newsroom::new();
    let id = room.add("Qaim", "Body.", "published", Some(1000));
    room.run("DELETE FROM search_changes");
    room.run(&format!(
        "UPDATE articles SET title = title, status = 'scheduled', comment_count = 3 WHERE id = {id}"
    ));
    assert_eq!(room.pending_changes(), 0, "visible_at stayed the same");
    room.run(&format!(
        "UPDATE articles SET status = 'archived' WHERE id = {id}"
    ));
    assert_eq!(room.pending_changes(), 1);
}

#[test]
fn an_index_survives_a_restart_and_is_rebuilt_when_deleted_broken_or_ahead() {
    let room = Newsroom::new();
    let a = room.add("Qaim", "One.", "published", Some(1000));
    let rebuilds = |index: &SearchIndex| index.shared.rebuilds.load(AtomicOrdering::SeqCst);
    {
        let index = room.open();
        index.start().unwrap();
        settle(&index);
        assert_eq!(rebuilds(&index), 1, "missing, so built");
    }
    let b = room.add("Qaim again", "Two.", "published", Some(2000));

    // Reopened: catches up with what was written while it was closed, without a rebuild.
    let index = reopen(&room);
    assert!(!index.is_ready(), "nothing happens before start");
    index.start().unwrap();
    settle(&index);
    assert_eq!(rebuilds(&index), 0);
    assert_eq!(public_ids(&index, "qaim", LATER), [b, a]);
    drop(index);

    // Deleted: rebuilt from the database.
    std::fs::remove_dir_all(room.index_dir()).unwrap();
    let index = reopen(&room);
    index.start().unwrap();
    settle(&index);
    assert_eq!(rebuilds(&index), 1);
    assert_eq!(public_ids(&index, "qaim", LATER), [b, a]);
    drop(index);

    // Broken: rebuilt, and other files in its folder are left alone.
    std::fs::write(room.index_dir().join("meta.json"), "{not json").unwrap();
    std::fs::write(room.index_dir().join("notes.txt"), "mine").unwrap();
    let index = reopen(&room);
    index.start().unwrap();
    settle(&index);
    assert_eq!(rebuilds(&index), 1);
    assert_eq!(public_ids(&index, "qaim", LATER), [b, a]);
    assert!(room.index_dir().join("notes.txt").exists());
    drop(index);

    // Ahead of the database (a database restored from a backup): rebuilt.
    room.run("DELETE FROM sqlite_sequence WHERE name = 'search_changes'");
    let index = reopen(&room);
    index.start().unwrap();
    settle(&index);
    assert_eq!(rebuilds(&index), 1);
    assert_eq!(public_ids(&index, "qaim", LATER), [b, a]);
}

/// Opens the index of `room` again. The previous indexer may still hold the index writer for
/// a moment; the new one retries until it is free.
fn reopen(room: &Newsroom) -> SearchIndex {
    room.open()
}

#[test]
fn remembered_answers_follow_the_clock_and_every_index_commit() {
    let room = Newsroom::new();
    let old = room.add("Qaim market reopens", "Stalls.", "published", Some(1000));
    let soon = room.add("Qaim council meets", "Agenda.", "scheduled", Some(3000));
    let index = room.open();
    index.remember(true);
    index.start().unwrap();
    settle(&index);
    // Asked twice before the scheduled article falls due, then at and after that moment on
    // the same searcher: the kept answer ends exactly when it falls due.
    for now in [2000, 2999] {
        assert_eq!(public_ids(&index, "qaim", now), [old], "at {now}");
    }
    for now in [3000, 3001, 2999] {
        let want = if now >= 3000 {
            vec![soon, old]
        } else {
            vec![old]
        };
        assert_eq!(public_ids(&index, "qaim", now), want, "at {now}");
    }
    // A moment before the searcher was first seen is answered, not kept.
    assert_eq!(public_ids(&index, "qaim", 1500), [old]);
    // A commit brings in what it holds.
    let new = room.add("Qaim bridge rebuilt", "Crews.", "published", Some(2500));
    index.notify();
    settle(&index);
    assert_eq!(public_ids(&index, "qaim", 3001), [soon, new, old]);
    room.run(&format!("DELETE FROM articles WHERE id = {soon}"));
    index.notify();
    settle(&index);
    assert_eq!(public_ids(&index, "qaim", 3001), [new, old]);
    // The same answers as a search that keeps nothing, total included.
    let counted = |index: &SearchIndex| {
        index
            .public(&parse("qaim"), 3001, Order::Relevance, 0, 1, true, None)
            .unwrap()
    };
    let kept = counted(&index);
    assert_eq!(kept, counted(&index));
    index.remember(false);
    assert_eq!(kept, counted(&index));
}
