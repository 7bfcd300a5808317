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

/// How many items a list counts: `exact` (whatever it costs), `estimate` (exact when that is
/// cheap, else extrapolated), or `none` (no total at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CountMode {
    Exact,
    #[default]
    Estimate,
    None,
}

/// A list's total and whether it is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    pub value: i64,
    pub exact: bool,
}

/// One sort key's value at a page boundary. Times are kept as stored (`YYYY-MM-DD HH:MM:SS`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum KeyValue {
    Null,
    Text(String),
}

impl KeyValue {
    pub fn time(t: Option<chrono::NaiveDateTime>) -> Self {
        t.map_or(Self::Null, |t| {
            Self::Text(t.format(TIME_FORMAT).to_string())
        })
    }
}

/// How times are written in cursors (and stored).
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// A position in a sorted list: the sort key values and id of the item the page starts after
/// (`forward`) or ends before (backward), and the sort it belongs to. Opaque to clients.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cursor {
    /// The `sort` parameter it was made for, normalized (`-published_at`).
    #[serde(rename = "s")]
    pub sort: String,
    /// `true`: the items after this position; `false`: the items before it.
    #[serde(rename = "f")]
    pub forward: bool,
    #[serde(rename = "k")]
    pub keys: Vec<KeyValue>,
    #[serde(rename = "i")]
    pub id: i64,
}

impl Cursor {
    /// The opaque text clients see: URL-safe base64 of a small JSON object.
    pub fn encode(&self) -> String {
        use base64::Engine;
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads what [`Cursor::encode`] wrote; `None` for anything else.
    pub fn decode(text: &str) -> Option<Self> {
        use base64::Engine;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text.trim())
            .ok()?;
        serde_json::from_slice(&json).ok()
    }
}

/// Which slice of a sorted list: a page number, or the items after or before a cursor.
#[derive(Debug, Clone, PartialEq)]
pub enum Window {
    Page(Page),
    Cursor { cursor: Cursor, per_page: u32 },
}

impl Window {
    pub fn per_page(&self) -> u32 {
        match self {
            Self::Page(p) => p.per_page,
            Self::Cursor { per_page, .. } => *per_page,
        }
    }
}

/// The writing of [`SortKey`]s as the `sort` parameter does: `-published_at,title`.
pub fn sort_spec(keys: &[SortKey]) -> String {
    keys.iter()
        .map(|k| {
            if k.descending {
                format!("-{}", k.field)
            } else {
                k.field.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let c = Cursor {
            sort: "-published_at".into(),
            forward: true,
            keys: vec![KeyValue::Text("2017-11-01 09:30:00".into()), KeyValue::Null],
            id: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("not a cursor"), None);
        assert_eq!(Cursor::decode(""), None);
    }
}
