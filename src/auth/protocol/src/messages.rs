//! The auth concern's protocol: every message it answers and every reply, as plain serde data.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AuthError;
use super::domain::{
    Avatar, Bio, DisplayName, Email, Password, Secret, TokenName, TokenScope, Website,
};
use folio_seam::{ConcernName, Principal, Role, UserId};

folio_seam::protocol!(AuthProtocol: ConcernName::Auth, AuthError, AuthEvent {
    Stats => AuthStats, "auth.stats";
    Authenticate => Authenticated, "auth.authenticate";
    SignIn => SessionGranted, "auth.sign_in";
    SignOut => (), "auth.sign_out";
    ListUsers => Vec<UserView>, "auth.users.list";
    GetUser => UserView, "auth.users.get";
    CreateUser => UserView, "auth.users.create";
    UpdateUser => UserView, "auth.users.update";
    DeleteUser => (), "auth.users.delete";
    CanDeleteUser => UserView, "auth.users.can_delete";
    ChangePassword => (), "auth.password.change";
    ResetPassword => PasswordReset, "auth.password.reset";
    RevokeSessions => (), "auth.sessions.revoke";
    ListSessions => Vec<SessionView>, "auth.sessions.list";
    RevokeSession => (), "auth.sessions.revoke_one";
    TransferOwnership => UserView, "auth.ownership.transfer";
    ListTokens => Vec<TokenView>, "auth.tokens.list";
    CreateToken => CreatedToken, "auth.tokens.create";
    RevokeToken => (), "auth.tokens.revoke";
    ListAuthors => Vec<AuthorView>, "auth.authors.list";
    AuthorBySlug => AuthorView, "auth.authors.by_slug";
    DescribeAuthors => Vec<AuthorView>, "auth.authors.describe";
    OpenSetup => Option<Secret>, "auth.setup.open";
    CheckSetup => bool, "auth.setup.check";
    CompleteSetup => SessionGranted, "auth.setup.complete";
    ImportAuthor => ImportedAuthor, "auth.users.import";
    InviteUser => Invitation, "auth.invites.create";
    CheckInvite => InviteView, "auth.invites.check";
    AcceptInvite => SessionGranted, "auth.invites.accept";
});

/// A one-time sign-up link for a person who has no password yet (added
/// without one, or imported): it replaces their earlier link. For whoever
/// manages people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteUser {
    pub id: UserId,
}

/// The link's secret, answered once: only its digest is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub secret: Secret,
    pub expires_at: DateTime<Utc>,
}

/// Who a sign-up link is for, while it works (anyone with it may ask).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInvite {
    pub secret: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteView {
    pub name: String,
    pub email: String,
}

/// Sets the invited person's password and signs them in; the link is used up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptInvite {
    pub secret: Secret,
    pub password: Password,
}

/// What auth announces about its changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum AuthEvent {
    /// A person's public name, bio, avatar or website changed (any change to
    /// their account announces it), or they were removed: pages
    /// that show them as an author must be rebuilt.
    AuthorChanged { id: UserId },
    /// A person's sessions or tokens were ended, or their role, status or
    /// password changed: every gateway forgets the credentials of theirs it
    /// trusted, so the change bites everywhere at once.
    CredentialsChanged { user: UserId },
    /// One session was signed out (its digest, as stored): every gateway forgets it.
    SessionEnded { digest: String },
}

/// Counts of what the auth store holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthStats {
    pub users: u64,
    pub sessions: u64,
    pub tokens: u64,
    /// Passwords verified since the server started (sign-ins, password changes).
    pub password_verifications: u64,
}

/// An account as the API shows it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserView {
    #[schema(inline)]
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub slug: String,
    pub bio: String,
    pub role: Role,
    pub disabled: bool,
    /// Whether they have a password yet (one added without, or imported, has not).
    #[serde(default = "signed_up_by_default")]
    pub signed_up: bool,
    /// Their picture: a media id. Defaulted because older peers don't send it.
    #[serde(default)]
    pub avatar: Option<Avatar>,
    /// Their own website. Defaulted because older peers don't send it.
    #[serde(default)]
    pub website: Option<Website>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn signed_up_by_default() -> bool {
    true
}

