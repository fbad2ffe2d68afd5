//! How search hears of changes: posts' events, wherever posts runs, become
//! `Refresh` calls (batched) and, when events may have been missed, a
//! `CatchUp`. Search never reads posts' store; it asks posts again.

use std::collections::BTreeSet;
use std::time::Duration;

use folio_posts_protocol::PostId;
use folio_posts_protocol::messages::PostsEvent;
use folio_runtime::{CallMeta, EventBus, EventsMissed};
use folio_search_protocol::SearchClient;
use folio_search_protocol::messages::{CatchUp, Refresh};

/// Ids sent in one `Refresh` at most (what posts gives in one call).
const BATCH: usize = 500;

enum Heard {
    Changed(PostId),
    /// Authors moved, or events were missed: compare everything.
    CatchUp,
}

/// Feeds `search` from the events on `events`. Listeners must be quick: they
/// only queue; a task of this thread's runtime makes the calls. When a call
/// fails (search down or degraded) the feed owes search a catch-up and asks
/// for it every few seconds until search answers; search also catches up by
/// itself whenever it (re)starts.
pub fn feed(events: &EventBus, search: SearchClient) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let changes = tx.clone();
    events.listen(move |event: &PostsEvent| {
        let heard = match event {
            PostsEvent::PostChanged(change) => Heard::Changed(change.id),
            PostsEvent::TagsChanged { posts } => {
                for id in posts {
                    let _ = changes.send(Heard::Changed(*id));
                }
                return;
            }
            PostsEvent::PostsReassigned { .. } => Heard::CatchUp,
            // Redirects and the site's settings are no post's words.
            PostsEvent::RedirectsChanged | PostsEvent::SiteSettingsChanged => return,
        };
        let _ = changes.send(heard);
    });
    events.listen(move |_: &EventsMissed| {
        let _ = tx.send(Heard::CatchUp);
    });
    actix::spawn(async move {
        let mut owed = false;
        loop {
            let first = match tokio::time::timeout(RETRY, rx.recv()).await {
                Ok(Some(heard)) => Some(heard),
                Ok(None) => return,
                Err(_) if owed => None,
                Err(_) => continue,
            };
            let mut ids = BTreeSet::new();
            let mut catch_up = owed;
            let mut next = first;
            // Whatever else is queued goes in the same call.
            while let Some(heard) = next {
                match heard {
                    Heard::Changed(id) => {
                        ids.insert(id);
                    }
                    Heard::CatchUp => catch_up = true,
                }
                next = if ids.len() < BATCH {
                    rx.try_recv().ok()
                } else {
                    None
                };
            }
            let meta = || CallMeta::new("search-feed", Duration::from_secs(10)).housekeeping();
            owed = false;
            if catch_up && let Err(error) = search.call(CatchUp, meta()).await {
                tracing::warn!(%error, "search could not be asked to catch up; asking again soon");
                owed = true;
            }
            if !ids.is_empty() {
                let count = ids.len();
                let refresh = Refresh {
                    ids: ids.into_iter().collect(),
                };
                if let Err(error) = search.call(refresh, meta()).await {
                    tracing::warn!(%error, posts = count, "search missed changed posts; it will catch up");
                    owed = true;
                }
                // Each refresh is a commit (an fsync and a new segment): while
                // posts change fast, gather a tenth of a second's worth.
                tokio::time::sleep(GATHER).await;
            }
        }
    });
}

/// How long the feed gathers changes after a refresh before the next one.
const GATHER: Duration = Duration::from_millis(100);

/// How soon a catch-up owed to search is asked for again.
const RETRY: Duration = Duration::from_secs(5);
