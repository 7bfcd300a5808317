//! Queries every slug-keyed table needs (articles, authors, sources, tags), written once.

/// Defines, in the calling module, `find` (by id or slug), `taken_slugs`, `slug_taken` and
/// `existing_ids` for `$table`, whose rows load as `$row`.
macro_rules! slug_lookup {
    ($table:ident, $row:ty) => {
        /// The row named by an id or a slug (a numeric segment is tried as an id first).
        pub fn find(
            conn: &mut $crate::db::Conn,
            key: &$crate::slug::IdOrSlug,
        ) -> diesel::QueryResult<Option<$row>> {
            use diesel::prelude::*;
            use $crate::db::schema::$table;
            if let Some(id) = key.id() {
                let by_id = $table::table
                    .find(id)
                    .select(<$row>::as_select())
                    .first(conn)
                    .optional()?;
                if by_id.is_some() {
                    return Ok(by_id);
                }
            }
            $table::table
                .filter($table::slug.eq(key.slug()))
                .select(<$row>::as_select())
                .first(conn)
                .optional()
        }

        /// The slugs among `base` and `base-…` in use, by a row or in a row's slug history.
        pub fn taken_slugs(
            conn: &mut $crate::db::Conn,
            base: &str,
        ) -> diesel::QueryResult<Vec<String>> {
            use diesel::prelude::*;
            use $crate::db::schema::{slug_history, $table};
            // `base-…` as a range of the slug index (`-` + 1 is `.`), not a LIKE that would
            // read every slug.
            let (dash, dot) = (format!("{base}-"), format!("{base}."));
            let mut slugs: Vec<String> = $table::table
                .filter(
                    $table::slug
                        .eq(base)
                        .or($table::slug.gt(&dash).and($table::slug.lt(&dot))),
                )
                .select($table::slug)
                .load(conn)?;
            slugs.extend(
                slug_history::table
                    .filter(slug_history::kind.eq(stringify!($table)))
                    .filter(
                        slug_history::slug.eq(base).or(slug_history::slug
                            .gt(&dash)
                            .and(slug_history::slug.lt(&dot))),
                    )
                    .select(slug_history::slug)
                    .load::<String>(conn)?,
            );
            Ok(slugs)
        }

        /// Whether `slug` belongs to a row other than `except`, now or in its slug history (a
        /// row may take back a slug it had).
        pub fn slug_taken(
            conn: &mut $crate::db::Conn,
            slug: &str,
            except: Option<i64>,
        ) -> diesel::QueryResult<bool> {
            use diesel::prelude::*;
            use $crate::db::schema::{slug_history, $table};
            // Ids start at 1: `id <> 0` excludes nothing.
            let except = except.unwrap_or(0);
            let current = $table::table
                .filter($table::slug.eq(slug))
                .filter($table::id.ne(except))
                .select($table::id)
                .first::<i64>(conn)
                .optional()?;
            if current.is_some() {
                return Ok(true);
            }
            slug_history::table
                .filter(slug_history::kind.eq(stringify!($table)))
                .filter(slug_history::slug.eq(slug))
                .filter(slug_history::item_id.ne(except))
                .select(slug_history::item_id)
                .first::<i64>(conn)
                .optional()
                .map(|found| found.is_some())
        }

        /// The id and current slug of the row that once had `slug`, if one did.
        pub fn moved(
            conn: &mut $crate::db::Conn,
            slug: &str,
        ) -> diesel::QueryResult<Option<(i64, String)>> {
            use diesel::prelude::*;
            use $crate::db::schema::{slug_history, $table};
            let Some(id) = slug_history::table
                .filter(slug_history::kind.eq(stringify!($table)))
                .filter(slug_history::slug.eq(slug))
                .select(slug_history::item_id)
                .first::<i64>(conn)
                .optional()?
            else {
                return Ok(None);
            };
            $table::table
                .find(id)
                .select(($table::id, $table::slug))
                .first(conn)
                .optional()
        }

        /// Those of `ids` that name a row.
        pub fn existing_ids(
            conn: &mut $crate::db::Conn,
            ids: &[i64],
        ) -> diesel::QueryResult<Vec<i64>> {
            use diesel::prelude::*;
            use $crate::db::schema::$table;
            $table::table
                .filter($table::id.eq_any(ids))
                .select($table::id)
                .load(conn)
        }
    };
}

pub(crate) use slug_lookup;

