//! The articles list at archive scale: which ids make a page, what the list holds in all, and
//! where the pages before and after it start.
//!
//! A page is chosen in two steps: the ids, through an index that holds both the filter and
//! the order (`articles_visible_at` for what is public, in publication order, or a link
//! table's `(…, visible_at, article_id)` index when the list is one tag's, author's or
//! source's), then the rows of those ids alone. Nothing sorts or counts the archive:
//!
//! - deep pages are reached by keyset ([`Cursor`]), as well as by page number (an offset);
//! - the public total comes from counters that triggers keep (published and scheduled
//!   articles, all and per author, tag and source) less the scheduled ones not yet due;
//!   other totals are counted when asked for exactly, else counted up to [`EXACT_UP_TO`] and
//!   beyond that estimated from how densely the matches fill the timeline.
//!
//! The SQL is built as text with bound values: the sort, the filters and the keyset vary per
//! request, and every value is bound, never spliced.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use crate::articles::dto::StatusFilter;
use crate::articles::models::ArticleRow;
use crate::articles::queries::Scope;
use crate::db::paging::{Cursor, KeyValue, SortKey, Total, Window, sort_spec};
use crate::db::schema::articles;
use crate::db::{Backend, Conn};
use crate::error::AppError;
use crate::search::{Order, SearchIndex, TextQuery};
use crate::slug::IdOrSlug;
use crate::{authors, sources, tags};

/// Up to this many matches a total is counted exactly, however it is asked for.
pub const EXACT_UP_TO: i64 = 10_000;

/// The sort of a search ranked by relevance, as cursors name it.
const RELEVANCE: &str = "relevance";
/// What cursors of a search in another order begin with.
const SEARCH: &str = "search:";
/// The most matches a search narrowed by other filters, or by a staff status, may have:
/// those filters are applied by the database to the matching ids.
pub const MAX_FILTERED_MATCHES: usize = 200_000;

/// Everything that narrows and orders the list.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub scope: Scope,
    pub status: StatusFilter,
    /// Each of these three filters matches any of its values; empty: no filter.
    pub author: Vec<IdOrSlug>,
    pub tag: Vec<IdOrSlug>,
    pub source: Vec<IdOrSlug>,
    pub dateline: Option<String>,
    pub published_after: Option<NaiveDateTime>,
    pub published_before: Option<NaiveDateTime>,
    /// What to search for (`q`).
    pub text: Option<TextQuery>,
    /// Explicit sort keys; empty means relevance when searching, else `-published_at`.
    pub sort: Vec<SortKey>,
    pub now: NaiveDateTime,
}

impl ListQuery {
    /// What is public at `now`, newest first, with no filter: narrow it by setting fields.
    pub fn public(now: NaiveDateTime) -> Self {
        Self {
            scope: Scope::Public,
            status: StatusFilter::Published,
            author: Vec::new(),
            tag: Vec::new(),
            source: Vec::new(),
            dateline: None,
            published_after: None,
            published_before: None,
            text: None,
            sort: Vec::new(),
            now,
        }
    }

    /// The sort keys in force: the given ones, or newest first. (Relevance is not a key.)
    pub fn keys(&self) -> Vec<SortKey> {
        if self.sort.is_empty() {
            vec![SortKey {
                field: "published_at",
                descending: true,
            }]
        } else {
            self.sort.clone()
        }
    }

    /// Ranked by relevance: a search without an explicit sort.
    pub fn by_relevance(&self) -> bool {
        self.text.is_some() && self.sort.is_empty()
    }

    /// What cursors of this list are made for: the sort, normalized. A search's cursors hold
    /// a position in its results (relevance has no key to seek by), keyed lists' the sort
    /// key values of an item.
    pub fn cursor_sort(&self) -> String {
        match (self.by_relevance(), self.text.is_some()) {
            (true, _) => RELEVANCE.to_owned(),
            (false, true) => format!("{SEARCH}{}", sort_spec(&self.keys())),
            (false, false) => sort_spec(&self.keys()),
        }
    }

    /// How many values a cursor of this list holds.
    pub fn cursor_keys(&self) -> usize {
        if self.text.is_some() {
            1
        } else {
            self.keys().len()
        }
    }

    /// Only what is public now: the visibility index then serves the order.
    fn public_only(&self) -> bool {
        self.status == StatusFilter::Published
    }
}

/// How a list's total is asked for (see [`crate::db::paging::CountMode`]).
pub use crate::db::paging::CountMode;

/// One page of the list.
#[derive(Debug)]
pub struct Listing {
    pub rows: Vec<ArticleRow>,
    pub total: Option<Total>,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
    /// Where the previous page ends, if there is one.
    pub prev: Option<Cursor>,
}

impl Listing {
    /// A list with nothing in it, its total as `count` asks.
    pub fn empty(count: CountMode) -> Self {
        Self {
            rows: Vec::new(),
            total: (count != CountMode::None).then_some(Total {
                value: 0,
                exact: true,
            }),
            next: None,
            prev: None,
        }
    }
}

/// A bound value.
#[derive(Debug, Clone)]
enum Bind {
    Int(i64),
    Text(String),
    Time(NaiveDateTime),
    Null,
}

