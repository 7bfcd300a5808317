//! URL slugs: `[a-z0-9]+(-[a-z0-9]+)*`, at most 120 characters, derived from a title or name
//! by transliterating to ASCII, and made unique with `-2`, `-3`, ….

use deunicode::deunicode;

use crate::db::Conn;
use crate::error::AppError;

/// The longest slug.
pub const MAX_LEN: usize = 120;

/// Whether `slug` has the slug shape. All digits is refused: it would read as an id.
pub fn is_valid(slug: &str) -> bool {
    !slug.bytes().all(|b| b.is_ascii_digit())
        && !slug.is_empty()
        && slug.len() <= MAX_LEN
        && slug.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The slug of `text`: ASCII, lower case, words joined by `-`, cut at a word boundary to fit
/// [`MAX_LEN`]. `fallback` when nothing is left (a title of only symbols).
pub fn derive(text: &str, fallback: &str) -> String {
    // Apostrophes join rather than split words: "group's" → "groups", "Qa'im" → "qaim".
    let joined: String = text
        .chars()
        .filter(|c| !matches!(c, '\'' | '’' | 'ʼ' | 'ʿ'))
        .collect();
    let ascii = deunicode(&joined).to_ascii_lowercase();
    let words: Vec<&str> = ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut slug = String::new();
    for word in words {
        let extra = if slug.is_empty() {
            word.len()
        } else {
            word.len() + 1
        };
        if slug.len() + extra > MAX_LEN {
            if slug.is_empty() {
                slug.push_str(&word[..MAX_LEN]);
            }
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(word);
    }
    if slug.is_empty() {
        fallback.to_owned()
    } else if slug.bytes().all(|b| b.is_ascii_digit()) {
        // "2017" would read as an id: "article-2017".
        let mut prefixed = format!("{fallback}-{slug}");
        prefixed.truncate(MAX_LEN);
        prefixed
    } else {
        slug
    }
}

/// `base` if it is not in `taken`, else `base-2`, `base-3`, … (shortening `base` so the
/// suffix fits).
pub fn unique(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| {
            let suffix = format!("-{n}");
            let keep = base.len().min(MAX_LEN - suffix.len());
            format!("{}{suffix}", base[..keep].trim_end_matches('-'))
        })
        .find(|candidate| !taken.iter().any(|t| t == candidate))
        .unwrap_or_else(|| base.to_owned())
}

/// The slug to store for a row: `explicit` if given (a `409` when another row has it), else
/// one derived from `text` and made unique. `taken` lists the slugs in use among a base and
/// its `-N` variants; `is_taken` says whether a slug belongs to a row other than the one
/// being written.
pub fn choose(
    conn: &mut Conn,
    explicit: Option<&str>,
    text: &str,
    fallback: &str,
    taken: impl FnOnce(&mut Conn, &str) -> diesel::QueryResult<Vec<String>>,
    is_taken: impl FnOnce(&mut Conn, &str) -> diesel::QueryResult<bool>,
) -> Result<String, AppError> {
    match explicit {
        Some(slug) => {
            if is_taken(conn, slug)? {
                Err(AppError::Conflict(format!(
                    "The slug `{slug}` is already taken; choose another or leave it out to have one derived."
                )))
            } else {
                Ok(slug.to_owned())
            }
        }
        None => {
            let base = derive(text, fallback);
            Ok(unique(&base, &taken(conn, &base)?))
        }
    }
}

/// The `301` for `noun` named by its old slug `old`: to `path` (the same resource under its
/// current slug), on `public_url`, keeping the request's `query`.
pub fn moved(
    noun: &str,
    old: &str,
    current: &str,
    public_url: &str,
    path: &str,
    query: &str,
) -> AppError {
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    AppError::Moved {
        location: format!("{public_url}{path}{query}"),
        detail: format!("The {noun} `{old}` is now `{current}`."),
    }
}

/// A path segment that is either an id or a slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdOrSlug {
    /// All digits: looked up as an id first, then as a slug.
    Id(i64, String),
    Slug(String),
}

impl IdOrSlug {
    pub fn parse(segment: &str) -> Self {
        match segment.parse::<i64>() {
            Ok(id)
                if id > 0
                    && !segment.starts_with('0')
                    && segment.bytes().all(|b| b.is_ascii_digit()) =>
            {
                Self::Id(id, segment.to_owned())
            }
            _ => Self::Slug(segment.to_owned()),
        }
    }

    /// The id, if the segment may be one.
    pub fn id(&self) -> Option<i64> {
        match self {
            Self::Id(id, _) => Some(*id),
            Self::Slug(_) => None,
        }
    }

    /// The segment as a slug.
    pub fn slug(&self) -> &str {
        match self {
            Self::Id(_, s) | Self::Slug(s) => s,
        }
    }
}

impl std::fmt::Display for IdOrSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_ascii_slugs() {
        assert_eq!(
            derive(
                "Air raid on a Qaim workshop leaves 14 militants dead, Anbar officials say",
                "x"
            ),
            "air-raid-on-a-qaim-workshop-leaves-14-militants-dead-anbar-officials-say"
        );
        assert_eq!(
            derive("Al-Qā'im: ‘black stain’ to go", "x"),
            "al-qaim-black-stain-to-go"
        );
        assert_eq!(
            derive("The group’s last towns", "x"),
            "the-groups-last-towns"
        );
        assert_eq!(derive("القائم", "x"), "lqy-m");
        assert_eq!(derive("Ελλάδα Größe café", "x"), "ellada-grosse-cafe");
        assert_eq!(derive("!!!", "article"), "article");
        assert_eq!(derive("2017", "article"), "article-2017");
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let slug = derive(&"word ".repeat(60), "x");
        assert!(slug.len() <= MAX_LEN);
        assert!(slug.ends_with("word"));
        assert!(is_valid(&slug));
        let one = derive(&"a".repeat(200), "x");
        assert_eq!(one.len(), MAX_LEN);
    }

    #[test]
    fn slugs_are_made_unique() {
        let taken = vec!["qaim".to_owned(), "qaim-2".to_owned()];
        assert_eq!(unique("anbar", &taken), "anbar");
        assert_eq!(unique("qaim", &taken), "qaim-3");
        let long = "a".repeat(MAX_LEN);
        let u = unique(&long, std::slice::from_ref(&long));
        assert_eq!(u.len(), MAX_LEN);
        assert!(u.ends_with("-2"));
    }

    #[test]
    fn the_slug_shape_is_checked() {
        for ok in ["qaim", "qaim-air-raid-14", "qaim-2017", "2017-review"] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "2017",
            "",
            "Qaim",
            "a--b",
            "-a",
            "a-",
            "a b",
            "é",
            &"a".repeat(121),
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn numeric_segments_may_be_ids() {
        assert_eq!(IdOrSlug::parse("42").id(), Some(42));
        assert_eq!(IdOrSlug::parse("qaim").id(), None);
        assert_eq!(IdOrSlug::parse("-1").id(), None);
        assert_eq!(IdOrSlug::parse("+7").id(), None);
        assert_eq!(IdOrSlug::parse("07").id(), None);
        assert_eq!(IdOrSlug::parse("99999999999999999999").id(), None);
    }
}
