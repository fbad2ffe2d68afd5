//! The posts concern's protocol: every message it answers and every reply, as plain serde data.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::PostsError;
use super::domain::{
    AccentColour, DateFormat, Excerpt, ImportSource, InjectedCode, MenuLabel, MenuUrl,
    MetaDescription, MetaTitle, PostId, PostKind, PostStatus, PostsPerPage, PreviewToken,
    RedirectFrom, RedirectId, RedirectOrigin, RedirectTarget, RevisionKind, SiteDescription,
    SiteImage, SiteLanguage, SiteTimezone, SiteTitle, Slug, SocialNetwork, TagDescription, TagList,
    TagName, Title, WebAddress,
};
use folio_seam::{ConcernName, UserId};

folio_seam::protocol!(PostsProtocol: ConcernName::Posts, PostsError, PostsEvent {
    Stats => PostsStats, "posts.stats";
    CreatePost => PostView, "posts.create";
    UpdatePost => PostView, "posts.update";
    GetPost => PostView, "posts.get";
    ListPosts => SummaryPage, "posts.list";
    DeletePost => (), "posts.delete";
    Publish => PostView, "posts.publish";
    Unpublish => PostView, "posts.unpublish";
    ListRevisions => Vec<RevisionView>, "posts.revisions.list";
    GetRevision => RevisionView, "posts.revisions.get";
    RestoreRevision => PostView, "posts.revisions.restore";
    ListTags => Vec<TagView>, "posts.tags.list";
    EditTag => TagView, "posts.tags.edit";
    MergeTags => TagView, "posts.tags.merge";
    DeleteTag => TagChanges, "posts.tags.delete";
    PublishDue => Vec<PostChange>, "posts.publish_due";
    PublishedBySlug => PostView, "posts.public.by_slug";
    ListPublished => PostPage, "posts.public.list";
    ReassignPosts => u64, "posts.reassign";
    ListPublishedUrls => PublishedUrls, "posts.public.urls";
    IndexVersions => Vec<IndexVersion>, "posts.index.versions";
    IndexDocuments => Vec<PostView>, "posts.index.documents";
    ImportPost => ImportedPost, "posts.import";
    ListRedirects => RedirectPage, "posts.redirects.list";
    AddRedirect => RedirectView, "posts.redirects.add";
    RemoveRedirect => (), "posts.redirects.remove";
    ResolveRedirect => Option<String>, "posts.redirects.resolve";
    SharePreview => PreviewLink, "posts.preview.share";
    PreviewOf => Option<PreviewState>, "posts.preview.state";
    RevokePreview => (), "posts.preview.revoke";
    PostByPreview => PostView, "posts.preview.read";
    MediaUsage => Vec<MediumUse>, "posts.media.usage";
    PostsShowing => ShowingPosts, "posts.media.posts";
    GetSiteSettings => SiteSettings, "posts.settings.get";
    UpdateSiteSettings => SiteSettings, "posts.settings.update";
});

/// How many posts and pages (of any status) show each of these pictures
/// (media ids, at most 500): for the media library. For anyone signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaUsage {
    pub ids: Vec<String>,
}

/// Media ids one `MediaUsage` asks about at most.
pub const MEDIA_USAGE_IDS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MediumUse {
    pub id: String,
    pub posts: u64,
}

/// The posts and pages showing a picture, newest first (at most 100), that
/// the caller may see; the others are only counted. For anyone signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostsShowing {
    pub medium: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShowingPosts {
    pub posts: Vec<PostRef>,
    /// Posts showing it that the caller may not see (others' drafts).
    pub others: u64,
}

/// A post or page named in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PostRef {
    #[schema(inline)]
    pub id: PostId,
    pub title: String,
    pub slug: String,
    pub status: PostStatus,
    #[serde(rename = "type")]
    pub kind: PostKind,
}

/// The site's own settings, kept by posts beside its content (see the
/// README's design note): anyone may read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetSiteSettings;