/// SQL text with its bound values, in order.
#[derive(Debug, Clone, Default)]
struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    fn sql(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, value: Bind) -> &mut Self {
        self.text.push('?');
        self.binds.push(value);
        self
    }

    fn append(&mut self, other: &Sql) -> &mut Self {
        self.text.push_str(&other.text);
        self.binds.extend(other.binds.iter().cloned());
        self
    }

    fn load<R: QueryableByName<Backend> + 'static>(self, conn: &mut Conn) -> QueryResult<Vec<R>> {
        let text = if conn.is_postgres() {
            conn.placeholders(&postgres(&self.text)).into_owned()
        } else {
            self.text
        };
        let mut query = diesel::sql_query(text).into_boxed::<Backend>();
        for bind in self.binds {
            query = match bind {
                Bind::Int(v) => query.bind::<BigInt, _>(v),
                Bind::Text(v) => query.bind::<Text, _>(v),
                Bind::Time(v) => query.bind::<Timestamp, _>(v),
                Bind::Null => query.bind::<Nullable<Text>, _>(None::<String>),
            };
        }
        query.load(conn)
    }
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Moment {
    #[diesel(sql_type = Nullable<Timestamp>)]
    t: Option<NaiveDateTime>,
}

/// Ascending and descending, NULLs first and last as SQLite orders them. PostgreSQL orders
/// NULLs the other way round unless told, and uses an index only when told as it was built:
/// [`postgres`] turns the comments into clauses there.
const ASC: &str = "ASC /*NULLS FIRST*/";
const DESC: &str = "DESC /*NULLS LAST*/";

/// The ids of a search's matches, a JSON array bound after it, as a set (closed by the
/// caller's `)`).
const MATCHED_IDS: &str = "SELECT value FROM json_each(";

/// `sql`, written for SQLite, as PostgreSQL takes it: explicit NULL order, and the JSON array
/// of matched ids read by `json_array_elements_text`.
fn postgres(sql: &str) -> String {
    sql.replace("/*NULLS FIRST*/", "NULLS FIRST")
        .replace("/*NULLS LAST*/", "NULLS LAST")
        .replace(
            "SELECT value FROM json_each(?)",
            "SELECT value::bigint FROM json_array_elements_text(CAST(? AS json))",
        )
}

/// One ORDER BY term.
#[derive(Debug, Clone, Copy)]
struct Key {
    expr: &'static str,
    descending: bool,
    /// May hold NULL (SQLite sorts NULL first ascending, last descending).
    nullable: bool,
}

/// Where the ids come from, what they must satisfy, and the order they are walked in.
#[derive(Debug, Clone)]
struct Plan {
    /// `SELECT {id} FROM …`.
    id: &'static str,
    /// `FROM …`, without `WHERE`.
    from: Sql,
    /// Every condition but the keyset, joined by `AND`.
    conds: Sql,
    /// The sort keys, the id last.
    keys: Vec<Key>,
    /// The time the matches spread over, for estimates (indexed, never NULL when matched).
    time: &'static str,
    /// The total is exactly this cheap expression's value (see `cheap_total`).
    cheap_total: Option<Sql>,
}

impl Plan {
    /// `FROM … WHERE …`, with `first` (a keyset) ahead of the other conditions: of two
    /// bounds on the same indexed column, SQLite seeks with the first it meets, and the
    /// cursor's is the narrower one (else a cursor deep in the archive walks the index from
    /// the newest article down to it).
    fn scan(&self, first: Option<&Sql>) -> Sql {
        let mut s = self.from.clone();
        s.sql(" WHERE ");
        if let Some(first) = first {
            s.append(first).sql(" AND ");
        }
        s.sql("(").append(&self.conds).sql(")");
        s
    }
}

/// A catalog filter resolved: the link table, its column, the ids it names (any of them
/// matches), and how many articles they list in all.
struct Linked {
    table: &'static str,
    column: &'static str,
    ids: Vec<i64>,
    listed: i64,
}

/// The id of the catalog row a filter names, if any.
type FindId = fn(&mut Conn, &IdOrSlug) -> QueryResult<Option<i64>>;

fn linked(conn: &mut Conn, q: &ListQuery) -> QueryResult<Option<Vec<Linked>>> {
    let filters: [(
        &Vec<IdOrSlug>,
        &'static str,
        &'static str,
        &'static str,
        FindId,
    ); 3] = [
        (
            &q.author,
            "authors",
            "article_authors",
            "author_id",
            |c, k| Ok(authors::queries::find(c, k)?.map(|r| r.id)),
        ),
        (&q.tag, "tags", "article_tags", "tag_id", |c, k| {
            Ok(tags::queries::find(c, k)?.map(|r| r.id))
        }),
        (
            &q.source,
            "sources",
            "article_sources",
            "source_id",
            |c, k| Ok(sources::queries::find(c, k)?.map(|r| r.id)),
        ),
    ];
    let mut found = Vec::new();
    for (keys, catalog, table, column, find_id) in filters {
        if keys.is_empty() {
            continue;
        }
        let (mut ids, mut listed) = (Vec::with_capacity(keys.len()), 0);
        for key in keys {
            // A value that names nothing matches nothing; the others still may.
            if let Some(id) = find_id(conn, key)?
                && !ids.contains(&id)
            {
                listed += listed_count(conn, catalog, id)?;
                ids.push(id);
            }
        }
        if ids.is_empty() {
            return Ok(None);
        }
        found.push(Linked {
            table,
            column,
            ids,
            listed,
        });
    }
    // The rarest drives: its index holds the fewest entries to walk.
    found.sort_by_key(|l| l.listed);
    Ok(Some(found))
}

