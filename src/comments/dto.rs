//! What the comments endpoints accept and answer.
//!
//! Bodies are plain text, stored exactly as given and served as JSON strings: escaping them
//! for HTML is the client's job, as for any string in this API. Dateline renders no HTML from
//! comments; if it ever does, that HTML goes through the same sanitizer as article bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use crate::comments::models::CommentRow;
use crate::error::AppError;
use crate::validate::Errors;

/// Where a comment is in moderation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    /// Waiting for a moderator; not shown.
    Pending,
    /// Shown under the article.
    Approved,
    /// Not shown.
    Rejected,
    /// Not shown; marked as spam.
    Spam,
}

impl CommentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Spam => "spam",
        }
    }

    pub fn from_db(s: &str) -> Self {
        match s {
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            "spam" => Self::Spam,
            _ => Self::Pending,
        }
    }
}

/// A comment as readers see it. Plain text: escape `author_name` and `body` when you put
/// them in HTML.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 12, "article_id": 1, "parent_id": null, "author_name": "Ahmed from Ramadi",
    "body": "Good news for the families waiting in Haditha.", "deleted": false,
    "created_at": "2017-11-01T10:02:00Z"
}))]
pub struct CommentView {
    #[schema(example = 12)]
    pub id: i64,
    #[schema(example = 1)]
    pub article_id: i64,
    /// The comment this one replies to; build the thread from it.
    pub parent_id: Option<i64>,
    /// `null` once the comment is deleted.
    #[schema(example = "Ahmed from Ramadi")]
    pub author_name: Option<String>,
    /// Plain text, exactly as posted; `null` once the comment is deleted.
    #[schema(example = "Good news for the families waiting in Haditha.")]
    pub body: Option<String>,
    /// Removed (deleted, or hidden by a moderator) but kept as an empty placeholder, because
    /// approved replies hang from it.
    pub deleted: bool,
    pub created_at: DateTime<Utc>,
}

/// A comment as moderators see it: with the email and the status.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 12, "article_id": 1, "parent_id": null, "author_name": "Ahmed from Ramadi",
    "body": "Good news for the families waiting in Haditha.", "deleted": false,
    "created_at": "2017-11-01T10:02:00Z", "author_email": "ahmed@example.com",
    "status": "pending", "updated_at": "2017-11-01T10:02:00Z"
}))]
pub struct ModeratedComment {
    #[serde(flatten)]
    pub comment: CommentView,
    /// Never shown to the public; `null` once the comment is deleted.
    pub author_email: Option<String>,
    pub status: CommentStatus,
    pub updated_at: DateTime<Utc>,
}

impl From<CommentRow> for CommentView {
    fn from(row: CommentRow) -> Self {
        let deleted = row.deleted_at.is_some();
        Self {
            id: row.id,
            article_id: row.article_id,
            parent_id: row.parent_id,
            author_name: (!deleted).then_some(row.author_name),
            body: (!deleted).then_some(row.body),
            deleted,
            created_at: row.created_at.and_utc(),
        }
    }
}

impl CommentView {
    /// What readers see of a comment in a thread: anything not approved, or deleted, is an
    /// empty placeholder.
    pub fn public(row: CommentRow) -> Self {
        let shown = row.status == "approved" && row.deleted_at.is_none();
        let mut view = Self::from(row);
        if !shown {
            view.deleted = true;
            view.author_name = None;
            view.body = None;
        }
        view
    }
}

impl From<CommentRow> for ModeratedComment {
    fn from(row: CommentRow) -> Self {
        let deleted = row.deleted_at.is_some();
        Self {
            status: CommentStatus::from_db(&row.status),
            author_email: (!deleted).then(|| row.author_email.clone()),
            updated_at: row.updated_at.and_utc(),
            comment: CommentView::from(row),
        }
    }
}

/// What the poster gets back: the comment and where it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 12, "article_id": 1, "parent_id": null, "author_name": "Ahmed from Ramadi",
    "body": "Good news for the families waiting in Haditha.", "deleted": false,
    "created_at": "2017-11-01T10:02:00Z", "status": "pending"
}))]
pub struct PostedComment {
    #[serde(flatten)]
    pub comment: CommentView,
    /// `pending` until a moderator approves it; `approved` at once when staff post.
    pub status: CommentStatus,
}

impl From<CommentRow> for PostedComment {
    fn from(row: CommentRow) -> Self {
        Self {
            status: CommentStatus::from_db(&row.status),
            comment: CommentView::from(row),
        }
    }
}

/// The longest comment, in characters.
pub const MAX_BODY_CHARS: usize = 5000;
/// The most links a comment may carry.
pub const MAX_LINKS: usize = 2;

