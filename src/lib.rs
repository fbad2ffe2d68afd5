//! Folio: a publishing platform in one binary, built as supervised concerns.
//!
//! This crate is the binary's own part: `app` wires the concerns under the
//! runtime (the supervision tree) and the gateway in front of them; `telemetry`
//! sets up logging; `importer` applies WordPress and Ghost exports
//! (`folio import`); `backup` writes and restores backups (`folio backup`,
//! `folio restore`); `admin_import` runs the imports started from the admin
//! with the same importer. Each concern lives in two crates under `src/<concern>/`: its
//! `protocol` (messages, replies, domain types, error, events, client) and its
//! `service` (actor, store, blobs). The names below re-export them for the
//! black-box tests and benches, which drive the whole app.

pub mod admin_import;
pub mod app;
pub mod backup;
pub mod exporter;
pub mod importer;
pub mod telemetry;

pub use folio_auth as auth;
pub use folio_config as config;
pub use folio_gateway as gateway;
pub use folio_media as media;
pub use folio_posts as posts;
pub use folio_render as render;
pub use folio_runtime as runtime;
pub use folio_storage as storage;