fn listed_count(conn: &mut Conn, table: &'static str, id: i64) -> QueryResult<i64> {
    let mut s = Sql::new("SELECT CAST(listed_count AS BIGINT) AS n FROM ");
    s.sql(table).sql(" WHERE id = ").bind(Bind::Int(id));
    Ok(s.load::<Count>(conn)?.first().map_or(0, |c| c.n))
}

/// `{column} = ?` for one id, `{column} IN (?, …)` for several.
fn any_of(column: &str, ids: &[i64]) -> Sql {
    let mut s = Sql::new(column);
    if let [id] = ids {
        s.sql(" = ").bind(Bind::Int(*id));
        return s;
    }
    s.sql(" IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            s.sql(", ");
        }
        s.bind(Bind::Int(*id));
    }
    s.sql(")");
    s
}

/// `EXISTS` a link of `l` (to any of its ids) from the article `article` (an SQL expression).
fn has_link(l: &Linked, article: &str) -> Sql {
    let mut s = Sql::new("EXISTS (SELECT 1 FROM ");
    s.sql(l.table)
        .sql(" x WHERE x.article_id = ")
        .sql(article)
        .sql(" AND ")
        .append(&any_of(&format!("x.{}", l.column), &l.ids))
        .sql(")");
    s
}

/// What the link plan walks: the driver's link table, or, when the driver names several ids,
/// one branch per id joined by `UNION ALL`, each branch without the articles of the ids before
/// it (so no article comes twice). SQLite flattens the compound into the outer query and
/// merges the branches, each walking its `(…, visible_at, article_id)` index in order: no
/// sort, and a page stops after its rows.
fn link_source(driver: &Linked) -> Sql {
    if let [_] = driver.ids.as_slice() {
        let mut s = Sql::new("FROM ");
        s.sql(driver.table).sql(" l");
        return s;
    }
    let mut s = Sql::new("FROM (");
    for (i, id) in driver.ids.iter().enumerate() {
        if i > 0 {
            s.sql(" UNION ALL ");
        }
        s.sql("SELECT b.article_id AS article_id, b.visible_at AS visible_at FROM ")
            .sql(driver.table)
            .sql(" b WHERE b.")
            .sql(driver.column)
            .sql(" = ")
            .bind(Bind::Int(*id));
        if i > 0 {
            s.sql(" AND NOT EXISTS (SELECT 1 FROM ")
                .sql(driver.table)
                .sql(" e WHERE e.article_id = b.article_id AND ")
                .append(&any_of(&format!("e.{}", driver.column), &driver.ids[..i]))
                .sql(")");
        }
    }
    s.sql(") l");
    s
}

/// The plan of `q`; `None` when a filter names nothing (the list is empty). `matched`, for
/// a search, is the JSON array of the matching ids.
fn plan(conn: &mut Conn, q: &ListQuery, matched: Option<&str>) -> QueryResult<Option<Plan>> {
    let Some(links) = linked(conn, q)? else {
        return Ok(None);
    };
    let keys = q.keys();
    let by_publication = keys.len() == 1 && keys[0].field == "published_at";
    if q.public_only() && by_publication && matched.is_none() && !links.is_empty() {
        return Ok(Some(link_plan(q, &links, keys[0].descending)));
    }
    Ok(Some(article_plan(q, &links, &keys, matched)))
}

/// Walks one link table's `(…, visible_at, article_id)` index: one tag's, author's or source's
/// public articles in publication order.
fn link_plan(q: &ListQuery, links: &[Linked], descending: bool) -> Plan {
    let (driver, others) = (&links[0], &links[1..]);
    let mut w = Sql::new("");
    // Several ids: each branch of the source has its own (see `link_source`).
    if let [id] = driver.ids.as_slice() {
        w.append(&any_of(&format!("l.{}", driver.column), &[*id]))
            .sql(" AND ");
    }
    w.sql("l.visible_at <= ").bind(Bind::Time(q.now));
    if let Some(after) = q.published_after {
        w.sql(" AND l.visible_at >= ").bind(Bind::Time(after));
    }
    if let Some(before) = q.published_before {
        w.sql(" AND l.visible_at < ").bind(Bind::Time(before));
    }
    for other in others {
        w.sql(" AND ").append(&has_link(other, "l.article_id"));
    }
    if let Some(dateline) = &q.dateline {
        w.sql(" AND EXISTS (SELECT 1 FROM articles a WHERE a.id = l.article_id AND a.dateline = ")
            .bind(Bind::Text(dateline.clone()))
            .sql(")");
    }
    let simple = others.is_empty()
        && driver.ids.len() == 1
        && q.dateline.is_none()
        && q.published_after.is_none()
        && q.published_before.is_none();
    let cheap_total = simple.then(|| {
        let mut s = Sql::new("SELECT ");
        s.bind(Bind::Int(driver.listed))
            .sql(" - (SELECT count(*) FROM ")
            .sql(driver.table)
            .sql(" WHERE ")
            .sql(driver.column)
            .sql(" = ")
            .bind(Bind::Int(driver.ids[0]))
            .sql(" AND visible_at > ")
            .bind(Bind::Time(q.now))
            .sql(") AS n");
        s
    });
    Plan {
        id: "l.article_id",
        from: link_source(driver),
        conds: w,
        keys: vec![
            Key {
                expr: "l.visible_at",
                descending,
                nullable: false,
            },
            Key {
                expr: "l.article_id",
                descending,
                nullable: false,
            },
        ],
        time: "l.visible_at",
        cheap_total,
    }
}