/// What the owner and administrators have set; `None` where nothing has
/// been, so the command line's value (or the default) applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SiteSettings {
    #[schema(value_type = Option<String>)]
    pub title: Option<SiteTitle>,
    #[schema(value_type = Option<String>)]
    pub description: Option<SiteDescription>,
    /// The header's menu, in order.
    #[serde(default)]
    pub primary_menu: Option<Vec<MenuItem>>,
    /// The footer's menu, in order.
    #[serde(default)]
    pub secondary_menu: Option<Vec<MenuItem>>,
    /// The site's timezone (IANA name): dates on pages and feeds.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub timezone: Option<SiteTimezone>,
    #[serde(default)]
    pub date_format: Option<DateFormat>,
    /// A BCP 47 tag: the pages' `lang`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub language: Option<SiteLanguage>,
    /// Posts on each listing page (1 to 50).
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub posts_per_page: Option<PostsPerPage>,
    /// `#rrggbb`: links, buttons and highlights of the theme.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub accent_colour: Option<AccentColour>,
    /// Accounts elsewhere, in order (at most 10).
    #[serde(default)]
    pub social_accounts: Option<Vec<SocialAccount>>,
    /// HTML added at the end of every public page's head. Trusted.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub code_head: Option<InjectedCode>,
    /// HTML added at the end of every public page's body. Trusted.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub code_foot: Option<InjectedCode>,
    /// A medium's id: the header shows it instead of the title ("" for none).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub logo: Option<SiteImage>,
    /// A medium's id: the browser tab's icon ("" for none).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub icon: Option<SiteImage>,
}

/// One link of a menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MenuItem {
    #[schema(value_type = String)]
    pub label: MenuLabel,
    #[schema(value_type = String)]
    pub url: MenuUrl,
}

/// Links a menu holds at most.
pub const MENU_ITEMS: usize = 20;

/// One account elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SocialAccount {
    pub network: SocialNetwork,
    #[schema(value_type = String)]
    pub url: WebAddress,
}

/// Accounts the site lists at most.
pub const SOCIAL_ACCOUNTS: usize = 10;

/// Changes to the settings: only the fields given (`Some`) change; the
/// reply is every setting as saved. For the owner and administrators. The
/// same shape as the settings themselves (a newtype: on the wire it is just
/// the settings object).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateSiteSettings(pub SiteSettings);

/// A private link to a post or page, for whoever may edit it: a new one
/// replaces the last (which stops working).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharePreview {
    pub id: PostId,
}

/// The token is answered once, when made: only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewLink {
    pub token: PreviewToken,
    pub created_at: DateTime<Utc>,
}

/// Whether a post has a working preview link, for whoever may edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewOf {
    pub id: PostId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PreviewState {
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub created_by: UserId,
}

/// Stops a post's preview link working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokePreview {
    pub id: PostId,
}

/// The post a preview link shows, whatever its status: anyone may ask, the
/// token is the permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostByPreview {
    pub token: PreviewToken,
}

/// For an index kept elsewhere (search): every post and page, of every
/// status, as (id, revision, author), in id order after `after`. Only for
/// those who may manage all posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexVersions {
    pub after: Option<PostId>,
    /// At most 5,000.
    pub limit: u32,
}

/// What an index compares with its own copy: a post changed when its
/// revision or its author did (a reassignment keeps the revision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexVersion {
    pub id: PostId,
    pub revision: i32,
    pub author: UserId,
}

/// For an index kept elsewhere: these posts and pages as they are now, of
/// every status; ids that no longer exist are left out. At most 500 ids.
/// Only for those who may manage all posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexDocuments {
    pub ids: Vec<PostId>,
}

/// What posts announces about its changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PostsEvent {
    /// A post's public face changed: where it shows, before and after.
    PostChanged(PostChange),
    /// Every post of an author moved to another: their pages change.
    PostsReassigned { from: UserId, to: UserId },
    /// A redirect was added or removed: whatever answered from the old set
    /// (a cached 301, a cached "no redirect here") is stale.
    RedirectsChanged,
    /// The site's settings changed: every page shows them.
    SiteSettingsChanged,
    /// A tag was renamed, merged or deleted: these posts' tags changed
    /// (announced in parts of at most [`TAG_EVENT_POSTS`] ids), and every
    /// page listing tags may show the old ones.
    TagsChanged { posts: Vec<PostId> },
}