/// What the public may know of a person who writes here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuthorView {
    #[schema(inline)]
    pub id: UserId,
    pub name: String,
    pub slug: String,
    pub bio: String,
    /// Their picture: a media id. Defaulted because older peers don't send it.
    #[serde(default)]
    pub avatar: Option<Avatar>,
    /// Their own website. Defaulted because older peers don't send it.
    #[serde(default)]
    pub website: Option<Website>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "secret", rename_all = "lowercase")]
pub enum Credential {
    Session(Secret),
    Token(Secret),
}

/// Who presents this credential? Fails for unknown, expired, revoked or disabled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authenticate {
    pub credential: Credential,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Method {
    Session { session_id: Uuid },
    Token { token_id: Uuid, scope: TokenScope },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authenticated {
    pub principal: Principal,
    pub user: UserView,
    pub method: Method,
}

/// Email and password as typed: parsing them here, not at the edge, keeps an
/// unknown or malformed email indistinguishable from a wrong password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// A new session: the secret goes into the cookie and is not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionGranted {
    pub secret: Secret,
    pub user: UserView,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOut {
    pub secret: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListUsers;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetUser {
    pub id: UserId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateUser {
    pub email: Email,
    pub name: DisplayName,
    pub role: Role,
    /// None: they cannot sign in until they choose one through a sign-up
    /// link ([`InviteUser`]) or an administrator sets one.
    pub password: Option<Password>,
}

/// Only the fields given change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateUser {
    pub id: UserId,
    pub email: Option<Email>,
    pub name: Option<DisplayName>,
    pub bio: Option<Bio>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// `Some(None)` removes their picture. Defaulted: older peers don't send it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "folio_seam::wire::present"
    )]
    pub avatar: Option<Option<Avatar>>,
    /// `Some(None)` removes their website. Defaulted: older peers don't send it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "folio_seam::wire::present"
    )]
    pub website: Option<Option<Website>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteUser {
    pub id: UserId,
}

/// Would the caller be allowed to remove this person? The person if so, else
/// the refusal `DeleteUser` would give. Asked before their posts are moved, so
/// that a refused removal leaves the posts where they were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanDeleteUser {
    pub id: UserId,
}

/// The caller changes their own password; every other session of theirs ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePassword {
    pub current: Secret,
    pub new: Password,
    /// The session to keep (the one making the change), if any.
    pub keep_session: Option<Uuid>,
}

/// An administrator sets someone's password; all their sessions end and all
/// their API tokens are revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetPassword {
    pub id: UserId,
    pub new: Password,
}

/// What a reset ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PasswordReset {
    pub sessions_ended: u64,
    pub tokens_revoked: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeSessions {
    pub id: UserId,
}

/// One of the caller's own sessions (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The caller's own sessions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSessions;

/// Ends one of the caller's own sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeSession {
    pub id: Uuid,
}

/// The owner makes an administrator the owner and becomes an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferOwnership {
    pub to: UserId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub name: String,
    pub scope: TokenScope,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The token's first characters (`folio_Ab12Cd…`), to tell it apart from
    /// others; none for tokens made before hints were kept.
    #[serde(default)]
    pub hint: Option<String>,
}

/// The caller's own tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListTokens;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateToken {
    pub name: TokenName,
    pub scope: TokenScope,
    /// Whose token: the caller's own, unless the operator names someone.
    pub for_email: Option<Email>,
}

/// The token is in here once; only its digest is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: Secret,
    pub view: TokenView,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeToken {
    pub id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListAuthors;

/// One author by the slug of their page (an author page); not found when
/// nobody has it or their account is disabled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorBySlug {
    pub slug: String,
}

/// The authors among `ids` (those a page shows), in no particular order;
/// unknown and disabled ones are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribeAuthors {
    pub ids: Vec<UserId>,
}

/// When no account exists: a fresh one-time setup link (older ones stop working).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenSetup;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSetup {
    pub secret: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompleteSetup {
    pub secret: Secret,
    pub email: Email,
    pub name: DisplayName,
    pub password: Password,
}

/// An author of imported posts (`folio import`): the account with this email
/// if there is one; else a new contributor with no password, who cannot sign
/// in until an administrator sets one. Only for those who manage people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportAuthor {
    pub email: Email,
    pub name: DisplayName,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedAuthor {
    pub user: UserView,
    /// False when the email already had an account.
    pub created: bool,
}