/// The condition of a scope and status on the articles table `a`.
fn visibility(q: &ListQuery, w: &mut Sql) {
    let now = q.now;
    match q.status {
        StatusFilter::Published => {
            // Whatever the scope: public now.
            w.sql("a.visible_at <= ").bind(Bind::Time(now));
            return;
        }
        StatusFilter::Draft => w.sql("a.status = 'draft'"),
        StatusFilter::Archived => w.sql("a.status = 'archived'"),
        StatusFilter::Scheduled => w
            .sql("a.status = 'scheduled' AND a.published_at > ")
            .bind(Bind::Time(now)),
        StatusFilter::Any => w.sql("TRUE"),
    };
    match q.scope {
        Scope::All => {}
        // Anonymous readers only ever list what is public (the handler refuses the rest).
        Scope::Public => {
            w.sql(" AND a.visible_at <= ").bind(Bind::Time(now));
        }
        Scope::Own { user_id, author_id } => {
            w.sql(" AND (a.visible_at <= ")
                .bind(Bind::Time(now))
                .sql(" OR a.created_by = ")
                .bind(Bind::Int(user_id))
                .sql(" OR EXISTS (SELECT 1 FROM article_authors x WHERE x.article_id = a.id AND x.author_id = ")
                .bind(Bind::Int(author_id.unwrap_or(-1)))
                .sql("))");
        }
    }
}

/// Walks the articles table in the sort's order, through the index of its first key.
fn article_plan(q: &ListQuery, links: &[Linked], keys: &[SortKey], matched: Option<&str>) -> Plan {
    let public = q.public_only();
    let mut w = Sql::new("");
    visibility(q, &mut w);
    let published = if public {
        "a.visible_at"
    } else {
        "a.published_at"
    };
    if let Some(after) = q.published_after {
        w.sql(" AND ")
            .sql(published)
            .sql(" >= ")
            .bind(Bind::Time(after));
    }
    if let Some(before) = q.published_before {
        w.sql(" AND ")
            .sql(published)
            .sql(" < ")
            .bind(Bind::Time(before));
    }
    for l in links {
        w.sql(" AND ").append(&has_link(l, "a.id"));
    }
    if let Some(dateline) = &q.dateline {
        w.sql(" AND a.dateline = ")
            .bind(Bind::Text(dateline.clone()));
    }
    if let Some(ids) = matched {
        w.sql(" AND a.id IN (")
            .sql(MATCHED_IDS)
            .bind(Bind::Text(ids.to_owned()))
            .sql("))");
    }
    let mut order: Vec<Key> = keys
        .iter()
        .map(|k| Key {
            expr: match k.field {
                "published_at" => published,
                "updated_at" => "a.updated_at",
                "created_at" => "a.created_at",
                _ => "a.title",
            },
            descending: k.descending,
            nullable: k.field == "published_at" && !public,
        })
        .collect();
    order.push(Key {
        expr: "a.id",
        descending: order.first().is_some_and(|k| k.descending),
        nullable: false,
    });
    let simple = public
        && links.is_empty()
        && q.dateline.is_none()
        && matched.is_none()
        && q.published_after.is_none()
        && q.published_before.is_none();
    let cheap_total = simple.then(|| {
        let mut s = Sql::new(
            "SELECT (SELECT value FROM counters WHERE name = 'listed_articles') \
             - (SELECT count(*) FROM articles WHERE visible_at > ",
        );
        s.bind(Bind::Time(q.now)).sql(") AS n");
        s
    });
    Plan {
        id: "a.id",
        from: Sql::new("FROM articles a"),
        conds: w,
        keys: order,
        time: if public {
            "a.visible_at"
        } else {
            "a.created_at"
        },
        cheap_total,
    }
}

/// `ORDER BY` of `keys`, reversed when walking backwards.
fn order_by(keys: &[Key], backwards: bool) -> String {
    let terms: Vec<String> = keys
        .iter()
        .map(|k| {
            let desc = k.descending != backwards;
            format!("{} {}", k.expr, if desc { DESC } else { ASC })
        })
        .collect();
    format!(" ORDER BY {}", terms.join(", "))
}

/// The bound value of a cursor's value for `key`: a time for the time columns (every
/// `…_at`; PostgreSQL compares a timestamp with a timestamp only), `None` when the cursor's
/// value is not one.
fn bind_of(key: &Key, value: &KeyValue) -> Option<Bind> {
    Some(match value {
        KeyValue::Null => Bind::Null,
        KeyValue::Text(t) if key.expr.ends_with("_at") => Bind::Time(
            chrono::NaiveDateTime::parse_from_str(t, crate::db::paging::TIME_FORMAT).ok()?,
        ),
        KeyValue::Text(t) => Bind::Text(t.clone()),
    })
}

