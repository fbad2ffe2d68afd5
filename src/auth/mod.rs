//! The auth concern: accounts, and later sessions, API tokens and roles. It owns the auth store.

mod actor;
mod client;
mod error;
pub mod messages;
mod store;

pub use actor::Auth;
pub use client::AuthClient;
pub use error::AuthError;
pub use store::AuthStore;