/// Defines, in the calling module, what every table that articles link to through a join
/// table needs: `article_counts` (public articles per row), `used_beyond_drafts`, `insert`,
/// `update` and `delete` (which touches the articles that lose the link).
macro_rules! linked_queries {
    ($table:ident, $row:ty, $new:ty, $changes:ty, $link:ident, $link_col:ident) => {
        /// Public articles per row, for the rows in `ids`: the row's count of published or
        /// scheduled articles (kept by triggers) less its scheduled ones not yet due at `now`
        /// (a short range of the link's visibility index), so no count walks the archive.
        pub fn article_counts(
            conn: &mut $crate::db::Conn,
            ids: &[i64],
            now: chrono::NaiveDateTime,
        ) -> diesel::QueryResult<std::collections::HashMap<i64, i64>> {
            use diesel::prelude::*;
            use $crate::db::schema::$table;
            let rows: Vec<(i64, i64)> = $table::table
                .filter($table::id.eq_any(ids))
                .select(($table::id, public_count(now)))
                .load(conn)?;
            Ok(rows.into_iter().collect())
        }

        /// The rows with these ids (in no particular order), each with its count of public
        /// articles (see [`article_counts`]): one query.
        pub fn by_ids_counted(
            conn: &mut $crate::db::Conn,
            ids: &[i64],
            now: chrono::NaiveDateTime,
        ) -> diesel::QueryResult<Vec<($row, i64)>> {
            use diesel::prelude::*;
            use $crate::db::schema::$table;
            $table::table
                .filter($table::id.eq_any(ids))
                .select((<$row>::as_select(), public_count(now)))
                .load(conn)
        }

        /// The expression of a row's public articles at `now`.
        #[allow(clippy::type_complexity)]
        fn public_count(
            now: chrono::NaiveDateTime,
        ) -> diesel::expression::SqlLiteral<
            diesel::sql_types::BigInt,
            diesel::expression::UncheckedBind<
                diesel::expression::SqlLiteral<diesel::sql_types::BigInt>,
                diesel::dsl::AsExprOf<chrono::NaiveDateTime, diesel::sql_types::Timestamp>,
            >,
        > {
            diesel::dsl::sql::<diesel::sql_types::BigInt>(concat!(
                stringify!($table),
                ".listed_count - (SELECT count(*) FROM ",
                stringify!($link),
                " l WHERE l.",
                stringify!($link_col),
                " = ",
                stringify!($table),
                ".id AND l.visible_at > "
            ))
            .bind::<diesel::sql_types::Timestamp, _>(now)
            .sql(")")
        }

        /// Whether an article past the draft stage links to `id`.
        pub fn used_beyond_drafts(
            conn: &mut $crate::db::Conn,
            id: i64,
        ) -> diesel::QueryResult<bool> {
            use diesel::prelude::*;
            use $crate::db::schema::{articles, $link};
            diesel::select(diesel::dsl::exists(
                $link::table
                    .inner_join(articles::table)
                    .filter($link::$link_col.eq(id))
                    .filter(articles::status.ne("draft")),
            ))
            .get_result(conn)
        }

        pub fn insert(conn: &mut $crate::db::Conn, new: &$new) -> diesel::QueryResult<$row> {
            use diesel::prelude::*;
            use $crate::db::schema::$table;
            diesel::insert_into($table::table)
                .values(new)
                .returning($table::id)
                .get_result::<i64>(conn)
                .and_then(|id| {
                    $table::table
                        .find(id)
                        .select(<$row>::as_select())
                        .first(conn)
                })
        }

        pub fn update(
            conn: &mut $crate::db::Conn,
            id: i64,
            changes: &$changes,
        ) -> diesel::QueryResult<$row> {
            use diesel::prelude::*;
            use $crate::db::schema::$table;
            diesel::update($table::table.find(id))
                .set(changes)
                .returning($table::id)
                .get_result::<i64>(conn)
                .and_then(|id| {
                    $table::table
                        .find(id)
                        .select(<$row>::as_select())
                        .first(conn)
                })
        }

        /// Deletes the row; articles lose the link (`ON DELETE CASCADE`) and, having changed,
        /// get a new `updated_at` so that clients syncing by it see them.
        pub fn delete(
            conn: &mut $crate::db::Conn,
            id: i64,
            now: chrono::NaiveDateTime,
        ) -> diesel::QueryResult<usize> {
            use diesel::prelude::*;
            use $crate::db::schema::{articles, $link, $table};
            diesel::update(
                articles::table.filter(
                    articles::id.eq_any(
                        $link::table
                            .filter($link::$link_col.eq(id))
                            .select($link::article_id),
                    ),
                ),
            )
            .set(articles::updated_at.eq(now))
            .execute(conn)?;
            diesel::delete($table::table.find(id)).execute(conn)
        }
    };
}

pub(crate) use linked_queries;
