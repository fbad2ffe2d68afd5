//! How the converter finds the caller's media for an image: the lookup
//! trait, a ready map over an export's attachments, and the key that makes
//! WordPress's sized copies of an upload one image.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::regex;
use crate::model::Attachment;

/// What the caller's media answered for an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRef {
    /// What the Markdown will point at, e.g. `media:42`.
    pub url: String,
    /// The media's alt text, used when the image in the content has none.
    pub alt: String,
}

/// Maps the images a post points at to the caller's media. The converter asks
/// with the URL exactly as written; the lookup decides how to match it
/// ([`attachment_key`] helps with WordPress's sized copies).
pub trait MediaLookup {
    fn by_url(&self, url: &str) -> Option<MediaRef>;

    /// By the source's attachment id: `[gallery ids="…"]`, or a block image's
    /// `wp-image-N` class when its URL is unknown.
    fn by_id(&self, id: &str) -> Option<MediaRef> {
        let _ = id;
        None
    }
}

/// A lookup that knows no media: images keep their URLs.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoMedia;

impl MediaLookup for NoMedia {
    fn by_url(&self, _url: &str) -> Option<MediaRef> {
        None
    }
}

/// A ready lookup over the attachments of an export: each maps to the
/// reference the caller chose for it (e.g. `media:42`).
#[derive(Debug, Clone, Default)]
pub struct MediaMap {
    by_key: HashMap<String, MediaRef>,
    by_id: HashMap<String, MediaRef>,
}

impl MediaMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, attachment: &Attachment, reference: &str) {
        let found = MediaRef {
            url: reference.to_owned(),
            alt: attachment.alt.clone(),
        };
        let keys = [
            attachment_key(&attachment.url),
            attachment.relative_path.as_deref().and_then(attachment_key),
        ];
        for key in keys.into_iter().flatten() {
            self.by_key.insert(key, found.clone());
        }
        self.by_id.insert(attachment.source_id.clone(), found);
    }
}

impl MediaLookup for MediaMap {
    fn by_url(&self, url: &str) -> Option<MediaRef> {
        self.by_key.get(&attachment_key(url)?).cloned()
    }

    fn by_id(&self, id: &str) -> Option<MediaRef> {
        self.by_id.get(id).cloned()
    }
}

/// The original upload an image URL or path points at, so that WordPress's
/// sized copies (`photo-300x200.jpg`), its `-scaled` big-image copy and the
/// original (`photo.jpg`) all give `2019/03/photo.jpg`. Works on
/// `…/wp-content/uploads/…` URLs, Ghost's `…/content/images/(size/wN/)…`,
/// and relative paths; `None` for anything else (other sites' images).
pub fn attachment_key(url: &str) -> Option<String> {
    static SIZED: LazyLock<Regex> =
        LazyLock::new(|| regex(r"(?i)(?:-\d+x\d+|-scaled)+(\.[a-z0-9]+)$"));
    let url = url.split(['?', '#']).next().unwrap_or("");
    let path = if let Some((_, rest)) = url.split_once("wp-content/uploads/") {
        rest
    } else if let Some((_, rest)) = url.split_once("/content/images/") {
        match rest.strip_prefix("size/") {
            Some(sized) => sized.split_once('/').map_or(sized, |(_, r)| r),
            None => rest,
        }
    } else if !url.contains(':') && !url.starts_with('/') {
        url
    } else {
        return None;
    };
    if path.is_empty() {
        return None;
    }
    Some(SIZED.replace(path, "$1").into_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sized_and_scaled_copies_share_the_original_key() {
        for url in [
            "https://example.com/wp-content/uploads/2019/03/photo-300x200.jpg",
            "https://example.com/wp-content/uploads/2019/03/photo-scaled.jpg",
            "http://cdn.example.com/wp-content/uploads/2019/03/photo.jpg?w=640",
            "2019/03/photo.jpg",
        ] {
            assert_eq!(
                attachment_key(url).as_deref(),
                Some("2019/03/photo.jpg"),
                "{url}"
            );
        }
        assert_eq!(
            attachment_key("__GHOST_URL__/content/images/size/w600/2023/01/cat.png").as_deref(),
            Some("2023/01/cat.png")
        );
        assert_eq!(attachment_key("https://other.example/pic.jpg"), None);
    }
}
