//! The posts concern's actor state and the handler of every message it answers.
//! `concern_handlers!` maps each message to the method below that handles it.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use super::PostsError;
use super::domain::{
    PostId, PostKind, PostStatus, PreviewToken, RevisionKind, Slug, TagList, TagName,
};
use super::messages::*;
use super::store::{Filter, PostRecord, PostsStore, TagEdit, TagViewer};
use folio_auth_protocol::permissions::{Action, allows};
use folio_render_protocol::messages::Render;
use folio_render_protocol::{RenderClient, RenderError};
use folio_runtime::{
    CallMeta, Caller, CommonError, Concern, ConcernName, NotAPerson, Principal, UserId,
};

/// What the posts concern is built from; survives restarts.
#[derive(Clone)]
pub struct PostsDeps {
    pub store: PostsStore,
    pub render: RenderClient,
}

pub struct Posts {
    deps: PostsDeps,
}

impl Concern for Posts {
    const NAME: ConcernName = ConcernName::Posts;
    type Protocol = PostsProtocol;
    type Deps = PostsDeps;

    fn start(deps: &PostsDeps) -> Self {
        Self { deps: deps.clone() }
    }
}

folio_runtime::concern_handlers!(Posts {
    Stats => stats;
    CreatePost => create;
    UpdatePost => update;
    GetPost => get;
    ListPosts => list;
    DeletePost => delete;
    Publish => publish;
    Unpublish => unpublish;
    ListRevisions => revisions;
    GetRevision => revision;
    RestoreRevision => restore;
    ListTags => tags;
    EditTag => edit_tag;
    MergeTags => merge_tags;
    DeleteTag => delete_tag;
    PublishDue => publish_due;
    PublishedBySlug => published_by_slug;
    ListPublished => list_published;
    ReassignPosts => reassign_posts;
    ListPublishedUrls => published_urls;
    IndexVersions => index_versions;
    IndexDocuments => index_documents;
    ImportPost => import;
    ListRedirects => list_redirects;
    AddRedirect => add_redirect;
    RemoveRedirect => remove_redirect;
    ResolveRedirect => resolve_redirect;
    SharePreview => share_preview;
    PreviewOf => preview_of;
    RevokePreview => revoke_preview;
    PostByPreview => post_by_preview;
    MediaUsage => media_usage;
    PostsShowing => posts_showing;
    GetSiteSettings => site_settings;
    UpdateSiteSettings => update_site_settings;
});

/// How long a save waits for the render concern.
const RENDER_DEADLINE: Duration = Duration::from_secs(2);
const DEFAULT_PER_PAGE: u32 = 20;
/// How often a create looks again for a free derived slug when parallel
/// creates took the one it found.
const DERIVED_SLUG_ATTEMPTS: u32 = 64;
const MAX_PER_PAGE: u32 = 100;

/// Whose own posts a caller without an account sees: no one's. (The
/// operator sees everything anyway; this keeps a list closed, not open, if
/// that ever changes.)
const NOBODY: UserId = UserId::from_uuid(Uuid::nil());

/// The signed-in writer; the operator writes nothing under their own name.
fn writer(caller: &Caller) -> Result<(&Principal, UserId), PostsError> {
    caller.person().map_err(|who| match who {
        NotAPerson::Anonymous => PostsError::unauthenticated(),
        NotAPerson::Operator => PostsError::forbidden("posts are written by people"),
    })
}

fn may(principal: &Principal, action: Action) -> bool {
    allows(principal.role(), action)
}

/// May this caller see the post at all? (A post they may not see is "not found".)
fn visible(caller: &Caller, post: &PostRecord) -> bool {
    post.is_public()
        || caller
            .principal
            .as_ref()
            .is_some_and(|p| p.user_id() == Some(post.author) || may(p, Action::ManageAllPosts))
}

/// Editing: one's own posts (contributors: only drafts), or anyone's for editors and above.
fn check_edit(principal: &Principal, user: UserId, post: &PostRecord) -> Result<(), PostsError> {
    if may(principal, Action::ManageAllPosts) {
        return Ok(());
    }
    if post.author != user {
        return Err(PostsError::forbidden("you can only change your own posts"));
    }
    if post.status != PostStatus::Draft && !may(principal, Action::PublishOwnPosts) {
        return Err(PostsError::forbidden(
            "contributors can only change drafts; ask an editor",
        ));
    }
    Ok(())
}

/// Publishing or scheduling: authors their own posts, editors anyone's.
fn check_publish(principal: &Principal, user: UserId, author: UserId) -> Result<(), PostsError> {
    let allowed = may(principal, Action::ManageAllPosts)
        || (author == user && may(principal, Action::PublishOwnPosts));
    if allowed {
        Ok(())
    } else {
        Err(PostsError::forbidden(format!(
            "a {} may not publish this post; save it as a draft for an editor",
            principal.role()
        )))
    }
}

