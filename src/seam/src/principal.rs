//! Who is calling. The gateway attaches a signed principal to every message; the
//! host verifies it before a handler sees it, so a concern in another process can
//! trust it without asking auth. The same key signs CSRF tokens.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::UserId;

/// Blog roles, from least to most powerful (the order is used: `>=` means "at least").
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Contributor,
    Author,
    Editor,
    Administrator,
    Owner,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Contributor,
        Role::Author,
        Role::Editor,
        Role::Administrator,
        Role::Owner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Contributor => "contributor",
            Role::Author => "author",
            Role::Editor => "editor",
            Role::Administrator => "administrator",
            Role::Owner => "owner",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|role| role.as_str() == s).ok_or_else(|| {
            format!("unknown role {s:?}; expected contributor, author, editor, administrator or owner")
        })
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// On whose behalf a message is sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Principal {
    /// A signed-in person or one of their API tokens.
    User { id: UserId, role: Role },
    /// Whoever runs `folio` commands on the server itself: they hold the data
    /// directory and the key, so they are trusted like the owner.
    Operator,
}

impl Principal {
    pub fn role(&self) -> Role {
        match self {
            Principal::User { role, .. } => *role,
            Principal::Operator => Role::Owner,
        }
    }

    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Principal::User { id, .. } => Some(*id),
            Principal::Operator => None,
        }
    }
}

/// A principal with an expiry and an HMAC-SHA256 over both: `<payload>.<mac>`, base64url.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedPrincipal(String);

#[derive(Serialize, Deserialize)]
struct Claims {
    #[serde(flatten)]
    principal: Principal,
    /// Expiry, seconds since the Unix epoch.
    exp: i64,
}

/// The secret shared by every process of one Folio installation.
#[derive(Clone)]
pub struct SigningKey(Arc<[u8]>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(…)")
    }
}

/// Long enough for the in-process hop and a network one; short enough that a
/// leaked principal is worthless soon.
pub const PRINCIPAL_TTL: Duration = Duration::from_secs(60);

impl SigningKey {
    pub const MIN_LEN: usize = 32;

    pub fn new(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() < Self::MIN_LEN {
            return Err(format!(
                "the secret key must be at least {} bytes",
                Self::MIN_LEN
            ));
        }
        Ok(Self(bytes.into()))
    }

    pub fn random() -> Self {
        let bytes: [u8; 32] = rand::random();
        Self(bytes.as_slice().into())
    }

    fn mac(&self, purpose: &str) -> Hmac<Sha256> {
        // Any key length is valid for HMAC; the error case cannot happen.
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac
    }

    /// A MAC of `data` for one `purpose` (domain separation), base64url.
    pub fn tag(&self, purpose: &str, data: &[u8]) -> String {
        let mut mac = self.mac(purpose);
        mac.update(data);
        B64.encode(mac.finalize().into_bytes())
    }

    /// Constant-time check of a tag made by [`SigningKey::tag`].
    pub fn check(&self, purpose: &str, data: &[u8], tag: &str) -> bool {
        let Ok(tag) = B64.decode(tag) else {
            return false;
        };
        let mut mac = self.mac(purpose);
        mac.update(data);
        mac.verify_slice(&tag).is_ok()
    }

    pub fn sign(&self, principal: &Principal) -> SignedPrincipal {
        let exp = chrono::Utc::now().timestamp() + PRINCIPAL_TTL.as_secs() as i64;
        let claims = Claims {
            principal: principal.clone(),
            exp,
        };
        let payload = B64.encode(serde_json::to_vec(&claims).unwrap_or_default());
        let tag = self.tag("principal", payload.as_bytes());
        SignedPrincipal(format!("{payload}.{tag}"))
    }

    /// The principal, if the signature holds and it has not expired.
    pub fn verify(&self, signed: &SignedPrincipal) -> Option<Principal> {
        let (payload, tag) = signed.0.split_once('.')?;
        if !self.check("principal", payload.as_bytes(), tag) {
            return None;
        }
        let claims: Claims = serde_json::from_slice(&B64.decode(payload).ok()?).ok()?;
        (claims.exp >= chrono::Utc::now().timestamp()).then_some(claims.principal)
    }
}