/// The keyset condition "strictly after `values` (the id last) in the order of `keys`", or
/// before it when `backwards`. Row values when every key runs one way and none can be NULL
/// (SQLite then seeks the index); else the expanded form, with the first key's range spelled
/// out so the index still seeks.
fn keyset(keys: &[Key], values: &[Bind], backwards: bool) -> Sql {
    let desc = |k: &Key| k.descending != backwards;
    let uniform = keys.iter().all(|k| desc(k) == desc(&keys[0]));
    let no_nulls =
        keys.iter().all(|k| !k.nullable) && values.iter().all(|v| !matches!(v, Bind::Null));
    let mut s = Sql::new("(");
    if uniform && no_nulls {
        let exprs: Vec<&str> = keys.iter().map(|k| k.expr).collect();
        s.sql(&format!("({}) ", exprs.join(", ")))
            .sql(if desc(&keys[0]) { "<" } else { ">" })
            .sql(" (");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                s.sql(", ");
            }
            s.bind(v.clone());
        }
        s.sql("))");
        return s;
    }
    if let (Some(first), Some(v)) = (keys.first(), values.first())
        && !matches!(v, Bind::Null)
        && !first.nullable
    {
        s.sql(first.expr)
            .sql(if desc(first) { " <= " } else { " >= " })
            .bind(v.clone())
            .sql(" AND ");
    }
    s.sql("(");
    for i in 0..keys.len() {
        if i > 0 {
            s.sql(" OR ");
        }
        s.sql("(");
        for j in 0..i {
            let (k, v) = (&keys[j], &values[j]);
            match v {
                Bind::Null => s.sql(k.expr).sql(" IS NULL AND "),
                v => s.sql(k.expr).sql(" = ").bind(v.clone()).sql(" AND "),
            };
        }
        let (k, v) = (&keys[i], &values[i]);
        match (desc(k), v) {
            // Ascending, NULLs first: after NULL comes every value.
            (false, Bind::Null) => s.sql(k.expr).sql(" IS NOT NULL"),
            (false, v) => s.sql(k.expr).sql(" > ").bind(v.clone()),
            // Descending, NULLs last: nothing comes after NULL but NULL.
            (true, Bind::Null) => s.sql("FALSE"),
            (true, v) if k.nullable => s
                .sql("(")
                .sql(k.expr)
                .sql(" < ")
                .bind(v.clone())
                .sql(" OR ")
                .sql(k.expr)
                .sql(" IS NULL)"),
            (true, v) => s.sql(k.expr).sql(" < ").bind(v.clone()),
        };
        s.sql(")");
    }
    s.sql("))");
    s
}

/// The values of the sort keys of `row` (the id last), as a cursor holds them.
fn key_values(q: &ListQuery, row: &ArticleRow) -> Vec<KeyValue> {
    q.keys()
        .iter()
        .map(|k| match k.field {
            "published_at" => KeyValue::time(row.published_at),
            "updated_at" => KeyValue::time(Some(row.updated_at)),
            "created_at" => KeyValue::time(Some(row.created_at)),
            _ => KeyValue::Text(row.title.clone()),
        })
        .collect()
}

fn cursor_at(q: &ListQuery, row: &ArticleRow, forward: bool) -> Cursor {
    Cursor {
        sort: q.cursor_sort(),
        forward,
        keys: key_values(q, row),
        id: row.id,
    }
}

/// A search's cursor: the position in its results.
fn offset_cursor(q: &ListQuery, offset: i64) -> Cursor {
    Cursor {
        sort: q.cursor_sort(),
        forward: true,
        keys: vec![KeyValue::Text(offset.to_string())],
        id: 0,
    }
}

/// One page of the list, its total as `count` asks, and its neighbours. `light` leaves the
/// body and its HTML out of the rows (a sparse fieldset without them). Searches go to
/// `search`.
pub fn list(
    conn: &mut Conn,
    search: &SearchIndex,
    q: &ListQuery,
    window: &Window,
    count: CountMode,
    light: bool,
) -> Result<Listing, AppError> {
    if let Some(text) = &q.text {
        return search_list(conn, search, q, text, window, count, light);
    }
    let Some(plan) = plan(conn, q, None)? else {
        return Ok(Listing::empty(count));
    };
    let (ids, has_more, backwards) = keyed_ids(conn, &plan, window)?;
    let rows = rows_by_id(conn, &ids, light)?;
    let (first, last) = (rows.first(), rows.last());
    let (next, prev) = match window {
        Window::Page(p) => (
            last.filter(|_| has_more).map(|r| cursor_at(q, r, true)),
            first.filter(|_| p.page > 1).map(|r| cursor_at(q, r, false)),
        ),
        Window::Cursor { .. } if backwards => (
            last.map(|r| cursor_at(q, r, true)),
            first.filter(|_| has_more).map(|r| cursor_at(q, r, false)),
        ),
        Window::Cursor { .. } => (
            last.filter(|_| has_more).map(|r| cursor_at(q, r, true)),
            first.map(|r| cursor_at(q, r, false)),
        ),
    };
    let total = total(conn, &plan, count)?;
    Ok(Listing {
        rows,
        total,
        next,
        prev,
    })
}

