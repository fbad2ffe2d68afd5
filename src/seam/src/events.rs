//! What concerns announce about their changes, delivered to whoever listens in
//! this process. Each concern's protocol defines its own event type (its
//! `Protocol::Event`); the bus keys listeners by that type, so a listener names
//! exactly the events it follows and the runtime needs no union of them all.
//!
//! Events reach the bus with the reply that carries them: the caller's side
//! publishes them before it hands the reply on, so whoever changed something
//! reads their own write wherever the concern runs, and everyone else in the
//! process hears of it on the same bus. (Once concerns run in processes of
//! their own, the hosting side also broadcasts them to the other processes;
//! there listeners may hear an event twice, so they must be idempotent, as
//! every listener here is: it only drops cached copies.) Listeners must be
//! quick: they run inside [`EventBus::publish`].

use std::any::{Any, TypeId};
use std::sync::{Arc, PoisonError, RwLock};

type Listener = Arc<dyn Fn(&dyn Any) + Send + Sync>;

/// Published when this process may have missed other processes' events (its
/// NATS connection was lost and is back): whoever keeps copies of others'
/// data drops them all.
#[derive(Debug, Clone, Copy)]
pub struct EventsMissed;

#[derive(Clone, Default)]
pub struct EventBus {
    listeners: Arc<RwLock<Vec<(TypeId, Listener)>>>,
}

impl EventBus {
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls every listener of `E` with `event`, before returning.
    pub fn publish<E: Any>(&self, event: &E) {
        // A listener that panicked poisoned nothing we rely on: the list is
        // only ever appended to.
        let listeners = self
            .listeners
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        for (type_id, listener) in listeners.iter() {
            if *type_id == TypeId::of::<E>() {
                listener(event);
            }
        }
    }

    pub fn listen<E: Any>(&self, listener: impl Fn(&E) + Send + Sync + 'static) {
        let erased: Listener = Arc::new(move |event: &dyn Any| {
            if let Some(event) = event.downcast_ref::<E>() {
                listener(event);
            }
        });
        self.listeners
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push((TypeId::of::<E>(), erased));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug)]
    struct Changed(u32);
    #[derive(Debug)]
    struct Other;

    #[test]
    fn a_listener_has_seen_its_events_and_no_others_when_publish_returns() {
        let bus = EventBus::new();
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = seen.clone();
        bus.listen(move |event: &Changed| {
            counter.fetch_add(event.0 as usize, Ordering::SeqCst);
        });
        bus.publish(&Changed(2));
        bus.publish(&Other);
        assert_eq!(seen.load(Ordering::SeqCst), 2);
    }
}
