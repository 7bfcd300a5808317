//! A measurement, not a test: builds the index of a large archive and times searches on it.
//!
//! ```sh
//! cp /work/data/1m.db /tmp/1m.db   # a copy: a `search_changes` table is added to it
//! DATELINE_SEARCH_BENCH_DB=/tmp/1m.db cargo test --release --lib search::bench -- --ignored --nocapture
//! ```
//!
//! `DATELINE_SEARCH_BENCH_DIR` (default: `<db>.search`) is the index folder; it is rebuilt
//! (by the indexer thread, as the server would) when missing or when
//! `DATELINE_SEARCH_BENCH_REBUILD=1`. `DATELINE_SEARCH_BENCH_MERGE_ALL=1` merges an existing
//! index into one segment first.

#![cfg(test)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use tantivy::Term;

use super::indexer;
use super::*;
use crate::db;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn env_num(name: &str, default: usize) -> usize {
    env(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `VmRSS` and `VmHWM` of this process, in MiB.
fn memory() -> (u64, u64) {
    let (rss, peak, _, _) = memory_detail();
    (rss, peak)
}

/// `VmRSS`, `VmHWM`, `RssAnon` and `RssFile` (mapped index files) of this process, in MiB.
fn memory_detail() -> (u64, u64, u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    (
        field("VmRSS:"),
        field("VmHWM:"),
        field("RssAnon:"),
        field("RssFile:"),
    )
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Runs `f` `n` times; prints p50, p90, p99 and max in ms.
fn time(label: &str, n: usize, mut f: impl FnMut() -> String) {
    let mut took: Vec<Duration> = Vec::with_capacity(n);
    let mut what = String::new();
    for _ in 0..n {
        let start = Instant::now();
        what = f();
        took.push(start.elapsed());
    }
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |p: f64| took[((took.len() as f64 * p) as usize).min(took.len() - 1)];
    println!(
        "{label:<44} p50 {:>7.2} ms  p90 {:>7.2}  p99 {:>7.2}  max {:>7.2}   {what}",
        ms(at(0.5)),
        ms(at(0.9)),
        ms(at(0.99)),
        ms(took[took.len() - 1]),
    );
}

/// Body words whose document frequency is nearest `target` (within the first segment's
/// dictionary, checked against the whole index).
fn word_near(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    low: u64,
    high: u64,
) -> Option<(String, u64)> {
    let body = fields.text[3].0;
    let segment = searcher
        .segment_readers()
        .iter()
        .max_by_key(|s| s.num_docs())?;
    let share = searcher.num_docs() as f64 / f64::from(segment.num_docs());
    let inverted = segment.inverted_index(body).ok()?;
    let mut stream = inverted.terms().stream().ok()?;
    while stream.advance() {
        // A segment's share is only an estimate: check the whole index for anything close.
        // (A word in one document of the segment may be rare or not: check those too.)
        let in_segment = stream.value().doc_freq;
        let estimate = (f64::from(in_segment) * share) as u64;
        let maybe_rare = in_segment == 1 && high < share as u64;
        if !maybe_rare && (estimate < low / 2 || estimate > high.saturating_mul(2)) {
            continue;
        }
        let Ok(word) = std::str::from_utf8(stream.key()) else {
            continue;
        };
        if word.len() < 3 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
            continue;
        }
        // The dictionary holds stems: take one that a reader could type as it is.
        if schema::tokens(&mut schema::analyzer(), word) != [word] {
            continue;
        }
        let freq = searcher.doc_freq(&Term::from_field_text(body, word)).ok()?;
        if (low..=high).contains(&freq) {
            return Some((word.to_owned(), freq));
        }
    }
    None
}

#[test]
#[ignore = "a measurement on a large archive: set DATELINE_SEARCH_BENCH_DB"]
fn bench() {
    let Some(db_path) = env("DATELINE_SEARCH_BENCH_DB").map(PathBuf::from) else {
        println!("DATELINE_SEARCH_BENCH_DB is not set; nothing measured");
        return;
    };
    let dir = env("DATELINE_SEARCH_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| db_path.with_extension("search"));
    let pool = db::open_pool(&db_path, 2).unwrap();
    pool.get()
        .unwrap()
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS search_changes (
                 seq INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, article_id INTEGER NOT NULL);",
        )
        .unwrap();
    println!("database {}, index {}", db_path.display(), dir.display());

    let rebuild = env("DATELINE_SEARCH_BENCH_REBUILD").is_some() || !dir.join("meta.json").exists();
    if rebuild {
        // As the server does it: the indexer finds no index, builds it, then merges it.
        let _ = std::fs::remove_file(dir.join("meta.json"));
        let index = SearchIndex::open(&dir, pool.clone(), Box::new(|| {}));
        let started = Instant::now();
        index.start().unwrap();
        assert!(index.wait_caught_up(Duration::from_secs(3600)).unwrap());
        let built = started.elapsed().as_secs_f64();
        let (rss, peak) = memory();
        println!("rebuild: searchable after {built:.1} s; RSS {rss} MiB, peak {peak} MiB");
        loop {
            std::thread::sleep(Duration::from_secs(1));
            let segments = index.searcher().map_or(0, |s| s.segment_readers().len());
            if segments <= 1 || started.elapsed() > Duration::from_secs(3600) {
                break;
            }
        }
        let (rss, peak) = memory();
        println!(
            "rebuild: merged into one segment after {:.1} s; RSS {rss} MiB, peak {peak} MiB",
            started.elapsed().as_secs_f64()
        );
    }
    println!("index size: {} MiB", dir_size(&dir) >> 20);

    let (rss_before, _) = memory();
    let started = Instant::now();
    let index = SearchIndex::open(&dir, pool.clone(), Box::new(|| {}));
    index.start().unwrap();
    let ready = index.wait_caught_up(Duration::from_secs(60)).unwrap();
    println!(
        "open until ready: {:.1} ms, ready: {ready}",
        started.elapsed().as_secs_f64() * 1000.0
    );
    if env("DATELINE_SEARCH_BENCH_MERGE_ALL").is_some() {
        merge_all(&index);
    }
    let searcher = index.searcher().unwrap();
    println!(
        "{} documents in {} segments",
        searcher.num_docs(),
        searcher.segment_readers().len()
    );
    let fields = &index.shared.fields;
    let n = searcher.num_docs();
    let common = word_near(&searcher, fields, n / 12, n / 8).unwrap();
    let rare = word_near(&searcher, fields, 2, 20).unwrap();
    let half = word_near(&searcher, fields, n * 2 / 5, n * 3 / 5).unwrap();
    println!("common word {common:?}, rare word {rare:?}, half-archive word {half:?}");
    drop(searcher);

    let now = chrono::Utc::now().timestamp();
    let runs = env_num("DATELINE_SEARCH_BENCH_RUNS", 40);
    let shared_index = &index;
    let search = |q: &str, order: Order, offset: usize, count: bool| {
        let query = TextQuery::parse(q).unwrap().unwrap();
        move || {
            let hits = shared_index
                .public(&query, now, order, offset, 20, count, None)
                .unwrap();
            format!("{} hits, total {:?}", hits.hits.len(), hits.total)
        }
    };
    for (name, word) in [("rare", &rare.0), ("common", &common.0), ("half", &half.0)] {
        time(
            &format!("{name}: relevance top 20"),
            runs,
            search(word, Order::Relevance, 0, false),
        );
        time(
            &format!("{name}: relevance top 20 + count"),
            runs,
            search(word, Order::Relevance, 0, true),
        );
        time(
            &format!("{name}: newest 20"),
            runs,
            search(word, Order::Newest, 0, false),
        );
        time(
            &format!("{name}: newest 20 + count"),
            runs,
            search(word, Order::Newest, 0, true),
        );
        time(
            &format!("{name}: relevance page 50"),
            runs,
            search(word, Order::Relevance, 980, false),
        );
    }
    let two = format!("{} {}", common.0, half.0);
    time(
        "common AND half: relevance top 20",
        runs,
        search(&two, Order::Relevance, 0, false),
    );
    time(
        "common AND half: relevance + count",
        runs,
        search(&two, Order::Relevance, 0, true),
    );
    let phrase = format!("\"{} {}\"", half.0, common.0);
    time(
        "phrase half+common: relevance top 20",
        runs,
        search(&phrase, Order::Relevance, 0, false),
    );
    let prefix = format!("{}*", &common.0[..3]);
    time(
        &format!("prefix {prefix}: relevance top 20"),
        runs,
        search(&prefix, Order::Relevance, 0, false),
    );
    let excluded = format!("{} -{}", common.0, half.0);
    time(
        "common -half: relevance top 20",
        runs,
        search(&excluded, Order::Relevance, 0, false),
    );
    time("all_ids(common, 200000)", runs.min(10), || {
        let q = TextQuery::parse(&common.0).unwrap().unwrap();
        let ids = index.all_ids(&q, 200_000).unwrap();
        format!("{:?} ids", ids.map(|v| v.len()))
    });
    let (rss, peak, anon, file) = memory_detail();
    println!(
        "RSS after searches {rss} MiB ({anon} anonymous, {file} mapped files; before opening \
         {rss_before} MiB), peak {peak} MiB"
    );

    commit_latency(&index);
}

/// Times the incremental writer: one document, commit, reload.
fn commit_latency(index: &SearchIndex) {
    let Some(live) = index.shared.live() else {
        return;
    };
    let started = Instant::now();
    let mut writer = match indexer::writer(&live.index, indexer::INCREMENTAL) {
        Ok(w) => w,
        Err(e) => {
            println!("no writer: {e}");
            return;
        }
    };
    println!(
        "incremental writer opened in {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let fields = &index.shared.fields;
    let seq = index.shared.lock_progress().committed;
    time("add 1 document + commit + reload", 10, || {
        let article = schema::ArticleText {
            id: -1,
            visible_at: schema::NEVER,
            title: "bench".into(),
            subtitle: None,
            excerpt: String::new(),
            body: "a bench document".into(),
        };
        writer.delete_term(Term::from_field_i64(fields.id, -1));
        let _ = writer.add_document(fields.document(&article));
        let _ = indexer::commit(&mut writer, seq);
        let _ = live.reader.reload();
        String::new()
    });
    writer.delete_term(Term::from_field_i64(fields.id, -1));
    let _ = indexer::commit(&mut writer, seq);
    let (rss, peak) = memory();
    println!("RSS with the incremental writer {rss} MiB, peak {peak} MiB");
}

/// Merges every segment into one, and says how long it took.
fn merge_all(index: &SearchIndex) {
    let Some(live) = index.shared.live() else {
        return;
    };
    let mut writer = indexer::writer(&live.index, indexer::INCREMENTAL).unwrap();
    let ids = live.index.searchable_segment_ids().unwrap();
    let started = Instant::now();
    writer.merge(&ids).wait().unwrap();
    writer.wait_merging_threads().unwrap();
    live.reader.reload().unwrap();
    let (rss, peak) = memory();
    println!(
        "merged {} segments into one in {:.1} s; RSS {rss} MiB, peak {peak} MiB",
        ids.len(),
        started.elapsed().as_secs_f64()
    );
}
