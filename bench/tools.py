#!/usr/bin/env python3
"""Helpers for bench/run: JSON look-ups, picking search terms, a test image, the demo
articles, and the result tables. Standard library only."""

import hashlib
import json
import os
import re
import shlex
import sqlite3
import struct
import sys
import urllib.parse
import urllib.request
import zlib


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def cmd_get(path, expr):
    """Prints a Python expression over the JSON in `path` (as `d`), or nothing if absent."""
    try:
        value = eval(expr, {"d": load(path), "quote": urllib.parse.quote})  # noqa: S307
    except (KeyError, IndexError, TypeError, ValueError):
        return
    if value is None:
        return
    print(value if isinstance(value, str) else json.dumps(value))


def cmd_cursor(path):
    """The target of the page after the one in `path`, reached by cursor, or nothing."""
    try:
        meta = load(path).get("meta", {})
    except (ValueError, OSError):
        return
    cursor = meta.get("next_cursor")
    if cursor is None and isinstance(meta.get("cursor"), dict):
        cursor = meta["cursor"].get("next")
    nxt = meta.get("next")
    if cursor is None and isinstance(nxt, str):
        if nxt.startswith(("http://", "https://", "/")):
            parts = urllib.parse.urlsplit(nxt)
            print(parts.path + ("?" + parts.query if parts.query else ""))
            return
        cursor = nxt
    if isinstance(cursor, str) and cursor:
        print("/api/v1/articles?cursor=" + urllib.parse.quote(cursor, safe="") + "&per_page=20")


def open_ro(db):
    return sqlite3.connect("file:" + urllib.parse.quote(db) + "?mode=ro", uri=True)


PARAMS_VERSION = 2
SAMPLE_ARTICLES = 5000
COMMON_CANDIDATES = 40
RARE_CANDIDATES = 300
RARE_TARGET, RARE_MIN, RARE_MAX = 5, 2, 20
WORD = re.compile(r"[^\W\d_]+")


