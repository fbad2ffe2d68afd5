//! The modules of Folio the fuzz targets drive, compiled from the main
//! crate's own files: the render pipeline (`src/render/markdown.rs`) and the
//! image pipeline (`src/media/images.rs` with the edit vocabulary it uses).
//! They depend on their crates only, never on the rest of Folio; should one
//! start to, this is where the fuzz build says so.
#![allow(dead_code)]

#[cfg(feature = "render")]
#[path = "../../src/render/markdown.rs"]
pub mod markdown;

#[cfg(feature = "image_header")]
#[path = "../../src/media/domain.rs"]
pub mod domain;

#[cfg(feature = "image_header")]
#[path = "../../src/media/images.rs"]
pub mod images;
