//! Renaming, describing, merging and deleting tags: the writes that change
//! a tag itself rather than one post's tags.
//!
//! Each runs in the writer after flushing what its batch holds (so a post
//! saved a moment ago is among the posts it moves), and forgets the tag ids
//! kept by slug (the batch's and [`KnownTags`]) before it commits: a save
//! that follows must read the tags again.

use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use super::{
    Batch, Deferred, KnownTags, OnConflict, PostsError, PostsStore, post, post_tag, redirect, tag,
    tag_count, unexpected,
};
use crate::domain::{
    PostId, PostKind, PostStatus, RedirectFrom, RedirectOrigin, TagDescription, TagName,
};
use crate::messages::TagView;

/// What a tag write changed: the tag as it is now (`None`: deleted) and the
/// posts (of any status) whose tags read differently.
pub struct TagEdit {
    pub tag: Option<TagView>,
    pub posts: Vec<PostId>,
    /// Whether old addresses now redirect.
    pub redirected: bool,
}

impl PostsStore {
    /// Renames and/or describes the tag at `slug`.
    pub async fn edit_tag(
        &self,
        slug: String,
        name: Option<TagName>,
        description: Option<TagDescription>,
    ) -> Result<TagEdit, PostsError> {
        let known = self.known_tags.clone();
        let shared = std::sync::Arc::new((slug, name, description));
        self.writer
            .write(move |txn, later| {
                let (shared, known) = (shared.clone(), known.clone());
                Box::pin(async move {
                    let (slug, name, description) = &*shared;
                    Self::write_edit_tag(
                        txn,
                        later,
                        &known,
                        slug,
                        name.as_ref(),
                        description.as_ref(),
                    )
                    .await
                })
            })
            .await
    }

    async fn write_edit_tag(
        txn: &DatabaseTransaction,
        later: &mut Batch,
        known: &KnownTags,
        slug: &str,
        name: Option<&TagName>,
        description: Option<&TagDescription>,
    ) -> Result<TagEdit, PostsError> {
        later.flush(txn).await?;
        let old = Self::tag_at(txn, slug).await?;
        let mut edited = old.clone().into_active_model();
        let mut moved_to = None;
        if let Some(name) = name {
            let new_slug = name.slug().as_str().to_owned();
            if new_slug != old.slug {
                let taken = tag::Entity::find()
                    .filter(tag::Column::Slug.eq(new_slug.as_str()))
                    .count(txn)
                    .await
                    .map_err(unexpected("checking a tag's new name"))?;
                if taken > 0 {
                    return Err(PostsError::TagExists(name.as_str().to_owned()));
                }
                edited.slug = Set(new_slug.clone());
                moved_to = Some(new_slug);
            }
            edited.name = Set(name.as_str().to_owned());
        }
        if let Some(description) = description {
            edited.description = Set(description.as_str().to_owned());
        }
        let renamed = name.is_some_and(|name| name.as_str() != old.name);
        let tag = edited
            .update(txn)
            .await
            .map_err(unexpected("saving a tag"))?;
        if let Some(new_slug) = &moved_to {
            forget_tags(later, known);
            Self::write_tag_redirects(txn, &old.slug, new_slug).await?;
        }
        let posts = if renamed {
            Self::tagged(txn, tag.id).await?
        } else {
            Vec::new()
        };
        Ok(TagEdit {
            tag: Some(Self::tag_view(txn, tag).await?),
            posts,
            redirected: moved_to.is_some(),
        })
    }

    /// Moves every post tagged `from` to `into` and removes `from`.
    pub async fn merge_tags(&self, from: String, into: String) -> Result<TagEdit, PostsError> {
        let known = self.known_tags.clone();
        let shared = std::sync::Arc::new((from, into));
        self.writer
            .write(move |txn, later| {
                let (shared, known) = (shared.clone(), known.clone());
                Box::pin(async move {
                    let (from, into) = &*shared;
                    Self::write_merge_tags(txn, later, &known, from, into).await
                })
            })
            .await
    }

