//! The auth concern's protocol: what it answers about accounts, roles,
//! sessions and API tokens, the one permission table of Folio (every concern
//! asks it), and the events auth announces. No actix, no store: callers
//! depend on this crate, never on the concern's implementation.

mod client;
pub mod domain;
mod error;
pub mod messages;
pub mod permissions;

pub use client::AuthClient;
pub use error::AuthError;