/// An empty draft at `slug`, to which a create or an import applies its fields.
fn new_draft(
    slug: &Slug,
    author: UserId,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
) -> PostRecord {
    PostRecord {
        // Time-ordered: each index keyed by the id grows at its end, so a
        // batch of creates dirties a few shared pages, not one page each.
        id: PostId::from_uuid(Uuid::now_v7()),
        kind: PostKind::Post,
        title: String::new(),
        slug: slug.as_str().to_owned(),
        markdown: String::new(),
        html: String::new(),
        excerpt: String::new(),
        excerpt_given: false,
        tags: Vec::new(),
        status: PostStatus::Draft,
        author,
        revision: 1,
        publish_at: None,
        published_at: None,
        feature_image: None,
        seo: PostSeo::default(),
        created_at,
        updated_at,
        review_requested_at: None,
    }
}

/// What a save leaving `post` as it is is kept as in the history: a save
/// that leaves it live is what the site shows from then on, whoever made it.
fn saved_kind(post: &PostRecord, autosave: bool) -> RevisionKind {
    if post.is_public() {
        RevisionKind::Published
    } else if autosave {
        RevisionKind::Autosave
    } else {
        RevisionKind::Saved
    }
}

/// A restore's tags: the revision's, then every current one it lacks. A
/// restore brings words back; it never takes a tag away (the issue that
/// asked for kinds found a restore of a first revision, saved before any
/// tag, stripping a published post of all of them).
fn restored_tags(revision: &[String], current: &[(String, String)]) -> Vec<TagName> {
    revision
        .iter()
        .map(String::as_str)
        .chain(current.iter().map(|(name, _)| name.as_str()))
        .filter_map(|name| TagName::parse(name).ok())
        .collect()
}

fn not_found(id: PostId) -> PostsError {
    PostsError::not_found(format!("there is no post {id}"))
}

fn tag_pairs(names: &[TagName]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for name in names {
        let slug = name.slug().as_str().to_owned();
        if !pairs.iter().any(|(_, seen)| *seen == slug) {
            pairs.push((name.as_str().to_owned(), slug));
        }
    }
    pairs
}

/// The event for a change from `before` to `after`.
fn change_of(before: Option<&PostRecord>, after: Option<&PostRecord>) -> Option<PostChange> {
    let state = |post: &PostRecord| PostState {
        kind: post.kind,
        slug: post.slug.clone(),
        tags: post.tags.iter().map(|(_, slug)| slug.clone()).collect(),
        author: post.author,
        public: post.is_public(),
    };
    Some(PostChange {
        id: after.or(before)?.id,
        before: before.map(state),
        after: after.map(state),
    })
}

impl PostsDeps {
    async fn rendered(
        &self,
        markdown: &str,
        caller: &Caller,
    ) -> Result<folio_render_protocol::messages::Rendered, PostsError> {
        let meta = CallMeta::new(caller.request_id.clone(), RENDER_DEADLINE);
        self.render
            .call(
                Render {
                    markdown: markdown.to_owned(),
                },
                meta,
            )
            .await
            .map_err(|error| match error {
                RenderError::Common(CommonError::Runtime(failure)) => PostsError::from(failure),
                RenderError::TooLarge { .. } => PostsError::TooLarge(error.to_string()),
                RenderError::TooDeep { .. } => PostsError::Unrenderable(error.to_string()),
                RenderError::Common(other) => PostsError::unexpected(format!("rendering: {other}")),
            })
    }

    /// A free slug for `base`: itself, or the lowest free number.
    async fn free_slug(&self, base: &Slug, except: Option<PostId>) -> Result<Slug, PostsError> {
        let taken = self.store.slugs_from(base.as_str(), except).await?;
        let mut candidate = base.clone();
        let mut n = 1;
        while taken.iter().any(|slug| slug == candidate.as_str()) {
            n += 1;
            candidate = base.numbered(n);
        }
        Ok(candidate)
    }

    fn announce(caller: &Caller, before: Option<&PostRecord>, after: Option<&PostRecord>) {
        if let Some(change) = change_of(before, after) {
            caller.announce(PostsEvent::PostChanged(change));
        }
    }

    async fn stats(&self, _: Stats, _: &Caller) -> Result<PostsStats, PostsError> {
        self.store.stats().await
    }

