//! How a call travels from a handle to its concern's actor: moved as it is
//! (in process, the default), or through bytes — encoded, dispatched by the
//! message's stable name and decoded, as a wire between processes would carry
//! it. The bytes mode is a test mode (`FOLIO_TEST_TRANSPORT=bytes`, which CI
//! runs the whole suite with): it proves that nothing a concern is asked or
//! answers depends on sharing the caller's memory.

use actix::prelude::*;
use futures::future::LocalBoxFuture;
use serde::Serialize;

use super::concern::Call;
use super::host::ConcernHost;
use super::{Concern, ConcernMessage, Failure, Handles};

/// The environment variable that picks the transport of every handle.
pub const TRANSPORT_VAR: &str = "FOLIO_TEST_TRANSPORT";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// The message is moved to the actor: today's single process.
    InProcess,
    /// Every call and reply is encoded to bytes and decoded on the other side.
    Bytes,
}

impl Transport {
    /// `bytes` in [`TRANSPORT_VAR`] picks [`Transport::Bytes`]; anything else
    /// the in-process default.
    pub fn from_env() -> Self {
        match std::env::var(TRANSPORT_VAR).as_deref() {
            Ok("bytes") => Self::Bytes,
            _ => Self::InProcess,
        }
    }
}

/// What a call looks like on a wire: the message's name and its encoded
/// [`Call`] (body and metadata, with the budget that remains).
pub struct WireCall {
    pub name: &'static str,
    pub body: Vec<u8>,
}

/// A concern's messages by name: where a wire delivers a call. Implemented by
/// [`crate::concern_dispatch!`] from the list of messages a concern answers.
pub trait Dispatch: Concern {
    /// Delivers `call` to the handler of its message, answering the encoded
    /// `Result` of the reply; `None` when this concern has no message by that name.
    fn dispatch(
        call: WireCall,
        host: Addr<ConcernHost<Self>>,
    ) -> Option<LocalBoxFuture<'static, Result<Vec<u8>, MailboxError>>>;
}

/// The receiving side of one message: decodes the call, hands it to the
/// concern's host (panic guard, deadline, principal check, metrics: as in
/// process) and encodes what it answers.
pub fn deliver<C, M>(
    body: &[u8],
    host: Addr<ConcernHost<C>>,
) -> LocalBoxFuture<'static, Result<Vec<u8>, MailboxError>>
where
    C: Handles<M>,
    M: ConcernMessage,
{
    let decoded = serde_json::from_slice::<Call<M>>(body);
    Box::pin(async move {
        let answer: Result<M::Reply, M::Error> = match decoded {
            Ok(call) => host.send(call).await?,
            Err(error) => Err(undeliverable::<C>(M::NAME, "the call", &error).into()),
        };
        Ok(encode::<C, _>(M::NAME, &answer))
    })
}

/// The sending side: encodes `call`, dispatches it by name and decodes the
/// answer. A call or answer that does not survive the trip is a failure of
/// the concern, said as such, never a silent difference.
pub async fn send<C, M>(
    host: Addr<ConcernHost<C>>,
    call: Call<M>,
) -> Result<Result<M::Reply, M::Error>, MailboxError>
where
    C: Handles<M> + Dispatch,
    M: ConcernMessage,
{
    let Call { msg, meta } = call;
    let call = Call {
        msg,
        meta: meta.on_the_wire(),
    };
    let body = match serde_json::to_vec(&call) {
        Ok(body) => body,
        Err(error) => return Ok(Err(undeliverable::<C>(M::NAME, "the call", &error).into())),
    };
    let Some(answer) = C::dispatch(
        WireCall {
            name: M::NAME,
            body,
        },
        host,
    ) else {
        let reason = format!("no handler for {}", M::NAME);
        return Ok(Err(Failure::Undeliverable {
            concern: C::NAME,
            reason,
        }
        .into()));
    };
    let bytes = answer.await?;
    Ok(serde_json::from_slice::<Result<M::Reply, M::Error>>(&bytes)
        .unwrap_or_else(|error| Err(undeliverable::<C>(M::NAME, "the answer", &error).into())))
}

/// The answer's bytes; an answer that cannot be encoded becomes a failure
/// (which always can).
fn encode<C: Concern, T: Serialize>(name: &str, answer: &T) -> Vec<u8> {
    serde_json::to_vec(answer).unwrap_or_else(|error| {
        let failure: Result<(), Failure> = Err(undeliverable::<C>(name, "the answer", &error));
        serde_json::to_vec(&failure).unwrap_or_default()
    })
}

fn undeliverable<C: Concern>(name: &str, what: &str, error: &serde_json::Error) -> Failure {
    tracing::error!(concern = %C::NAME, message = name, %error, "{what} did not survive encoding");
    Failure::Undeliverable {
        concern: C::NAME,
        reason: format!("{what} of {name} did not survive encoding: {error}"),
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
        impl $crate::runtime::Dispatch for $concern {
            fn dispatch(
                call: $crate::runtime::WireCall,
                host: ::actix::Addr<$crate::runtime::ConcernHost<Self>>,
            ) -> Option<
                ::futures::future::LocalBoxFuture<
                    'static,
                    Result<Vec<u8>, ::actix::MailboxError>,
                >,
            > {
                $(
                    if call.name == <$msg as $crate::runtime::ConcernMessage>::NAME {
                        return Some($crate::runtime::deliver::<Self, $msg>(&call.body, host));
                    }
                )*
                None
            }
        }
    };
}
