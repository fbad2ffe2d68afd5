//! The auth concern's implementation: its actor, its store (the only code
//! touching the auth database) and password hashing. Its protocol is
//! re-exported, so this crate reads as the whole concern.

mod actor;
mod passwords;
mod store;

pub use actor::{Auth, AuthDeps, SessionPolicy};
pub use folio_auth_protocol::{AuthClient, AuthError, domain, messages, permissions};
pub use passwords::Passwords;
pub use store::AuthStore;