    /// Applies `fields` to `post` (status checks are the caller's), re-rendering when needed.
    async fn apply(
        &self,
        post: &mut PostRecord,
        fields: PostFields,
        caller: &Caller,
    ) -> Result<(), PostsError> {
        if let Some(kind) = fields.kind {
            post.kind = kind;
        }
        if let Some(title) = fields.title {
            post.title = title.as_str().to_owned();
        }
        if let Some(slug) = fields.slug {
            if self.store.slug_taken(slug.as_str(), Some(post.id)).await? {
                return Err(PostsError::SlugTaken(slug.as_str().to_owned()));
            }
            post.slug = slug.as_str().to_owned();
        }
        let markdown_changed = fields
            .markdown
            .as_ref()
            .is_some_and(|markdown| *markdown != post.markdown);
        if let Some(markdown) = fields.markdown {
            post.markdown = markdown;
        }
        if let Some(tags) = fields.tags {
            post.tags = tag_pairs(tags.as_slice());
        }
        if let Some(feature_image) = fields.feature_image {
            post.feature_image = feature_image;
        }
        if let Some(seo) = fields.seo {
            post.seo = seo;
        }
        if let Some(publish_at) = fields.publish_at {
            post.publish_at = publish_at;
        }
        // The excerpt taken from the first paragraph is render's to make: a
        // writer going back to it has the Markdown rendered again.
        let excerpt_reset = post.excerpt_given && matches!(fields.excerpt, Some(None));
        let mut rendered_excerpt = None;
        if markdown_changed || post.html.is_empty() || excerpt_reset {
            let rendered = self.rendered(&post.markdown, caller).await?;
            post.html = rendered.html;
            rendered_excerpt = Some(rendered.excerpt);
        }
        match fields.excerpt {
            Some(Some(excerpt)) => {
                post.excerpt = excerpt.as_str().to_owned();
                post.excerpt_given = true;
            }
            Some(None) => post.excerpt_given = false,
            None => {}
        }
        // Otherwise the derived excerpt already matches the unchanged Markdown.
        if !post.excerpt_given
            && let Some(excerpt) = rendered_excerpt
        {
            post.excerpt = excerpt;
        }
        Ok(())
    }

    /// Moves `post` to `status`, setting the publication times. Publishing
    /// or scheduling answers a request for review: the mark goes.
    fn set_status(post: &mut PostRecord, status: PostStatus) -> Result<(), PostsError> {
        let now = Utc::now();
        if status != PostStatus::Draft {
            post.review_requested_at = None;
        }
        match status {
            PostStatus::Draft => {
                post.published_at = None;
            }
            PostStatus::Scheduled => {
                let at = post
                    .publish_at
                    .ok_or_else(|| PostsError::invalid("a scheduled post needs publish_at"))?;
                if at <= now {
                    // A time already past publishes now.
                    return Self::set_status(post, PostStatus::Published);
                }
                post.published_at = None;
            }
            PostStatus::Published => {
                if post.status != PostStatus::Published || post.published_at.is_none() {
                    post.published_at = Some(now);
                }
            }
        }
        post.status = status;
        Ok(())
    }

    /// Marks `post` as waiting for review, or not. Whoever may save the post
    /// may ask (a contributor their own draft, an editor anyone's): the
    /// caller checked that. Only a draft waits; asking again keeps the time
    /// of the first request, which is how long it has waited.
    fn set_review(post: &mut PostRecord, review: bool) -> Result<(), PostsError> {
        if !review {
            post.review_requested_at = None;
        } else if post.status != PostStatus::Draft {
            return Err(PostsError::invalid(
                "only a draft can wait for review; this one is already decided",
            ));
        } else if post.review_requested_at.is_none() {
            // Microseconds, as PostgreSQL keeps them: the reply then says
            // what every later read says.
            post.review_requested_at = Some(Utc::now().trunc_subsecs(6));
        }
        Ok(())
    }

    async fn create(&self, msg: CreatePost, caller: &Caller) -> Result<PostView, PostsError> {
        let (principal, user) = writer(caller)?;
        if !may(principal, Action::WriteOwnDrafts) {
            return Err(PostsError::forbidden("you may not write posts"));
        }
        let fields = msg.fields;
        let title = fields
            .title
            .clone()
            .ok_or_else(|| PostsError::invalid("the title is empty"))?;
        let status = fields.status.unwrap_or_default();
        if status != PostStatus::Draft {
            check_publish(principal, user, user)?;
        }
        let review = fields.review;
        let derived = fields.slug.is_none();
        let base = Slug::derive(title.as_str());
        let slug = match &fields.slug {
            Some(slug) if self.store.slug_taken(slug.as_str(), None).await? => {
                return Err(PostsError::SlugTaken(slug.as_str().to_owned()));
            }
            Some(slug) => slug.clone(),
            None => self.free_slug(&base, None).await?,
        };
        let now = Utc::now();
        let mut post = new_draft(&slug, user, now, now);
        self.apply(
            &mut post,
            PostFields {
                slug: None,
                ..fields
            },
            caller,
        )
        .await?;
        Self::set_status(&mut post, status)?;
        if let Some(review) = review {
            Self::set_review(&mut post, review)?;
        }
        // Parallel creates with one title all find the same free slug; the
        // store's unique index lets one have it, and the others look again.
        let mut attempts = 0;
        loop {
            let kind = saved_kind(&post, msg.autosave);
            match self.store.save(&post, None, user, kind).await {
                Err(PostsError::SlugTaken(_)) if derived && attempts < DERIVED_SLUG_ATTEMPTS => {
                    attempts += 1;
                    post.slug = self.free_slug(&base, None).await?.as_str().to_owned();
                }
                saved => break saved?,
            }
        }
        Self::announce(caller, None, Some(&post));
        Ok(post.view())
    }

