//! The posts store: the only code that reads or writes the posts database
//! (posts and pages, their bodies, tags, revisions, the counts kept of them,
//! redirects from old addresses, preview links, and the site's settings).
//!
//! Shaped for 100,000 posts: `posts` rows are narrow (bodies live in
//! `post_bodies`), a listing reads a page of ids in index order counted from
//! the nearer end and then fetches those rows by id, and totals and the tags
//! list are read from `post_counts` / `tag_counts`, which every write keeps in
//! its own transaction.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context;
use chrono::{DateTime, Utc};
use folio_posts_migrations::PostsMigrator;
use folio_posts_migrations::sea_orm_migration::MigratorTrait;
use futures::future::BoxFuture;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, OnConflict, Order, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, SqlErr, Statement,
};
use uuid::Uuid;

use super::PostsError;
use super::domain::{
    ImportSource, PostId, PostKind, PostStatus, RedirectFrom, RedirectId, RedirectOrigin,
    RedirectTarget, RedirectUrl, RevisionKind, word_count,
};
use super::messages::{
    IndexVersion, PostSeo, PostSummary, PostView, PostsStats, PreviewState, PublishedUrl,
    RedirectView, RevisionView, SiteSettings, TagRef, TagView, UpdateSiteSettings,
};
use folio_runtime::UserId;
use folio_storage::StoreLocation;
use folio_storage::{Deferred, Script, WriteFailed, Writer};

mod post {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "posts")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub title: String,
        pub slug: String,
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
        pub words: i32,
        pub review_requested_at: Option<ChronoDateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod post_body {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "post_bodies")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub post_id: Uuid,
        pub markdown: String,
        pub html: String,
        /// The post's `PostSeo` as JSON; none when it has none.
        pub seo: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod post_medium {
    use sea_orm::entity::prelude::*;

    /// A picture a post shows (in its text, as its feature or social image).
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "post_media")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub post_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub medium_id: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod post_source {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "post_sources")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub source: String,
        pub post_id: Uuid,
        pub original_html: String,
        pub imported_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod tag {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "tags")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub slug: String,
        pub description: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod tag_edits;
pub(crate) use tag_edits::TagEdit;

mod post_tag {
    use sea_orm::entity::prelude::*;

    /// A post–tag link, with the post's listing columns copied on (rewritten
    /// on every save) so a tag listing is read in one index's order.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "post_tags")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub post_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub tag_id: Uuid,
        pub position: i32,
        pub status: String,
        pub kind: String,
        pub published_at: Option<ChronoDateTimeUtc>,
        pub created_at: Option<ChronoDateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod post_count {
    use sea_orm::entity::prelude::*;

    /// How many posts an author has of one status and kind.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "post_counts")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub author_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub status: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub kind: String,
        pub n: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod tag_count {
    use sea_orm::entity::prelude::*;

    /// How many posts of one author, status and kind carry a tag.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "tag_counts")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tag_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub author_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub status: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub kind: String,
        pub n: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod revision {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "revisions")]
    pub(super) struct Model {
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
        /// A `RevisionKind`'s word.
        pub kind: String,
        /// For autosaves kept as one row: the first revision it stands for.
        pub first_revision: Option<i32>,
        pub first_saved_at: Option<ChronoDateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A sum of counts as BIGINT: PostgreSQL sums a BIGINT into a NUMERIC.
const SUM_N: &str = "CAST(SUM(n) AS BIGINT)";

/// Revision rows kept per post; older ones are dropped on save. Counted in
/// rows, not numbers: coalesced autosaves leave gaps in the numbers.
pub(crate) const KEEP_REVISIONS: u64 = 50;

/// An autosave this soon after the same person's previous autosave of the
/// same post replaces that revision row instead of adding one: a few minutes
/// of typing are one step back, not a dozen.
const COALESCE_AUTOSAVES: chrono::TimeDelta = chrono::TimeDelta::minutes(5);
/// But a row stands for at most this long a stretch of autosaves, so an
/// afternoon's writing still leaves a trail to go back along.
const COALESCE_AT_MOST: chrono::TimeDelta = chrono::TimeDelta::minutes(30);

/// Whether an autosave by `by` at `at` takes the place of `latest`, the
/// post's newest revision row.
fn coalesces(latest: &revision::Model, by: UserId, at: DateTime<Utc>) -> bool {
    let started = latest.first_saved_at.unwrap_or(latest.created_at);
    RevisionKind::parse(&latest.kind) == RevisionKind::Autosave
        && latest.saved_by == by.as_uuid()
        && at - latest.created_at <= COALESCE_AUTOSAVES
        && at - started <= COALESCE_AT_MOST
}

fn unexpected(context: &'static str) -> impl FnOnce(DbErr) -> PostsError {
    move |error| PostsError::unexpected(format!("{context}: {error}"))
}

/// A post with everything the concern decides, ready to be written.
#[derive(Clone, Debug)]
pub struct PostRecord {
    pub id: PostId,
    pub kind: PostKind,
    pub title: String,
    pub slug: String,
    pub markdown: String,
    pub html: String,
    pub excerpt: String,
    pub excerpt_given: bool,
    pub tags: Vec<(String, String)>,
    pub status: PostStatus,
    pub author: UserId,
    pub revision: i32,
    pub publish_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub feature_image: Option<String>,
    pub seo: PostSeo,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the writer asked an editor to review this draft.
    pub review_requested_at: Option<DateTime<Utc>>,
}

/// How a post's search and sharing details are kept: none when it has none.
fn seo_column(seo: &PostSeo) -> Option<String> {
    (*seo != PostSeo::default())
        .then(|| serde_json::to_string(seo).ok())
        .flatten()
}

/// What was kept; details another version wrote and this one can't read are
/// left out (the post's own title, excerpt and address apply).
fn seo_of(column: Option<&str>) -> PostSeo {
    column
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default()
}

fn tag_refs(tags: &[(String, String)]) -> Vec<TagRef> {
    tags.iter()
        .map(|(name, slug)| TagRef {
            name: name.clone(),
            slug: slug.clone(),
        })
        .collect()
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
            tags: tag_refs(&self.tags),
            status: self.status,
            publish_at: self.publish_at,
            published_at: self.published_at,
            feature_image: self.feature_image.clone(),
            author: self.author,
            revision: self.revision,
            created_at: self.created_at,
            updated_at: self.updated_at,
            words: word_count(&self.markdown),
            seo: self.seo.clone(),
            review_requested_at: self.review_requested_at,
        }
    }

    pub fn is_public(&self) -> bool {
        self.status == PostStatus::Published
    }

    /// The media ids of the pictures it shows: in its text, as its feature
    /// image and as its social image, without repeats.
    fn media(&self) -> Vec<String> {
        let mut ids = folio_render_protocol::html::media_ids(&self.html);
        let chosen = [
            self.feature_image.as_deref(),
            self.seo
                .social_image
                .as_ref()
                .and_then(|image| image.medium()),
        ];
        for id in chosen.into_iter().flatten() {
            if !ids.iter().any(|known| known == id) {
                ids.push(id.to_owned());
            }
        }
        ids
    }
}

/// Which posts a list shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub status: Option<PostStatus>,
    pub kind: Option<PostKind>,
    pub tag: Option<String>,
    pub author: Option<UserId>,
    pub search: Option<String>,
    /// Only posts that are published or written by this user.
    pub visible_to: Option<UserId>,
    /// Only posts waiting for review.
    pub awaiting_review: bool,
}

/// A [`Filter`] in the terms of the indexes: equality on status, kind, author
/// and tag (the leading columns of one index per shape), plus what only a scan
/// checks (title words, "published or own").
#[derive(Clone, Debug, Default)]
struct Plan {
    status: Option<PostStatus>,
    kind: Option<PostKind>,
    author: Option<Uuid>,
    tag: Option<Uuid>,
    words: Vec<String>,
    /// For a title search whose words are rare: the rowids of every post
    /// whose title the title index says holds them all, so the search reads
    /// those rows rather than walking the listing. `None` when the words are
    /// common (walking the listing finds a page of them early) or too short
    /// for trigrams.
    candidates: Option<Vec<i64>>,
    /// PostgreSQL's LIKE tells case apart, SQLite's does not (for ASCII): on
    /// PostgreSQL the words are matched with ILIKE, so both find `Quokka`
    /// for `quokka` (and its trigram index serves ILIKE too).
    ilike: bool,
    published_or_own: Option<Uuid>,
    /// Only posts waiting for review: the counts don't know them, so such
    /// a list is counted by a scan (of its own index: few posts wait).
    awaiting_review: bool,
}

/// Which way a page of ids is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    NewestFirst,
    OldestFirst,
}

impl Direction {
    fn order(self) -> Order {
        match self {
            Direction::NewestFirst => Order::Desc,
            Direction::OldestFirst => Order::Asc,
        }
    }
}

/// Where a page of `take` rows from `offset` (in `direction`) lies among
/// `total`: read from the nearer end, so the last page costs what the first
/// does. Returns the offset and direction to read with, and whether the rows
/// read must be reversed. Ties are broken by id, so the reverse order is exact.
fn nearer_end(total: u64, offset: u64, take: u64, direction: Direction) -> (u64, Direction, bool) {
    let from_end = total.saturating_sub(offset.saturating_add(take));
    if from_end < offset {
        let flipped = match direction {
            Direction::NewestFirst => Direction::OldestFirst,
            Direction::OldestFirst => Direction::NewestFirst,
        };
        (from_end, flipped, true)
    } else {
        (offset, direction, false)
    }
}

#[derive(Clone)]
pub struct PostsStore {
    db: DatabaseConnection,
    /// Every write goes through it: concurrent saves share one durable commit.
    writer: Writer<Batch>,
    known_tags: std::sync::Arc<KnownTags>,
}

/// Tag ids by slug, of tags known to be committed, so a save of a post with
/// familiar tags reads nothing from `tags`. Only committed tags enter (after
/// the write that used them is answered `Ok`), so a rolled-back batch can
/// leave no id here that is not in the store. An entry never goes stale
/// while tags are never renamed or deleted; whatever renames or deletes one
/// must forget it here.
#[derive(Default)]
pub struct KnownTags(std::sync::Mutex<HashMap<String, Uuid>>);

/// Enough for every tag of a large site; past it the map starts afresh.
const KNOWN_TAGS: usize = 10_000;

/// Title-index matches up to which a search reads the matching rows instead
/// of walking the listing: both cost about this many row reads, and a word
/// this rare would leave the walk reading most of the listing to fill a page.
const FEW_CANDIDATES: usize = 2_000;

/// A title search counts its matches up to this many (or one page past the
/// page asked for, if that is further); beyond, its total is a lower bound.
const SEARCH_COUNT_BOUND: u64 = 1_000;

