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

    /// The digest stored in place of the secret.
    pub fn digest(&self) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(self.0.as_bytes()))
    }
}
