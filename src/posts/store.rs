//! The posts store: the only code that reads or writes the posts database
//! (posts and pages, tags, revisions).

use anyhow::Context;
use chrono::{DateTime, Utc};
use folio_migrations::PostsMigrator;
use folio_migrations::sea_orm_migration::MigratorTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, SqlErr,
};
use uuid::Uuid;

use super::PostsError;
use super::domain::{PostKind, PostStatus};
use super::messages::{PostView, PostsStats, PublishedUrl, RevisionView, TagRef, TagView};
use crate::config::StoreLocation;
use crate::storage::Writer;

mod post {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "posts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub title: String,
        pub slug: String,
        pub markdown: String,
        pub html: String,
        pub excerpt: String,
        pub excerpt_given: bool,
        pub status: String,
        pub author_id: Uuid,
        pub revision: i32,
        pub publish_at: Option<ChronoDateTimeUtc>,
        pub published_at: Option<ChronoDateTimeUtc>,
        pub feature_image: Option<String>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod tag {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "tags")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub slug: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod post_tag {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "post_tags")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub post_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub tag_id: Uuid,
        pub position: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod revision {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "revisions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub post_id: Uuid,
        pub revision: i32,
        pub title: String,
        pub slug: String,
        pub markdown: String,
        pub excerpt: String,
        /// Tag names, as a JSON array.
        pub tags: String,
        pub feature_image: Option<String>,
        pub saved_by: Uuid,
        pub created_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Revisions kept per post; older ones are dropped on save.
pub const KEEP_REVISIONS: i32 = 50;

fn unexpected(context: &'static str) -> impl FnOnce(DbErr) -> PostsError {
    move |error| PostsError::Unexpected(format!("{context}: {error}"))
}

/// A post with everything the concern decides, ready to be written.
#[derive(Clone, Debug)]
pub struct PostRecord {
    pub id: Uuid,
    pub kind: PostKind,
    pub title: String,
    pub slug: String,
    pub markdown: String,
    pub html: String,
    pub excerpt: String,
    pub excerpt_given: bool,
    pub tags: Vec<(String, String)>,
    pub status: PostStatus,
    pub author: Uuid,
    pub revision: i32,
    pub publish_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub feature_image: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PostRecord {
    pub fn view(&self) -> PostView {
        PostView {
            id: self.id,
            kind: self.kind,
            title: self.title.clone(),
            slug: self.slug.clone(),
            markdown: self.markdown.clone(),
            html: self.html.clone(),
            excerpt: self.excerpt.clone(),
            tags: self
                .tags
                .iter()
                .map(|(name, slug)| TagRef {
                    name: name.clone(),
                    slug: slug.clone(),
                })
                .collect(),
            status: self.status,
            publish_at: self.publish_at,
            published_at: self.published_at,
            feature_image: self.feature_image.clone(),
            author: self.author,
            revision: self.revision,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    pub fn is_public(&self) -> bool {
        self.status == PostStatus::Published
    }
}

/// Which posts a list shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub status: Option<PostStatus>,
    pub kind: Option<PostKind>,
    pub tag: Option<String>,
    pub author: Option<Uuid>,
    pub search: Option<String>,
    /// Only posts that are published or written by this user.
    pub visible_to: Option<Uuid>,
}

#[derive(Clone)]
pub struct PostsStore {
    db: DatabaseConnection,
    /// Every write goes through it: concurrent saves share one durable commit.
    writer: Writer,
}

impl PostsStore {
    /// Connects and applies pending migrations.
    pub async fn open(location: &StoreLocation) -> anyhow::Result<Self> {
        let db = crate::storage::connect(location)
            .await
            .context("posts store")?;
        PostsMigrator::up(&db, None)
            .await
            .context("migrating the posts store")?;
        let writer = Writer::start(db.clone());
        Ok(Self { db, writer })
    }

    pub async fn close(self) -> anyhow::Result<()> {
        self.db.close().await.context("closing the posts store")
    }

    pub async fn stats(&self) -> Result<PostsStats, PostsError> {
        let posts = post::Entity::find()
            .count(&self.db)
            .await
            .map_err(unexpected("counting posts"))?;
        let published = post::Entity::find()
            .filter(post::Column::Status.eq(PostStatus::Published.as_str()))
            .count(&self.db)
            .await
            .map_err(unexpected("counting published posts"))?;
        Ok(PostsStats { posts, published })
    }

    async fn tags_of<C: ConnectionTrait>(
        db: &C,
        ids: &[Uuid],
    ) -> Result<Vec<(Uuid, String, String)>, PostsError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let links = post_tag::Entity::find()
            .filter(post_tag::Column::PostId.is_in(ids.iter().copied()))
            .order_by_asc(post_tag::Column::Position)
            .all(db)
            .await
            .map_err(unexpected("reading post tags"))?;
        let tag_ids: Vec<Uuid> = links.iter().map(|link| link.tag_id).collect();
        let tags = tag::Entity::find()
            .filter(tag::Column::Id.is_in(tag_ids))
            .all(db)
            .await
            .map_err(unexpected("reading tags"))?;
        Ok(links
            .iter()
            .filter_map(|link| {
                let tag = tags.iter().find(|tag| tag.id == link.tag_id)?;
                Some((link.post_id, tag.name.clone(), tag.slug.clone()))
            })
            .collect())
    }

    async fn records<C: ConnectionTrait>(
        db: &C,
        models: Vec<post::Model>,
    ) -> Result<Vec<PostRecord>, PostsError> {
        let ids: Vec<Uuid> = models.iter().map(|model| model.id).collect();
        let tags = Self::tags_of(db, &ids).await?;
        models
            .into_iter()
            .map(|model| {
                let post_tags = tags
                    .iter()
                    .filter(|(id, _, _)| *id == model.id)
                    .map(|(_, name, slug)| (name.clone(), slug.clone()))
                    .collect();
                Ok(PostRecord {
                    id: model.id,
                    kind: PostKind::parse(&model.kind).unwrap_or_default(),
                    title: model.title,
                    slug: model.slug,
                    markdown: model.markdown,
                    html: model.html,
                    excerpt: model.excerpt,
                    excerpt_given: model.excerpt_given,
                    tags: post_tags,
                    status: PostStatus::parse(&model.status).unwrap_or_default(),
                    author: model.author_id,
                    revision: model.revision,
                    publish_at: model.publish_at,
                    published_at: model.published_at,
                    feature_image: model.feature_image,
                    created_at: model.created_at,
                    updated_at: model.updated_at,
                })
            })
            .collect()
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<PostRecord>, PostsError> {
        let model = post::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .map_err(unexpected("reading a post"))?;
        Ok(Self::records(&self.db, model.into_iter().collect())
            .await?
            .pop())
    }

    pub async fn by_slug(&self, slug: &str) -> Result<Option<PostRecord>, PostsError> {
        let model = post::Entity::find()
            .filter(post::Column::Slug.eq(slug))
            .one(&self.db)
            .await
            .map_err(unexpected("reading a post by slug"))?;
        Ok(Self::records(&self.db, model.into_iter().collect())
            .await?
            .pop())
    }

    pub async fn slug_taken(&self, slug: &str, except: Option<Uuid>) -> Result<bool, PostsError> {
        let mut query = post::Entity::find().filter(post::Column::Slug.eq(slug));
        if let Some(id) = except {
            query = query.filter(post::Column::Id.ne(id));
        }
        Ok(query
            .count(&self.db)
            .await
            .map_err(unexpected("checking a slug"))?
            > 0)
    }

    /// The slugs in use that are `base` or `base-…`, except `except`'s: what
    /// a numbered slug must avoid, in one query.
    pub async fn slugs_from(
        &self,
        base: &str,
        except: Option<Uuid>,
    ) -> Result<Vec<String>, PostsError> {
        // `base-…` as a range on the slug index ('.' is the character after
        // '-'): a LIKE pattern would scan every post on SQLite, whose LIKE
        // ignores case and so cannot use the (case-sensitive) index.
        let mut query = post::Entity::find()
            .select_only()
            .column(post::Column::Slug)
            .filter(
                Condition::any().add(post::Column::Slug.eq(base)).add(
                    Condition::all()
                        .add(post::Column::Slug.gt(format!("{base}-")))
                        .add(post::Column::Slug.lt(format!("{base}."))),
                ),
            );
        if let Some(id) = except {
            query = query.filter(post::Column::Id.ne(id));
        }
        query
            .into_tuple::<String>()
            .all(&self.db)
            .await
            .map_err(unexpected("checking slugs"))
    }

    fn condition(filter: &Filter) -> Condition {
        let mut condition = Condition::all();
        if let Some(status) = filter.status {
            condition = condition.add(post::Column::Status.eq(status.as_str()));
        }
        if let Some(kind) = filter.kind {
            condition = condition.add(post::Column::Kind.eq(kind.as_str()));
        }
        if let Some(author) = filter.author {
            condition = condition.add(post::Column::AuthorId.eq(author));
        }
        if let Some(search) = &filter.search {
            for word in search.split_whitespace().take(8) {
                condition = condition.add(post::Column::Title.contains(word));
            }
        }
        if let Some(user) = filter.visible_to {
            condition = condition.add(
                Condition::any()
                    .add(post::Column::Status.eq(PostStatus::Published.as_str()))
                    .add(post::Column::AuthorId.eq(user)),
            );
        }
        if let Some(tag_slug) = &filter.tag {
            let tagged = Query::select()
                .column(post_tag::Column::PostId)
                .from(post_tag::Entity)
                .inner_join(
                    tag::Entity,
                    Expr::col((tag::Entity, tag::Column::Id))
                        .equals((post_tag::Entity, post_tag::Column::TagId)),
                )
                .and_where(Expr::col((tag::Entity, tag::Column::Slug)).eq(tag_slug.as_str()))
                .to_owned();
            condition = condition.add(post::Column::Id.in_subquery(tagged));
        }
        condition
    }

    /// A page of posts, newest first (by publication, then creation).
    pub async fn list(
        &self,
        filter: &Filter,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<PostRecord>, u64), PostsError> {
        let condition = Self::condition(filter);
        let total = post::Entity::find()
            .filter(condition.clone())
            .count(&self.db)
            .await
            .map_err(unexpected("counting posts"))?;
        let models = post::Entity::find()
            .filter(condition)
            .order_by_desc(post::Column::PublishedAt)
            .order_by_desc(post::Column::CreatedAt)
            .offset(u64::from(page.saturating_sub(1)) * u64::from(per_page))
            .limit(u64::from(per_page))
            .all(&self.db)
            .await
            .map_err(unexpected("listing posts"))?;
        Ok((Self::records(&self.db, models).await?, total))
    }

    /// Scheduled posts whose time has come.
    pub async fn due(&self, now: DateTime<Utc>) -> Result<Vec<PostRecord>, PostsError> {
        let models = post::Entity::find()
            .filter(post::Column::Status.eq(PostStatus::Scheduled.as_str()))
            .filter(post::Column::PublishAt.lte(now))
            .all(&self.db)
            .await
            .map_err(unexpected("finding due posts"))?;
        Self::records(&self.db, models).await
    }

    /// The ids of `tags` (name, slug), in their order, adding the new ones:
    /// two or three statements however many tags there are.
    async fn tag_ids(
        txn: &DatabaseTransaction,
        tags: &[(String, String)],
    ) -> Result<Vec<Uuid>, PostsError> {
        if tags.is_empty() {
            return Ok(Vec::new());
        }
        let slugs = || tags.iter().map(|(_, slug)| slug.clone());
        let find = || {
            tag::Entity::find()
                .filter(tag::Column::Slug.is_in(slugs()))
                .all(txn)
        };
        let mut known = find().await.map_err(unexpected("reading tags"))?;
        let missing: Vec<tag::ActiveModel> = tags
            .iter()
            .filter(|(_, slug)| !known.iter().any(|tag| tag.slug == *slug))
            .map(|(name, slug)| tag::ActiveModel {
                id: Set(Uuid::new_v4()),
                name: Set(name.clone()),
                slug: Set(slug.clone()),
            })
            .collect();
        if !missing.is_empty() {
            // Another save may be adding the same new tag right now:
            // whichever commits first makes it, the other waits for that
            // (PostgreSQL) or runs after it (SQLite) and uses it.
            tag::Entity::insert_many(missing)
                .on_conflict_do_nothing_on([tag::Column::Slug])
                .exec_without_returning(txn)
                .await
                .map_err(unexpected("adding tags"))?;
            known = find().await.map_err(unexpected("reading tags"))?;
        }
        let mut ids = Vec::with_capacity(tags.len());
        for (_, slug) in tags {
            let id = known
                .iter()
                .find(|tag| tag.slug == *slug)
                .map(|tag| tag.id)
                .ok_or_else(|| PostsError::Unexpected(format!("the tag {slug} vanished")))?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// Writes `record` (a new post when `previous` is `None`), its tags and a
    /// revision, in one transaction. With `previous`, the write only happens if
    /// the stored revision is still `previous`: a concurrent save loses with 409.
    pub async fn save(
        &self,
        record: &PostRecord,
        previous: Option<i32>,
        saved_by: Uuid,
    ) -> Result<(), PostsError> {
        let record = std::sync::Arc::new(record.clone());
        self.writer
            .write(move |txn| {
                let record = record.clone();
                Box::pin(async move { Self::write_post(txn, &record, previous, saved_by).await })
            })
            .await
    }

    async fn write_post(
        txn: &DatabaseTransaction,
        record: &PostRecord,
        previous: Option<i32>,
        saved_by: Uuid,
    ) -> Result<(), PostsError> {
        let model = post::ActiveModel {
            id: Set(record.id),
            kind: Set(record.kind.as_str().to_owned()),
            title: Set(record.title.clone()),
            slug: Set(record.slug.clone()),
            markdown: Set(record.markdown.clone()),
            html: Set(record.html.clone()),
            excerpt: Set(record.excerpt.clone()),
            excerpt_given: Set(record.excerpt_given),
            status: Set(record.status.as_str().to_owned()),
            author_id: Set(record.author),
            revision: Set(record.revision),
            publish_at: Set(record.publish_at),
            published_at: Set(record.published_at),
            feature_image: Set(record.feature_image.clone()),
            created_at: Set(record.created_at),
            updated_at: Set(record.updated_at),
        };
        let slug_taken = |error: DbErr| match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                PostsError::SlugTaken(record.slug.clone())
            }
            _ => PostsError::Unexpected(format!("saving a post: {error}")),
        };
        match previous {
            None => {
                post::Entity::insert(model)
                    .exec(txn)
                    .await
                    .map_err(slug_taken)?;
            }
            Some(previous) => {
                let result = post::Entity::update_many()
                    .set(model)
                    .filter(post::Column::Id.eq(record.id))
                    .filter(post::Column::Revision.eq(previous))
                    .exec(txn)
                    .await
                    .map_err(slug_taken)?;
                if result.rows_affected == 0 {
                    let current = post::Entity::find_by_id(record.id)
                        .one(txn)
                        .await
                        .map_err(unexpected("reading a post"))?
                        .map_or(previous, |post| post.revision);
                    return Err(PostsError::Stale {
                        based_on: previous,
                        current,
                    });
                }
            }
        }
        if previous.is_some() {
            post_tag::Entity::delete_many()
                .filter(post_tag::Column::PostId.eq(record.id))
                .exec(txn)
                .await
                .map_err(unexpected("clearing post tags"))?;
        }
        let links: Vec<post_tag::ActiveModel> = Self::tag_ids(txn, &record.tags)
            .await?
            .into_iter()
            .enumerate()
            .map(|(position, tag_id)| post_tag::ActiveModel {
                post_id: Set(record.id),
                tag_id: Set(tag_id),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            })
            .collect();
        if !links.is_empty() {
            post_tag::Entity::insert_many(links)
                .exec_without_returning(txn)
                .await
                .map_err(unexpected("tagging a post"))?;
        }
        let names: Vec<&str> = record.tags.iter().map(|(name, _)| name.as_str()).collect();
        revision::ActiveModel {
            id: Set(Uuid::new_v4()),
            post_id: Set(record.id),
            revision: Set(record.revision),
            title: Set(record.title.clone()),
            slug: Set(record.slug.clone()),
            markdown: Set(record.markdown.clone()),
            excerpt: Set(if record.excerpt_given {
                record.excerpt.clone()
            } else {
                String::new()
            }),
            tags: Set(serde_json::to_string(&names).unwrap_or_default()),
            feature_image: Set(record.feature_image.clone()),
            saved_by: Set(saved_by),
            created_at: Set(record.updated_at),
        }
        .insert(txn)
        .await
        .map_err(unexpected("keeping a revision"))?;
        if record.revision > KEEP_REVISIONS {
            revision::Entity::delete_many()
                .filter(revision::Column::PostId.eq(record.id))
                .filter(revision::Column::Revision.lte(record.revision - KEEP_REVISIONS))
                .exec(txn)
                .await
                .map_err(unexpected("dropping old revisions"))?;
        }
        Ok(())
    }

    pub async fn delete(&self, id: Uuid) -> Result<(), PostsError> {
        self.writer
            .write(move |txn| {
                Box::pin(async move {
                    // Tags links and revisions go with it (ON DELETE CASCADE).
                    post::Entity::delete_by_id(id)
                        .exec(txn)
                        .await
                        .map_err(unexpected("deleting a post"))?;
                    Ok(())
                })
            })
            .await
    }

    fn revision_view(model: revision::Model) -> RevisionView {
        RevisionView {
            revision: model.revision,
            title: model.title,
            slug: model.slug,
            markdown: model.markdown,
            excerpt: model.excerpt,
            tags: serde_json::from_str(&model.tags).unwrap_or_default(),
            feature_image: model.feature_image,
            saved_by: model.saved_by,
            created_at: model.created_at,
        }
    }

    pub async fn revisions(&self, id: Uuid) -> Result<Vec<RevisionView>, PostsError> {
        let models = revision::Entity::find()
            .filter(revision::Column::PostId.eq(id))
            .order_by_desc(revision::Column::Revision)
            .all(&self.db)
            .await
            .map_err(unexpected("listing revisions"))?;
        Ok(models.into_iter().map(Self::revision_view).collect())
    }

    pub async fn revision(
        &self,
        id: Uuid,
        number: i32,
    ) -> Result<Option<RevisionView>, PostsError> {
        let model = revision::Entity::find()
            .filter(revision::Column::PostId.eq(id))
            .filter(revision::Column::Revision.eq(number))
            .one(&self.db)
            .await
            .map_err(unexpected("reading a revision"))?;
        Ok(model.map(Self::revision_view))
    }

    /// The tags `viewer` may know of, each with its number of published
    /// posts, most used first. A tag shows when a post the viewer may see
    /// carries it; for the public that is a published post (not a page: tag
    /// pages list posts only), so tags of drafts, scheduled and deleted posts
    /// stay private. One grouped query, however many tags there are.
    pub async fn tags(&self, viewer: TagViewer) -> Result<Vec<TagView>, PostsError> {
        let query = Query::select()
            .column((tag::Entity, tag::Column::Name))
            .column((tag::Entity, tag::Column::Slug))
            .column((post::Entity, post::Column::Status))
            .column((post::Entity, post::Column::Kind))
            .column((post::Entity, post::Column::AuthorId))
            .expr_as(Expr::col((post::Entity, post::Column::Id)).count(), "n")
            .from(tag::Entity)
            .inner_join(
                post_tag::Entity,
                Expr::col((post_tag::Entity, post_tag::Column::TagId))
                    .equals((tag::Entity, tag::Column::Id)),
            )
            .inner_join(
                post::Entity,
                Expr::col((post::Entity, post::Column::Id))
                    .equals((post_tag::Entity, post_tag::Column::PostId)),
            )
            .group_by_col((tag::Entity, tag::Column::Name))
            .group_by_col((tag::Entity, tag::Column::Slug))
            .group_by_col((post::Entity, post::Column::Status))
            .group_by_col((post::Entity, post::Column::Kind))
            .group_by_col((post::Entity, post::Column::AuthorId))
            .to_owned();
        let rows = self
            .db
            .query_all(&query)
            .await
            .map_err(unexpected("listing tags"))?;
        // (view, whether the viewer may know of it), in first-seen order.
        let mut views: Vec<(TagView, bool)> = Vec::new();
        for row in rows {
            let read = |error: DbErr| PostsError::Unexpected(format!("reading a tag: {error}"));
            let name: String = row.try_get("", "name").map_err(read)?;
            let slug: String = row.try_get("", "slug").map_err(read)?;
            let status: String = row.try_get("", "status").map_err(read)?;
            let kind: String = row.try_get("", "kind").map_err(read)?;
            let author: Uuid = row.try_get("", "author_id").map_err(read)?;
            let count: i64 = row.try_get("", "n").map_err(read)?;
            let published = status == PostStatus::Published.as_str();
            let listed = published && kind == PostKind::Post.as_str();
            let visible = match viewer {
                TagViewer::Public => listed,
                TagViewer::Everything => true,
                TagViewer::Author(user) => published || author == user,
            };
            let index = match views.iter().position(|(view, _)| view.slug == slug) {
                Some(index) => index,
                None => {
                    views.push((
                        TagView {
                            name,
                            slug,
                            posts: 0,
                        },
                        false,
                    ));
                    views.len() - 1
                }
            };
            let (view, shown) = &mut views[index];
            if listed {
                view.posts += u64::try_from(count).unwrap_or(0);
            }
            *shown |= visible;
        }
        let mut views: Vec<TagView> = views
            .into_iter()
            .filter_map(|(view, shown)| shown.then_some(view))
            .collect();
        views.sort_by(|a, b| b.posts.cmp(&a.posts).then_with(|| a.name.cmp(&b.name)));
        Ok(views)
    }
}

/// Who is asking for the tags, which decides the posts that make a tag show.
#[derive(Clone, Copy, Debug)]
pub enum TagViewer {
    /// Anyone: tags of published posts.
    Public,
    /// Editors and above: tags of any post.
    Everything,
    /// A writer: tags of published posts and of their own.
    Author(Uuid),
}

/// Moving a removed person's posts to whoever takes them over.
impl PostsStore {
    /// Every post and page of `from` (any status) becomes `to`'s; returns how many.
    /// Revisions keep who saved them: that is history, not authorship.
    pub async fn reassign_author(&self, from: Uuid, to: Uuid) -> Result<u64, PostsError> {
        self.writer
            .write(move |txn| {
                Box::pin(async move {
                    let result = post::Entity::update_many()
                        .col_expr(post::Column::AuthorId, Expr::value(to))
                        .filter(post::Column::AuthorId.eq(from))
                        .exec(txn)
                        .await
                        .map_err(unexpected("reassigning posts"))?;
                    Ok(result.rows_affected)
                })
            })
            .await
    }
}

/// The sitemap's view of the store.
impl PostsStore {
    /// Published posts and pages, oldest first (by publication, then id),
    /// `limit` from `offset`; and how many there are in all.
    pub async fn published_urls(
        &self,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<PublishedUrl>, u64), PostsError> {
        let published = post::Column::Status.eq(PostStatus::Published.as_str());
        let total = post::Entity::find()
            .filter(published.clone())
            .count(&self.db)
            .await
            .map_err(unexpected("counting published posts"))?;
        let rows: Vec<(String, String, DateTime<Utc>)> = post::Entity::find()
            .select_only()
            .column(post::Column::Slug)
            .column(post::Column::Kind)
            .column(post::Column::UpdatedAt)
            .filter(published)
            .order_by_asc(post::Column::PublishedAt)
            .order_by_asc(post::Column::Id)
            .offset(offset)
            .limit(u64::from(limit))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(unexpected("listing published urls"))?;
        let urls = rows
            .into_iter()
            .map(|(slug, kind, updated_at)| PublishedUrl {
                slug,
                kind: PostKind::parse(&kind).unwrap_or_default(),
                updated_at,
            })
            .collect();
        Ok((urls, total))
    }
}
