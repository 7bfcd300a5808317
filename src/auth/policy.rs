//! Who may do what: the role matrix of the API contract, in one place.
//!
//! | may                                              | admin | editor | author                               |
//! |--------------------------------------------------|-------|--------|--------------------------------------|
//! | manage users                                     | yes   | no     | no                                   |
//! | create articles, sources, tags; upload images    | yes   | yes    | yes                                  |
//! | create authors (bylines)                         | yes   | yes    | no                                   |
//! | edit/delete articles                             | all   | all    | only their own drafts                |
//! | publish, schedule, archive                       | yes   | yes    | no (403)                             |
//! | edit/delete authors, sources, tags, images       | yes   | yes    | only what they created, while no article past draft uses it |
//! | moderate and delete comments                     | yes   | yes    | no                                   |
//! | read articles that are not public                | all   | all    | their own                            |
//!
//! An article is a user's own when they are on its byline (through their `author_id`) or
//! created it. Anonymous callers read only what is public now.

use crate::auth::{AuthUser, Role};
use crate::error::AppError;

/// What decides whether an article is someone's own.
#[derive(Debug, Clone, Copy)]
pub struct ArticleOwners<'a> {
    pub created_by: Option<i64>,
    pub author_ids: &'a [i64],
}

/// Whether `user` created the article or is on its byline.
pub fn owns_article(user: &AuthUser, owners: ArticleOwners<'_>) -> bool {
    owners.created_by == Some(user.id)
        || user
            .author_id
            .is_some_and(|a| owners.author_ids.contains(&a))
}

/// Whether the caller may read an article that is not public now.
pub fn may_read_unpublished(user: Option<&AuthUser>, owners: ArticleOwners<'_>) -> bool {
    user.is_some_and(|u| u.is_editor() || owns_article(u, owners))
}

/// Editing or deleting an article: editors and admins always; authors only their own drafts.
pub fn require_edit_article(
    user: &AuthUser,
    owners: ArticleOwners<'_>,
    is_draft: bool,
) -> Result<(), AppError> {
    if user.is_editor() || (owns_article(user, owners) && is_draft) {
        Ok(())
    } else if owns_article(user, owners) {
        Err(AppError::Forbidden(
            "Authors may edit only drafts; this article has left the draft stage, so an editor \
             must change it."
                .into(),
        ))
    } else {
        Err(AppError::Forbidden(
            "Authors may edit only their own drafts (on the byline, or created by them).".into(),
        ))
    }
}

/// Publishing, scheduling and archiving (any status but `draft`) are for editors and admins.
pub fn require_set_status(user: &AuthUser, is_draft: bool) -> Result<(), AppError> {
    if is_draft || user.is_editor() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only editors and admins publish, schedule or archive; authors keep articles as drafts."
                .into(),
        ))
    }
}

/// Setting when an article goes public is part of publishing: editors and admins only.
pub fn require_set_publication_time(user: &AuthUser) -> Result<(), AppError> {
    if user.is_editor() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only editors and admins set an article's publication time.".into(),
        ))
    }
}

/// Creating a byline (an author) is for editors and admins.
pub fn require_create_author(user: &AuthUser) -> Result<(), AppError> {
    user.require(Role::Editor)
}

/// Editing or deleting an author, source, tag or image: editors and admins always; authors
/// only what they created. Not even their own byline: it stands on published articles that
/// they may no longer change.
pub fn require_edit_owned(user: &AuthUser, created_by: Option<i64>) -> Result<(), AppError> {
    if user.is_editor() || created_by == Some(user.id) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Authors may change only what they created.".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, id: i64, author_id: Option<i64>) -> AuthUser {
        AuthUser {
            id,
            role,
            author_id,
            session_id: 1,
        }
    }

    #[test]
    fn the_article_matrix() {
        let owners = ArticleOwners {
            created_by: Some(9),
            author_ids: &[3],
        };
        let on_byline = user(Role::Author, 1, Some(3));
        let creator = user(Role::Author, 9, None);
        let stranger = user(Role::Author, 2, Some(4));
        let editor = user(Role::Editor, 5, None);
        for (who, draft, ok) in [
            (&on_byline, true, true),
            (&creator, true, true),
            (&on_byline, false, false),
            (&stranger, true, false),
            (&editor, false, true),
        ] {
            assert_eq!(
                require_edit_article(who, owners, draft).is_ok(),
                ok,
                "{who:?} draft={draft}"
            );
        }
        assert!(may_read_unpublished(Some(&on_byline), owners));
        assert!(!may_read_unpublished(Some(&stranger), owners));
        assert!(may_read_unpublished(Some(&editor), owners));
        assert!(!may_read_unpublished(None, owners));
        assert!(require_set_status(&on_byline, true).is_ok());
        assert!(require_set_status(&on_byline, false).is_err());
        assert!(require_set_status(&editor, false).is_ok());
    }

    #[test]
    fn the_catalog_matrix() {
        let author = user(Role::Author, 1, Some(3));
        assert!(require_edit_owned(&author, Some(1)).is_ok());
        assert!(require_edit_owned(&author, Some(2)).is_err());
        assert!(require_edit_owned(&author, None).is_err());
        assert!(require_edit_owned(&user(Role::Editor, 5, None), Some(2)).is_ok());
        assert!(require_create_author(&author).is_err());
    }
}