/// A comment. Without a bearer token (a reader) `author_name` and `author_email` are both
/// required; with a staff token both may be left out.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "author_name": "Ahmed from Ramadi",
    "author_email": "ahmed@example.com",
    "body": "Good news for the families waiting in Haditha.",
    "parent_id": null
}))]
pub struct NewCommentBody {
    /// 1–100 characters, shown with the comment. Required without a bearer token (a
    /// reader's comment, `422` when missing); staff may leave it out (their byline or
    /// display name is shown).
    #[schema(min_length = 1, max_length = 100)]
    pub author_name: Option<String>,
    /// Required without a bearer token (a reader's comment, `422` when missing); never shown
    /// publicly. Staff may leave it out (their account's email is used).
    #[schema(format = Email)]
    pub author_email: Option<String>,
    /// Plain text, 1–5,000 characters, at most 2 links; no control characters but line
    /// breaks and tabs.
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
    /// Reply to this comment: an approved comment of the same article.
    pub parent_id: Option<i64>,
}

/// What a moderator decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Show it under the article.
    Approved,
    /// Hide it.
    Rejected,
    /// Hide it, as spam.
    Spam,
}

impl From<Decision> for CommentStatus {
    fn from(d: Decision) -> Self {
        match d {
            Decision::Approved => Self::Approved,
            Decision::Rejected => Self::Rejected,
            Decision::Spam => Self::Spam,
        }
    }
}

/// A moderation decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "approved"}))]
pub struct ModerateComment {
    pub status: Decision,
}

/// Characters that reorder the text around them (U+202A–U+202E, U+2066–U+2069): in a comment
/// they serve only to make text read differently from what it is.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that show as nothing (zero-width spaces and joiners, soft hyphens, the byte
/// order mark): a repeat with one slipped in is still a repeat.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// The SHA-256 of a body with its whitespace collapsed and invisible characters dropped: the
/// key of the repeat check.
pub fn body_hash(body: &str) -> String {
    let visible: String = body.chars().filter(|c| !is_invisible(*c)).collect();
    let collapsed = visible.split_whitespace().collect::<Vec<_>>().join(" ");
    hex::encode(Sha256::digest(collapsed.as_bytes()))
}

/// How many links a text holds (`http://`, `https://`, `www.`).
pub fn count_links(text: &str) -> usize {
    let lower = text.to_lowercase();
    ["http://", "https://", "www."]
        .iter()
        .map(|p| lower.matches(p).count())
        .sum::<usize>()
        // `https://www.x` is one link, not two.
        - lower.matches("://www.").count()
}

impl NewCommentBody {
    /// Checks a reader's comment; `staff_email` fills in a missing email for staff.
    pub fn validate(mut self, staff_email: Option<&str>) -> Result<Self, AppError> {
        let mut e = Errors::new();
        match self.author_name.as_mut() {
            Some(name) => {
                *name = name.trim().to_owned();
                e.text("author_name", name, 1, 100, false);
            }
            None if staff_email.is_some() => {}
            None => e.add("author_name", "is required"),
        }
        match (&self.author_email, staff_email) {
            (Some(email), _) => e.email("author_email", email.trim()),
            (None, Some(email)) => self.author_email = Some(email.to_owned()),
            (None, None) => e.add("author_email", "is required"),
        }
        let chars = self.body.chars().count();
        if self.body.trim().is_empty() {
            e.add("body", "must not be empty");
        } else if chars > MAX_BODY_CHARS {
            e.add(
                "body",
                format!("must be at most {MAX_BODY_CHARS} characters"),
            );
        }
        if self
            .body
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            e.add("body", "must not contain control characters");
        }
        for (field, text) in [
            (
                "author_name",
                self.author_name.as_deref().unwrap_or_default(),
            ),
            ("body", &self.body),
        ] {
            if text.chars().any(is_bidi_control) {
                e.add(field, "must not contain bidirectional control characters");
            }
        }
        if count_links(&self.body) > MAX_LINKS {
            e.add("body", format!("may hold at most {MAX_LINKS} links"));
        }
        if self.parent_id.is_some_and(|p| p < 1) {
            e.add("parent_id", "is a positive integer");
        }
        e.finish()?;
        self.author_email = self.author_email.map(|m| m.trim().to_lowercase());
        Ok(self)
    }
}

/// Which comments the moderation queue shows.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueFilters {
    /// `pending` (the default), `approved`, `rejected` or `spam`.
    #[param(inline)]
    pub status: Option<CommentStatus>,
    /// Only comments on this article (id or slug).
    #[param(example = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14")]
    pub article: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_counted_once_each() {
        assert_eq!(
            count_links("see https://www.example.com and http://x.io"),
            2
        );
        assert_eq!(count_links("www.a.com www.b.com WWW.C.COM"), 3);
        assert_eq!(count_links("no links here"), 0);
    }

    #[test]
    fn repeats_ignore_whitespace_only() {
        assert_eq!(body_hash("Good  news\n"), body_hash("Good news"));
        assert_eq!(body_hash("Good\u{200B} news"), body_hash("Good news"));
        assert_ne!(body_hash("Good news"), body_hash("good news"));
    }
}