/// Post ids one `TagsChanged` carries at most: small enough for any
/// transport's message size (NATS allows 1 MiB by default).
pub const TAG_EVENT_POSTS: usize = 1_000;

/// Counts of what the posts store holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostsStats {
    pub posts: u64,
    pub published: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TagRef {
    pub name: String,
    pub slug: String,
}

/// A post or page as the API reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PostView {
    #[schema(inline)]
    pub id: PostId,
    #[serde(rename = "type")]
    pub kind: PostKind,
    pub title: String,
    pub slug: String,
    pub markdown: String,
    /// Sanitised HTML; `media:ID` images are resolved when a page is served.
    pub html: String,
    pub excerpt: String,
    pub tags: Vec<TagRef>,
    pub status: PostStatus,
    pub publish_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub feature_image: Option<String>,
    #[schema(inline)]
    pub author: UserId,
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Words in the Markdown: what a reading time is computed from.
    pub words: u32,
    /// How it describes itself to search engines and link previews, where
    /// that differs from its title, excerpt, address and feature image.
    #[serde(default)]
    pub seo: PostSeo,
    /// When its writer asked for it to be reviewed (a draft waiting for an
    /// editor to publish it); `None` when nothing waits.
    #[serde(default)]
    pub review_requested_at: Option<DateTime<Utc>>,
}

/// A post's own search and sharing details; each one left out falls back to
/// the post's (title, excerpt, its address, its feature image).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PostSeo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub meta_title: Option<MetaTitle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub meta_description: Option<MetaDescription>,
    /// Where the post first appeared, when it is a copy (an http(s) address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub canonical_url: Option<WebAddress>,
    /// A medium's id: the picture link previews show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub social_image: Option<SiteImage>,
}

/// A post or page as a list shows it: everything but the body, which comes
/// only when asked for (`ListPosts::include_body`). Absent, not empty: an
/// empty `markdown` would be a post with no text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PostSummary {
    #[schema(inline)]
    pub id: PostId,
    #[serde(rename = "type")]
    pub kind: PostKind,
    pub title: String,
    pub slug: String,
    pub excerpt: String,
    pub tags: Vec<TagRef>,
    pub status: PostStatus,
    pub publish_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub feature_image: Option<String>,
    #[schema(inline)]
    pub author: UserId,
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Words in the Markdown: what a reading time is computed from.
    pub words: u32,
    /// The Markdown source; only when the body was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
    /// The sanitised HTML; only when the body was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// When its writer asked for it to be reviewed; `None` when nothing waits.
    #[serde(default)]
    pub review_requested_at: Option<DateTime<Utc>>,
}

/// One page of post summaries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SummaryPage {
    pub posts: Vec<PostSummary>,
    pub total: u64,
    /// False when `total` is a lower bound: a title search (`q`) counts its
    /// matches only up to 1,000, or one page past the page asked for.
    pub total_exact: bool,
    pub page: u32,
    pub per_page: u32,
}

/// What a save sets. `None` leaves a field as it is (on update).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PostFields {
    pub kind: Option<PostKind>,
    pub title: Option<Title>,
    pub slug: Option<Slug>,
    pub markdown: Option<String>,
    /// `Some(None)`: go back to the excerpt taken from the first paragraph.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "folio_seam::wire::present"
    )]
    pub excerpt: Option<Option<Excerpt>>,
    pub tags: Option<TagList>,
    pub status: Option<PostStatus>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "folio_seam::wire::present"
    )]
    pub publish_at: Option<Option<DateTime<Utc>>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "folio_seam::wire::present"
    )]
    pub feature_image: Option<Option<String>>,
    /// Replaces the post's search and sharing details as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seo: Option<PostSeo>,
    /// `Some(true)`: the draft waits for an editor's review (a contributor's
    /// "submit for review"); `Some(false)`: it no longer does. Publishing or
    /// scheduling clears it anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatePost {
    pub fields: PostFields,
    /// Saved by the editor on its own, not by the writer's choice.
    #[serde(default)]
    pub autosave: bool,
}

