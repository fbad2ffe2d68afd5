//! What WordPress's raw values mean: its zero dates, percent-encoded slugs,
//! "0" for no parent, and which attachment paths are safe to join.

use chrono::{DateTime, NaiveDateTime, Utc};
use percent_encoding::percent_decode_str;

pub(super) fn parent_id(raw: &str) -> Option<String> {
    Some(raw.to_owned()).filter(|p| !p.is_empty() && p != "0")
}

/// WordPress writes `0000-00-00 00:00:00` for "no date" (drafts' GMT dates).
pub(super) fn parse_wp_date(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if raw.is_empty() || raw.starts_with("0000-00-00") {
        return None;
    }
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|d| d.and_utc())
}

/// WordPress stores non-ASCII slugs percent-encoded; the flag says whether
/// decoding worked (if not, the raw slug is kept).
pub(super) fn decode_slug(raw: &str) -> (String, bool) {
    let raw = raw.trim();
    match percent_decode_str(raw).decode_utf8() {
        Ok(s) => (s.into_owned(), true),
        Err(_) => (raw.to_owned(), false),
    }
}

/// The applier joins this path to a folder of its own: it must stay inside.
pub(super) fn is_safe_relative_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains('\0')
        && path.as_bytes().get(1).is_none_or(|&b| b != b':')
        && path.split('/').all(|segment| segment != "..")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn paths_that_leave_the_uploads_folder_are_unsafe() {
        assert!(is_safe_relative_path("2019/03/photo.jpg"));
        for bad in [
            "/etc/passwd",
            "../x.jpg",
            "2019/../../x",
            "a\\b.jpg",
            "C:/x.jpg",
            "",
        ] {
            assert!(!is_safe_relative_path(bad), "{bad}");
        }
    }

    #[test]
    fn zero_dates_mean_none() {
        assert_eq!(parse_wp_date("0000-00-00 00:00:00"), None);
        assert_eq!(
            parse_wp_date("2024-03-01 10:20:30").unwrap().to_rfc3339(),
            "2024-03-01T10:20:30+00:00"
        );
    }

    #[test]
    fn slugs_are_percent_decoded() {
        assert_eq!(decode_slug("%e6%97%a5%e6%9c%ac"), ("日本".to_owned(), true));
        assert_eq!(decode_slug("%ff"), ("%ff".to_owned(), false));
    }
}
