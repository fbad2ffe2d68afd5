//! Folio: a publishing platform in one binary, built as supervised concern actors.
//!
//! Each concern (`auth`, `posts`, `media`) lives in its own folder with the same
//! rooms: `messages.rs` (its protocol), `actor.rs` (its handlers), `store.rs` (its
//! database, and the only code touching it), `client.rs` (the handle others use)
//! and `error.rs`. The `runtime` hosts and supervises them; the `gateway` is the
//! HTTP edge; `app` wires it all together.

pub mod app;
pub mod auth;
pub mod config;
pub mod gateway;
pub mod media;
pub mod posts;
pub mod render;
pub mod runtime;
pub mod storage;
pub mod telemetry;