    async fn update(&self, msg: UpdatePost, caller: &Caller) -> Result<PostView, PostsError> {
        let (principal, user) = writer(caller)?;
        let before = self
            .store
            .get(msg.id)
            .await?
            .filter(|post| visible(caller, post))
            .ok_or_else(|| not_found(msg.id))?;
        check_edit(principal, user, &before)?;
        if msg.revision != before.revision {
            return Err(PostsError::Stale {
                based_on: msg.revision,
                current: before.revision,
            });
        }
        let (status, review) = (msg.fields.status, msg.fields.review);
        let mut post = before.clone();
        self.apply(&mut post, msg.fields, caller).await?;
        if let Some(status) =
            status.filter(|status| *status != before.status || *status == PostStatus::Scheduled)
        {
            if status != PostStatus::Draft {
                check_publish(principal, user, before.author)?;
            }
            Self::set_status(&mut post, status)?;
        }
        if let Some(review) = review {
            Self::set_review(&mut post, review)?;
        }
        let kind = if msg.restored {
            RevisionKind::Restored
        } else {
            saved_kind(&post, msg.autosave)
        };
        self.save_next(before, post, user, kind, caller).await
    }

    /// Saves `post` as the revision after `before`'s and announces the change.
    async fn save_next(
        &self,
        before: PostRecord,
        mut post: PostRecord,
        user: UserId,
        kind: RevisionKind,
        caller: &Caller,
    ) -> Result<PostView, PostsError> {
        post.revision = before.revision + 1;
        post.updated_at = Utc::now();
        self.store
            .save(&post, Some(before.revision), user, kind)
            .await?;
        Self::announce(caller, Some(&before), Some(&post));
        Ok(post.view())
    }

    async fn get(&self, msg: GetPost, caller: &Caller) -> Result<PostView, PostsError> {
        let post = self
            .store
            .get(msg.id)
            .await?
            .filter(|post| visible(caller, post))
            .ok_or_else(|| not_found(msg.id))?;
        Ok(post.view())
    }

    async fn list(&self, msg: ListPosts, caller: &Caller) -> Result<SummaryPage, PostsError> {
        let per_page = match msg.per_page {
            0 => DEFAULT_PER_PAGE,
            n => n.min(MAX_PER_PAGE),
        };
        let page = msg.page.max(1);
        let mut filter = Filter {
            status: msg.status,
            kind: msg.kind,
            tag: msg.tag,
            author: msg.author,
            search: msg.search,
            visible_to: None,
            awaiting_review: msg.awaiting_review,
        };
        match &caller.principal {
            Some(principal) if may(principal, Action::ManageAllPosts) => {}
            Some(principal) => filter.visible_to = principal.user_id().or(Some(NOBODY)),
            None => filter.status = Some(PostStatus::Published),
        }
        let (posts, total) = self
            .store
            .list_summaries(&filter, page, per_page, msg.include_body)
            .await?;
        Ok(SummaryPage {
            posts,
            total: total.n,
            total_exact: total.exact,
            page,
            per_page,
        })
    }

    async fn delete(&self, msg: DeletePost, caller: &Caller) -> Result<(), PostsError> {
        let (principal, user) = writer(caller)?;
        let post = self
            .store
            .get(msg.id)
            .await?
            .filter(|post| visible(caller, post))
            .ok_or_else(|| not_found(msg.id))?;
        check_edit(principal, user, &post)?;
        self.store.delete(msg.id).await?;
        Self::announce(caller, Some(&post), None);
        Ok(())
    }

    async fn set_published(
        &self,
        id: PostId,
        status: PostStatus,
        caller: &Caller,
    ) -> Result<PostView, PostsError> {
        let (principal, user) = writer(caller)?;
        let before = self
            .store
            .get(id)
            .await?
            .filter(|post| visible(caller, post))
            .ok_or_else(|| not_found(id))?;
        check_publish(principal, user, before.author)?;
        let mut post = before.clone();
        Self::set_status(&mut post, status)?;
        let kind = saved_kind(&post, false);
        self.save_next(before, post, user, kind, caller).await
    }

    async fn publish(&self, msg: Publish, caller: &Caller) -> Result<PostView, PostsError> {
        self.set_published(msg.id, PostStatus::Published, caller)
            .await
    }

    async fn unpublish(&self, msg: Unpublish, caller: &Caller) -> Result<PostView, PostsError> {
        self.set_published(msg.id, PostStatus::Draft, caller).await
    }

    async fn editable(
        &self,
        id: PostId,
        caller: &Caller,
    ) -> Result<(PostRecord, UserId), PostsError> {
        let (principal, user) = writer(caller)?;
        let post = self
            .store
            .get(id)
            .await?
            .filter(|post| visible(caller, post))
            .ok_or_else(|| not_found(id))?;
        check_edit(principal, user, &post)?;
        Ok((post, user))
    }

    async fn revisions(
        &self,
        msg: ListRevisions,
        caller: &Caller,
    ) -> Result<Vec<RevisionView>, PostsError> {
        self.editable(msg.id, caller).await?;
        self.store.revisions(msg.id).await
    }

    async fn revision(
        &self,
        msg: GetRevision,
        caller: &Caller,
    ) -> Result<RevisionView, PostsError> {
        self.editable(msg.id, caller).await?;
        self.store
            .revision(msg.id, msg.revision)
            .await?
            .ok_or_else(|| {
                PostsError::not_found(format!("post {} has no revision {}", msg.id, msg.revision))
            })
    }

