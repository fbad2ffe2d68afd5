//! What concerns announce about their changes, as plain serde values, for
//! whoever wants to react without being called (the gateway's page cache; a
//! search index later). In one process a broadcast channel carries them; across
//! processes the same values would go over NATS.

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

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

/// Publish-subscribe for [`Event`]s. A slow subscriber misses events rather
/// than slowing publishers (it is told it lagged and must assume everything changed).
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    pub fn new() -> Self {
        Self {
            sender: broadcast::channel(1024).0,
        }
    }

    pub fn publish(&self, event: Event) {
        // No subscriber is not an error: nobody needed to know.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
}
