//! Paging and ordering as the queries see them: which slice of a list, in which order.
//! (The HTTP side, parsing `page`, `sort` and `fields`, lives in `http::list`.)

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: u32,
    pub per_page: u32,
}

impl Page {
    /// SQL `LIMIT`.
    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }

    /// SQL `OFFSET`.
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

/// One direction of one sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    /// A name from the resource's allow-list.
    pub field: &'static str,
    pub descending: bool,
}

/// Orders a boxed Diesel query by parsed sort keys:
/// `apply_sort!(query, &keys, { "name" => tags::name, "created_at" => tags::created_at })`.
/// Keys not listed leave the query as it is (`parse_sort` already refused them).
macro_rules! apply_sort {
    ($query:expr, $keys:expr, { $($name:literal => $col:expr),+ $(,)? }) => {{
        let mut query = $query;
        for key in $keys {
            query = match (key.field, key.descending) {
                $(
                    ($name, false) => query.then_order_by($col.asc()),
                    ($name, true) => query.then_order_by($col.desc()),
                )+
                _ => query,
            };
        }
        query
    }};
}
pub(crate) use apply_sort;