    /// Brings an old revision's words back as a new revision. What the
    /// revision does not carry (search details, type, schedule) stays; tags
    /// and the feature image are never taken away (see [`restored_tags`]).
    /// A published post's live page changes only when the caller says
    /// `publish`; a draft restored with `publish` is published.
    async fn restore(&self, msg: RestoreRevision, caller: &Caller) -> Result<PostView, PostsError> {
        let (before, user) = self.editable(msg.id, caller).await?;
        if before.is_public() && !msg.publish {
            return Err(PostsError::Live);
        }
        let old = self
            .store
            .revision(msg.id, msg.revision)
            .await?
            .ok_or_else(|| {
                PostsError::not_found(format!("post {} has no revision {}", msg.id, msg.revision))
            })?;
        let mut post = before.clone();
        let slug = Slug::parse(&old.slug)
            .ok()
            .filter(|slug| slug.as_str() != before.slug);
        let fields = PostFields {
            title: super::domain::Title::parse(&old.title).ok(),
            markdown: Some(old.markdown),
            excerpt: Some(
                super::domain::Excerpt::parse(&old.excerpt)
                    .ok()
                    .filter(|e| !e.as_str().is_empty()),
            ),
            tags: Some(TagList::first(restored_tags(&old.tags, &before.tags))),
            // A revision saved before the picture was chosen keeps today's.
            feature_image: old.feature_image.map(Some),
            ..PostFields::default()
        };
        self.apply(&mut post, fields, caller).await?;
        if let Some(slug) = slug
            && !self.store.slug_taken(slug.as_str(), Some(post.id)).await?
        {
            post.slug = slug.as_str().to_owned();
        }
        if msg.publish && !before.is_public() {
            let (principal, _) = writer(caller)?;
            check_publish(principal, user, before.author)?;
            Self::set_status(&mut post, PostStatus::Published)?;
        }
        self.save_next(before, post, user, RevisionKind::Restored, caller)
            .await
    }

    async fn tags(&self, _: ListTags, caller: &Caller) -> Result<Vec<TagView>, PostsError> {
        let viewer = match &caller.principal {
            Some(principal) if may(principal, Action::ManageAllPosts) => TagViewer::Everything,
            Some(principal) => TagViewer::Author(principal.user_id().unwrap_or(NOBODY)),
            None => TagViewer::Public,
        };
        self.store.tags(viewer).await
    }