/// How many posts a listing selects: exactly, or at least `n` (a title
/// search with more matches than [`SEARCH_COUNT_BOUND`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    pub n: u64,
    pub exact: bool,
}

impl Total {
    fn exact(n: u64) -> Self {
        Self { n, exact: true }
    }
}

/// `words` as an FTS5 query for the trigram title index: every word of three
/// characters or more as a quoted string (so no word is read as an operator),
/// all of them required. `None` when no word is long enough to have a trigram.
fn title_match(words: &[String]) -> Option<String> {
    let terms: Vec<String> = words
        .iter()
        .filter(|word| word.chars().count() >= 3)
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

impl KnownTags {
    /// Copies what is known of `tags` into a batch's own map.
    fn lend(&self, tags: &[(String, String)], batch: &mut HashMap<String, Uuid>) {
        let Ok(known) = self.0.lock() else { return };
        for (_, slug) in tags {
            if let Some(id) = known.get(slug) {
                batch.insert(slug.clone(), *id);
            }
        }
    }

    /// Remembers the ids a committed write gave `tags` (in order, without repeats).
    fn remember(&self, tags: &[(String, String)], ids: &[Uuid]) {
        let Ok(mut known) = self.0.lock() else { return };
        if known.len() + ids.len() > KNOWN_TAGS {
            known.clear();
        }
        let mut slugs: Vec<&String> = Vec::with_capacity(ids.len());
        for (_, slug) in tags {
            if !slugs.contains(&slug) {
                slugs.push(slug);
            }
        }
        for (slug, id) in slugs.into_iter().zip(ids) {
            known.insert(slug.clone(), *id);
        }
    }
}

impl PostsStore {
    /// Connects and applies pending migrations.
    pub async fn open(location: &StoreLocation) -> anyhow::Result<Self> {
        let db = folio_storage::connect(location)
            .await
            .context("posts store")?;
        folio_storage::with_migration_lock(&db, "posts", || PostsMigrator::up(&db, None))
            .await
            .context("migrating the posts store")?;
        let (writes, durability) = folio_storage::writer_connection(location, &db)
            .await
            .context("posts store")?;
        let writer = Writer::start(writes, durability);
        Ok(Self {
            db,
            writer,
            known_tags: Default::default(),
        })
    }

    pub async fn close(self) -> anyhow::Result<()> {
        self.db.close().await.context("closing the posts store")
    }

    pub async fn stats(&self) -> Result<PostsStats, PostsError> {
        let posts = self.counted(&Plan::default()).await?.unwrap_or(0);
        let published = self
            .counted(&Plan {
                status: Some(PostStatus::Published),
                ..Plan::default()
            })
            .await?
            .unwrap_or(0);
        Ok(PostsStats { posts, published })
    }

    async fn tags_of<C: ConnectionTrait>(
        db: &C,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<(String, String)>>, PostsError> {
        let mut by_post: HashMap<Uuid, Vec<(String, String)>> = HashMap::new();
        if ids.is_empty() {
            return Ok(by_post);
        }
        let links = post_tag::Entity::find()
            .filter(post_tag::Column::PostId.is_in(ids.iter().copied()))
            .order_by_asc(post_tag::Column::Position)
            .all(db)
            .await
            .map_err(unexpected("reading post tags"))?;
        let mut tag_ids: Vec<Uuid> = links.iter().map(|link| link.tag_id).collect();
        tag_ids.sort_unstable();
        tag_ids.dedup();
        let tags: HashMap<Uuid, tag::Model> = tag::Entity::find()
            .filter(tag::Column::Id.is_in(tag_ids))
            .all(db)
            .await
            .map_err(unexpected("reading tags"))?
            .into_iter()
            .map(|tag| (tag.id, tag))
            .collect();
        for link in links {
            if let Some(tag) = tags.get(&link.tag_id) {
                by_post
                    .entry(link.post_id)
                    .or_default()
                    .push((tag.name.clone(), tag.slug.clone()));
            }
        }
        Ok(by_post)
    }

    async fn bodies_of<C: ConnectionTrait>(
        db: &C,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, (String, String, PostSeo)>, PostsError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(post_body::Entity::find()
            .filter(post_body::Column::PostId.is_in(ids.iter().copied()))
            .all(db)
            .await
            .map_err(unexpected("reading post bodies"))?
            .into_iter()
            .map(|body| {
                let seo = seo_of(body.seo.as_deref());
                (body.post_id, (body.markdown, body.html, seo))
            })
            .collect())
    }

    /// The rows of `ids`, in the order of `ids`.
    async fn rows_by_id<C: ConnectionTrait>(
        db: &C,
        ids: &[Uuid],
    ) -> Result<Vec<post::Model>, PostsError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows: HashMap<Uuid, post::Model> = post::Entity::find()
            .filter(post::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await
            .map_err(unexpected("reading posts"))?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
    }

    /// Whole records (bodies and tags) of `models`, in their order.
    async fn records<C: ConnectionTrait>(
        db: &C,
        models: Vec<post::Model>,
    ) -> Result<Vec<PostRecord>, PostsError> {
        let ids: Vec<Uuid> = models.iter().map(|model| model.id).collect();
        let mut tags = Self::tags_of(db, &ids).await?;
        let mut bodies = Self::bodies_of(db, &ids).await?;
        Ok(models
            .into_iter()
            .map(|model| {
                let (markdown, html, seo) = bodies.remove(&model.id).unwrap_or_default();
                PostRecord {
                    id: PostId::from_uuid(model.id),
                    kind: PostKind::parse(&model.kind).unwrap_or_default(),
                    title: model.title,
                    slug: model.slug,
                    markdown,
                    html,
                    excerpt: model.excerpt,
                    excerpt_given: model.excerpt_given,
                    tags: tags.remove(&model.id).unwrap_or_default(),
                    status: PostStatus::parse(&model.status).unwrap_or_default(),
                    author: UserId::from_uuid(model.author_id),
                    revision: model.revision,
                    publish_at: model.publish_at,
                    published_at: model.published_at,
                    feature_image: model.feature_image,
                    seo,
                    created_at: model.created_at,
                    updated_at: model.updated_at,
                    review_requested_at: model.review_requested_at,
                }
            })
            .collect())
    }

    /// Summaries of `models`, in their order; with their bodies if `bodies`.
    async fn summaries<C: ConnectionTrait>(
        db: &C,
        models: Vec<post::Model>,
        bodies: bool,
    ) -> Result<Vec<PostSummary>, PostsError> {
        let ids: Vec<Uuid> = models.iter().map(|model| model.id).collect();
        let mut tags = Self::tags_of(db, &ids).await?;
        let mut bodies = if bodies {
            Some(Self::bodies_of(db, &ids).await?)
        } else {
            None
        };
        Ok(models
            .into_iter()
            .map(|model| {
                let body = bodies
                    .as_mut()
                    .map(|bodies| bodies.remove(&model.id).unwrap_or_default());
                let (markdown, html) = body.map_or((None, None), |(m, h, _)| (Some(m), Some(h)));
                PostSummary {
                    id: PostId::from_uuid(model.id),
                    kind: PostKind::parse(&model.kind).unwrap_or_default(),
                    title: model.title,
                    slug: model.slug,
                    excerpt: model.excerpt,
                    tags: tag_refs(&tags.remove(&model.id).unwrap_or_default()),
                    status: PostStatus::parse(&model.status).unwrap_or_default(),
                    publish_at: model.publish_at,
                    published_at: model.published_at,
                    feature_image: model.feature_image,
                    author: UserId::from_uuid(model.author_id),
                    revision: model.revision,
                    created_at: model.created_at,
                    updated_at: model.updated_at,
                    words: u32::try_from(model.words).unwrap_or(0),
                    markdown,
                    html,
                    review_requested_at: model.review_requested_at,
                }
            })
            .collect())
    }

    pub async fn get(&self, id: PostId) -> Result<Option<PostRecord>, PostsError> {
        let model = post::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(unexpected("reading a post"))?;
        Ok(Self::records(&self.db, model.into_iter().collect())
            .await?
            .pop())
    }

    /// Posts and pages `ids` as they are now, of every status; ids that
    /// do not exist are left out.
    pub async fn by_ids(&self, ids: &[PostId]) -> Result<Vec<PostRecord>, PostsError> {
        let models = post::Entity::find()
            .filter(post::Column::Id.is_in(ids.iter().map(|id| id.as_uuid())))
            .all(&self.db)
            .await
            .map_err(unexpected("reading posts by id"))?;
        Self::records(&self.db, models).await
    }

    /// Every post's and page's (id, revision, author) after `after`, in id
    /// order: two columns of the primary key's order, for an index to compare.
    pub async fn index_versions(
        &self,
        after: Option<PostId>,
        limit: u64,
    ) -> Result<Vec<IndexVersion>, PostsError> {
        let mut query = post::Entity::find()
            .select_only()
            .column(post::Column::Id)
            .column(post::Column::Revision)
            .column(post::Column::AuthorId)
            .order_by(post::Column::Id, Order::Asc)
            .limit(limit);
        if let Some(after) = after {
            query = query.filter(post::Column::Id.gt(after.as_uuid()));
        }
        let rows: Vec<(Uuid, i32, Uuid)> = query
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(unexpected("listing post versions"))?;
        Ok(rows
            .into_iter()
            .map(|(id, revision, author)| IndexVersion {
                id: PostId::from_uuid(id),
                revision,
                author: UserId::from_uuid(author),
            })
            .collect())
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

    pub async fn slug_taken(&self, slug: &str, except: Option<PostId>) -> Result<bool, PostsError> {
        let mut query = post::Entity::find().filter(post::Column::Slug.eq(slug));
        if let Some(id) = except {
            query = query.filter(post::Column::Id.ne(id.as_uuid()));
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
        except: Option<PostId>,
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
            query = query.filter(post::Column::Id.ne(id.as_uuid()));
        }
        query
            .into_tuple::<String>()
            .all(&self.db)
            .await
            .map_err(unexpected("checking slugs"))
    }

    /// `filter` as a [`Plan`], or `None` when it can match nothing (an unknown
    /// tag; "published or own" with another author's unpublished posts).
    async fn plan(&self, filter: &Filter) -> Result<Option<Plan>, PostsError> {
        let mut plan = Plan {
            status: filter.status,
            kind: filter.kind,
            author: filter.author.map(UserId::as_uuid),
            tag: None,
            words: filter
                .search
                .iter()
                .flat_map(|search| search.split_whitespace().take(8))
                .map(str::to_owned)
                .collect(),
            candidates: None,
            ilike: self.db.get_database_backend() == DbBackend::Postgres,
            published_or_own: None,
            awaiting_review: filter.awaiting_review,
        };
        // "Published or own" folds into the equality filters whenever another
        // filter decides it, so only a plain list keeps the OR (and a scan).
        if let Some(user) = filter.visible_to.map(UserId::as_uuid) {
            match (plan.status, plan.author) {
                (Some(PostStatus::Published), _) => {}
                (Some(_), None) => plan.author = Some(user),
                (Some(_), Some(author)) if author != user => return Ok(None),
                (Some(_), Some(_)) => {}
                (None, Some(author)) if author == user => {}
                (None, Some(_)) => plan.status = Some(PostStatus::Published),
                (None, None) => plan.published_or_own = Some(user),
            }
        }
        if let Some(slug) = &filter.tag {
            let id = tag::Entity::find()
                .select_only()
                .column(tag::Column::Id)
                .filter(tag::Column::Slug.eq(slug.as_str()))
                .into_tuple::<Uuid>()
                .one(&self.db)
                .await
                .map_err(unexpected("reading a tag"))?;
            match id {
                Some(id) => plan.tag = Some(id),
                None => return Ok(None),
            }
        }
        // Last: a plan that matches nothing (an unknown tag) never asks the title index.
        if let Some(expression) = title_match(&plan.words)
            && self.db.get_database_backend() == DbBackend::Sqlite
        {
            let limit = u64::try_from(FEW_CANDIDATES + 1).unwrap_or(u64::MAX);
            let rowids: Vec<i64> = self
                .db
                .query_all_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    "SELECT rowid FROM post_titles WHERE post_titles MATCH ? LIMIT ?",
                    [expression.into(), limit.into()],
                ))
                .await
                .map_err(unexpected("searching titles"))?
                .iter()
                .map(|row| row.try_get_by_index::<i64>(0))
                .collect::<Result<_, _>>()
                .map_err(unexpected("searching titles"))?;
            if rowids.is_empty() {
                return Ok(None);
            }
            if rowids.len() <= FEW_CANDIDATES {
                plan.candidates = Some(rowids);
            }
        }
        Ok(Some(plan))
    }

    /// The ids `plan` selects, as a query yet to be ordered and paged; and
    /// the columns it is ordered by. With a tag the ids come from `post_tags`
    /// (its copied listing columns lead an index), else from `posts`.
    fn id_query(plan: &Plan) -> (SelectStatement, [sea_orm::sea_query::ColumnRef; 3]) {
        use sea_orm::sea_query::IntoColumnRef;
        let mut query = Query::select();
        let mut on_posts = Condition::all();
        if let Some(author) = plan.author {
            on_posts = on_posts.add(post::Column::AuthorId.eq(author));
        }
        // The words are checked on the titles even with candidates: the
        // trigram index also folds case beyond ASCII, where LIKE does not. A
        // word is the reader's letters: `%` and `_` in it are not wildcards.
        for word in &plan.words {
            let escaped = word
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = format!("%{escaped}%");
            on_posts = on_posts.add(if plan.ilike {
                // By hand: sea-query misplaces ESCAPE after ILIKE.
                Expr::cust_with_values(r#""posts"."title" ILIKE $1 ESCAPE '\'"#, [pattern])
            } else {
                post::Column::Title.like(LikeExpr::new(pattern).escape('\\'))
            });
        }
        if let Some(user) = plan.published_or_own {
            on_posts = on_posts.add(
                Condition::any()
                    .add(post::Column::Status.eq(PostStatus::Published.as_str()))
                    .add(post::Column::AuthorId.eq(user)),
            );
        }
        if plan.awaiting_review {
            on_posts = on_posts.add(post::Column::ReviewRequestedAt.is_not_null());
        }
        if let Some(rowids) = &plan.candidates {
            return Self::candidates_query(plan, rowids, on_posts);
        }
        match plan.tag {
            Some(tag_id) => {
                query
                    .expr_as(
                        Expr::col((post_tag::Entity, post_tag::Column::PostId)),
                        "id",
                    )
                    .from(post_tag::Entity)
                    .and_where(post_tag::Column::TagId.eq(tag_id));
                if let Some(status) = plan.status {
                    query.and_where(post_tag::Column::Status.eq(status.as_str()));
                }
                if let Some(kind) = plan.kind {
                    query.and_where(post_tag::Column::Kind.eq(kind.as_str()));
                }
                if !on_posts.is_empty() {
                    query
                        .inner_join(
                            post::Entity,
                            Expr::col((post::Entity, post::Column::Id))
                                .equals((post_tag::Entity, post_tag::Column::PostId)),
                        )
                        .cond_where(on_posts);
                }
                (
                    query,
                    [
                        (post_tag::Entity, post_tag::Column::PublishedAt).into_column_ref(),
                        (post_tag::Entity, post_tag::Column::CreatedAt).into_column_ref(),
                        (post_tag::Entity, post_tag::Column::PostId).into_column_ref(),
                    ],
                )
            }
            None => {
                query
                    .expr_as(Expr::col((post::Entity, post::Column::Id)), "id")
                    .from(post::Entity);
                if let Some(status) = plan.status {
                    query.and_where(post::Column::Status.eq(status.as_str()));
                }
                if let Some(kind) = plan.kind {
                    query.and_where(post::Column::Kind.eq(kind.as_str()));
                }
                if !on_posts.is_empty() {
                    query.cond_where(on_posts);
                }
                (
                    query,
                    [
                        (post::Entity, post::Column::PublishedAt).into_column_ref(),
                        (post::Entity, post::Column::CreatedAt).into_column_ref(),
                        (post::Entity, post::Column::Id).into_column_ref(),
                    ],
                )
            }
        }
    }

    /// [`Self::id_query`] for a search with few candidates: the candidates
    /// lead (SQLite's CROSS JOIN keeps them the outer loop), each looked up by
    /// rowid, then sorted. Left to itself, the planner prefers walking the
    /// listing index, which avoids the sort but checks every post in it.
    fn candidates_query(
        plan: &Plan,
        rowids: &[i64],
        on_posts: Condition,
    ) -> (SelectStatement, [sea_orm::sea_query::ColumnRef; 3]) {
        use sea_orm::sea_query::{Alias, Func, IntoColumnRef};
        let list = format!(
            "[{}]",
            rowids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        );
        let mut query = Query::select();
        query
            .expr_as(Expr::col((post::Entity, post::Column::Id)), "id")
            .from_function(Func::cust("json_each").arg(list), "candidates")
            .cross_join(post::Entity)
            .and_where(
                Expr::col((post::Entity, Alias::new("rowid")))
                    .equals((Alias::new("candidates"), Alias::new("value"))),
            );
        if let Some(status) = plan.status {
            query.and_where(Expr::col((post::Entity, post::Column::Status)).eq(status.as_str()));
        }
        if let Some(kind) = plan.kind {
            query.and_where(Expr::col((post::Entity, post::Column::Kind)).eq(kind.as_str()));
        }
        if let Some(tag_id) = plan.tag {
            query.inner_join(
                post_tag::Entity,
                Expr::col((post_tag::Entity, post_tag::Column::PostId))
                    .equals((post::Entity, post::Column::Id))
                    .and(Expr::col((post_tag::Entity, post_tag::Column::TagId)).eq(tag_id)),
            );
        }
        query.cond_where(on_posts);
        (
            query,
            [
                (post::Entity, post::Column::PublishedAt).into_column_ref(),
                (post::Entity, post::Column::CreatedAt).into_column_ref(),
                (post::Entity, post::Column::Id).into_column_ref(),
            ],
        )
    }

    /// How many posts `plan` selects, read from the counts: any mix of
    /// status, kind, author, tag and "published or own". `None` for a title
    /// search or the posts waiting for review, which only a scan can count
    /// ([`Self::count_scan`]).
    async fn counted(&self, plan: &Plan) -> Result<Option<u64>, PostsError> {
        if !plan.words.is_empty() || plan.awaiting_review {
            return Ok(None);
        }
        // The two count tables share their status, kind and author columns.
        macro_rules! sum_of {
            ($entity:ident, $extra:expr) => {{
                let mut condition = Condition::all().add($extra);
                if let Some(kind) = plan.kind {
                    condition = condition.add($entity::Column::Kind.eq(kind.as_str()));
                }
                condition = match plan.published_or_own {
                    // Published by anyone, or anything else of their own.
                    Some(user) => condition.add(
                        Condition::any()
                            .add($entity::Column::Status.eq(PostStatus::Published.as_str()))
                            .add($entity::Column::AuthorId.eq(user)),
                    ),
                    None => {
                        if let Some(status) = plan.status {
                            condition = condition.add($entity::Column::Status.eq(status.as_str()));
                        }
                        if let Some(author) = plan.author {
                            condition = condition.add($entity::Column::AuthorId.eq(author));
                        }
                        condition
                    }
                };
                $entity::Entity::find()
                    .select_only()
                    .column_as(Expr::cust(SUM_N), "n")
                    .filter(condition)
                    .into_tuple::<Option<i64>>()
                    .one(&self.db)
                    .await
                    .map_err(unexpected("reading counts"))?
                    .flatten()
            }};
        }
        let n = match plan.tag {
            Some(tag_id) => sum_of!(tag_count, tag_count::Column::TagId.eq(tag_id)),
            None => sum_of!(post_count, Condition::all()),
        };
        Ok(Some(n.map_or(0, |n| u64::try_from(n).unwrap_or(0))))
    }

    /// Counts what `plan` selects with COUNT(*), stopping at `at_most`: for
    /// a title search, whose words only a scan can check. It scans the index
    /// that holds the titles (not the rows). An exact count of a common word
    /// costs a read of every match — at 100,000 posts, more than the 50 ms a
    /// search may take, and growing with the site — so the count stops where
    /// a reader stops paging, as GitHub's and most search engines' do.
    async fn count_scan(&self, plan: &Plan, at_most: u64) -> Result<u64, PostsError> {
        let (mut ids, _) = Self::id_query(plan);
        ids.limit(at_most);
        let mut query = Query::select();
        query
            .expr_as(Expr::cust("COUNT(*)"), "n")
            .from_subquery(ids, "matching");
        let n: i64 = match self
            .db
            .query_one(&query)
            .await
            .map_err(unexpected("counting posts"))?
        {
            Some(row) => row.try_get("", "n").map_err(unexpected("counting posts"))?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Reads ids `plan` selects, in `direction` order, `limit` from `offset`.
    async fn read_ids(
        &self,
        plan: &Plan,
        direction: Direction,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<Uuid>, PostsError> {
        let (mut query, order) = Self::id_query(plan);
        for column in order {
            query.order_by(column, direction.order());
        }
        query.offset(offset).limit(limit);
        self.db
            .query_all(&query)
            .await
            .map_err(unexpected("listing posts"))?
            .iter()
            .map(|row| {
                row.try_get::<Uuid>("", "id")
                    .map_err(unexpected("listing posts"))
            })
            .collect()
    }

    /// One page of the ids `filter` selects, newest first (by publication,
    /// then creation, then id), and how many it selects in all. Only ids are
    /// paged, on the index that serves the filter, from its nearer end.
    async fn page_ids(
        &self,
        filter: &Filter,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<Uuid>, Total), PostsError> {
        let Some(plan) = self.plan(filter).await? else {
            return Ok((Vec::new(), Total::exact(0)));
        };
        let offset = u64::from(page.saturating_sub(1)) * u64::from(per_page);
        let Some(total) = self.counted(&plan).await? else {
            // A title search (or the few posts waiting for review): its page
            // is read first. A page that comes back
            // short is the last one and tells the total by itself, which
            // saves the second scan exactly when the words are rare (and the
            // page query scans every title to find them); a full page means
            // common words, found early, and a bounded COUNT(*) tells the
            // total — or that there are more than a reader pages through.
            let ids = self
                .read_ids(&plan, Direction::NewestFirst, offset, u64::from(per_page))
                .await?;
            let read = u64::try_from(ids.len()).unwrap_or(u64::MAX);
            if (read > 0 || offset == 0) && read < u64::from(per_page) {
                return Ok((ids, Total::exact(offset + read)));
            }
            // Past this page by one page at least, so "is there a next page"
            // is always known.
            let bound = std::cmp::max(SEARCH_COUNT_BOUND, offset + 2 * u64::from(per_page));
            let n = self.count_scan(&plan, bound + 1).await?;
            return Ok((
                ids,
                Total {
                    n: std::cmp::min(n, bound),
                    exact: n <= bound,
                },
            ));
        };
        if offset >= total {
            return Ok((Vec::new(), Total::exact(total)));
        }
        let take = std::cmp::min(u64::from(per_page), total - offset);
        let (offset, direction, reversed) = nearer_end(total, offset, take, Direction::NewestFirst);
        let mut ids = self.read_ids(&plan, direction, offset, take).await?;
        if reversed {
            ids.reverse();
        }
        Ok((ids, Total::exact(total)))
    }

    /// A page of whole posts (bodies included), newest first (by
    /// publication, then creation): the public listings, 10–20 at a time.
    pub async fn list(
        &self,
        filter: &Filter,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<PostRecord>, u64), PostsError> {
        let (ids, total) = self.page_ids(filter, page, per_page).await?;
        let rows = Self::rows_by_id(&self.db, &ids).await?;
        Ok((Self::records(&self.db, rows).await?, total.n))
    }

    /// A page of post summaries, newest first; their bodies only if `bodies`.
    pub async fn list_summaries(
        &self,
        filter: &Filter,
        page: u32,
        per_page: u32,
        bodies: bool,
    ) -> Result<(Vec<PostSummary>, Total), PostsError> {
        let (ids, total) = self.page_ids(filter, page, per_page).await?;
        let rows = Self::rows_by_id(&self.db, &ids).await?;
        Ok((Self::summaries(&self.db, rows, bodies).await?, total))
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
}

/// The write path: every function takes the transaction it writes in and
/// reads only through it, so a writer may batch many saves in one transaction
/// (each in a savepoint).
impl PostsStore {
    /// The ids of `tags` (name, slug), made where missing, in order and
    /// without repeats: no statement when every tag is known, else two or
    /// three however many tags there are. Tags this batch already looked up
    /// come from `later`, tags committed earlier from `known`.
    async fn tag_ids<C: ConnectionTrait>(
        txn: &C,
        later: &mut Batch,
        known: &KnownTags,
        tags: &[(String, String)],
    ) -> Result<Vec<Uuid>, PostsError> {
        known.lend(tags, &mut later.tags);
        let unknown: Vec<&(String, String)> = tags
            .iter()
            .filter(|(_, slug)| !later.tags.contains_key(slug))
            .collect();
        if !unknown.is_empty() {
            let slugs = || unknown.iter().map(|(_, slug)| slug.clone());
            let find = || {
                tag::Entity::find()
                    .filter(tag::Column::Slug.is_in(slugs()))
                    .all(txn)
            };
            let mut known = find().await.map_err(unexpected("reading tags"))?;
            let missing: Vec<tag::ActiveModel> = unknown
                .iter()
                .filter(|(_, slug)| !known.iter().any(|tag| tag.slug == *slug))
                .map(|(name, slug)| tag::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    name: Set(name.clone()),
                    slug: Set(slug.clone()),
                    description: Set(String::new()),
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
            later
                .tags
                .extend(known.into_iter().map(|tag| (tag.slug, tag.id)));
        }
        let mut ids = Vec::with_capacity(tags.len());
        for (_, slug) in tags {
            let id = *later
                .tags
                .get(slug)
                .ok_or_else(|| PostsError::unexpected(format!("the tag {slug} vanished")))?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// Takes the post's row for this transaction before anything of it is
    /// read: on SQLite the first statement must write (a read first would pin
    /// a snapshot that a concurrent commit makes unwritable), and on
    /// PostgreSQL the row lock keeps the state read below current until
    /// commit. With `revision`, only if the stored one is still it. Returns
    /// whether a row was taken.
    async fn lock_post<C: ConnectionTrait>(
        txn: &C,
        id: Uuid,
        revision: Option<i32>,
    ) -> Result<bool, PostsError> {
        let mut lock = post::Entity::update_many()
            .col_expr(
                post::Column::Revision,
                Expr::col((post::Entity, post::Column::Revision)),
            )
            .filter(post::Column::Id.eq(id));
        if let Some(revision) = revision {
            lock = lock.filter(post::Column::Revision.eq(revision));
        }
        let result = lock.exec(txn).await.map_err(unexpected("locking a post"))?;
        Ok(result.rows_affected > 0)
    }

    /// What the counts hold of a stored post: its author, status, kind and tags.
    async fn counted_state<C: ConnectionTrait>(
        txn: &C,
        id: Uuid,
    ) -> Result<Option<CountedState>, PostsError> {
        let row: Option<(Uuid, String, String)> = post::Entity::find_by_id(id)
            .select_only()
            .column(post::Column::AuthorId)
            .column(post::Column::Status)
            .column(post::Column::Kind)
            .into_tuple()
            .one(txn)
            .await
            .map_err(unexpected("reading a post"))?;
        let Some((author, status, kind)) = row else {
            return Ok(None);
        };
        let tags: Vec<Uuid> = post_tag::Entity::find()
            .select_only()
            .column(post_tag::Column::TagId)
            .filter(post_tag::Column::PostId.eq(id))
            .into_tuple()
            .all(txn)
            .await
            .map_err(unexpected("reading post tags"))?;
        Ok(Some(CountedState {
            author,
            status,
            kind,
            tags,
        }))
    }

    /// Moves the counts from `before` (`None`: a new post) to `after`
    /// (`None`: deleted), touching only the rows whose count changes.
    async fn recount<C: ConnectionTrait>(
        txn: &C,
        before: Option<&CountedState>,
        after: Option<&CountedState>,
    ) -> Result<(), PostsError> {
        let mut counts = Counts::default();
        if let Some(before) = before {
            counts.add(before, -1);
        }
        if let Some(after) = after {
            counts.add(after, 1);
        }
        counts.write(txn).await
    }

    /// Writes `record` (a new post when `previous` is `None`), its body, tags,
    /// counts and a revision, in `txn`. With `previous`, the write only happens
    /// if the stored revision is still `previous`: a concurrent save loses with
    /// 409. Reads go through `txn` only. A new post's rows wait in `later` for
    /// the batch's one flush: nothing else in the batch can name a post that
    /// no reply has announced yet. Answers the ids of the post's tags, in the
    /// order of their first appearance in `record.tags`. The revision is
    /// kept as `kind`; an autosave may take the place of the one before it
    /// (see [`coalesces`]).
    pub async fn write_post<C: ConnectionTrait>(
        txn: &C,
        later: &mut Batch,
        known: &KnownTags,
        record: &PostRecord,
        previous: Option<i32>,
        saved_by: UserId,
        kind: RevisionKind,
    ) -> Result<Vec<Uuid>, PostsError> {
        let (id, author) = (record.id.as_uuid(), record.author.as_uuid());
        let model = post::ActiveModel {
            id: Set(id),
            kind: Set(record.kind.as_str().to_owned()),
            title: Set(record.title.clone()),
            slug: Set(record.slug.clone()),
            excerpt: Set(record.excerpt.clone()),
            excerpt_given: Set(record.excerpt_given),
            status: Set(record.status.as_str().to_owned()),
            author_id: Set(author),
            revision: Set(record.revision),
            publish_at: Set(record.publish_at),
            published_at: Set(record.published_at),
            feature_image: Set(record.feature_image.clone()),
            created_at: Set(record.created_at),
            updated_at: Set(record.updated_at),
            words: Set(i32::try_from(word_count(&record.markdown)).unwrap_or(i32::MAX)),
            review_requested_at: Set(record.review_requested_at),
        };
        let body = post_body::ActiveModel {
            post_id: Set(id),
            markdown: Set(record.markdown.clone()),
            html: Set(record.html.clone()),
            seo: Set(seo_column(&record.seo)),
        };
        let pictures: Vec<post_medium::ActiveModel> = record
            .media()
            .into_iter()
            .map(|medium_id| post_medium::ActiveModel {
                post_id: Set(id),
                medium_id: Set(medium_id),
            })
            .collect();
        let names: Vec<&str> = record.tags.iter().map(|(name, _)| name.as_str()).collect();
        let mut revision = revision::ActiveModel {
            // Time-ordered, as post ids are (see `create`).
            id: Set(Uuid::now_v7()),
            post_id: Set(id),
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
            saved_by: Set(saved_by.as_uuid()),
            created_at: Set(record.updated_at),
            kind: Set(kind.as_str().to_owned()),
            first_revision: Set(None),
            first_saved_at: Set(None),
        };
        let links = |tag_ids: &[Uuid]| -> Vec<post_tag::ActiveModel> {
            tag_ids
                .iter()
                .enumerate()
                .map(|(position, tag_id)| post_tag::ActiveModel {
                    post_id: Set(id),
                    tag_id: Set(*tag_id),
                    position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                    status: Set(record.status.as_str().to_owned()),
                    kind: Set(record.kind.as_str().to_owned()),
                    published_at: Set(record.published_at),
                    created_at: Set(Some(record.created_at)),
                })
                .collect()
        };
        let counted = |tags: Vec<Uuid>| CountedState {
            author,
            status: record.status.as_str().to_owned(),
            kind: record.kind.as_str().to_owned(),
            tags,
        };

        let Some(previous) = previous else {
            let tag_ids = Self::tag_ids(txn, later, known, &record.tags).await?;
            later.posts.push(model);
            later.bodies.push(body);
            later.links.extend(links(&tag_ids));
            later.revisions.push(revision);
            later.pictures.extend(pictures);
            later.counts.add(&counted(tag_ids.clone()), 1);
            Self::write_slug_redirects(txn, id, None, record).await?;
            return Ok(tag_ids);
        };

        if !Self::lock_post(txn, id, Some(previous)).await? {
            let current = post::Entity::find_by_id(id)
                .select_only()
                .column(post::Column::Revision)
                .into_tuple::<i32>()
                .one(txn)
                .await
                .map_err(unexpected("reading a post"))?
                .unwrap_or(previous);
            return Err(PostsError::Stale {
                based_on: previous,
                current,
            });
        }
        let before = Self::counted_state(txn, id).await?;
        let address: Option<(String, String)> = post::Entity::find_by_id(id)
            .select_only()
            .column(post::Column::Slug)
            .column(post::Column::Status)
            .into_tuple()
            .one(txn)
            .await
            .map_err(unexpected("reading a post's address"))?;
        post::Entity::update_many()
            .set(model)
            .filter(post::Column::Id.eq(id))
            .exec(txn)
            .await
            .map_err(|error| slug_taken(error, &record.slug))?;
        post_body::Entity::insert(body)
            .on_conflict(
                OnConflict::column(post_body::Column::PostId)
                    .update_columns([
                        post_body::Column::Markdown,
                        post_body::Column::Html,
                        post_body::Column::Seo,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await
            .map_err(unexpected("saving a post's body"))?;
        post_tag::Entity::delete_many()
            .filter(post_tag::Column::PostId.eq(id))
            .exec(txn)
            .await
            .map_err(unexpected("clearing post tags"))?;
        post_medium::Entity::delete_many()
            .filter(post_medium::Column::PostId.eq(id))
            .exec(txn)
            .await
            .map_err(unexpected("clearing a post's pictures"))?;
        insert_rows_now(txn, pictures)
            .await
            .map_err(unexpected("noting a post's pictures"))?;
        let tag_ids = Self::tag_ids(txn, later, known, &record.tags).await?;
        insert_rows_now(txn, links(&tag_ids))
            .await
            .map_err(unexpected("tagging a post"))?;
        Self::recount(txn, before.as_ref(), Some(&counted(tag_ids.clone()))).await?;
        let old = address
            .as_ref()
            .map(|(slug, status)| (slug.as_str(), status == PostStatus::Published.as_str()));
        Self::write_slug_redirects(txn, id, old, record).await?;
        if kind == RevisionKind::Autosave {
            let latest = revision::Entity::find()
                .filter(revision::Column::PostId.eq(id))
                .order_by_desc(revision::Column::Revision)
                .one(txn)
                .await
                .map_err(unexpected("reading the latest revision"))?;
            if let Some(latest) =
                latest.filter(|latest| coalesces(latest, saved_by, record.updated_at))
            {
                // The row says which numbers and times it stands for, so the
                // history list can say why numbers are missing.
                revision.first_revision =
                    Set(Some(latest.first_revision.unwrap_or(latest.revision)));
                revision.first_saved_at =
                    Set(Some(latest.first_saved_at.unwrap_or(latest.created_at)));
                revision::Entity::delete_by_id(latest.id)
                    .exec(txn)
                    .await
                    .map_err(unexpected("replacing an autosave"))?;
            }
        }
        revision::Entity::insert(revision)
            .exec_without_returning(txn)
            .await
            .map_err(unexpected("keeping a revision"))?;
        if u64::try_from(record.revision).unwrap_or(0) > KEEP_REVISIONS {
            let newest_dropped: Option<i32> = revision::Entity::find()
                .select_only()
                .column(revision::Column::Revision)
                .filter(revision::Column::PostId.eq(id))
                .order_by_desc(revision::Column::Revision)
                .offset(KEEP_REVISIONS)
                .limit(1)
                .into_tuple()
                .one(txn)
                .await
                .map_err(unexpected("finding old revisions"))?;
            if let Some(newest_dropped) = newest_dropped {
                revision::Entity::delete_many()
                    .filter(revision::Column::PostId.eq(id))
                    .filter(revision::Column::Revision.lte(newest_dropped))
                    .exec(txn)
                    .await
                    .map_err(unexpected("dropping old revisions"))?;
            }
        }
        Ok(tag_ids)
    }

    /// Writes `record` as [`Self::write_post`] does, in a transaction of its own.
    pub async fn save(
        &self,
        record: &PostRecord,
        previous: Option<i32>,
        saved_by: UserId,
        kind: RevisionKind,
    ) -> Result<(), PostsError> {
        let shared = std::sync::Arc::new(record.clone());
        let known = self.known_tags.clone();
        let tag_ids = self
            .writer
            .write(move |txn, later| {
                let (record, known) = (shared.clone(), known.clone());
                Box::pin(async move {
                    Self::write_post(txn, later, &known, &record, previous, saved_by, kind).await
                })
            })
            .await?;
        // Committed now, so later batches may take these ids without reading.
        self.known_tags.remember(&record.tags, &tag_ids);
        Ok(())
    }

    /// The post an earlier import of `source` made, if it is still there.
    pub async fn imported(&self, source: &ImportSource) -> Result<Option<PostId>, PostsError> {
        Ok(post_source::Entity::find_by_id(source.as_str().to_owned())
            .one(&self.db)
            .await
            .map_err(unexpected("reading an import source"))?
            .map(|row| PostId::from_uuid(row.post_id)))
    }

    /// Writes the new post `record` as made by importing `source`, in one
    /// transaction with the note of where it came from; answers the post an
    /// import of `source` made meanwhile instead, writing nothing.
    pub async fn import(
        &self,
        record: &PostRecord,
        source: &ImportSource,
        original_html: &str,
    ) -> Result<Option<PostId>, PostsError> {
        let shared = std::sync::Arc::new((
            record.clone(),
            source.as_str().to_owned(),
            original_html.to_owned(),
        ));
        let known = self.known_tags.clone();
        let (earlier, tag_ids) = self
            .writer
            .write(move |txn, later| {
                let (shared, known) = (shared.clone(), known.clone());
                Box::pin(async move {
                    let (record, source, html) = &*shared;
                    let earlier = post_source::Entity::find_by_id(source.clone())
                        .one(txn)
                        .await
                        .map_err(unexpected("reading an import source"))?;
                    if let Some(row) = earlier {
                        return Ok((Some(PostId::from_uuid(row.post_id)), Vec::new()));
                    }
                    // An import keeps what the source said: live or not.
                    let kind = if record.is_public() {
                        RevisionKind::Published
                    } else {
                        RevisionKind::Saved
                    };
                    let tag_ids =
                        Self::write_post(txn, later, &known, record, None, record.author, kind)
                            .await?;
                    later.sources.push(post_source::ActiveModel {
                        source: Set(source.clone()),
                        post_id: Set(record.id.as_uuid()),
                        original_html: Set(html.clone()),
                        imported_at: Set(Utc::now()),
                    });
                    Ok((None, tag_ids))
                })
            })
            .await?;
        if earlier.is_none() {
            self.known_tags.remember(&record.tags, &tag_ids);
        }
        Ok(earlier)
    }

    /// Deletes post `id` (if it is there) and takes it off the counts, in `txn`.
    pub async fn write_delete<C: ConnectionTrait>(txn: &C, id: Uuid) -> Result<(), PostsError> {
        if !Self::lock_post(txn, id, None).await? {
            return Ok(());
        }
        let before = Self::counted_state(txn, id).await?;
        Self::recount(txn, before.as_ref(), None).await?;
        // Its body, tag links and revisions go with it (ON DELETE CASCADE).
        post::Entity::delete_by_id(id)
            .exec(txn)
            .await
            .map_err(unexpected("deleting a post"))?;
        Ok(())
    }

    pub async fn delete(&self, id: PostId) -> Result<(), PostsError> {
        self.writer
            .write(move |txn, _| Box::pin(Self::write_delete(txn, id.as_uuid())))
            .await
    }
}

/// A stored post as the counts see it.
#[derive(Clone, Debug)]
struct CountedState {
    author: Uuid,
    status: String,
    kind: String,
    tags: Vec<Uuid>,
}

/// Count changes not yet written. Ordered maps: the rows are upserted in key
/// order, so two writers (PostgreSQL, several processes) never lock them in
/// opposite orders.
#[derive(Default)]
struct Counts {
    posts: BTreeMap<(Uuid, String, String), i64>,
    tags: BTreeMap<(Uuid, Uuid, String, String), i64>,
}

impl Counts {
    fn add(&mut self, state: &CountedState, delta: i64) {
        *self
            .posts
            .entry((state.author, state.status.clone(), state.kind.clone()))
            .or_default() += delta;
        for tag_id in &state.tags {
            *self
                .tags
                .entry((
                    *tag_id,
                    state.author,
                    state.status.clone(),
                    state.kind.clone(),
                ))
                .or_default() += delta;
        }
    }

    /// Adds the changes to the stored counts, one statement per table, and
    /// forgets them.
    async fn write<C: ConnectionTrait>(&mut self, txn: &C) -> Result<(), PostsError> {
        let mut script = Script::for_connection(txn);
        self.stage(&mut script);
        script.run(txn).await.map_err(unexpected("counting posts"))
    }

    /// Adds the statements [`Self::write`] would run to `script`, and forgets
    /// the changes.
    fn stage(&mut self, script: &mut Script) {
        let posts = std::mem::take(&mut self.posts)
            .into_iter()
            .filter(|(_, delta)| *delta != 0);
        add_to_counts(
            script,
            posts.map(|((author, status, kind), delta)| post_count::ActiveModel {
                author_id: Set(author),
                status: Set(status),
                kind: Set(kind),
                n: Set(delta),
            }),
            [
                post_count::Column::AuthorId,
                post_count::Column::Status,
                post_count::Column::Kind,
            ],
            post_count::Column::N,
        );
        let tags = std::mem::take(&mut self.tags)
            .into_iter()
            .filter(|(_, delta)| *delta != 0);
        add_to_counts(
            script,
            tags.map(
                |((tag_id, author, status, kind), delta)| tag_count::ActiveModel {
                    tag_id: Set(tag_id),
                    author_id: Set(author),
                    status: Set(status),
                    kind: Set(kind),
                    n: Set(delta),
                },
            ),
            [
                tag_count::Column::TagId,
                tag_count::Column::AuthorId,
                tag_count::Column::Status,
                tag_count::Column::Kind,
            ],
            tag_count::Column::N,
        );
    }
}

/// Adds each row's `n` to the stored row with the same `key`, or inserts it:
/// one statement for all of them. A post has few tags and a batch few posts,
/// far below any statement's parameter limit.
fn add_to_counts<A, const K: usize>(
    script: &mut Script,
    rows: impl Iterator<Item = A>,
    key: [<A::Entity as EntityTrait>::Column; K],
    n: <A::Entity as EntityTrait>::Column,
) where
    A: ActiveModelTrait + Send,
{
    let rows: Vec<A> = rows.collect();
    if rows.is_empty() {
        return;
    }
    script.push(
        &A::Entity::insert_many(rows).on_conflict(
            OnConflict::columns(key)
                .value(
                    n,
                    Expr::col((A::Entity::default(), n)).add(Expr::cust("excluded.n")),
                )
                .to_owned(),
        ),
    );
}

/// What one batch of the writer leaves for its single flush (see
/// [`Deferred`]): new posts' rows, their count changes, and the tags the
/// batch has looked up.
#[derive(Default)]
pub struct Batch {
    posts: Vec<post::ActiveModel>,
    bodies: Vec<post_body::ActiveModel>,
    links: Vec<post_tag::ActiveModel>,
    revisions: Vec<revision::ActiveModel>,
    /// Where imported posts came from: after their posts (they name them).
    sources: Vec<post_source::ActiveModel>,
    /// The pictures new posts show: after their posts, too.
    pictures: Vec<post_medium::ActiveModel>,
    counts: Counts,
    /// Tag ids by slug. Kept across flushes: tags are never deleted inside
    /// a write, and a rolled-back batch starts with an empty one.
    tags: HashMap<String, Uuid>,
}

impl Deferred for Batch {
    type Error = PostsError;

    fn failed(failure: WriteFailed) -> PostsError {
        PostsError::unexpected(failure.to_string())
    }

    fn flush<'t>(
        &'t mut self,
        txn: &'t DatabaseTransaction,
    ) -> BoxFuture<'t, Result<(), PostsError>> {
        Box::pin(async move {
            let mut script = Script::for_connection(txn);
            // Alone, a refused post is the one whose slug is taken; among
            // several, the writer runs them again one by one to find out.
            let alone = match self.posts.as_slice() {
                [post] => post.slug.try_as_ref().cloned(),
                _ => None,
            };
            insert_rows(&mut script, std::mem::take(&mut self.posts));
            insert_rows(&mut script, std::mem::take(&mut self.bodies));
            insert_rows(&mut script, std::mem::take(&mut self.links));
            insert_rows(&mut script, std::mem::take(&mut self.revisions));
            insert_rows(&mut script, std::mem::take(&mut self.sources));
            insert_rows(&mut script, std::mem::take(&mut self.pictures));
            self.counts.stage(&mut script);
            // One script, so one error for all of it: only a post's slug can
            // collide (every other key is a fresh id or a count upsert).
            script.run(txn).await.map_err(|error| match &alone {
                Some(slug) => slug_taken(error, slug),
                None => PostsError::unexpected(format!("saving new posts: {error}")),
            })
        })
    }
}

/// Rows per INSERT: far below SQLite's and PostgreSQL's parameter limits for
/// the widest row here (15 columns).
const ROWS_PER_STATEMENT: usize = 200;

/// Adds the inserts of `rows` to `script`, a few hundred rows per statement.
fn insert_rows<A>(script: &mut Script, mut rows: Vec<A>)
where
    A: ActiveModelTrait + Send,
{
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(ROWS_PER_STATEMENT));
        script.push(&A::Entity::insert_many(std::mem::replace(&mut rows, rest)));
    }
}

/// Inserts `rows` now, a few hundred per statement.
async fn insert_rows_now<A, C>(txn: &C, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let mut script = Script::for_connection(txn);
    insert_rows(&mut script, rows);
    script.run(txn).await
}

/// A refused post write: a unique index's refusal is the slug's.
fn slug_taken(error: DbErr, slug: &str) -> PostsError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => PostsError::SlugTaken(slug.to_owned()),
        _ => PostsError::unexpected(format!("saving a post: {error}")),
    }
}

impl PostsStore {
    fn revision_view(model: revision::Model) -> RevisionView {
        RevisionView {
            revision: model.revision,
            title: model.title,
            slug: model.slug,
            markdown: model.markdown,
            excerpt: model.excerpt,
            tags: serde_json::from_str(&model.tags).unwrap_or_default(),
            feature_image: model.feature_image,
            saved_by: UserId::from_uuid(model.saved_by),
            created_at: model.created_at,
            kind: RevisionKind::parse(&model.kind),
            first_revision: model.first_revision,
            first_saved_at: model.first_saved_at,
        }
    }

    pub async fn revisions(&self, id: PostId) -> Result<Vec<RevisionView>, PostsError> {
        let models = revision::Entity::find()
            .filter(revision::Column::PostId.eq(id.as_uuid()))
            .order_by_desc(revision::Column::Revision)
            .all(&self.db)
            .await
            .map_err(unexpected("listing revisions"))?;
        Ok(models.into_iter().map(Self::revision_view).collect())
    }

    pub async fn revision(
        &self,
        id: PostId,
        number: i32,
    ) -> Result<Option<RevisionView>, PostsError> {
        let model = revision::Entity::find()
            .filter(revision::Column::PostId.eq(id.as_uuid()))
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
    /// stay private. Read from the tag counts (kept per author, so a writer's
    /// own tags are there too), however many posts there are.
    pub async fn tags(&self, viewer: TagViewer) -> Result<Vec<TagView>, PostsError> {
        let counts = tag_count::Entity::find()
            .filter(tag_count::Column::N.gt(0))
            .all(&self.db)
            .await
            .map_err(unexpected("reading tag counts"))?;
        // (published posts, whether the viewer may know of it) per tag id.
        let mut seen: HashMap<Uuid, (u64, bool)> = HashMap::new();
        for count in counts {
            let published = count.status == PostStatus::Published.as_str();
            let listed = published && count.kind == PostKind::Post.as_str();
            let visible = match viewer {
                TagViewer::Public => listed,
                TagViewer::Everything => true,
                TagViewer::Author(user) => published || count.author_id == user.as_uuid(),
            };
            let entry = seen.entry(count.tag_id).or_default();
            if listed {
                entry.0 += u64::try_from(count.n).unwrap_or(0);
            }
            entry.1 |= visible;
        }
        seen.retain(|_, (_, shown)| *shown);
        if seen.is_empty() {
            return Ok(Vec::new());
        }
        let tags = tag::Entity::find()
            .filter(tag::Column::Id.is_in(seen.keys().copied()))
            .all(&self.db)
            .await
            .map_err(unexpected("listing tags"))?;
        let mut views: Vec<TagView> = tags
            .into_iter()
            .map(|tag| TagView {
                posts: seen.get(&tag.id).map_or(0, |(posts, _)| *posts),
                name: tag.name,
                slug: tag.slug,
                description: tag.description,
            })
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
    Author(UserId),
}

/// Moving a removed person's posts to whoever takes them over.
impl PostsStore {
    /// Every post and page of `from` (any status) becomes `to`'s, in `txn`;
    /// returns how many. Revisions keep who saved them: that is history, not
    /// authorship. The two authors' post and tag counts are counted again
    /// from their posts (on the author indexes): a rare operation, and exact
    /// whatever else commits meanwhile.
    pub async fn write_reassign(
        txn: &DatabaseTransaction,
        later: &mut Batch,
        from: Uuid,
        to: Uuid,
    ) -> Result<u64, PostsError> {
        // The counts are counted again from the rows: the batch's new posts
        // must be among them, and their deltas not added on top afterwards.
        later.flush(txn).await?;
        let result = post::Entity::update_many()
            .col_expr(post::Column::AuthorId, Expr::value(to))
            .filter(post::Column::AuthorId.eq(from))
            .exec(txn)
            .await
            .map_err(unexpected("reassigning posts"))?;
        if result.rows_affected == 0 {
            return Ok(0);
        }
        post_count::Entity::delete_many()
            .filter(post_count::Column::AuthorId.is_in([from, to]))
            .exec(txn)
            .await
            .map_err(unexpected("recounting posts"))?;
        let mut recount = Query::select();
        recount
            .columns([
                post::Column::AuthorId,
                post::Column::Status,
                post::Column::Kind,
            ])
            .expr(Expr::cust("COUNT(*)"))
            .from(post::Entity)
            .and_where(post::Column::AuthorId.is_in([from, to]))
            .group_by_columns([
                post::Column::AuthorId,
                post::Column::Status,
                post::Column::Kind,
            ]);
        let mut insert = Query::insert();
        insert
            .into_table(post_count::Entity)
            .columns([
                post_count::Column::AuthorId,
                post_count::Column::Status,
                post_count::Column::Kind,
                post_count::Column::N,
            ])
            .select_from(recount)
            .map_err(|error| PostsError::unexpected(format!("recounting posts: {error}")))?;
        txn.execute(&insert)
            .await
            .map_err(unexpected("recounting posts"))?;
        Self::recount_tags(txn, tag_edits::Recount::Authors(&[from, to])).await?;
        Ok(result.rows_affected)
    }

    pub async fn reassign_author(&self, from: UserId, to: UserId) -> Result<u64, PostsError> {
        self.writer
            .write(move |txn, later| {
                Box::pin(Self::write_reassign(
                    txn,
                    later,
                    from.as_uuid(),
                    to.as_uuid(),
                ))
            })
            .await
    }
}

/// The sitemap's view of the store.
impl PostsStore {
    /// Published posts and pages, oldest first (by publication, then
    /// creation, then id), `limit` from `offset`; and how many there are in
    /// all (from the counts). Read in index order from the nearer end.
    pub async fn published_urls(
        &self,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<PublishedUrl>, u64), PostsError> {
        let plan = Plan {
            status: Some(PostStatus::Published),
            ..Plan::default()
        };
        let total = self.counted(&plan).await?.unwrap_or(0);
        if offset >= total {
            return Ok((Vec::new(), total));
        }
        let take = std::cmp::min(u64::from(limit), total - offset);
        let (offset, direction, reversed) = nearer_end(total, offset, take, Direction::OldestFirst);
        let order = direction.order();
        let mut rows: Vec<(String, String, DateTime<Utc>)> = post::Entity::find()
            .select_only()
            .column(post::Column::Slug)
            .column(post::Column::Kind)
            .column(post::Column::UpdatedAt)
            .filter(post::Column::Status.eq(PostStatus::Published.as_str()))
            .order_by(post::Column::PublishedAt, order.clone())
            .order_by(post::Column::CreatedAt, order.clone())
            .order_by(post::Column::Id, order)
            .offset(offset)
            .limit(take)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(unexpected("listing published urls"))?;
        if reversed {
            rows.reverse();
        }
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

mod redirect {
    use sea_orm::entity::prelude::*;

    /// An old address and where it leads: a post (`target_post`, followed
    /// wherever its slug goes) or a fixed address (`target_url`).
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "redirects")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub from_path: String,
        pub target_post: Option<Uuid>,
        pub target_url: Option<String>,
        pub origin: String,
        pub created_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// How many redirects a chain is followed through when a new one is checked
/// for loops; a longer chain is refused as if it looped.
const MAX_REDIRECT_HOPS: usize = 64;

/// Redirects: old addresses answering 301. Writes go through the writer like
/// every other, so a slug change and the redirect it leaves commit together.
impl PostsStore {
    /// The published post's address for `target_post`, if it is published.
    async fn post_addresses<C: ConnectionTrait>(
        db: &C,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, (String, bool)>, PostsError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(Uuid, String, String)> = post::Entity::find()
            .select_only()
            .column(post::Column::Id)
            .column(post::Column::Slug)
            .column(post::Column::Status)
            .filter(post::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(db)
            .await
            .map_err(unexpected("reading redirect targets"))?;
        Ok(rows
            .into_iter()
            .map(|(id, slug, status)| (id, (slug, status == PostStatus::Published.as_str())))
            .collect())
    }

    fn redirect_view(
        model: redirect::Model,
        posts: &HashMap<Uuid, (String, bool)>,
    ) -> Result<RedirectView, PostsError> {
        let from = RedirectFrom::parse(&model.from_path)
            .map_err(|error| PostsError::unexpected(format!("a stored redirect: {error}")))?;
        let (to, location) = match (model.target_post, model.target_url) {
            (Some(id), _) => (
                RedirectTarget::Post(PostId::from_uuid(id)),
                posts
                    .get(&id)
                    .filter(|(_, public)| *public)
                    .map(|(slug, _)| format!("/{slug}/")),
            ),
            (None, Some(url)) => {
                let url = RedirectUrl::parse(&url).map_err(|error| {
                    PostsError::unexpected(format!("a stored redirect: {error}"))
                })?;
                let location = Some(url.as_str().to_owned());
                (RedirectTarget::Url(url), location)
            }
            (None, None) => {
                return Err(PostsError::unexpected(format!(
                    "redirect {} leads nowhere",
                    model.id
                )));
            }
        };
        Ok(RedirectView {
            id: RedirectId::from_uuid(model.id),
            from,
            to,
            location,
            origin: RedirectOrigin::parse(&model.origin).unwrap_or(RedirectOrigin::Manual),
            created_at: model.created_at,
        })
    }

    /// A page of redirects in the order of their addresses, and how many there are.
    pub async fn redirects(
        &self,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<RedirectView>, u64), PostsError> {
        let total = redirect::Entity::find()
            .count(&self.db)
            .await
            .map_err(unexpected("counting redirects"))?;
        let models = redirect::Entity::find()
            .order_by_asc(redirect::Column::FromPath)
            .offset(u64::from(page.saturating_sub(1)) * u64::from(per_page))
            .limit(u64::from(per_page))
            .all(&self.db)
            .await
            .map_err(unexpected("listing redirects"))?;
        let ids: Vec<Uuid> = models.iter().filter_map(|m| m.target_post).collect();
        let posts = Self::post_addresses(&self.db, &ids).await?;
        // One row a later version no longer accepts (a path it took for
        // itself) must not hide the others from the people who could remove it.
        let views = models
            .into_iter()
            .filter_map(|model| {
                let id = model.id;
                Self::redirect_view(model, &posts)
                    .inspect_err(|error| tracing::warn!(redirect = %id, %error, "a stored redirect is left out of the list"))
                    .ok()
            })
            .collect();
        Ok((views, total))
    }

    /// Where `from` leads a reader now: `None` when no redirect names it, or
    /// when it names a post that is not published.
    pub async fn resolve_redirect(
        &self,
        from: &RedirectFrom,
    ) -> Result<Option<String>, PostsError> {
        let Some(model) = redirect::Entity::find()
            .filter(redirect::Column::FromPath.eq(from.as_str()))
            .one(&self.db)
            .await
            .map_err(unexpected("reading a redirect"))?
        else {
            return Ok(None);
        };
        let ids: Vec<Uuid> = model.target_post.into_iter().collect();
        let posts = Self::post_addresses(&self.db, &ids).await?;
        Ok(Self::redirect_view(model, &posts)?.location)
    }

    /// Adds a redirect from `from` to `to`, checked and written in one
    /// transaction: nothing is written when it is refused.
    pub async fn add_redirect(
        &self,
        from: RedirectFrom,
        to: RedirectTarget,
    ) -> Result<RedirectView, PostsError> {
        let shared = std::sync::Arc::new((from, to));
        self.writer
            .write(move |txn, _| {
                let shared = shared.clone();
                Box::pin(async move {
                    let (from, to) = &*shared;
                    Self::write_redirect(txn, from, to).await
                })
            })
            .await
    }

    async fn write_redirect(
        txn: &DatabaseTransaction,
        from: &RedirectFrom,
        to: &RedirectTarget,
    ) -> Result<RedirectView, PostsError> {
        if txn.get_database_backend() == DbBackend::Postgres {
            // Two replicas adding A→B and B→A at once would each find no
            // loop in what the other has not committed: one waits here.
            txn.execute_unprepared("LOCK TABLE redirects IN SHARE ROW EXCLUSIVE MODE")
                .await
                .map_err(unexpected("locking redirects"))?;
        }
        if let Some(slug) = from.as_slug() {
            let live = post::Entity::find()
                .filter(post::Column::Slug.eq(slug))
                .filter(post::Column::Status.eq(PostStatus::Published.as_str()))
                .count(txn)
                .await
                .map_err(unexpected("checking a redirect's address"))?;
            if live > 0 {
                return Err(PostsError::RedirectFromLive(from.as_str().to_owned()));
            }
        }
        let taken = redirect::Entity::find()
            .filter(redirect::Column::FromPath.eq(from.as_str()))
            .count(txn)
            .await
            .map_err(unexpected("checking a redirect's address"))?;
        if taken > 0 {
            return Err(PostsError::RedirectExists(from.as_str().to_owned()));
        }
        let looped = |path: &str| {
            PostsError::RedirectLoop(format!(
                "a redirect from {} to {} would be a loop: {path} leads back to {}",
                from.as_str(),
                match to {
                    RedirectTarget::Post(id) => format!("post {id}"),
                    RedirectTarget::Url(url) => url.as_str().to_owned(),
                },
                from.as_str()
            ))
        };
        // Follows the chain from the target: a loop is any way back to `from`.
        let mut next = match to {
            RedirectTarget::Post(id) => Hop::Post(id.as_uuid()),
            RedirectTarget::Url(url) => match url.local() {
                Some(local) => Hop::Address(local),
                None => Hop::End,
            },
        };
        let mut hops = 0;
        let mut path = Vec::new();
        loop {
            match next {
                Hop::End => break,
                Hop::Post(id) => {
                    let Some(slug) = post::Entity::find_by_id(id)
                        .select_only()
                        .column(post::Column::Slug)
                        .into_tuple::<String>()
                        .one(txn)
                        .await
                        .map_err(unexpected("reading a redirect's target"))?
                    else {
                        return Err(PostsError::invalid(format!(
                            "there is no post {id} to redirect to"
                        )));
                    };
                    if RedirectFrom::of_slug(&slug).is_ok_and(|address| address == *from) {
                        path.push(format!("/{slug}/"));
                        return Err(looped(&path.join(" → ")));
                    }
                    break;
                }
                Hop::Address(address) => {
                    path.push(address.as_str().to_owned());
                    if address == *from {
                        return Err(looped(&path.join(" → ")));
                    }
                    hops += 1;
                    if hops > MAX_REDIRECT_HOPS {
                        return Err(PostsError::RedirectLoop(format!(
                            "following {} passes through more than {MAX_REDIRECT_HOPS} redirects; shorten the chain",
                            from.as_str()
                        )));
                    }
                    let hop = redirect::Entity::find()
                        .filter(redirect::Column::FromPath.eq(address.as_str()))
                        .one(txn)
                        .await
                        .map_err(unexpected("following redirects"))?;
                    next = match hop {
                        None => Hop::End,
                        Some(hop) => match (hop.target_post, hop.target_url) {
                            (Some(id), _) => Hop::Post(id),
                            (None, Some(url)) => RedirectUrl::parse(&url)
                                .ok()
                                .and_then(|url| url.local())
                                .map_or(Hop::End, Hop::Address),
                            (None, None) => Hop::End,
                        },
                    };
                }
            }
        }
        let (target_post, target_url) = match to {
            RedirectTarget::Post(id) => (Some(id.as_uuid()), None),
            RedirectTarget::Url(url) => (None, Some(url.as_str().to_owned())),
        };
        let model = redirect::Model {
            id: Uuid::now_v7(),
            from_path: from.as_str().to_owned(),
            target_post,
            target_url,
            origin: RedirectOrigin::Manual.as_str().to_owned(),
            created_at: Utc::now(),
        };
        redirect::Entity::insert(redirect::ActiveModel::from(model.clone()))
            .exec_without_returning(txn)
            .await
            .map_err(|error| match error.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(_)) => {
                    PostsError::RedirectExists(from.as_str().to_owned())
                }
                _ => PostsError::unexpected(format!("saving a redirect: {error}")),
            })?;
        let posts =
            Self::post_addresses(txn, &model.target_post.into_iter().collect::<Vec<_>>()).await?;
        Self::redirect_view(model, &posts)
    }

    /// Removes redirect `id`; false when there was none.
    pub async fn remove_redirect(&self, id: RedirectId) -> Result<bool, PostsError> {
        self.writer
            .write(move |txn, _| {
                Box::pin(async move {
                    let result = redirect::Entity::delete_by_id(id.as_uuid())
                        .exec(txn)
                        .await
                        .map_err(unexpected("removing a redirect"))?;
                    Ok(result.rows_affected > 0)
                })
            })
            .await
    }

    /// What a save of a post does to redirects, in its transaction: a post
    /// published at an address takes it over (a redirect from there is
    /// dropped: a live page is never shadowed, and the redirect must not come
    /// back should the post go); and a published post whose slug changed
    /// leaves its old address leading to it, as WordPress's `_wp_old_slug`
    /// does. The redirect names the post, not its new slug, so a chain of
    /// changes (a → b → c) leads every old address straight to the current one.
    async fn write_slug_redirects<C: ConnectionTrait>(
        txn: &C,
        id: Uuid,
        old: Option<(&str, bool)>,
        record: &PostRecord,
    ) -> Result<(), PostsError> {
        if record.is_public()
            && let Ok(address) = RedirectFrom::of_slug(&record.slug)
        {
            redirect::Entity::delete_many()
                .filter(redirect::Column::FromPath.eq(address.as_str()))
                .exec(txn)
                .await
                .map_err(unexpected("dropping a redirect a post took over"))?;
        }
        let Some((old_slug, was_public)) = old else {
            return Ok(());
        };
        if !was_public || old_slug == record.slug {
            return Ok(());
        }
        // A slug the site later took for itself can't be redirected.
        let Ok(address) = RedirectFrom::of_slug(old_slug) else {
            return Ok(());
        };
        let model = redirect::ActiveModel {
            id: Set(Uuid::now_v7()),
            from_path: Set(address.as_str().to_owned()),
            target_post: Set(Some(id)),
            target_url: Set(None),
            origin: Set(RedirectOrigin::SlugChange.as_str().to_owned()),
            created_at: Set(Utc::now()),
        };
        // The post's own old address is its to keep, whatever was there.
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
            .map_err(unexpected("keeping a post's old address"))?;
        Ok(())
    }
}

/// The next step of a chain being followed for loops.
enum Hop {
    Post(Uuid),
    Address(RedirectFrom),
    End,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_past_the_middle_is_read_from_the_other_end() {
        // 25 posts, 10 a page: page 3 holds the 5 oldest.
        assert_eq!(
            nearer_end(25, 20, 5, Direction::NewestFirst),
            (0, Direction::OldestFirst, true)
        );
        // Page 1 reads from the front; page 2 has 5 posts after it and 10
        // before it, so it is read from the back, skipping 5.
        assert_eq!(
            nearer_end(25, 0, 10, Direction::NewestFirst),
            (0, Direction::NewestFirst, false)
        );
        assert_eq!(
            nearer_end(25, 10, 10, Direction::NewestFirst),
            (5, Direction::OldestFirst, true)
        );
        // Exactly in the middle: the front.
        assert_eq!(
            nearer_end(30, 10, 10, Direction::NewestFirst),
            (10, Direction::NewestFirst, false)
        );
        assert_eq!(
            nearer_end(100, 80, 10, Direction::OldestFirst),
            (10, Direction::NewestFirst, true)
        );
    }
}

mod preview_link {
    use sea_orm::entity::prelude::*;

    /// A post's working preview link, by the hash of its token.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "preview_links")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub post_id: Uuid,
        pub token_hash: String,
        pub created_by: Uuid,
        pub created_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

impl PostsStore {
    /// Makes `token_hash` the post's one preview link, replacing any other,
    /// in one transaction.
    pub async fn share_preview(
        &self,
        post: PostId,
        token_hash: String,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), PostsError> {
        self.writer
            .write(move |txn, _| {
                let token_hash = token_hash.clone();
                Box::pin(async move {
                    preview_link::Entity::delete_by_id(post.as_uuid())
                        .exec(txn)
                        .await
                        .map_err(unexpected("replacing a preview link"))?;
                    preview_link::ActiveModel {
                        post_id: Set(post.as_uuid()),
                        token_hash: Set(token_hash),
                        created_by: Set(by.as_uuid()),
                        created_at: Set(at),
                    }
                    .insert(txn)
                    .await
                    .map_err(unexpected("writing a preview link"))?;
                    Ok(())
                })
            })
            .await
    }

    /// When the post's preview link was made, and by whom, if it has one.
    pub async fn preview_of(&self, post: PostId) -> Result<Option<PreviewState>, PostsError> {
        let model = preview_link::Entity::find_by_id(post.as_uuid())
            .one(&self.db)
            .await
            .map_err(unexpected("reading a preview link"))?;
        Ok(model.map(|model| PreviewState {
            created_at: model.created_at,
            created_by: UserId::from_uuid(model.created_by),
        }))
    }

    /// Stops the post's preview link working; false when it had none.
    pub async fn revoke_preview(&self, post: PostId) -> Result<bool, PostsError> {
        self.writer
            .write(move |txn, _| {
                Box::pin(async move {
                    let result = preview_link::Entity::delete_by_id(post.as_uuid())
                        .exec(txn)
                        .await
                        .map_err(unexpected("removing a preview link"))?;
                    Ok(result.rows_affected > 0)
                })
            })
            .await
    }

    /// The post whose preview link has this token hash.
    pub async fn by_preview(&self, token_hash: &str) -> Result<Option<PostRecord>, PostsError> {
        let link = preview_link::Entity::find()
            .filter(preview_link::Column::TokenHash.eq(token_hash))
            .one(&self.db)
            .await
            .map_err(unexpected("reading a preview link"))?;
        match link {
            Some(link) => self.get(PostId::from_uuid(link.post_id)).await,
            None => Ok(None),
        }
    }
}

mod site_setting {
    use sea_orm::entity::prelude::*;

    /// One of the site's settings, its value JSON.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "site_settings")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        pub value: String,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A setting given in an update, as the JSON its row keeps.
fn to_setting<T: serde::Serialize>(
    value: Option<T>,
) -> Result<Option<serde_json::Value>, PostsError> {
    value
        .map(serde_json::to_value)
        .transpose()
        .map_err(|error| PostsError::unexpected(format!("a setting as JSON: {error}")))
}

/// One stored setting, taken out of `settings`. A value another version
/// wrote and this one cannot read is left out (the command line's value
/// applies), never a failed page.
fn stored_setting<T: serde::de::DeserializeOwned>(
    settings: &mut serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Option<T> {
    let value = settings.remove(name)?;
    serde_json::from_value(value)
        .inspect_err(|error| tracing::warn!(setting = name, %error, "a stored setting is left out"))
        .ok()
}

impl PostsStore {
    /// The site's settings as stored; a value that no longer parses (written
    /// by another version) is left out, with a warning.
    pub async fn site_settings(&self) -> Result<SiteSettings, PostsError> {
        let rows = site_setting::Entity::find()
            .all(&self.db)
            .await
            .map_err(unexpected("reading the site's settings"))?;
        let mut settings = serde_json::Map::new();
        for row in rows {
            match serde_json::from_str(&row.value) {
                Ok(value) => {
                    settings.insert(row.name, value);
                }
                Err(error) => {
                    tracing::warn!(setting = %row.name, %error, "a stored setting is not JSON; left out")
                }
            }
        }
        let parsed = SiteSettings {
            title: stored_setting(&mut settings, "title"),
            description: stored_setting(&mut settings, "description"),
            primary_menu: stored_setting(&mut settings, "primary_menu"),
            secondary_menu: stored_setting(&mut settings, "secondary_menu"),
            timezone: stored_setting(&mut settings, "timezone"),
            date_format: stored_setting(&mut settings, "date_format"),
            language: stored_setting(&mut settings, "language"),
            posts_per_page: stored_setting(&mut settings, "posts_per_page"),
            accent_colour: stored_setting(&mut settings, "accent_colour"),
            social_accounts: stored_setting(&mut settings, "social_accounts"),
            code_head: stored_setting(&mut settings, "code_head"),
            code_foot: stored_setting(&mut settings, "code_foot"),
            logo: stored_setting(&mut settings, "logo"),
            icon: stored_setting(&mut settings, "icon"),
        };
        Ok(parsed)
    }

    /// Writes the settings given (each as JSON, one row per setting), all in
    /// one transaction.
    pub async fn update_site_settings(
        &self,
        changes: UpdateSiteSettings,
    ) -> Result<(), PostsError> {
        let UpdateSiteSettings(SiteSettings {
            title,
            description,
            primary_menu,
            secondary_menu,
            timezone,
            date_format,
            language,
            posts_per_page,
            accent_colour,
            social_accounts,
            code_head,
            code_foot,
            logo,
            icon,
        }) = changes;
        let given = [
            ("title", to_setting(title)),
            ("description", to_setting(description)),
            ("primary_menu", to_setting(primary_menu)),
            ("secondary_menu", to_setting(secondary_menu)),
            ("timezone", to_setting(timezone)),
            ("date_format", to_setting(date_format)),
            ("language", to_setting(language)),
            ("posts_per_page", to_setting(posts_per_page)),
            ("accent_colour", to_setting(accent_colour)),
            ("social_accounts", to_setting(social_accounts)),
            ("code_head", to_setting(code_head)),
            ("code_foot", to_setting(code_foot)),
            ("logo", to_setting(logo)),
            ("icon", to_setting(icon)),
        ];
        let mut rows: Vec<(&'static str, serde_json::Value)> = Vec::new();
        for (name, value) in given {
            if let Some(value) = value? {
                rows.push((name, value));
            }
        }
        let rows = std::sync::Arc::new(rows);
        self.writer
            .write(move |txn, _| {
                let rows = rows.clone();
                Box::pin(async move {
                    let now = Utc::now();
                    for (name, value) in rows.iter() {
                        site_setting::Entity::insert(site_setting::ActiveModel {
                            name: Set((*name).to_owned()),
                            value: Set(value.to_string()),
                            updated_at: Set(now),
                        })
                        .on_conflict(
                            OnConflict::column(site_setting::Column::Name)
                                .update_columns([
                                    site_setting::Column::Value,
                                    site_setting::Column::UpdatedAt,
                                ])
                                .to_owned(),
                        )
                        .exec(txn)
                        .await
                        .map_err(unexpected("writing the site's settings"))?;
                    }
                    Ok(())
                })
            })
            .await
    }
}

/// Which posts show which pictures, for the media library.
impl PostsStore {
    /// How many posts and pages (of any status) show each of `ids`.
    pub async fn media_usage(&self, ids: &[String]) -> Result<HashMap<String, u64>, PostsError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let counts: Vec<(String, i64)> = post_medium::Entity::find()
            .select_only()
            .column(post_medium::Column::MediumId)
            .expr(Expr::cust("COUNT(*)"))
            .filter(post_medium::Column::MediumId.is_in(ids.iter().cloned()))
            .group_by(post_medium::Column::MediumId)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(unexpected("counting where pictures show"))?;
        Ok(counts
            .into_iter()
            .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
            .collect())
    }

    /// The posts and pages showing `medium`, newest first, at most `limit`:
    /// (id, title, slug, status, kind, author).
    pub async fn posts_showing(
        &self,
        medium: &str,
        limit: u64,
    ) -> Result<Vec<PostShowing>, PostsError> {
        let ids: Vec<Uuid> = post_medium::Entity::find()
            .select_only()
            .column(post_medium::Column::PostId)
            .filter(post_medium::Column::MediumId.eq(medium))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(unexpected("reading where a picture shows"))?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = post::Entity::find()
            .filter(post::Column::Id.is_in(ids))
            .order_by_desc(post::Column::CreatedAt)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(unexpected("reading where a picture shows"))?;
        Ok(rows
            .into_iter()
            .map(|row| PostShowing {
                id: PostId::from_uuid(row.id),
                title: row.title,
                slug: row.slug,
                status: PostStatus::parse(&row.status).unwrap_or_default(),
                kind: PostKind::parse(&row.kind).unwrap_or_default(),
                author: UserId::from_uuid(row.author_id),
            })
            .collect())
    }
}

/// A post or page that shows a picture.
pub struct PostShowing {
    pub id: PostId,
    pub title: String,
    pub slug: String,
    pub status: PostStatus,
    pub kind: PostKind,
    pub author: UserId,
}
