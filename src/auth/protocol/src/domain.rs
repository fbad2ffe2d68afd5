//! Parsed account values: once one of these exists, it is valid. The API and the
//! CLI parse at the edge; the store and the handlers never see a raw string.

use serde::{Deserialize, Serialize};

folio_seam::string_newtype! {
    /// A lower-cased email address; uniqueness therefore ignores case.
    pub struct Email;
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim().to_lowercase();
        let valid = email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            });
        if valid {
            Ok(Self(email))
        } else {
            Err(format!("{raw:?} is not an email address"))
        }
    }
}

folio_seam::string_newtype! {
    /// A password as typed: 8 to 1024 characters (the upper bound keeps hashing bounded).
    redacted pub struct Password;
}

impl Password {
    pub const MIN: usize = 8;
    pub const MAX: usize = 1024;

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.chars().count() {
            n if n < Self::MIN => Err(format!(
                "the password must be at least {} characters",
                Self::MIN
            )),
            n if n > Self::MAX => Err(format!(
                "the password must be at most {} characters",
                Self::MAX
            )),
            _ => Ok(Self(raw.to_owned())),
        }
    }
}

folio_seam::string_newtype! {
    /// A person's display name: 1 to 120 characters, trimmed.
    pub struct DisplayName;
}

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
            return Err("the name must be 1 to 120 characters, without control characters".into());
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as a URL slug: lowercase ASCII letters, digits and hyphens.
    pub fn slug(&self) -> String {
        let mut slug = String::new();
        for c in self.0.to_lowercase().chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        let slug = slug.trim_end_matches('-');
        let slug: String = slug.chars().take(100).collect();
        if slug.is_empty() {
            "author".to_owned()
        } else {
            slug
        }
    }
}

folio_seam::string_newtype! {
    /// A short biography shown on author pages: at most 2000 characters.
    pub struct Bio;
}

impl Bio {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.chars().count() > 2000 {
            return Err("the bio must be at most 2000 characters".into());
        }
        Ok(Self(raw.trim().to_owned()))
    }
}

folio_seam::string_newtype! {
    /// A person's own website, linked from their author page and under their
    /// posts: an absolute http:// or https:// address with a host, at most
    /// 500 characters, no spaces or control characters. Anything else
    /// (`javascript:`, `data:`, `//host`, a relative path) is refused: the
    /// link goes into public pages as an `href`.
    pub struct Website;
}

impl Website {
    pub const MAX: usize = 500;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = raw.trim();
        let refused = || {
            Err(format!(
                "{url:?} is not a website address: give one starting with https:// (or http://), such as https://example.com/"
            ))
        };
        if url.chars().count() > Self::MAX {
            return Err(format!(
                "the website address must be at most {} characters",
                Self::MAX
            ));
        }
        // Quotes, angle brackets and backslashes are never needed unencoded
        // in an address, and only ever help to break out of an attribute.
        if url.is_empty()
            || url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "\"'<>`\\".contains(c))
        {
            return refused();
        }
        let lower = url.to_ascii_lowercase();
        let Some(rest) = ["https://", "http://"]
            .iter()
            .find_map(|scheme| lower.strip_prefix(scheme))
        else {
            return refused();
        };
        // A URL parser forgives `https:///host`; a person's link should not
        // need forgiving.
        if rest.starts_with('/') {
            return refused();
        }
        match url::Url::parse(url) {
            Ok(parsed)
                if matches!(parsed.scheme(), "http" | "https")
                    && parsed.host_str().is_some_and(|host| !host.is_empty()) =>
            {
                Ok(Self(url.to_owned()))
            }
            _ => refused(),
        }
    }
}

folio_seam::string_newtype! {
    /// A person's picture: the id of a medium in the media library (a UUID,
    /// held as a string exactly as posts hold a feature image). Auth keeps
    /// only the id; the media concern says how to show it.
    pub struct Avatar;
}

impl Avatar {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match uuid::Uuid::parse_str(raw.trim()) {
            Ok(id) => Ok(Self(id.hyphenated().to_string())),
            Err(_) => Err(format!(
                "{raw:?} is not a media id: choose the avatar from the media library"
            )),
        }
    }
}

folio_seam::string_newtype! {
    /// The label a person gives an API token: 1 to 80 characters.
    pub struct TokenName;
}

impl TokenName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
            return Err("the token name must be 1 to 80 characters".into());
        }
        Ok(Self(name.to_owned()))
    }
}

/// What an API token may do: `read` tokens only read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "read" => Ok(TokenScope::Read),
            "write" => Ok(TokenScope::Write),
            other => Err(format!("unknown scope {other:?}; expected read or write")),
        }
    }
}

/// A secret as presented: a session cookie value, an API token, a password
/// being checked. Never printed; a stored one is only its SHA-256 digest.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    pub const TOKEN_PREFIX: &'static str = "folio_";

    /// 256 random bits, base64url; API tokens get a prefix secret scanners can spot.
    pub fn generate(prefix: &str) -> Self {
        use base64::Engine;
        let bytes: [u8; 32] = rand::random();
        Self(format!(
            "{prefix}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        ))
    }

    pub fn new(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The first characters after the prefix, shown to tell two tokens
    /// apart: 6 of 43 base64 characters leave 220 random bits unknown.
    pub fn hint(&self) -> String {
        let shown: String = self.0.chars().take(Self::TOKEN_PREFIX.len() + 6).collect();
        format!("{shown}…")
    }

    /// The digest stored in place of the secret.
    pub fn digest(&self) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(self.0.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{Avatar, Website};

    #[test]
    fn a_website_is_an_absolute_http_or_https_address_with_a_host() {
        for good in [
            "https://example.com",
            "http://example.com/about",
            "  https://ada.example.org/~ada/?q=1#top  ",
            "HTTPS://Example.com/",
            "https://[::1]:8080/",
        ] {
            assert_eq!(
                Website::parse(good).map(|site| site.as_str().to_owned()),
                Ok(good.trim().to_owned()),
                "{good}"
            );
        }
    }

    #[test]
    fn a_website_that_is_not_a_plain_web_address_is_refused() {
        let long = format!("https://example.com/{}", "a".repeat(600));
        for bad in [
            "",
            "   ",
            "javascript:alert(1)",
            "JavaScript://example.com/%0Aalert(1)",
            "data:text/html,<b>hi</b>",
            "//evil.example",
            "/about/",
            "example.com",
            "ftp://example.com",
            "https://",
            "https:///path",
            "https://exa mple.com",
            "https://example.com/\u{7}",
            "https://example.com/\"onmouseover=\"x",
            long.as_str(),
        ] {
            assert!(Website::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn an_avatar_is_a_media_id() {
        let id = uuid::Uuid::new_v4();
        assert_eq!(
            Avatar::parse(&id.simple().to_string()).map(|avatar| avatar.as_str().to_owned()),
            Ok(id.hyphenated().to_string())
        );
        assert!(Avatar::parse("../../etc/passwd").is_err());
        assert!(Avatar::parse("").is_err());
    }
}
