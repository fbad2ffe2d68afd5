//! The seam between concerns: what a concern's protocol is written in and how a
//! call crosses to whoever hosts it. Free of actix and of any store: a
//! protocol crate depends on this and nothing heavier, so the compiler keeps
//! callers out of a concern's insides.

mod client;
mod error;
mod events;
mod failure;
mod ids;
mod newtype;
mod principal;
mod protocol;
mod transport;
pub mod wire;

pub use client::{Client, Link};
pub use error::CommonError;
pub use events::{EventBus, EventsMissed};
pub use failure::{Failure, PoolError};
pub use ids::UserId;
pub use principal::{PRINCIPAL_TTL, Principal, Role, SignedPrincipal, SigningKey};
pub use protocol::{
    Answer, AnswerOf, CallMeta, ConcernError, ConcernMessage, ConcernName, EventOf, NoEvents,
    Protocol,
};
pub use transport::{Body, Transport, answer_of, decode, encode};

/// For `concern_error!`: a concern's error takes any `anyhow` context chain as unexpected.
#[doc(hidden)]
pub use anyhow as __anyhow;
/// What the exported macros (`id_newtype!`) name through `$crate`, so that a
/// crate using them needs no dependency of its own on these.
#[doc(hidden)]
pub use serde as __serde;
#[doc(hidden)]
pub use utoipa as __utoipa;
#[doc(hidden)]
pub use uuid as __uuid;