    async fn write_merge_tags(
        txn: &DatabaseTransaction,
        later: &mut Batch,
        known: &KnownTags,
        from: &str,
        into: &str,
    ) -> Result<TagEdit, PostsError> {
        later.flush(txn).await?;
        let source = Self::tag_at(txn, from).await?;
        let target = Self::tag_at(txn, into).await?;
        if source.id == target.id {
            return Err(PostsError::invalid("a tag cannot be merged into itself"));
        }
        forget_tags(later, known);
        let posts = Self::tagged(txn, source.id).await?;
        // A post tagged with both keeps the link it has to the target.
        let mut both = Query::select();
        both.column(post_tag::Column::PostId)
            .from(post_tag::Entity)
            .and_where(post_tag::Column::TagId.eq(target.id));
        post_tag::Entity::delete_many()
            .filter(post_tag::Column::TagId.eq(source.id))
            .filter(post_tag::Column::PostId.in_subquery(both))
            .exec(txn)
            .await
            .map_err(unexpected("merging tags"))?;
        post_tag::Entity::update_many()
            .col_expr(post_tag::Column::TagId, Expr::value(target.id))
            .filter(post_tag::Column::TagId.eq(source.id))
            .exec(txn)
            .await
            .map_err(unexpected("merging tags"))?;
        Self::recount_tags(txn, Recount::Tags(&[source.id, target.id])).await?;
        tag::Entity::delete_by_id(source.id)
            .exec(txn)
            .await
            .map_err(unexpected("removing a merged tag"))?;
        Self::write_tag_redirects(txn, &source.slug, &target.slug).await?;
        Ok(TagEdit {
            tag: Some(Self::tag_view(txn, target).await?),
            posts,
            redirected: true,
        })
    }

    /// Takes the tag at `slug` off every post and removes it.
    pub async fn delete_tag(&self, slug: String) -> Result<TagEdit, PostsError> {
        let known = self.known_tags.clone();
        let slug = std::sync::Arc::new(slug);
        self.writer
            .write(move |txn, later| {
                let (slug, known) = (slug.clone(), known.clone());
                Box::pin(async move {
                    later.flush(txn).await?;
                    let tag = Self::tag_at(txn, &slug).await?;
                    forget_tags(later, &known);
                    let posts = Self::tagged(txn, tag.id).await?;
                    post_tag::Entity::delete_many()
                        .filter(post_tag::Column::TagId.eq(tag.id))
                        .exec(txn)
                        .await
                        .map_err(unexpected("untagging posts"))?;
                    Self::recount_tags(txn, Recount::Tags(&[tag.id])).await?;
                    tag::Entity::delete_by_id(tag.id)
                        .exec(txn)
                        .await
                        .map_err(unexpected("removing a tag"))?;
                    Ok(TagEdit {
                        tag: None,
                        posts,
                        redirected: false,
                    })
                })
            })
            .await
    }

    async fn tag_at<C: ConnectionTrait>(db: &C, slug: &str) -> Result<tag::Model, PostsError> {
        tag::Entity::find()
            .filter(tag::Column::Slug.eq(slug))
            .one(db)
            .await
            .map_err(unexpected("reading a tag"))?
            .ok_or_else(|| PostsError::not_found(format!("there is no tag {slug:?}")))
    }

    /// Every post and page (of any status) carrying the tag `id`.
    async fn tagged<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Vec<PostId>, PostsError> {
        let ids: Vec<Uuid> = post_tag::Entity::find()
            .select_only()
            .column(post_tag::Column::PostId)
            .filter(post_tag::Column::TagId.eq(id))
            .into_tuple()
            .all(db)
            .await
            .map_err(unexpected("reading a tag's posts"))?;
        Ok(ids.into_iter().map(PostId::from_uuid).collect())
    }

    /// A tag with its number of published posts, as the tags list shows it.
    async fn tag_view<C: ConnectionTrait>(db: &C, tag: tag::Model) -> Result<TagView, PostsError> {
        let counts: Vec<i64> = tag_count::Entity::find()
            .select_only()
            .column(tag_count::Column::N)
            .filter(tag_count::Column::TagId.eq(tag.id))
            .filter(tag_count::Column::Status.eq(PostStatus::Published.as_str()))
            .filter(tag_count::Column::Kind.eq(PostKind::Post.as_str()))
            .into_tuple()
            .all(db)
            .await
            .map_err(unexpected("counting a tag's posts"))?;
        Ok(TagView {
            name: tag.name,
            slug: tag.slug,
            description: tag.description,
            posts: counts
                .into_iter()
                .map(|n| u64::try_from(n).unwrap_or(0))
                .sum(),
        })
    }

