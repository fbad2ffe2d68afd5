//! What concerns announce about their changes, as plain serde values, for
//! whoever wants to react without being called (the gateway's page cache; a
//! search index later). In one process listeners are called in place; across
//! processes the same values would go over NATS.

use std::sync::{Arc, PoisonError, RwLock};

use serde::{Deserialize, Serialize};

use crate::posts::messages::PostChange;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    PostChanged(PostChange),
    /// A medium was deleted or replaced: pages showing it must be rebuilt.
    MediumChanged {
        id: uuid::Uuid,
    },
    /// A person's public name or bio changed, or they were removed.
    AuthorChanged {
        id: uuid::Uuid,
    },
}

type Listener = Arc<dyn Fn(&Event) + Send + Sync>;

/// Publish-subscribe for [`Event`]s.
///
/// Listeners run inside [`EventBus::publish`], before it returns. Concerns
/// publish before they reply, so whoever made a change and got the answer
/// reads its own write: the page cache has already dropped the stale page.
/// (An earlier broadcast channel delivered later, on another task, and a
/// client that edited a picture could still be served the old page.) So a
/// listener must be quick and must not block; slow work belongs on its own
/// task, fed from the listener.
#[derive(Clone, Default)]
pub struct EventBus {
    listeners: Arc<RwLock<Vec<Listener>>>,
}

impl EventBus {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn publish(&self, event: Event) {
        // A listener that panicked poisoned nothing we rely on: the list is
        // only ever appended to.
        let listeners = self
            .listeners
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        for listener in listeners.iter() {
            listener(&event);
        }
    }

    pub fn listen(&self, listener: impl Fn(&Event) + Send + Sync + 'static) {
        self.listeners
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Arc::new(listener));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_listener_has_seen_the_event_when_publish_returns() {
        let bus = EventBus::new();
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = seen.clone();
        bus.listen(move |event| {
            if matches!(event, Event::MediumChanged { .. }) {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        bus.publish(Event::MediumChanged {
            id: uuid::Uuid::nil(),
        });
        assert_eq!(seen.load(Ordering::SeqCst), 1);
    }
}
