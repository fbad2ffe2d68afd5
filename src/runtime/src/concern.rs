//! The contract between a concern's implementation and the runtime that hosts
//! it: its state, its handlers, who called, and the envelope a handle sends.

use std::any::Any;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use futures::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};

use folio_seam::{AnswerOf, CallMeta, ConcernMessage, ConcernName, Principal, Protocol, UserId};

/// A concern's state. It is rebuilt from `Deps` on every restart, so whatever a
/// panic may have left half-changed is thrown away.
pub trait Concern: Sized + Unpin + 'static {
    const NAME: ConcernName;
    /// The protocol this concern answers.
    type Protocol: Protocol;
    /// What survives restarts: the store handle, the handles of other concerns.
    type Deps: Clone + Send + Sync + Unpin + 'static;

    fn start(deps: &Self::Deps) -> Self;
}

/// The handler of message `M` in concern `Self`. The returned future must own
/// what it needs (clone the store) so it can run concurrently with others.
pub trait Handles<M: ConcernMessage>: Concern {
    fn handle(
        &mut self,
        msg: M,
        caller: &Caller,
    ) -> LocalBoxFuture<'static, Result<M::Reply, M::Error>>;
}

/// Implements [`Handles`] for a concern whose state keeps its dependencies in
/// `deps`, sending each message to the `deps` method named beside it — the one
/// list, per concern, from message to handler:
///
/// ```ignore
/// concern_handlers!(Media { Stats => stats; Ingest => ingest; });
/// ```
#[macro_export]
macro_rules! concern_handlers {
    ($concern:ty { $($msg:ty => $method:ident;)* }) => {
        $crate::concern_dispatch!($concern { $($msg),* });
        $(
        impl $crate::Handles<$msg> for $concern {
            fn handle(
                &mut self,
                msg: $msg,
                caller: &$crate::Caller,
            ) -> ::futures::future::LocalBoxFuture<
                'static,
                Result<
                    <$msg as $crate::ConcernMessage>::Reply,
                    <$msg as $crate::ConcernMessage>::Error,
                >,
            > {
                let deps = self.deps.clone();
                let caller = caller.clone();
                Box::pin(async move { deps.$method(msg, &caller).await })
            }
        }
    )*};
}

/// What a handler knows about who called: the request id and the principal,
/// already verified by the host; and where it announces what it changed.
#[derive(Clone, Debug)]
pub struct Caller {
    pub request_id: String,
    pub principal: Option<Principal>,
    announced: Announced,
}

/// The events a handler announced, for the host to send with its answer.
/// Shared because the handler's future owns a clone of its caller.
#[derive(Clone, Default)]
struct Announced(Arc<Mutex<Vec<Box<dyn Any + Send>>>>);

impl fmt::Debug for Announced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Announced")
    }
}

impl Caller {
    pub fn new(request_id: impl Into<String>, principal: Option<Principal>) -> Self {
        Self {
            request_id: request_id.into(),
            principal,
            announced: Announced::default(),
        }
    }

    /// The signed-in person calling, with their id: whom ownership is checked
    /// against and under whose name things are written.
    pub fn person(&self) -> Result<(&Principal, UserId), NotAPerson> {
        let principal = self.principal.as_ref().ok_or(NotAPerson::Anonymous)?;
        let id = principal.user_id().ok_or(NotAPerson::Operator)?;
        Ok((principal, id))
    }

    /// Announces a change this call made (and committed). The event travels
    /// with the answer; the caller's side publishes it on its process's bus.
    pub fn announce<E: Any + Send>(&self, event: E) {
        self.announced
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Box::new(event));
    }

    /// What was announced so far, as the protocol's event type. Anything else
    /// announced is a handler's mistake, logged and left out.
    pub(crate) fn take_announced<E: Any>(&self) -> Vec<E> {
        let announced = std::mem::take(
            &mut *self
                .announced
                .0
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        announced
            .into_iter()
            .filter_map(|event| match event.downcast::<E>() {
                Ok(event) => Some(*event),
                Err(_) => {
                    tracing::error!(
                        expected = std::any::type_name::<E>(),
                        "a handler announced an event of another type; left out"
                    );
                    None
                }
            })
            .collect()
    }
}

/// Why a caller is not a signed-in person: nobody signed in, or the operator,
/// who acts under no account. Each concern's error says what that answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotAPerson {
    Anonymous,
    Operator,
}

/// The envelope a handle sends to a concern's actor: the message and its meta.
#[derive(Debug, Serialize, Deserialize)]
pub struct Call<M> {
    pub msg: M,
    pub meta: CallMeta,
}

impl<M: ConcernMessage> actix::Message for Call<M> {
    type Result = AnswerOf<M>;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use folio_seam::Role;

    #[test]
    fn a_person_is_a_signed_in_user_not_the_operator_or_nobody() {
        let id = UserId::parse("0190b2a4-7c1e-7d3a-9f00-5e2b1c3d4e5f").unwrap();
        let user = Principal::User {
            id,
            role: Role::Author,
        };
        let caller = Caller::new("req", Some(user.clone()));
        assert_eq!(caller.person(), Ok((&user, id)));
        assert_eq!(
            Caller::new("req", Some(Principal::Operator)).person(),
            Err(NotAPerson::Operator)
        );
        assert_eq!(
            Caller::new("req", None).person(),
            Err(NotAPerson::Anonymous)
        );
    }
}
