//! How a call travels from a client to the concern that answers it. A
//! [`Transport`] sees only a concern's name, a message's stable name, a body
//! and the call's metadata — never a concern's type or address — so the same
//! client works whichever process hosts the concern.

use std::any::Any;

use futures::future::LocalBoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Answer, AnswerOf, CallMeta, ConcernMessage, ConcernName, Failure};

/// A message or an answer on its way: the value itself inside one process,
/// its encoding across a wire.
pub enum Body {
    Value(Box<dyn Any + Send>),
    Bytes(Vec<u8>),
}

/// Carries calls to concerns and their answers back.
pub trait Transport: Send + Sync + 'static {
    /// Whether calls to `to` may travel as values; a wire carries only bytes.
    fn carries_values(&self, to: ConcernName) -> bool;

    /// Delivers message `message` of concern `to` and waits for its answer
    /// (an encoded or boxed [`AnswerOf`] the message), at most until the
    /// call's deadline. `Err` when it never reached a handler.
    fn send(
        &self,
        to: ConcernName,
        message: &'static str,
        body: Body,
        meta: CallMeta,
    ) -> LocalBoxFuture<'static, Result<Body, Failure>>;

    /// Whether the events of `from`'s answers must be told to other
    /// processes by the caller: `from` answered here, and other processes
    /// (other gateways, search) follow its events. An answer that came over
    /// the wire was told by the process that answered.
    fn tells_others(&self, _from: ConcernName) -> bool {
        false
    }

    /// Tells the other processes `events` (each encoded) of `from`, which
    /// answered in this process. Returns at once.
    fn tell_others(&self, _from: ConcernName, _events: Vec<Vec<u8>>) {}
}

/// `value` as bytes, or the failure that says what did not survive encoding.
pub fn encode<T: Serialize>(
    concern: ConcernName,
    message: &str,
    what: &str,
    value: &T,
) -> Result<Vec<u8>, Failure> {
    serde_json::to_vec(value).map_err(|error| undeliverable(concern, message, what, &error))
}

/// The value `bytes` encode, or the failure that says what did not survive.
pub fn decode<T: DeserializeOwned>(
    concern: ConcernName,
    message: &str,
    what: &str,
    bytes: &[u8],
) -> Result<T, Failure> {
    serde_json::from_slice(bytes).map_err(|error| undeliverable(concern, message, what, &error))
}

fn undeliverable(
    concern: ConcernName,
    message: &str,
    what: &str,
    error: &serde_json::Error,
) -> Failure {
    tracing::error!(%concern, message, %error, "{what} did not survive encoding");
    Failure::Undeliverable {
        concern,
        reason: format!("{what} of {message} did not survive encoding: {error}"),
    }
}

/// The answer `M` got through `transport`, whichever kind its body came back as.
pub fn answer_of<M: ConcernMessage>(to: ConcernName, body: Result<Body, Failure>) -> AnswerOf<M> {
    let answer = match body {
        Ok(Body::Value(value)) => {
            value
                .downcast::<AnswerOf<M>>()
                .map(|a| *a)
                .map_err(|_| Failure::Undeliverable {
                    concern: to,
                    reason: format!("the answer to {} is of another type", M::NAME),
                })
        }
        Ok(Body::Bytes(bytes)) => decode::<AnswerOf<M>>(to, M::NAME, "the answer", &bytes),
        Err(failure) => Err(failure),
    };
    answer.unwrap_or_else(|failure| Answer::only(Err(failure.into())))
}