    async fn publish_due(
        &self,
        _: PublishDue,
        caller: &Caller,
    ) -> Result<Vec<PostChange>, PostsError> {
        let mut published = Vec::new();
        for before in self.store.due(Utc::now()).await? {
            let mut post = before.clone();
            post.status = PostStatus::Published;
            post.published_at = post.publish_at.or(Some(Utc::now()));
            post.review_requested_at = None;
            let author = post.author;
            let change = change_of(Some(&before), Some(&post));
            let kind = RevisionKind::Published;
            match self.save_next(before, post, author, kind, caller).await {
                Ok(view) => {
                    tracing::info!(post = %view.id, slug = %view.slug, "scheduled post published");
                    published.extend(change);
                }
                // Someone saved it meanwhile; the next tick looks again.
                Err(PostsError::Stale { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(published)
    }

    async fn published_by_slug(
        &self,
        msg: PublishedBySlug,
        _: &Caller,
    ) -> Result<PostView, PostsError> {
        self.store
            .by_slug(&msg.slug)
            .await?
            .filter(PostRecord::is_public)
            .map(|post| post.view())
            .ok_or_else(|| PostsError::not_found(format!("nothing is published at {}", msg.slug)))
    }

    async fn list_published(&self, msg: ListPublished, _: &Caller) -> Result<PostPage, PostsError> {
        let per_page = msg.per_page.clamp(1, MAX_PER_PAGE);
        let page = msg.page.max(1);
        let filter = Filter {
            status: Some(PostStatus::Published),
            kind: Some(PostKind::Post),
            tag: msg.tag,
            author: msg.author,
            ..Filter::default()
        };
        let (posts, total) = self.store.list(&filter, page, per_page).await?;
        Ok(PostPage {
            posts: posts.iter().map(PostRecord::view).collect(),
            total,
            page,
            per_page,
        })
    }
}

impl PostsDeps {
    async fn reassign_posts(&self, msg: ReassignPosts, caller: &Caller) -> Result<u64, PostsError> {
        let principal = caller
            .principal
            .as_ref()
            .ok_or(PostsError::unauthenticated())?;
        if !may(principal, Action::ManageUsers) {
            return Err(PostsError::forbidden(
                "only those who manage people may move their posts",
            ));
        }
        if msg.from == msg.to {
            return Ok(0);
        }
        let moved = self.store.reassign_author(msg.from, msg.to).await?;
        if moved > 0 {
            // Every listing, post and author page may show the old name: the
            // same announcement as a renamed author drops them all.
            caller.announce(PostsEvent::PostsReassigned {
                from: msg.from,
                to: msg.to,
            });
        }
        tracing::info!(from = %msg.from, to = %msg.to, moved, "posts reassigned");
        Ok(moved)
    }
}

impl PostsDeps {
    async fn import(&self, msg: ImportPost, caller: &Caller) -> Result<ImportedPost, PostsError> {
        let principal = caller
            .principal
            .as_ref()
            .ok_or(PostsError::unauthenticated())?;
        if !may(principal, Action::ManageAllPosts) {
            return Err(PostsError::forbidden(
                "only those who manage all posts may import them",
            ));
        }
        if let Some(id) = self.store.imported(&msg.source).await? {
            return self.already_imported(id).await;
        }
        let fields = msg.fields;
        let title = fields
            .title
            .clone()
            .ok_or_else(|| PostsError::invalid("the title is empty"))?;
        let base = fields
            .slug
            .clone()
            .unwrap_or_else(|| Slug::derive(title.as_str()));
        let slug = self.free_slug(&base, None).await?;
        let now = Utc::now();
        let created_at = msg.created_at.or(msg.published_at).unwrap_or(now);
        let mut post = new_draft(
            &slug,
            msg.author,
            created_at,
            msg.updated_at.unwrap_or(created_at),
        );
        let status = fields.status.unwrap_or_default();
        self.apply(
            &mut post,
            PostFields {
                slug: None,
                status: None,
                // An imported post is the source site's, decided there.
                review: None,
                ..fields
            },
            caller,
        )
        .await?;
        // The source's own dates, not today's (`set_status` would say now).
        match status {
            PostStatus::Draft => {}
            PostStatus::Published => {
                post.status = PostStatus::Published;
                post.published_at = Some(msg.published_at.unwrap_or(created_at));
            }
            PostStatus::Scheduled => {
                let at = post
                    .publish_at
                    .ok_or_else(|| PostsError::invalid("a scheduled post needs publish_at"))?;
                if at <= now {
                    post.status = PostStatus::Published;
                    post.published_at = Some(at);
                } else {
                    post.status = PostStatus::Scheduled;
                }
            }
        }
        // Parallel imports may find the same free slug: one has it, the
        // others look again (as parallel creates do).
        let mut attempts = 0;
        let earlier = loop {
            match self
                .store
                .import(&post, &msg.source, &msg.original_html)
                .await
            {
                Err(PostsError::SlugTaken(_)) if attempts < DERIVED_SLUG_ATTEMPTS => {
                    attempts += 1;
                    post.slug = self.free_slug(&base, None).await?.as_str().to_owned();
                }
                written => break written?,
            }
        };
        if let Some(id) = earlier {
            return self.already_imported(id).await;
        }
        Self::announce(caller, None, Some(&post));
        tracing::info!(post = %post.id, source = msg.source.as_str(), "post imported");
        Ok(ImportedPost {
            post: post.view(),
            created: true,
        })
    }

    async fn already_imported(&self, id: PostId) -> Result<ImportedPost, PostsError> {
        let post = self.store.get(id).await?.ok_or_else(|| not_found(id))?;
        Ok(ImportedPost {
            post: post.view(),
            created: false,
        })
    }

    async fn published_urls(
        &self,
        msg: ListPublishedUrls,
        _: &Caller,
    ) -> Result<PublishedUrls, PostsError> {
        let page = msg.page.max(1);
        let offset = u64::from(page - 1) * u64::from(SITEMAP_URLS);
        let (urls, total) = self.store.published_urls(offset, SITEMAP_URLS).await?;
        Ok(PublishedUrls { urls, total })
    }

    async fn index_versions(
        &self,
        msg: IndexVersions,
        caller: &Caller,
    ) -> Result<Vec<IndexVersion>, PostsError> {
        check_indexer(caller)?;
        let limit = msg.limit.clamp(1, MAX_INDEX_VERSIONS);
        self.store.index_versions(msg.after, u64::from(limit)).await
    }

    async fn index_documents(
        &self,
        msg: IndexDocuments,
        caller: &Caller,
    ) -> Result<Vec<PostView>, PostsError> {
        check_indexer(caller)?;
        if msg.ids.len() > MAX_INDEX_DOCUMENTS {
            return Err(PostsError::invalid(format!(
                "ask for at most {MAX_INDEX_DOCUMENTS} documents at once"
            )));
        }
        let posts = self.store.by_ids(&msg.ids).await?;
        Ok(posts.iter().map(PostRecord::view).collect())
    }
}

/// Pages of versions and batches of documents an index may ask for.
const MAX_INDEX_VERSIONS: u32 = 5_000;
const MAX_INDEX_DOCUMENTS: usize = 500;

/// An index sees every draft: only those who may manage all posts feed one.
fn check_indexer(caller: &Caller) -> Result<(), PostsError> {
    match &caller.principal {
        Some(principal) if may(principal, Action::ManageAllPosts) => Ok(()),
        Some(_) => Err(PostsError::forbidden("only an indexer may read every post")),
        None => Err(PostsError::unauthenticated()),
    }
}

/// Redirects per page of the list: 50 by default, at most 500.
const DEFAULT_REDIRECTS_PER_PAGE: u32 = 50;
const MAX_REDIRECTS_PER_PAGE: u32 = 500;

/// Redirects are the site's settings: administrators and the owner manage
/// them (the gateway checks too; this is the concern's own check).
/// Tags are everyone's posts' words: editors and above rename, merge and delete them.
fn check_tags(caller: &Caller) -> Result<(), PostsError> {
    match &caller.principal {
        Some(principal) if may(principal, Action::ManageAllPosts) => Ok(()),
        Some(_) => Err(PostsError::forbidden(
            "only editors, administrators and the owner change tags",
        )),
        None => Err(PostsError::unauthenticated()),
    }
}

/// Says what a tag write changed: the posts whose tags read differently (in
/// parts a transport carries), and the redirects when old addresses moved.
fn announce_tag_edit(caller: &Caller, edit: &TagEdit) {
    for part in edit.posts.chunks(TAG_EVENT_POSTS) {
        caller.announce(PostsEvent::TagsChanged {
            posts: part.to_vec(),
        });
    }
    if edit.posts.is_empty() {
        // A description shows on the tag's page all the same.
        caller.announce(PostsEvent::TagsChanged { posts: Vec::new() });
    }
    if edit.redirected {
        caller.announce(PostsEvent::RedirectsChanged);
    }
}

impl PostsDeps {
    async fn edit_tag(&self, msg: EditTag, caller: &Caller) -> Result<TagView, PostsError> {
        check_tags(caller)?;
        let edit = self
            .store
            .edit_tag(msg.slug.clone(), msg.name, msg.description)
            .await?;
        announce_tag_edit(caller, &edit);
        tracing::info!(tag = %msg.slug, posts = edit.posts.len(), "tag edited");
        edit.tag
            .ok_or_else(|| PostsError::unexpected("an edited tag went missing"))
    }

    async fn merge_tags(&self, msg: MergeTags, caller: &Caller) -> Result<TagView, PostsError> {
        check_tags(caller)?;
        let edit = self
            .store
            .merge_tags(msg.from.clone(), msg.into.clone())
            .await?;
        announce_tag_edit(caller, &edit);
        tracing::info!(from = %msg.from, into = %msg.into, posts = edit.posts.len(), "tags merged");
        edit.tag
            .ok_or_else(|| PostsError::unexpected("a merged tag went missing"))
    }

    async fn delete_tag(&self, msg: DeleteTag, caller: &Caller) -> Result<TagChanges, PostsError> {
        check_tags(caller)?;
        let edit = self.store.delete_tag(msg.slug.clone()).await?;
        announce_tag_edit(caller, &edit);
        tracing::info!(tag = %msg.slug, posts = edit.posts.len(), "tag deleted");
        Ok(TagChanges {
            posts: u64::try_from(edit.posts.len()).unwrap_or(u64::MAX),
        })
    }
}

impl PostsDeps {
    async fn media_usage(
        &self,
        msg: MediaUsage,
        caller: &Caller,
    ) -> Result<Vec<MediumUse>, PostsError> {
        caller
            .principal
            .as_ref()
            .ok_or(PostsError::unauthenticated())?;
        if msg.ids.len() > MEDIA_USAGE_IDS {
            return Err(PostsError::invalid(format!(
                "ask about at most {MEDIA_USAGE_IDS} pictures at once"
            )));
        }
        let counts = self.store.media_usage(&msg.ids).await?;
        Ok(msg
            .ids
            .into_iter()
            .map(|id| MediumUse {
                posts: counts.get(&id).copied().unwrap_or(0),
                id,
            })
            .collect())
    }

    async fn posts_showing(
        &self,
        msg: PostsShowing,
        caller: &Caller,
    ) -> Result<ShowingPosts, PostsError> {
        let principal = caller
            .principal
            .as_ref()
            .ok_or(PostsError::unauthenticated())?;
        let everything = may(principal, Action::ManageAllPosts);
        let me = principal.user_id().unwrap_or(NOBODY);
        let showing = self.store.posts_showing(&msg.medium, 1_000).await?;
        let (mut posts, mut others) = (Vec::new(), 0);
        for post in showing {
            let visible = everything || post.author == me || post.status == PostStatus::Published;
            if visible && posts.len() < 100 {
                posts.push(PostRef {
                    id: post.id,
                    title: post.title,
                    slug: post.slug,
                    status: post.status,
                    kind: post.kind,
                });
            } else {
                others += 1;
            }
        }
        Ok(ShowingPosts { posts, others })
    }
}

fn check_redirects(caller: &Caller) -> Result<(), PostsError> {
    match &caller.principal {
        Some(principal) if may(principal, Action::ManageSettings) => Ok(()),
        Some(_) => Err(PostsError::forbidden(
            "only administrators and the owner manage redirects",
        )),
        None => Err(PostsError::unauthenticated()),
    }
}

impl PostsDeps {
    async fn list_redirects(
        &self,
        msg: ListRedirects,
        caller: &Caller,
    ) -> Result<RedirectPage, PostsError> {
        check_redirects(caller)?;
        let per_page = match msg.per_page {
            0 => DEFAULT_REDIRECTS_PER_PAGE,
            n => n.min(MAX_REDIRECTS_PER_PAGE),
        };
        let page = msg.page.max(1);
        let (redirects, total) = self.store.redirects(page, per_page).await?;
        Ok(RedirectPage {
            redirects,
            total,
            page,
            per_page,
        })
    }

    async fn add_redirect(
        &self,
        msg: AddRedirect,
        caller: &Caller,
    ) -> Result<RedirectView, PostsError> {
        check_redirects(caller)?;
        let redirect = self.store.add_redirect(msg.from, msg.to).await?;
        tracing::info!(redirect = %redirect.id, from = %redirect.from.as_str(), "redirect added");
        caller.announce(PostsEvent::RedirectsChanged);
        Ok(redirect)
    }

    async fn remove_redirect(
        &self,
        msg: RemoveRedirect,
        caller: &Caller,
    ) -> Result<(), PostsError> {
        check_redirects(caller)?;
        if !self.store.remove_redirect(msg.id).await? {
            return Err(PostsError::not_found(format!(
                "there is no redirect {}",
                msg.id
            )));
        }
        tracing::info!(redirect = %msg.id, "redirect removed");
        caller.announce(PostsEvent::RedirectsChanged);
        Ok(())
    }

    /// For the public site: anyone may ask, and learns only where a published
    /// page is (a redirect to a draft answers `None`).
    async fn resolve_redirect(
        &self,
        msg: ResolveRedirect,
        _: &Caller,
    ) -> Result<Option<String>, PostsError> {
        self.store.resolve_redirect(&msg.from).await
    }
}

/// What the store keeps of a preview token: its SHA-256, hex.
fn token_hash(token: &PreviewToken) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(token.as_str().as_bytes()))
}

/// A new preview token: two random (v4) UUIDs, 244 random bits from the
/// operating system's generator, as 64 hex digits.
fn new_preview_token() -> Result<PreviewToken, PostsError> {
    let raw = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    PreviewToken::parse(&raw).map_err(PostsError::unexpected)
}

impl PostsDeps {
    async fn share_preview(
        &self,
        msg: SharePreview,
        caller: &Caller,
    ) -> Result<PreviewLink, PostsError> {
        let (_, user) = self.editable(msg.id, caller).await?;
        let token = new_preview_token()?;
        let created_at = Utc::now();
        self.store
            .share_preview(msg.id, token_hash(&token), user, created_at)
            .await?;
        tracing::info!(post = %msg.id, "preview link made");
        Ok(PreviewLink { token, created_at })
    }

    async fn preview_of(
        &self,
        msg: PreviewOf,
        caller: &Caller,
    ) -> Result<Option<PreviewState>, PostsError> {
        self.editable(msg.id, caller).await?;
        self.store.preview_of(msg.id).await
    }

    async fn revoke_preview(&self, msg: RevokePreview, caller: &Caller) -> Result<(), PostsError> {
        self.editable(msg.id, caller).await?;
        if !self.store.revoke_preview(msg.id).await? {
            return Err(PostsError::not_found("this post has no preview link"));
        }
        tracing::info!(post = %msg.id, "preview link revoked");
        Ok(())
    }

    /// Anyone may ask: the token is the permission. A wrong or revoked one
    /// is "not found", saying nothing of whether the post exists.
    async fn post_by_preview(
        &self,
        msg: PostByPreview,
        _: &Caller,
    ) -> Result<PostView, PostsError> {
        self.store
            .by_preview(&token_hash(&msg.token))
            .await?
            .map(|post| post.view())
            .ok_or_else(|| PostsError::not_found("this preview link does not work (any more)"))
    }
}

impl PostsDeps {
    async fn site_settings(
        &self,
        _: GetSiteSettings,
        _: &Caller,
    ) -> Result<SiteSettings, PostsError> {
        self.store.site_settings().await
    }

    /// The site's settings are the owner's and administrators' (the gateway
    /// checks too; this is the concern's own check).
    async fn update_site_settings(
        &self,
        msg: UpdateSiteSettings,
        caller: &Caller,
    ) -> Result<SiteSettings, PostsError> {
        match &caller.principal {
            Some(principal) if may(principal, Action::ManageSettings) => {}
            Some(_) => {
                return Err(PostsError::forbidden(
                    "only administrators and the owner change the site's settings",
                ));
            }
            None => return Err(PostsError::unauthenticated()),
        }
        for menu in [&msg.0.primary_menu, &msg.0.secondary_menu]
            .into_iter()
            .flatten()
        {
            if menu.len() > MENU_ITEMS {
                return Err(PostsError::invalid(format!(
                    "a menu holds at most {MENU_ITEMS} links"
                )));
            }
        }
        if msg
            .0
            .social_accounts
            .as_ref()
            .is_some_and(|accounts| accounts.len() > SOCIAL_ACCOUNTS)
        {
            return Err(PostsError::invalid(format!(
                "the site lists at most {SOCIAL_ACCOUNTS} accounts elsewhere"
            )));
        }
        self.store.update_site_settings(msg).await?;
        tracing::info!("the site's settings changed");
        caller.announce(PostsEvent::SiteSettingsChanged);
        self.store.site_settings().await
    }
}
