//! The search concern's actor and the handler of every message it answers,
//! with the catch-up that brings the index in step with posts.
//! `concern_handlers!` maps each message to the method below that handles it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::SearchError;
use super::index::{Held, Request, Rule, SearchIndex, Visibility};
use super::messages::{
    CatchUp, Refresh, Search as SearchMessage, SearchPage, SearchProtocol, SearchStats, Stats,
};
use folio_auth_protocol::permissions::{Action, allows};
use folio_posts_protocol::messages::{IndexDocuments, IndexVersions};
use folio_posts_protocol::{PostId, PostsClient};
use folio_runtime::{
    CallMeta, Caller, Concern, ConcernName, CpuPool, Failure, PoolError, Principal, SigningKey,
};

/// What posts answers at most per `IndexDocuments` call.
const DOCUMENTS_PER_CALL: usize = 500;
/// What posts answers at most per `IndexVersions` call.
const VERSIONS_PER_CALL: u32 = 5_000;
/// A long catch-up commits this often, so a crash midway keeps most of it.
const COMMIT_EVERY: usize = 5_000;
const POSTS_DEADLINE: Duration = Duration::from_secs(10);
/// The request id of a catch-up's calls to posts, which no request made.
const CATCH_UP_ID: &str = "search-catch-up";
const DEFAULT_PER_PAGE: u32 = 10;
const MAX_PER_PAGE: u32 = 50;
/// How deep one may page: past it, ranking a page costs more than it is worth.
const MAX_RESULTS: u64 = 10_000;
/// A failed catch-up is tried again after this, doubling up to
/// [`RETRY_AT_MOST`], until it succeeds.
const RETRY_FIRST: Duration = Duration::from_secs(2);
const RETRY_AT_MOST: Duration = Duration::from_secs(60);

/// What the search concern is built from; survives restarts.
#[derive(Clone)]
pub struct SearchDeps {
    pub index: SearchIndex,
    /// Where the documents come from: read with the operator's principal.
    pub posts: PostsClient,
    pub key: SigningKey,
    /// Indexing, committing and searching run here, never on an async worker.
    pub pool: CpuPool,
}

pub struct Search {
    deps: SearchDeps,
}

impl Concern for Search {
    const NAME: ConcernName = ConcernName::Search;
    type Protocol = SearchProtocol;
    type Deps = SearchDeps;

    /// Every (re)start compares the index with posts in the background: the
    /// events of the time the concern was down were missed.
    fn start(deps: &SearchDeps) -> Self {
        deps.spawn_catch_up();
        Self { deps: deps.clone() }
    }
}

folio_runtime::concern_handlers!(Search {
    SearchMessage => search;
    Refresh => refresh;
    CatchUp => catch_up;
    Stats => stats;
});

/// The pool's refusals, as search's errors.
fn pooled(error: PoolError) -> SearchError {
    let concern = ConcernName::Search;
    match error {
        PoolError::Busy(_) => Failure::Busy { concern }.into(),
        PoolError::Panicked { message, .. } => {
            tracing::error!(panic = %message, "a search index job panicked");
            Failure::Crashed { concern }.into()
        }
        PoolError::Closed(_) => Failure::Unavailable {
            concern,
            retry_after_secs: 1,
        }
        .into(),
    }
}

/// Published posts for everyone; drafts and scheduled posts only when asked
/// for, to their author, or to whoever may manage all posts.
fn visibility(drafts: bool, caller: &Caller) -> Visibility {
    match (&caller.principal, drafts) {
        (Some(principal), true) if allows(principal.role(), Action::ManageAllPosts) => {
            Visibility::Everything
        }
        (Some(principal), true) => principal
            .user_id()
            .map_or(Visibility::Published, Visibility::PublishedOrBy),
        _ => Visibility::Published,
    }
}

impl SearchDeps {
    async fn search(&self, msg: SearchMessage, caller: &Caller) -> Result<SearchPage, SearchError> {
        if msg.page == 0 {
            return Err(SearchError::invalid("pages are counted from 1"));
        }
        let per_page = match msg.per_page {
            0 => DEFAULT_PER_PAGE,
            n => n.min(MAX_PER_PAGE),
        };
        if u64::from(msg.page) * u64::from(per_page) > MAX_RESULTS {
            return Err(SearchError::invalid(format!(
                "only the first {MAX_RESULTS} results can be paged through; add a word to narrow the search"
            )));
        }
        let request = Request {
            words: msg.query.as_str().to_owned(),
            prefix: msg.prefix,
            visibility: visibility(msg.drafts, caller),
            page: msg.page,
            per_page,
        };
        let index = self.index.clone();
        Ok(self
            .pool
            .run(move || index.search(&request))
            .await
            .map_err(pooled)??)
    }

    /// Reads the posts afresh; a failure leaves a catch-up to fix them once
    /// posts answers again, so the event is not lost.
    async fn refresh(&self, msg: Refresh, caller: &Caller) -> Result<(), SearchError> {
        let mut outcome = Ok(());
        for batch in msg.ids.chunks(DOCUMENTS_PER_CALL) {
            outcome = self
                .refresh_batch(batch, Rule::NotOlder, &caller.request_id)
                .await
                .map(|_| ());
            if outcome.is_err() {
                break;
            }
        }
        if outcome.is_ok() {
            outcome = self.commit().await;
        }
        outcome.map_err(|error| {
            tracing::warn!(
                error = format!("{error:#}"),
                "refreshing posts in the search index failed; a catch-up will fix them"
            );
            self.spawn_catch_up();
            SearchError::from(error)
        })
    }