/// A page of search results. What is public now, in relevance or publication order, with no
/// other filter, is answered by the index alone; anything else (a tag, a staff status,
/// another order) by the database over the ids the index matched, up to
/// [`MAX_FILTERED_MATCHES`]. Either way the database has the last word on what is public:
/// the index may lag a write by a moment.
fn search_list(
    conn: &mut Conn,
    search: &SearchIndex,
    q: &ListQuery,
    text: &TextQuery,
    window: &Window,
    count: CountMode,
    light: bool,
) -> Result<Listing, AppError> {
    let per_page = usize::try_from(window.per_page()).unwrap_or(usize::MAX);
    let offset = match window {
        Window::Page(p) => usize::try_from(p.offset()).unwrap_or(0),
        Window::Cursor { cursor, .. } => match cursor.keys.first() {
            Some(KeyValue::Text(n)) => n.parse().unwrap_or(0),
            _ => 0,
        },
    };
    let keys = q.keys();
    let newest = keys.len() == 1 && keys[0].field == "published_at" && keys[0].descending;
    let alone = q.public_only()
        && q.author.is_empty()
        && q.tag.is_empty()
        && q.source.is_empty()
        && q.dateline.is_none()
        && q.published_after.is_none()
        && q.published_before.is_none();
    let (ids, more, total) = if alone && (q.by_relevance() || newest) {
        let order = if q.by_relevance() {
            Order::Relevance
        } else {
            Order::Newest
        };
        let now = q.now.and_utc().timestamp();
        let counting = count != CountMode::None;
        let found = search.public(text, now, order, offset, per_page + 1, counting, None)?;
        let more = found.hits.len() > per_page;
        let ids: Vec<i64> = found.hits.iter().take(per_page).map(|h| h.id).collect();
        let total = found.total.map(|n| Total {
            value: i64::try_from(n).unwrap_or(i64::MAX),
            exact: true,
        });
        (ids, more, total)
    } else {
        let Some(found) = filtered_search(conn, search, q, text, offset, per_page, count)? else {
            return Ok(Listing::empty(count));
        };
        found
    };
    let mut rows = rows_by_id(conn, &ids, light)?;
    if q.public_only() {
        rows.retain(|r| r.visible_at.is_some_and(|t| t <= q.now));
    }
    let at = |offset: usize| offset_cursor(q, i64::try_from(offset).unwrap_or(i64::MAX));
    Ok(Listing {
        next: more.then(|| at(offset + per_page)),
        prev: (offset > 0 && !rows.is_empty()).then(|| at(offset.saturating_sub(per_page))),
        rows,
        total,
    })
}

/// A page's ids, whether more follow, and the list's total.
type Found = (Vec<i64>, bool, Option<Total>);

/// A page of a search the database narrows; `None` when a filter names nothing.
fn filtered_search(
    conn: &mut Conn,
    search: &SearchIndex,
    q: &ListQuery,
    text: &TextQuery,
    offset: usize,
    per_page: usize,
    count: CountMode,
) -> Result<Option<Found>, AppError> {
    let too_many = || {
        AppError::invalid(
            "q",
            format!(
                "matches more than {MAX_FILTERED_MATCHES} articles; with these filters add \
                 words to the search or leave the filters out"
            ),
        )
    };
    let json = |ids: &mut dyn Iterator<Item = i64>| {
        let list: Vec<String> = ids.map(|id| id.to_string()).collect();
        format!("[{}]", list.join(","))
    };
    if q.by_relevance() {
        let scored = search
            .all_scored(text, MAX_FILTERED_MATCHES)?
            .ok_or_else(too_many)?;
        let matched = json(&mut scored.iter().map(|(id, _)| *id));
        let Some(plan) = plan(conn, q, Some(&matched))? else {
            return Ok(None);
        };
        let mut s = Sql::new("SELECT ");
        s.sql(plan.id).sql(" AS id ").append(&plan.scan(None));
        let kept: std::collections::HashSet<i64> =
            s.load::<Id>(conn)?.into_iter().map(|r| r.id).collect();
        let mut ranked: Vec<(i64, f32)> = scored
            .into_iter()
            .filter(|(id, _)| kept.contains(id))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
        let total = (count != CountMode::None).then_some(Total {
            value: i64::try_from(ranked.len()).unwrap_or(i64::MAX),
            exact: true,
        });
        let more = ranked.len() > offset + per_page;
        let ids = ranked
            .into_iter()
            .skip(offset)
            .take(per_page)
            .map(|(id, _)| id)
            .collect();
        return Ok(Some((ids, more, total)));
    }
    let ids = search
        .all_ids(text, MAX_FILTERED_MATCHES)?
        .ok_or_else(too_many)?;
    let matched = json(&mut ids.into_iter());
    let Some(plan) = plan(conn, q, Some(&matched))? else {
        return Ok(None);
    };
    let mut s = Sql::new("SELECT ");
    s.sql(plan.id)
        .sql(" AS id ")
        .append(&plan.scan(None))
        .sql(&order_by(&plan.keys, false))
        .sql(" LIMIT ")
        .bind(Bind::Int(i64::try_from(per_page).unwrap_or(i64::MAX) + 1))
        .sql(" OFFSET ")
        .bind(Bind::Int(i64::try_from(offset).unwrap_or(0)));
    let mut ids: Vec<i64> = s.load::<Id>(conn)?.into_iter().map(|r| r.id).collect();
    let more = ids.len() > per_page;
    ids.truncate(per_page);
    Ok(Some((ids, more, total(conn, &plan, count)?)))
}

/// The ids of a keyed page, whether more follow in the walking direction, and whether the
/// walk went backwards (then the ids are already back in list order).
fn keyed_ids(conn: &mut Conn, plan: &Plan, window: &Window) -> QueryResult<(Vec<i64>, bool, bool)> {
    let per_page = i64::from(window.per_page());
    let Some((s, backwards)) = page_sql(plan, window) else {
        // A cursor of another shape (the handler checks its sort): nothing after it.
        return Ok((
            Vec::new(),
            false,
            matches!(window, Window::Cursor { cursor, .. } if !cursor.forward),
        ));
    };
    let mut ids: Vec<i64> = s.load::<Id>(conn)?.into_iter().map(|r| r.id).collect();
    let more = ids.len() as i64 > per_page;
    ids.truncate(usize::try_from(per_page).unwrap_or(usize::MAX));
    if backwards {
        ids.reverse();
    }
    Ok((ids, more, backwards))
}