def cmd_sample(db):
    """Read-only, before the server starts: the tag and the author with the most articles, the
    ids the write scenarios use, and search-word candidates from the words of
    SAMPLE_ARTICLES articles taken at evenly spaced ids (so the same database always gives
    the same sample). Prints JSON for `terms`."""
    con = open_ro(db)
    total = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    tag = con.execute(
        "SELECT t.slug, c FROM (SELECT tag_id, count(*) c FROM article_tags GROUP BY tag_id"
        " ORDER BY c DESC, tag_id LIMIT 1) JOIN tags t ON t.id = tag_id"
    ).fetchone() or ("", 0)
    author = con.execute(
        "SELECT a.slug, c FROM (SELECT author_id, count(*) c FROM article_authors"
        " GROUP BY author_id ORDER BY c DESC, author_id LIMIT 1) JOIN authors a ON a.id = author_id"
    ).fetchone() or ("", 0)
    lo, hi = con.execute("SELECT min(id), max(id) FROM articles").fetchone()
    ids = []
    if lo is not None:
        if hi - lo + 1 <= SAMPLE_ARTICLES:
            ids = list(range(lo, hi + 1))
        else:
            ids = sorted({lo + (hi - lo) * i // (SAMPLE_ARTICLES - 1) for i in range(SAMPLE_ARTICLES)})
    # Document frequency in the sample of each plain word: ASCII letters only, 4 or more,
    # so that it is a word a reader would type and the search syntax leaves it alone.
    df = {}
    sampled = 0
    for i in range(0, len(ids), 500):
        chunk = ",".join(str(x) for x in ids[i : i + 500])
        for title, body in con.execute(f"SELECT title, body FROM articles WHERE id IN ({chunk})"):
            sampled += 1
            words = {
                w for w in WORD.findall(f"{title} {body}".lower()) if len(w) >= 4 and w.isascii()
            }
            for w in words:
                df[w] = df.get(w, 0) + 1
    tenth = sampled / 10
    common = sorted(df, key=lambda w: (abs(df[w] - tenth), w))[:COMMON_CANDIDATES]
    # Words in one sampled article: on a large archive most are in a handful of articles.
    # Ordered by a hash, so that the candidates spread over the alphabet and the vocabulary.
    rare = sorted((w for w, c in df.items() if c == 1), key=lambda w: (hashlib.sha1(w.encode()).hexdigest(), w))
    out = {
        "TOTAL_ARTICLES": total,
        "TAG_SLUG": tag[0],
        "TAG_COUNT": tag[1],
        "AUTHOR_SLUG": author[0],
        "AUTHOR_COUNT": author[1],
        "AUTHOR_IDS": ",".join(
            str(r[0]) for r in con.execute("SELECT id FROM authors ORDER BY id LIMIT 20")
        ),
        "TAG_IDS": ",".join(str(r[0]) for r in con.execute("SELECT id FROM tags ORDER BY id LIMIT 10")),
        "SOURCE_IDS": ",".join(
            str(r[0]) for r in con.execute("SELECT id FROM sources ORDER BY id LIMIT 5")
        ),
        "sampled": sampled,
        "common": common,
        "rare": rare[:RARE_CANDIDATES],
    }
    json.dump(out, sys.stdout)
    print()


def api_total(base, query):
    """meta.total of GET /api/v1/articles?<query>&per_page=1&fields=id&count=exact."""
    url = f"{base}/api/v1/articles?{query + '&' if query else ''}per_page=1&fields=id&count=exact"
    with urllib.request.urlopen(url, timeout=60) as resp:
        return json.load(resp)["meta"]["total"]


def cmd_terms(base, sample_path):
    """With the server up and its search ready: shell assignments for the scenarios. The
    sample's values, the number of public articles, a common word (the candidate whose
    exact match count is nearest a tenth of the public articles) and a rare one (nearest 5,
    within 2–20), both counted by the server itself (`count=exact`, so stemming and
    visibility are the API's). The pick is deterministic for a given database."""
    sample = load(sample_path)
    public = api_total(base, "")
    target = max(public // 10, 1)

    def count(word):
        return api_total(base, "q=" + urllib.parse.quote(word))

    common, common_docs = "", 0
    best = None
    for word in sample["common"]:
        n = count(word)
        key = (abs(n - target), word)
        if n > 0 and (best is None or key < best[0]):
            best = (key, word, n)
    if best:
        common, common_docs = best[1], best[2]
    rare, rare_docs = "", 0
    best = None
    for i, word in enumerate(sample["rare"]):
        n = count(word)
        if RARE_MIN <= n <= RARE_MAX and (best is None or (abs(n - RARE_TARGET), i) < best[0]):
            best = ((abs(n - RARE_TARGET), i), word, n)
            if n == RARE_TARGET:
                break
    if best:
        rare, rare_docs = best[1], best[2]
    values = {k: sample[k] for k in (
        "TOTAL_ARTICLES", "TAG_SLUG", "TAG_COUNT", "AUTHOR_SLUG", "AUTHOR_COUNT",
        "AUTHOR_IDS", "TAG_IDS", "SOURCE_IDS")}
    values.update({
        "PARAMS_VERSION": PARAMS_VERSION,
        "PUBLIC_ARTICLES": public,
        "COMMON_WORD": common,
        "COMMON_DOCS": common_docs,
        "RARE_WORD": rare,
        "RARE_DOCS": rare_docs,
        "WORDS_SAMPLED": sample["sampled"],
    })
    for key, value in values.items():
        print(f"{key}={shlex.quote(str(value))}")


def cmd_png(path, width=1600, height=1200):
    """Writes a photo-sized RGB PNG: smooth gradients with some texture, so that resizing
    it is real work and it does not compress to nothing."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter: none
        g = (y * 255) // height
        raw.extend(
            bytes(
                v
                for x in range(width)
                for v in ((x * 255) // width, g, ((x * y) >> 6 ^ x ^ y) & 0xFF)
            )
        )

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 6))
        + chunk(b"IEND", b"")
    )
    with open(path + ".tmp", "wb") as f:
        f.write(png)
    os.replace(path + ".tmp", path)


def cmd_demo_articles(base, token, count, db):
    """Adds `count` published articles through the API to a demo database, with bodies drawn
    Zipf-like from the demo articles' own words, so that common and rare words both exist."""
    import random

    con = open_ro(db)
    text = " ".join(r[0] for r in con.execute("SELECT body FROM articles"))
    words = sorted(set(re.findall(r"[a-z]{3,}", text.lower())))
    authors = [r[0] for r in con.execute("SELECT id FROM authors")]
    tags = [r[0] for r in con.execute("SELECT id FROM tags")]
    sources = [r[0] for r in con.execute("SELECT id FROM sources")]
    rng = random.Random(42)
    rng.shuffle(words)
    weights = [1 / (i + 1) ** 1.1 for i in range(len(words))]
    for i in range(int(count)):
        # Each story draws its own few dozen words, Zipf-like: the head is in every story,
        # the tail in a handful.
        topic = sorted(set(rng.choices(words, weights, k=rng.randint(25, 60))))
        paragraphs = [
            " ".join(rng.choices(topic, k=rng.randint(40, 90))).capitalize() + "."
            for _ in range(rng.randint(5, 8))
        ]
        article = {
            "title": f"Demo dispatch {i + 1}: " + " ".join(rng.choices(topic, k=6)),
            "body": "\n\n".join(paragraphs),
            "status": "published",
            "published_at": f"20{rng.randint(10, 25)}-{rng.randint(1, 12):02d}-"
            f"{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z",
            "author_ids": rng.sample(authors, rng.randint(1, min(3, len(authors)))),
            "tag_ids": rng.sample(tags, min(2, len(tags))),
            "source_ids": rng.sample(sources, min(1, len(sources))),
        }
        req = urllib.request.Request(
            base + "/api/v1/articles",
            data=json.dumps(article).encode(),
            headers={"content-type": "application/json", "authorization": "Bearer " + token},
        )
        with urllib.request.urlopen(req) as resp:
            resp.read()


# --- Result tables ---------------------------------------------------------------------------


def read_meta(path):
    meta = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                key, _, value = line.rstrip("\n").partition("\t")
                meta[key] = value
    return meta


def read_run(path):
    return load(path) if os.path.exists(path) else None


def ms(us):
    v = us / 1000
    return f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def rate(v):
    return f"{v:,.0f}" if v >= 10 else f"{v:.1f}"


def size(n):
    n = int(n)
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KB" if n < 1 << 20 else f"{n / 2**20:.1f} MB"


def errors(run):
    e = run["errors"]
    text = f"{e['connect']}/{e['read']}/{e['write']}/{e['timeout']} + {e['status']}"
    others = {k: v for k, v in run.get("statuses", {}).items() if not k.startswith("2")}
    if others:
        text += " (" + ", ".join(f"{k}: {v}" for k, v in sorted(others.items())) + ")"
    return text


COLUMNS = [
    "scenario", "req/s", "p50 ms", "p99 ms", "errors c/r/w/t + non-2xx", "peak RSS MB",
    "ceiling req/s", "ratio", "bytes/resp", "notes",
]


UNCACHED = ".uncached"


def scenario_of(key):
    """The scenario a row key measures: `list.uncached` → `list`."""
    return key.split(".", 1)[0]


def display(key):
    """A row key as the table shows it: `list.uncached` → `list (uncached)`."""
    return scenario_of(key) + " (uncached)" if key.endswith(UNCACHED) else key


def rows_for(run_dir, scenarios):
    rows = []
    for key in scenarios:
        name = display(key)
        meta = read_meta(os.path.join(run_dir, key + ".meta"))
        if not meta:
            continue
        if meta.get("skipped"):
            rows.append([name, "—", "—", "—", "—", "—", "—", "—", "—", "skipped: " + meta["skipped"]])
            continue
        main = read_run(os.path.join(run_dir, key + ".dateline.json"))
        if main is None:
            rows.append([name] + ["?"] * 8 + ["no wrk result"])
            continue
        # Both rows of a scenario (cached, uncached) share its one ceiling run: same bytes.
        ceiling = read_run(os.path.join(run_dir, scenario_of(key) + ".ceiling.json"))
        writes = read_run(os.path.join(run_dir, key + ".write.json"))
        notes = meta.get("notes", "")
        err = errors(main)
        if writes is not None:
            total = main["requests"] + writes["requests"]
            share = 100 * writes["requests"] / total if total else 0
            if writes["requests"]:
                wrote = (
                    f"writes {rate(writes['rps'])}/s p50 {ms(writes['p50_us'])} ms"
                    f" p99 {ms(writes['p99_us'])} ms"
                )
            else:
                wrote = "writes: none finished within the run"
            notes = (
                f"{wrote}, errors {errors(writes)}; read:write {100 - share:.0f}:{share:.0f}"
                + ("; " + notes if notes else "")
            )
        rss = meta.get("rss_kb")
        done = main["requests"] > 0
        if not done:
            notes = "no request finished within the run" + ("; " + notes if notes else "")
        rows.append([
            name,
            rate(main["rps"]),
            ms(main["p50_us"]) if done else "—",
            ms(main["p99_us"]) if done else "—",
            err,
            f"{int(rss) / 1024:.0f}" if rss else "—",
            rate(ceiling["rps"]) if ceiling else "—",
            f"{main['rps'] / ceiling['rps']:.3f}" if ceiling and ceiling["rps"] else "—",
            size(meta["bytes"]) if meta.get("bytes") else "—",
            notes,
        ])
    return rows


def text_table(rows):
    widths = [max(len(str(r[i])) for r in [COLUMNS] + rows) for i in range(len(COLUMNS))]
    right = {1, 2, 3, 5, 6, 7, 8}
    lines = []
    for k, row in enumerate([COLUMNS] + rows):
        cells = [
            str(c).rjust(widths[i]) if i in right and k else str(c).ljust(widths[i])
            for i, c in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


def cmd_table(run_dir, md_path, title, scenarios, *header_lines):
    rows = rows_for(run_dir, scenarios.split())
    print(title)
    for line in header_lines:
        print("  " + line)
    print()
    print(text_table(rows))
    with open(md_path, "w", encoding="utf-8") as f:
        f.write(f"# {title}\n\n")
        for line in header_lines:
            f.write(f"- {line}\n")
        f.write("\n" + md_table(COLUMNS, rows) + "\n")
        f.write(
            "\nerrors: wrk's connect/read/write/timeout errors + responses with status ≥ 400;"
            " ratio: req/s ÷ the ceiling's req/s for the same bytes (an `(uncached)` row, measured"
            " on a server started with DATELINE_RESPONSE_CACHE_MB=0, is divided by the same"
            " ceiling run as its cached row).\n"
        )


def cmd_compare(small_dir, big_dir, small_label, big_label, md_path, scenarios):
    header = ["scenario", f"p50 {small_label}", f"p50 {big_label}", "p50 ratio",
              f"req/s {big_label} ÷ {small_label}", "within 1.5×"]
    rows = []
    for key in scenarios.split():
        name = display(key)
        a = read_run(os.path.join(small_dir, key + ".dateline.json"))
        b = read_run(os.path.join(big_dir, key + ".dateline.json"))
        if not a or not b:
            continue
        if not (a["requests"] and b["requests"]):
            rows.append([name, ms(a["p50_us"]) if a["requests"] else "—",
                         ms(b["p50_us"]) if b["requests"] else "—", "—", "—", "no requests"])
            continue
        p50 = b["p50_us"] / a["p50_us"]
        rps = b["rps"] / a["rps"]
        ok = "yes" if p50 <= 1.5 and rps >= 1 / 1.5 else "no"
        if scenario_of(key) in ("create", "mix"):
            ok = "— (writes)"
        rows.append([name, ms(a["p50_us"]), ms(b["p50_us"]), f"{p50:.2f}", f"{rps:.2f}", ok])
    title = f"{big_label} ÷ {small_label}"
    print(f"\n{title}\n")
    print(text_table_generic(header, rows))
    with open(md_path, "a", encoding="utf-8") as f:
        f.write(f"\n## {title}\n\n" + md_table(header, rows) + "\n")


def cmd_compare_backends(sqlite_dir, pg_dir, label, md_path, scenarios):
    """BENCH_BACKEND=both: row by row, PostgreSQL's req/s and ratio to the ceiling over
    SQLite's. Each backend's run measured its own ceiling minutes apart, so the ratio of the
    two ratios is the figure that drift on a shared machine moves least. `same body`: whether
    the two captures of the scenario (the bytes each ceiling served) are identical."""
    header = ["scenario", "req/s SQLite", "req/s PG", "PG ÷ SQLite req/s",
              "ratio SQLite", "ratio PG", "PG ÷ SQLite ratio",
              "p50 ms SQLite", "p50 ms PG", "same body"]
    rows = []
    for key in scenarios.split():
        name = display(key)
        runs = [os.path.join(d, "runs") for d in (sqlite_dir, pg_dir)]
        a, b = (read_run(os.path.join(r, key + ".dateline.json")) for r in runs)
        if not a or not b:
            skipped = [read_meta(os.path.join(r, key + ".meta")).get("skipped") for r in runs]
            if any(skipped):
                rows.append([name] + ["—"] * 8 + ["skipped: " + "; ".join(filter(None, skipped))])
            continue
        ca, cb = (read_run(os.path.join(r, scenario_of(key) + ".ceiling.json")) for r in runs)
        ra = a["rps"] / ca["rps"] if ca and ca["rps"] else None
        rb = b["rps"] / cb["rps"] if cb and cb["rps"] else None
        bodies = [os.path.join(d, "capture", scenario_of(key) + ".body") for d in (sqlite_dir, pg_dir)]
        if all(os.path.exists(p) for p in bodies):
            with open(bodies[0], "rb") as fa, open(bodies[1], "rb") as fb:
                same = "yes" if fa.read() == fb.read() else "NO"
        else:
            same = "—"
        rows.append([
            name,
            rate(a["rps"]),
            rate(b["rps"]),
            f"{b['rps'] / a['rps']:.2f}" if a["rps"] else "—",
            f"{ra:.3f}" if ra is not None else "—",
            f"{rb:.3f}" if rb is not None else "—",
            f"{rb / ra:.2f}" if ra and rb is not None else "—",
            ms(a["p50_us"]) if a["requests"] else "—",
            ms(b["p50_us"]) if b["requests"] else "—",
            same,
        ])
    title = f"PostgreSQL ÷ SQLite, {label} articles"
    print(f"\n{title}\n")
    print(text_table_generic(header, rows))
    with open(md_path, "w", encoding="utf-8") as f:
        f.write(f"# {title}\n\n")
        f.write(f"From {os.path.basename(sqlite_dir)}/runs (SQLite) and {os.path.basename(pg_dir)}/runs"
                " (PostgreSQL); each run's ratio is req/s ÷ its own ceiling run for the same bytes.\n\n")
        f.write(md_table(header, rows) + "\n")


def cmd_pg_url(url, dbname):
    """`url` with its database (the path) replaced by `dbname`; user, host, port and query
    (`?sslmode=…`) kept."""
    p = urllib.parse.urlsplit(url)
    print(urllib.parse.urlunsplit((p.scheme, p.netloc, "/" + dbname, p.query, p.fragment)))


def cmd_committed_seq(search_dir):
    """The last logged change the search index in `search_dir` committed (its meta.json's
    payload, `dateline-search/<version> seq=<n>`), or 0."""
    try:
        payload = load(os.path.join(search_dir, "meta.json")).get("payload") or ""
    except (OSError, ValueError, AttributeError):
        payload = ""
    m = re.fullmatch(r"dateline-search/\d+ seq=(\d+)", payload)
    print(m.group(1) if m else 0)


def text_table_generic(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(widths[i]) for i, c in enumerate(header)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(str(c).rjust(widths[i]) if i else str(c).ljust(widths[i])
                               for i, c in enumerate(row)).rstrip())
    return "\n".join(lines)


COMMANDS = {
    "get": cmd_get,
    "cursor": cmd_cursor,
    "sample": cmd_sample,
    "terms": cmd_terms,
    "png": cmd_png,
    "demo-articles": cmd_demo_articles,
    "table": cmd_table,
    "compare": cmd_compare,
    "compare-backends": cmd_compare_backends,
    "pg-url": cmd_pg_url,
    "committed-seq": cmd_committed_seq,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit("usage: tools.py " + "|".join(COMMANDS) + " ARGS…")
    COMMANDS[sys.argv[1]](*sys.argv[2:])
