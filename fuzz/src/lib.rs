//! The modules of Folio the fuzz targets drive, compiled from the services'
//! own files: the render pipeline (`src/render/service/src/markdown.rs`) and
//! the image pipeline (`src/media/service/src/images.rs` with the edit
//! vocabulary it uses). They depend on their crates and on the protocol
//! crates (light: no actix, no store), never on the rest of Folio; should one
//! start to, this is where the fuzz build says so.
#![allow(dead_code)]

#[cfg(feature = "render")]
#[path = "../../src/render/service/src/markdown.rs"]
pub mod markdown;

#[cfg(feature = "image_header")]
pub use folio_media_protocol::domain;

#[cfg(feature = "image_header")]
#[path = "../../src/media/service/src/images.rs"]
pub mod images;
