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

        /// The slugs among `base` and `base-…` already in use.
        pub fn taken_slugs(
            conn: &mut $crate::db::Conn,
            base: &str,
        ) -> diesel::QueryResult<Vec<String>> {
            use diesel::prelude::*;
            use $crate::db::schema::$table;
            $table::table
                .filter(
                    $table::slug
                        .eq(base)
                        .or($table::slug.like(format!("{base}-%"))),
                )
                .select($table::slug)
                .load(conn)
        }

        /// Whether `slug` belongs to a row other than `except`.
        pub fn slug_taken(
            conn: &mut $crate::db::Conn,
            slug: &str,
            except: Option<i64>,
        ) -> diesel::QueryResult<bool> {
            use diesel::prelude::*;
            use $crate::db::schema::$table;
            let mut query = $table::table.filter($table::slug.eq(slug)).into_boxed();
            if let Some(id) = except {
                query = query.filter($table::id.ne(id));
            }
            diesel::select(diesel::dsl::exists(query)).get_result(conn)
        }

        /// The rows with these ids (in no particular order).
        pub fn by_ids(conn: &mut $crate::db::Conn, ids: &[i64]) -> diesel::QueryResult<Vec<$row>> {
            use diesel::prelude::*;
            use $crate::db::schema::$table;
            $table::table
                .filter($table::id.eq_any(ids))
                .select(<$row>::as_select())
                .load(conn)
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