/// The query of a keyed page's ids (one more than the page, to know whether more follow) and
/// whether it walks backwards; `None` for a cursor whose keys do not fit the plan.
fn page_sql(plan: &Plan, window: &Window) -> Option<(Sql, bool)> {
    let per_page = i64::from(window.per_page());
    let mut s = Sql::new("SELECT ");
    s.sql(plan.id).sql(" AS id");
    // The sort keys are selected too: SQLite merges the branches of a compound source (see
    // `link_source`) only when the outer `ORDER BY` names columns of the result.
    for (i, key) in plan.keys.iter().enumerate() {
        if key.expr != plan.id {
            s.sql(&format!(", {} AS k{i}", key.expr));
        }
    }
    s.sql(" ");
    let (backwards, offset) = match window {
        Window::Page(p) => {
            s.append(&plan.scan(None));
            (false, p.offset())
        }
        Window::Cursor { cursor, .. } => {
            if cursor.keys.len() + 1 != plan.keys.len() {
                return None;
            }
            let mut values = cursor
                .keys
                .iter()
                .zip(&plan.keys)
                .map(|(value, key)| bind_of(key, value))
                .collect::<Option<Vec<Bind>>>()?;
            values.push(Bind::Int(cursor.id));
            let after = keyset(&plan.keys, &values, !cursor.forward);
            s.append(&plan.scan(Some(&after)));
            (!cursor.forward, 0)
        }
    };
    s.sql(&order_by(&plan.keys, backwards))
        .sql(" LIMIT ")
        .bind(Bind::Int(per_page + 1))
        .sql(" OFFSET ")
        .bind(Bind::Int(offset));
    Some((s, backwards))
}