/// A save based on `revision`: if the post has moved on since, 409.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdatePost {
    pub id: PostId,
    pub revision: i32,
    pub fields: PostFields,
    /// Saved by the editor on its own: kept as an autosave revision, and
    /// autosaves by one person a few minutes apart are kept as one.
    #[serde(default)]
    pub autosave: bool,
    /// The writer brought an earlier revision back into the editor and saves
    /// it: the revision is labelled a restore, whatever else it does.
    #[serde(default)]
    pub restored: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetPost {
    pub id: PostId,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListPosts {
    pub status: Option<PostStatus>,
    pub kind: Option<PostKind>,
    pub tag: Option<String>,
    pub author: Option<UserId>,
    /// Words that must appear in the title.
    pub search: Option<String>,
    pub page: u32,
    pub per_page: u32,
    /// Each post's Markdown and HTML too (lists carry summaries otherwise).
    #[serde(default)]
    pub include_body: bool,
    /// Only drafts waiting for an editor's review (in the list's usual order).
    #[serde(default)]
    pub awaiting_review: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PostPage {
    pub posts: Vec<PostView>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletePost {
    pub id: PostId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publish {
    pub id: PostId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unpublish {
    pub id: PostId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RevisionView {
    pub revision: i32,
    pub title: String,
    pub slug: String,
    pub markdown: String,
    pub excerpt: String,
    pub tags: Vec<String>,
    pub feature_image: Option<String>,
    #[schema(inline)]
    pub saved_by: UserId,
    /// When this revision's content was saved (for coalesced autosaves: the last one).
    pub created_at: DateTime<Utc>,
    /// What made it; revisions kept before kinds existed read as `saved`.
    #[serde(default)]
    pub kind: RevisionKind,
    /// For autosaves kept as one: the first revision number this row took
    /// the place of (the numbers from it up to `revision` are all in it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_revision: Option<i32>,
    /// For autosaves kept as one: when the first of them was saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_saved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRevisions {
    pub id: PostId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetRevision {
    pub id: PostId,
    pub revision: i32,
}

/// Makes an old revision the current content, as a new revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreRevision {
    pub id: PostId,
    pub revision: i32,
    /// Whether a published post may go live with the restored content. Without
    /// it, restoring a published post is refused ([`PostsError::Live`]): a
    /// restore never changes the live page by surprise.
    ///
    /// [`PostsError::Live`]: crate::PostsError::Live
    #[serde(default)]
    pub publish: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TagView {
    pub name: String,
    pub slug: String,
    /// Shown on the tag's page; empty when none was written.
    #[serde(default)]
    pub description: String,
    /// Published posts (not pages) with this tag.
    pub posts: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListTags;

/// Renames or describes the tag at `slug`; only the fields given change. A
/// new name whose slug differs moves the tag's page, and its old address
/// (and feed) lead to the new one; a name another tag has is refused (merge
/// them instead). For those who manage all posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditTag {
    pub slug: String,
    pub name: Option<TagName>,
    pub description: Option<TagDescription>,
}

/// Every post tagged `from` is tagged `into` instead, `from` goes, and its
/// address leads to `into`'s. For those who manage all posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeTags {
    pub from: String,
    pub into: String,
}

/// Removes a tag from every post that carries it, and the tag. For those
/// who manage all posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteTag {
    pub slug: String,
}

/// How many posts (of any status) a tag change touched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TagChanges {
    pub posts: u64,
}

/// Publishes scheduled posts whose time has come (sent by the scheduler).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishDue;

/// What a change touched, for whoever caches public pages or indexes posts:
/// the post as it was before (`None`: it is new) and as it is after (`None`:
/// it is deleted). A page that showed the post before must go as surely as
/// one that will show it now, so both sides are always there to look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostChange {
    pub id: PostId,
    pub before: Option<PostState>,
    pub after: Option<PostState>,
}

/// What decides where a post shows on the public site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostState {
    pub kind: PostKind,
    pub slug: String,
    /// Tag slugs.
    pub tags: Vec<String>,
    pub author: UserId,
    /// Published: at its slug, and (a post, not a page) on listings and feeds.
    pub public: bool,
}

impl PostChange {
    /// Both sides that exist: the post as it was, then as it is.
    pub fn states(&self) -> impl Iterator<Item = &PostState> {
        self.before.iter().chain(self.after.iter())
    }
}

/// A published post or page by its slug (the public site).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedBySlug {
    pub slug: String,
}

/// Published posts (not pages), newest first, optionally by tag or author.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListPublished {
    pub tag: Option<String>,
    pub author: Option<UserId>,
    pub page: u32,
    pub per_page: u32,
}