    async fn catch_up(&self, _: CatchUp, _: &Caller) -> Result<(), SearchError> {
        self.spawn_catch_up();
        Ok(())
    }

    async fn stats(&self, _: Stats, _: &Caller) -> Result<SearchStats, SearchError> {
        let index = self.index.clone();
        Ok(self
            .pool
            .run(move || index.stats())
            .await
            .map_err(pooled)??)
    }

    /// How posts is asked: as the operator, who may read every post, for
    /// the server's own housekeeping, under the id of what it does it for.
    fn meta(&self, request_id: &str) -> CallMeta {
        CallMeta::new(request_id, POSTS_DEADLINE)
            .with_principal(self.key.sign(&Principal::Operator))
            .housekeeping()
    }

    /// Stages `ids` as posts has them now (at most [`DOCUMENTS_PER_CALL`]);
    /// those posts no longer has are deleted. Answers how many changed.
    async fn refresh_batch(
        &self,
        ids: &[PostId],
        rule: Rule,
        request_id: &str,
    ) -> anyhow::Result<usize> {
        let posts = self
            .posts
            .call(IndexDocuments { ids: ids.to_vec() }, self.meta(request_id))
            .await
            .map_err(|error| anyhow::anyhow!("reading posts to index: {error}"))?;
        let found: HashSet<PostId> = posts.iter().map(|post| post.id).collect();
        let gone: Vec<PostId> = ids
            .iter()
            .filter(|id| !found.contains(id))
            .copied()
            .collect();
        let index = self.index.clone();
        self.pool
            .run(move || index.stage(&posts, &gone, rule))
            .await?
    }

    async fn commit(&self) -> anyhow::Result<()> {
        let index = self.index.clone();
        self.pool.run(move || index.commit()).await?
    }

    /// Starts a catch-up in the background unless one is running. It runs on
    /// the concern's arbiter, so stopping the concern stops it too.
    fn spawn_catch_up(&self) {
        let Some(running) = self.index.begin_catch_up() else {
            return;
        };
        let deps = self.clone();
        actix::spawn(async move {
            let _running = running;
            // Until it succeeds: a stale index is wrong for every reader, and
            // one call a minute to a posts concern that is down costs nothing.
            let mut wait = RETRY_FIRST;
            while let Err(error) = deps.catch_up_once().await {
                tracing::warn!(
                    error = format!("{error:#}"),
                    retry_in_s = wait.as_secs(),
                    "catching up with posts failed; trying again"
                );
                actix::clock::sleep(wait).await;
                wait = (wait * 2).min(RETRY_AT_MOST);
            }
        });
    }

    /// Compares every post's revision and author with the index's copy and
    /// refreshes each that differs, is missing, or is no longer in posts.
    async fn catch_up_once(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        let versions = self.versions().await?;
        let index = self.index.clone();
        let seen = Arc::new(self.pool.run(move || index.held()).await?);
        let mut stale: Vec<PostId> = versions
            .iter()
            .filter(|(id, version)| seen.get(id) != Some(version))
            .map(|(id, _)| *id)
            .collect();
        stale.extend(seen.keys().filter(|id| !versions.contains_key(id)));
        stale.sort();
        let (mut fixed, mut uncommitted) = (0, 0);
        for batch in stale.chunks(DOCUMENTS_PER_CALL) {
            let changed = self
                .refresh_batch(batch, Rule::Unchanged(seen.clone()), CATCH_UP_ID)
                .await?;
            fixed += changed;
            uncommitted += changed;
            if uncommitted >= COMMIT_EVERY {
                self.commit().await?;
                uncommitted = 0;
            }
        }
        self.commit().await?;
        self.index.caught_up();
        tracing::info!(
            posts = versions.len(),
            fixed,
            took_ms = started.elapsed().as_millis() as u64,
            "the search index caught up with posts"
        );
        Ok(())
    }

    /// Every post's and page's version, as posts has them now.
    async fn versions(&self) -> anyhow::Result<HashMap<PostId, Held>> {
        let mut versions = HashMap::new();
        let mut after = None;
        loop {
            let page = self
                .posts
                .call(
                    IndexVersions {
                        after,
                        limit: VERSIONS_PER_CALL,
                    },
                    self.meta(CATCH_UP_ID),
                )
                .await
                .map_err(|error| anyhow::anyhow!("listing posts to index: {error}"))?;
            let last = page.last().map(|version| version.id);
            // An empty page ends the list; so does one that does not move on.
            if last.is_none() || last <= after {
                break;
            }
            for version in page {
                versions.insert(
                    version.id,
                    Held {
                        revision: version.revision,
                        author: version.author,
                    },
                );
            }
            after = last;
        }
        Ok(versions)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use folio_runtime::{Role, UserId};
    use uuid::Uuid;

    fn caller(principal: Option<Principal>) -> Caller {
        Caller::new("test", principal)
    }

    #[test]
    fn drafts_are_for_their_author_or_an_editor_and_only_when_asked() {
        let id = UserId::from_uuid(Uuid::from_u128(7));
        let author = Principal::User {
            id,
            role: Role::Author,
        };
        let editor = Principal::User {
            id,
            role: Role::Editor,
        };
        assert_eq!(visibility(true, &caller(None)), Visibility::Published);
        assert_eq!(
            visibility(false, &caller(Some(editor.clone()))),
            Visibility::Published
        );
        assert_eq!(
            visibility(true, &caller(Some(author))),
            Visibility::PublishedOrBy(id)
        );
        assert_eq!(
            visibility(true, &caller(Some(editor))),
            Visibility::Everything
        );
        assert_eq!(
            visibility(true, &caller(Some(Principal::Operator))),
            Visibility::Everything
        );
    }
}
