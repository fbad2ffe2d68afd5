//! The local transport: how calls reach the concerns this process hosts. It
//! moves the message as it is (the default), or, in the test mode
//! `FOLIO_TEST_TRANSPORT=bytes` that CI runs the whole suite with, encodes the
//! call, its metadata and the answer to bytes and back, dispatching by name as
//! a wire between processes would: nothing a concern is asked or answers may
//! depend on sharing the caller's memory.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use futures::future::LocalBoxFuture;

use folio_seam::{Body, CallMeta, ConcernMessage, ConcernName, Failure, Transport, decode, encode};

use crate::handle::ConcernHandle;
use crate::{Concern, Handles};

/// The environment variable that picks the local transport's mode.
pub const TRANSPORT_VAR: &str = "FOLIO_TEST_TRANSPORT";

/// A hosted concern as a transport reaches it: by message name.
pub(crate) trait Endpoint: Send + Sync {
    fn deliver(
        &self,
        message: &str,
        body: Body,
        meta: CallMeta,
    ) -> LocalBoxFuture<'static, Result<Body, Failure>>;
}

impl<C: Dispatch> Endpoint for ConcernHandle<C> {
    fn deliver(
        &self,
        message: &str,
        body: Body,
        meta: CallMeta,
    ) -> LocalBoxFuture<'static, Result<Body, Failure>> {
        match C::dispatch(self.clone(), message, body, meta) {
            Some(answer) => answer,
            None => {
                let failure = Failure::Undeliverable {
                    concern: C::NAME,
                    reason: format!("no handler for {message}"),
                };
                Box::pin(async move { Err(failure) })
            }
        }
    }
}

/// A concern's messages by name: where a transport delivers a call.
/// Implemented by [`crate::concern_dispatch!`] from the list of messages a
/// concern answers.
pub trait Dispatch: Concern {
    /// The names of the messages this concern answers (a NATS subject each).
    const MESSAGES: &'static [&'static str];

    /// Delivers `body` to the handler of `message`; `None` when this concern
    /// answers no message by that name.
    fn dispatch(
        handle: ConcernHandle<Self>,
        message: &str,
        body: Body,
        meta: CallMeta,
    ) -> Option<LocalBoxFuture<'static, Result<Body, Failure>>>;
}

/// The receiving side of message `M`: takes the message out of its body,
/// hands it to the concern's handle (refusals, deadline, panic guard,
/// principal check, metrics: as always) and answers in the body's kind.
pub fn deliver<C, M>(
    handle: ConcernHandle<C>,
    body: Body,
    meta: CallMeta,
) -> LocalBoxFuture<'static, Result<Body, Failure>>
where
    C: Handles<M>,
    M: ConcernMessage,
{
    Box::pin(async move {
        match body {
            Body::Value(value) => match value.downcast::<M>() {
                Ok(msg) => Ok(Body::Value(Box::new(handle.call(*msg, meta).await))),
                Err(_) => Err(Failure::Undeliverable {
                    concern: C::NAME,
                    reason: format!("the body of {} is of another type", M::NAME),
                }),
            },
            Body::Bytes(bytes) => {
                let msg: M = decode(C::NAME, M::NAME, "the call", &bytes)?;
                let answer = handle.call(msg, meta).await;
                Ok(Body::Bytes(encode(
                    C::NAME,
                    M::NAME,
                    "the answer",
                    &answer,
                )?))
            }
        }
    })
}

/// The transport to the concerns this process hosts, and through `remote`
/// (NATS, when the site is split) to those it does not.
pub struct LocalTransport {
    bytes: bool,
    endpoints: RwLock<HashMap<ConcernName, Arc<dyn Endpoint>>>,
    remote: OnceLock<Arc<dyn Transport>>,
}

impl LocalTransport {
    /// Moves values, unless [`TRANSPORT_VAR`] is `bytes`.
    pub fn from_env() -> Self {
        let bytes = std::env::var(TRANSPORT_VAR).as_deref() == Ok("bytes");
        if bytes {
            tracing::info!("every call to a concern goes through bytes ({TRANSPORT_VAR}=bytes)");
        }
        Self {
            bytes,
            endpoints: RwLock::default(),
            remote: OnceLock::new(),
        }
    }

    /// Where calls to concerns this process does not host go (set once,
    /// before any call); without it they answer "no responders".
    pub fn set_remote(&self, remote: Arc<dyn Transport>) {
        if self.remote.set(remote).is_err() {
            tracing::warn!("the remote transport was already set; kept the first");
        }
    }

    pub(crate) fn host(&self, name: ConcernName, endpoint: Arc<dyn Endpoint>) {
        self.endpoints
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name, endpoint);
    }

    fn endpoint(&self, name: ConcernName) -> Option<Arc<dyn Endpoint>> {
        self.endpoints
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&name)
            .cloned()
    }
}

impl Transport for LocalTransport {
    fn tells_others(&self, from: ConcernName) -> bool {
        self.remote.get().is_some() && self.endpoint(from).is_some()
    }

    fn tell_others(&self, from: ConcernName, events: Vec<Vec<u8>>) {
        if let Some(remote) = self.remote.get() {
            remote.tell_others(from, events);
        }
    }

    fn carries_values(&self, to: ConcernName) -> bool {
        match self.endpoint(to) {
            Some(_) => !self.bytes,
            None => self
                .remote
                .get()
                .is_none_or(|remote| remote.carries_values(to)),
        }
    }

    fn send(
        &self,
        to: ConcernName,
        message: &'static str,
        body: Body,
        meta: CallMeta,
    ) -> LocalBoxFuture<'static, Result<Body, Failure>> {
        let Some(endpoint) = self.endpoint(to) else {
            if let Some(remote) = self.remote.get() {
                return remote.send(to, message, body, meta);
            }
            // Nobody hosts it: said at once, as NATS says "no responders".
            return Box::pin(async move { Err(Failure::NoResponders { concern: to }) });
        };
        let meta = meta.on_the_wire();
        if !self.bytes {
            return endpoint.deliver(message, body, meta);
        }
        // The metadata crosses as a wire's headers would: encoded, the budget relative.
        let meta = encode(to, message, "the call's metadata", &meta)
            .and_then(|bytes| decode::<CallMeta>(to, message, "the call's metadata", &bytes));
        match meta {
            Ok(meta) => endpoint.deliver(message, body, meta),
            Err(failure) => Box::pin(async move { Err(failure) }),
        }
    }
}

/// Implements [`Dispatch`] for a concern from the messages it answers.
///
/// ```ignore
/// concern_dispatch!(Render { RenderMarkdown, Stats });
/// ```
#[macro_export]
macro_rules! concern_dispatch {
    ($concern:ty { $($msg:ty),* $(,)? }) => {
        impl $crate::Dispatch for $concern {
            const MESSAGES: &'static [&'static str] =
                &[$(<$msg as $crate::ConcernMessage>::NAME),*];

            fn dispatch(
                handle: $crate::ConcernHandle<Self>,
                message: &str,
                body: $crate::Body,
                meta: $crate::CallMeta,
            ) -> Option<
                ::futures::future::LocalBoxFuture<
                    'static,
                    Result<$crate::Body, $crate::Failure>,
                >,
            > {
                $(
                    if message == <$msg as $crate::ConcernMessage>::NAME {
                        return Some($crate::deliver::<Self, $msg>(handle, body, meta));
                    }
                )*
                None
            }
        }
    };
}