/// The rows of `ids`, in that order.
fn rows_by_id(conn: &mut Conn, ids: &[i64], light: bool) -> QueryResult<Vec<ArticleRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<ArticleRow> = if light {
        articles::table
            .filter(articles::id.eq_any(ids))
            .select((
                articles::id,
                articles::slug,
                articles::title,
                articles::subtitle,
                articles::excerpt,
                articles::excerpt_custom,
                sql::<Text>("''"),
                sql::<Text>("''"),
                articles::dateline,
                articles::status,
                articles::published_at,
                articles::visible_at,
                articles::word_count,
                articles::reading_time_minutes,
                articles::comments_enabled,
                articles::comment_count,
                articles::created_by,
                articles::created_at,
                articles::updated_at,
                articles::feature_image_id,
            ))
            .load(conn)?
    } else {
        articles::table
            .filter(articles::id.eq_any(ids))
            .select(ArticleRow::as_select())
            .load(conn)?
    };
    let mut by_id: HashMap<i64, ArticleRow> = found.into_iter().map(|r| (r.id, r)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// The total as `count` asks (see the module documentation).
fn total(conn: &mut Conn, plan: &Plan, count: CountMode) -> QueryResult<Option<Total>> {
    if count == CountMode::None {
        return Ok(None);
    }
    if let Some(cheap) = &plan.cheap_total {
        let n = cheap
            .clone()
            .load::<Count>(conn)?
            .first()
            .map_or(0, |c| c.n);
        return Ok(Some(Total {
            value: n.max(0),
            exact: true,
        }));
    }
    if count == CountMode::Exact {
        return Ok(Some(Total {
            value: count_all(conn, plan, None)?,
            exact: true,
        }));
    }
    let upto = count_all(conn, plan, Some(EXACT_UP_TO + 1))?;
    if upto <= EXACT_UP_TO {
        return Ok(Some(Total {
            value: upto,
            exact: true,
        }));
    }
    Ok(Some(Total {
        value: estimate(conn, plan)?.max(upto),
        exact: false,
    }))
}

/// The number of matches, counting at most `limit`.
fn count_all(conn: &mut Conn, plan: &Plan, limit: Option<i64>) -> QueryResult<i64> {
    let mut s = Sql::new("SELECT count(*) AS n FROM (SELECT 1 ");
    s.append(&plan.scan(None));
    if let Some(limit) = limit {
        s.sql(" LIMIT ").bind(Bind::Int(limit));
    }
    s.sql(") AS counted");
    Ok(s.load::<Count>(conn)?.first().map_or(0, |c| c.n))
}

/// The matches' time at `offset` from the newest (or, `oldest`, the oldest match's time).
fn moment(conn: &mut Conn, plan: &Plan, offset: i64, oldest: bool) -> QueryResult<Option<i64>> {
    let mut s = Sql::new("SELECT ");
    s.sql(plan.time)
        .sql(" AS t ")
        .append(&plan.scan(None))
        .sql(" ORDER BY ")
        .sql(plan.time)
        .sql(" ")
        .sql(if oldest { ASC } else { DESC })
        .sql(" LIMIT 1 OFFSET ")
        .bind(Bind::Int(offset));
    Ok(s.load::<Moment>(conn)?
        .first()
        .and_then(|m| m.t)
        .map(|t| t.and_utc().timestamp()))
}

/// Extrapolates the total from the first [`EXACT_UP_TO`] matches: they fill the timeline from
/// the newest match back to some moment; the rest fill the time back to the oldest match
/// about as densely (news arrives at a steady pace). Three index walks of bounded length.
fn estimate(conn: &mut Conn, plan: &Plan) -> QueryResult<i64> {
    let (Some(newest), Some(nth), Some(oldest)) = (
        moment(conn, plan, 0, false)?,
        moment(conn, plan, EXACT_UP_TO - 1, false)?,
        moment(conn, plan, 0, true)?,
    ) else {
        return Ok(EXACT_UP_TO);
    };
    let covered = (newest - nth).max(1) as f64;
    let span = (newest - oldest).max(1) as f64;
    Ok((EXACT_UP_TO as f64 * span / covered).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::paging::Page;
    use diesel::connection::SimpleConnection;

    fn key(expr: &'static str, descending: bool, nullable: bool) -> Key {
        Key {
            expr,
            descending,
            nullable,
        }
    }

    #[derive(QueryableByName)]
    struct Step {
        #[diesel(sql_type = Text)]
        detail: String,
    }

    /// What SQLite's planner says it does for a page of `q` in `window`.
    fn query_plan(conn: &mut Conn, q: &ListQuery, window: &Window) -> String {
        let plan = plan(conn, q, None).unwrap().unwrap();
        let (mut sql, _) = page_sql(&plan, window).unwrap();
        sql.text.insert_str(0, "EXPLAIN QUERY PLAN ");
        let steps = sql.load::<Step>(conn).unwrap();
        steps
            .into_iter()
            .map(|s| s.detail)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The public list, one tag's list, and their cursor pages each walk one index range in
    /// their order: no sort of the archive, and a tag's cursor seeks to its place.
    #[test]
    fn pages_and_cursors_walk_one_index_range() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        crate::db::migrate(&path).unwrap();
        let pool = crate::db::open_pool(&path, 1).unwrap();
        let conn = &mut *pool.get().unwrap();
        conn.batch_execute(
            "INSERT INTO tags (name, slug, created_at, updated_at) \
             VALUES ('Mosul', 'mosul', '2026-12-02 00:00:00', '2026-12-02 00:00:00'), \
                    ('Anbar', 'anbar', '2026-12-02 00:00:00', '2026-12-02 00:00:00')",
        )
        .unwrap();
        let now = crate::db::now();
        let q = |tags: &[&str]| ListQuery {
            tag: tags.iter().map(|t| IdOrSlug::parse(t)).collect(),
            ..ListQuery::public(now)
        };
        let page = Window::Page(Page {
            page: 1,
            per_page: 20,
        });
        let cursor = Window::Cursor {
            cursor: Cursor {
                sort: "-published_at".into(),
                forward: true,
                keys: vec![KeyValue::Text("2017-11-01 09:30:00".into())],
                id: 7,
            },
            per_page: 20,
        };
        let public = query_plan(conn, &q(&[]), &page);
        assert_eq!(
            public,
            "SEARCH a USING INDEX articles_visible_at (visible_at<?)"
        );
        // (The plan reads the same whichever bound on `visible_at` SQLite seeks with; that
        // the cursor's is the one is measured, not shown: bench/RESULTS.md.)
        let public = query_plan(conn, &q(&[]), &cursor);
        assert!(
            public.starts_with("SEARCH a USING INDEX articles_visible_at"),
            "{public}"
        );
        let tagged = query_plan(conn, &q(&["mosul"]), &cursor);
        assert!(
            tagged.contains("tag_id=? AND (visible_at,article_id)<(?,?)"),
            "{tagged}"
        );
        // Any of two tags: both index ranges walked in order and merged.
        let either = query_plan(conn, &q(&["mosul", "anbar"]), &cursor);
        assert!(either.contains("MERGE (UNION ALL)"), "{either}");
        assert_eq!(
            either
                .matches("INDEX article_tags_visible (tag_id=? AND (visible_at,article_id)<(?,?))")
                .count(),
            2,
            "{either}"
        );
        let first_page = query_plan(conn, &q(&["mosul", "anbar"]), &page);
        assert!(first_page.contains("MERGE (UNION ALL)"), "{first_page}");
        for plan in [public, tagged, either, first_page] {
            assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        }
    }

    #[test]
    fn one_direction_seeks_with_row_values() {
        let keys = [key("a.visible_at", true, false), key("a.id", true, false)];
        let s = keyset(
            &keys,
            &[Bind::Text("2017-11-01 09:30:00".into()), Bind::Int(7)],
            false,
        );
        assert_eq!(s.text, "((a.visible_at, a.id) < (?, ?))");
        let back = keyset(
            &keys,
            &[Bind::Text("2017-11-01 09:30:00".into()), Bind::Int(7)],
            true,
        );
        assert_eq!(back.text, "((a.visible_at, a.id) > (?, ?))");
    }

    #[test]
    fn mixed_directions_and_nulls_expand() {
        let keys = [
            key("a.published_at", true, true),
            key("a.title", false, false),
            key("a.id", true, false),
        ];
        let s = keyset(
            &keys,
            &[Bind::Null, Bind::Text("Qaim".into()), Bind::Int(3)],
            false,
        );
        assert_eq!(
            s.text,
            "(((FALSE) OR (a.published_at IS NULL AND a.title > ?) OR \
             (a.published_at IS NULL AND a.title = ? AND a.id < ?)))"
        );
        let s = keyset(
            &keys,
            &[
                Bind::Text("2017-11-01 09:30:00".into()),
                Bind::Text("Qaim".into()),
                Bind::Int(3),
            ],
            false,
        );
        assert_eq!(
            s.text,
            "((((a.published_at < ? OR a.published_at IS NULL)) OR \
             (a.published_at = ? AND a.title > ?) OR \
             (a.published_at = ? AND a.title = ? AND a.id < ?)))"
        );
    }
}
