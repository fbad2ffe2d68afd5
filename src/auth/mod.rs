//! The auth concern: accounts, roles, sessions and API tokens. It owns the auth
//! store; the permission table of all of Folio lives here too.

mod actor;
mod client;
pub mod domain;
mod error;
pub mod messages;
mod passwords;
pub mod permissions;
mod store;

pub use actor::{Auth, AuthDeps, SessionPolicy};
pub use client::AuthClient;
pub use error::AuthError;
pub use passwords::Passwords;
pub use store::AuthStore;