/// Every post and page of `from` becomes `to`'s (when `from` is removed); the
/// reply is how many moved. Only for those who may manage people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReassignPosts {
    pub from: UserId,
    pub to: UserId,
}

/// URLs in one sitemap file: at most this many (the sitemaps protocol allows 50,000).
pub const SITEMAP_URLS: u32 = 10_000;

/// One sitemap file's worth of published posts and pages (`page` from 1, at
/// most [`SITEMAP_URLS`] each), oldest first: a new post only ever changes the
/// last file, so the others stay cached. A page past the end answers no URLs
/// and the total only, without reading any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPublishedUrls {
    pub page: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedUrls {
    pub urls: Vec<PublishedUrl>,
    /// Published posts and pages in all: how many files the index lists.
    pub total: u64,
}

/// Where a published post or page lives, and when it last changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedUrl {
    pub slug: String,
    pub kind: PostKind,
    pub updated_at: DateTime<Utc>,
}

/// A post or page brought from another platform (`folio import`): made once
/// per `source`, with its own dates and author; importing the same source
/// again answers the post made the first time and changes nothing. A slug
/// already taken by another post gets a number, as a derived one does. Only
/// for those who may manage all posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPost {
    pub source: ImportSource,
    pub author: UserId,
    /// `status` Published keeps `published_at`; Scheduled needs `publish_at`
    /// (one already past publishes at that time).
    pub fields: PostFields,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    /// The post's HTML on the source site, kept to be converted again.
    pub original_html: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedPost {
    pub post: PostView,
    /// False when an earlier import of the same source made it.
    pub created: bool,
}

/// Redirects, by their "from" address, `per_page` (at most 500) a page from
/// `page` 1. Only for those who manage the site's settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListRedirects {
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RedirectPage {
    pub redirects: Vec<RedirectView>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// A redirect as the API reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RedirectView {
    #[schema(inline)]
    pub id: RedirectId,
    /// The address it answers, in its canonical spelling.
    #[schema(value_type = String)]
    pub from: RedirectFrom,
    pub to: RedirectTarget,
    /// Where it leads now: the target post's address (`/slug/`) or the URL;
    /// `None` while the target post is not published (readers get a 404).
    pub location: Option<String>,
    pub origin: RedirectOrigin,
    pub created_at: DateTime<Utc>,
}

/// Adds a redirect. Refused when `from` is a published post's address, when
/// a redirect from it exists, when the target post does not exist, and when
/// following `to` through the redirects there are would come back to `from`.
/// Only for those who manage the site's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddRedirect {
    pub from: RedirectFrom,
    pub to: RedirectTarget,
}

/// Removes a redirect. Only for those who manage the site's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveRedirect {
    pub id: RedirectId,
}

/// Where an address that nothing else answers should send a reader (the
/// public site, on what would be a 404): a path on this site or a URL, or
/// `None`. A redirect to a post that is not published answers `None`, so a
/// draft's address never leaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveRedirect {
    pub from: RedirectFrom,
}
