//! The media concern's actor state and its message handlers.

use futures::future::LocalBoxFuture;

use super::messages::{DescribeImages, MediaStats, Stats};
use super::{MediaError, MediaStore};
use crate::render::markdown::ImageSource;
use crate::runtime::{Caller, Concern, ConcernName, Handles};

pub struct Media {
    store: MediaStore,
}

impl Concern for Media {
    const NAME: ConcernName = ConcernName::Media;
    type Deps = MediaStore;

    fn start(store: &MediaStore) -> Self {
        Self {
            store: store.clone(),
        }
    }
}

impl Handles<Stats> for Media {
    fn handle(
        &mut self,
        _: Stats,
        _: &Caller,
    ) -> LocalBoxFuture<'static, Result<MediaStats, MediaError>> {
        let store = self.store.clone();
        Box::pin(async move { Ok(store.stats().await?) })
    }
}

/// Widths a responsive set offers, never above the original's.
const WIDTHS: [i32; 5] = [320, 640, 1024, 1600, 2048];

impl Handles<DescribeImages> for Media {
    fn handle(
        &mut self,
        msg: DescribeImages,
        _: &Caller,
    ) -> LocalBoxFuture<'static, Result<Vec<(String, ImageSource)>, MediaError>> {
        let store = self.store.clone();
        Box::pin(async move {
            let ids: Vec<uuid::Uuid> = msg
                .ids
                .iter()
                .filter_map(|id| uuid::Uuid::parse_str(id).ok())
                .collect();
            let images = store.images(&ids).await?;
            Ok(images
                .into_iter()
                .map(|(id, width, height, content_type)| {
                    let ext = if content_type == "image/png" {
                        "png"
                    } else {
                        "jpg"
                    };
                    let widths: Vec<i32> = WIDTHS.into_iter().filter(|w| *w <= width).collect();
                    let srcset = widths
                        .iter()
                        .map(|w| format!("/media/{id}/{w}.{ext} {w}w"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let source = ImageSource {
                        src: format!(
                            "/media/{id}/{}.{ext}",
                            widths.last().copied().unwrap_or(width)
                        ),
                        srcset,
                        sizes: "(min-width: 48rem) 42rem, 100vw".to_owned(),
                        width: u32::try_from(width).unwrap_or(0),
                        height: u32::try_from(height).unwrap_or(0),
                    };
                    (id.to_string(), source)
                })
                .collect())
        })
    }
}