    /// Counts the posts of some tags, or of some authors' tags, again from
    /// their links (by tag, author, status and kind): rare operations (a
    /// merge, a deletion, a reassignment), and exact whatever else commits
    /// meanwhile.
    pub(super) async fn recount_tags(
        txn: &DatabaseTransaction,
        scope: Recount<'_>,
    ) -> Result<(), PostsError> {
        let (kept, linked) = match scope {
            Recount::Tags(tags) => (
                tag_count::Column::TagId.is_in(tags.iter().copied()),
                Expr::col((post_tag::Entity, post_tag::Column::TagId)).is_in(tags.iter().copied()),
            ),
            Recount::Authors(authors) => (
                tag_count::Column::AuthorId.is_in(authors.iter().copied()),
                Expr::col((post::Entity, post::Column::AuthorId)).is_in(authors.iter().copied()),
            ),
        };
        tag_count::Entity::delete_many()
            .filter(kept)
            .exec(txn)
            .await
            .map_err(unexpected("recounting tags"))?;
        let grouped = [
            (post_tag::Entity, post_tag::Column::TagId).into_column_ref(),
            (post::Entity, post::Column::AuthorId).into_column_ref(),
            (post_tag::Entity, post_tag::Column::Status).into_column_ref(),
            (post_tag::Entity, post_tag::Column::Kind).into_column_ref(),
        ];
        let mut recount = Query::select();
        recount
            .columns(grouped.clone())
            .expr(Expr::cust("COUNT(*)"))
            .from(post_tag::Entity)
            .inner_join(
                post::Entity,
                Expr::col((post::Entity, post::Column::Id))
                    .equals((post_tag::Entity, post_tag::Column::PostId)),
            )
            .and_where(linked)
            .group_by_columns(grouped);
        let mut insert = Query::insert();
        insert
            .into_table(tag_count::Entity)
            .columns([
                tag_count::Column::TagId,
                tag_count::Column::AuthorId,
                tag_count::Column::Status,
                tag_count::Column::Kind,
                tag_count::Column::N,
            ])
            .select_from(recount)
            .map_err(|error| PostsError::unexpected(format!("recounting tags: {error}")))?;
        txn.execute(&insert)
            .await
            .map_err(unexpected("recounting tags"))?;
        Ok(())
    }

    /// The tag's page at `old` leads to the one at `new` (its feed follows,
    /// see the gateway): an earlier redirect to `old` now leads straight to
    /// `new` (no chains), and one from `new` goes (the tag is live there
    /// now, and renaming back must not make a loop).
    async fn write_tag_redirects(
        txn: &DatabaseTransaction,
        old: &str,
        new: &str,
    ) -> Result<(), PostsError> {
        let (was, now) = (format!("/tag/{old}/"), format!("/tag/{new}/"));
        let (Ok(from), Ok(live)) = (RedirectFrom::parse(&was), RedirectFrom::parse(&now)) else {
            return Err(PostsError::unexpected(format!(
                "a tag's address is not one a redirect can have: {was} or {now}"
            )));
        };
        redirect::Entity::delete_many()
            .filter(redirect::Column::FromPath.eq(live.as_str()))
            .exec(txn)
            .await
            .map_err(unexpected("dropping a redirect a tag took over"))?;
        redirect::Entity::update_many()
            .col_expr(redirect::Column::TargetUrl, Expr::value(now.clone()))
            .filter(redirect::Column::TargetUrl.eq(was.as_str()))
            .exec(txn)
            .await
            .map_err(unexpected("updating redirects to a tag"))?;
        let model = redirect::ActiveModel {
            id: Set(Uuid::now_v7()),
            from_path: Set(from.as_str().to_owned()),
            target_post: Set(None),
            target_url: Set(Some(now)),
            origin: Set(RedirectOrigin::TagChange.as_str().to_owned()),
            created_at: Set(chrono::Utc::now()),
        };
        // The tag's old address is its to keep, whatever was there.
        redirect::Entity::insert(model)
            .on_conflict(
                OnConflict::column(redirect::Column::FromPath)
                    .update_columns([
                        redirect::Column::TargetPost,
                        redirect::Column::TargetUrl,
                        redirect::Column::Origin,
                        redirect::Column::CreatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await
            .map_err(unexpected("keeping a tag's old address"))?;
        Ok(())
    }
}

/// Whose tag counts to count again.
pub(super) enum Recount<'a> {
    Tags(&'a [Uuid]),
    Authors(&'a [Uuid]),
}

/// Drops every tag id kept by slug: a slug may now name another tag, or none.
fn forget_tags(later: &mut Batch, known: &KnownTags) {
    later.tags.clear();
    if let Ok(mut kept) = known.0.lock() {
        kept.clear();
    }
}
