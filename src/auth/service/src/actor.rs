//! The auth concern's actor state and the handler of every message it answers.
//! `concern_handlers!` maps each message to the method below that handles it.

use std::time::Duration;

use chrono::Utc;

use super::AuthError;
use super::domain::{Email, Secret};
use super::messages::*;
use super::passwords::Passwords;
use super::permissions::{Action, allows};
use super::store::{AuthStore, NewUser, UserRecord};
use folio_runtime::{Caller, Concern, ConcernName, Principal, Role, UserId};

/// Session lifetimes, from configuration.
#[derive(Clone, Debug)]
pub struct SessionPolicy {
    pub idle_timeout: Duration,
    pub lifetime: Duration,
}

/// What the auth concern is built from; survives restarts.
#[derive(Clone)]
pub struct AuthDeps {
    pub store: AuthStore,
    pub passwords: Passwords,
    pub sessions: SessionPolicy,
}

pub struct Auth {
    deps: AuthDeps,
}

impl Concern for Auth {
    const NAME: ConcernName = ConcernName::Auth;
    type Protocol = AuthProtocol;
    type Deps = AuthDeps;

    fn start(deps: &AuthDeps) -> Self {
        Self { deps: deps.clone() }
    }
}

folio_runtime::concern_handlers!(Auth {
    Stats => stats;
    Authenticate => authenticate;
    SignIn => sign_in;
    SignOut => sign_out;
    ListUsers => list_users;
    GetUser => get_user;
    CreateUser => create_user;
    UpdateUser => update_user;
    DeleteUser => delete_user;
    CanDeleteUser => can_delete_user;
    ChangePassword => change_password;
    ResetPassword => reset_password;
    RevokeSessions => revoke_sessions;
    ListSessions => list_sessions;
    RevokeSession => revoke_session;
    TransferOwnership => transfer_ownership;
    ListTokens => list_tokens;
    CreateToken => create_token;
    RevokeToken => revoke_token;
    ListAuthors => list_authors;
    AuthorBySlug => author_by_slug;
    DescribeAuthors => describe_authors;
    OpenSetup => open_setup;
    CheckSetup => check_setup;
    CompleteSetup => complete_setup;
    ImportAuthor => import_author;
    InviteUser => invite_user;
    CheckInvite => check_invite;
    AcceptInvite => accept_invite;
});

/// The stored "hash" of an account made without a password (an imported
/// author, a person added to be sent a sign-up link): no password verifies
/// against it, so no one signs in as them until they choose one through a
/// sign-up link or an administrator sets one.
pub(crate) const NO_PASSWORD: &str = "!no-password";
/// How long a sign-up link works.
const INVITE_LIFETIME: chrono::Duration = chrono::Duration::days(7);
/// Last-seen and last-used times are written at most this often, so that
/// authenticating is a read, not a write, on almost every request.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

fn principal(caller: &Caller) -> Result<&Principal, AuthError> {
    caller
        .principal
        .as_ref()
        .ok_or(AuthError::unauthenticated())
}

/// The signed-in person's own account; the operator has none.
fn own_account(caller: &Caller) -> Result<UserId, AuthError> {
    let (_, id) = caller.person().map_err(|_| AuthError::unauthenticated())?;
    Ok(id)
}

/// The caller, if their role allows `action`.
fn require(caller: &Caller, action: Action) -> Result<&Principal, AuthError> {
    let principal = principal(caller)?;
    if allows(principal.role(), action) {
        Ok(principal)
    } else {
        Err(AuthError::forbidden(format!(
            "a {} may not do this; ask an administrator",
            principal.role()
        )))
    }
}

fn is_self(caller: &Caller, id: UserId) -> bool {
    caller.principal.as_ref().and_then(Principal::user_id) == Some(id)
}

/// Only the owner (or the operator) may act on the owner's account.
fn guard_owner(caller: &Caller, target: &UserRecord) -> Result<(), AuthError> {
    let caller_role = caller.principal.as_ref().map(Principal::role);
    if target.view.role == Role::Owner && caller_role != Some(Role::Owner) {
        return Err(AuthError::forbidden(
            "only the owner may change the owner's account",
        ));
    }
    Ok(())
}

fn expires(duration: Duration) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::days(30))
}

impl AuthDeps {
    async fn target(&self, id: UserId) -> Result<UserRecord, AuthError> {
        self.store
            .user(id)
            .await?
            .ok_or_else(|| AuthError::not_found(format!("there is no user {id}")))
    }

    async fn stats(&self, _: Stats, _: &Caller) -> Result<AuthStats, AuthError> {
        let mut stats = self.store.stats().await?;
        stats.password_verifications = self.passwords.verifications();
        Ok(stats)
    }

    async fn authenticate(
        &self,
        msg: Authenticate,
        _: &Caller,
    ) -> Result<Authenticated, AuthError> {
        let now = Utc::now();
        match msg.credential {
            Credential::Session(secret) => {
                let Some(session) = self.store.session(&secret.digest()).await? else {
                    return Err(AuthError::unauthenticated());
                };
                let idle =
                    chrono::Duration::from_std(self.sessions.idle_timeout).unwrap_or(TOUCH_EVERY);
                if now > session.expires_at || now - session.last_seen_at > idle {
                    self.store.delete_session(&secret.digest()).await?;
                    return Err(AuthError::unauthenticated());
                }
                if session.user.view.disabled {
                    return Err(AuthError::unauthenticated());
                }
                if now - session.last_seen_at > TOUCH_EVERY.min(idle / 2) {
                    self.store.touch_session(session.id).await?;
                }
                let user = session.user.view;
                Ok(Authenticated {
                    principal: Principal::User {
                        id: user.id,
                        role: user.role,
                    },
                    user,
                    method: Method::Session {
                        session_id: session.id,
                    },
                })
            }
            Credential::Token(secret) => {
                if !secret.expose().starts_with(Secret::TOKEN_PREFIX) {
                    return Err(AuthError::unauthenticated());
                }
                let Some(token) = self.store.token(&secret.digest()).await? else {
                    return Err(AuthError::unauthenticated());
                };
                if token.user.view.disabled {
                    return Err(AuthError::unauthenticated());
                }
                if token
                    .view
                    .last_used_at
                    .is_none_or(|at| now - at > TOUCH_EVERY)
                {
                    self.store.touch_token(token.view.id).await?;
                }
                let user = token.user.view;
                Ok(Authenticated {
                    principal: Principal::User {
                        id: user.id,
                        role: user.role,
                    },
                    user,
                    method: Method::Token {
                        token_id: token.view.id,
                        scope: token.view.scope,
                    },
                })
            }
        }
    }

    async fn new_session(&self, user: UserRecord) -> Result<SessionGranted, AuthError> {
        let secret = Secret::generate("");
        let expires_at = expires(self.sessions.lifetime);
        self.store
            .insert_session(user.view.id, secret.digest(), expires_at)
            .await?;
        Ok(SessionGranted {
            secret,
            user: user.view,
            expires_at,
        })
    }

    async fn sign_in(&self, msg: SignIn, _: &Caller) -> Result<SessionGranted, AuthError> {
        // A malformed or unknown email still costs one hash verification.
        let user = match Email::parse(&msg.email) {
            Ok(email) => self.store.user_by_email(&email).await?,
            Err(_) => None,
        };
        // An account with no password yet costs what an unknown email does.
        let hash = user
            .as_ref()
            .map(|user| user.password_hash.as_str())
            .filter(|hash| *hash != NO_PASSWORD);
        let matches = self.passwords.verify(&msg.password, hash).await?;
        match user {
            Some(user) if matches && !user.view.disabled => self.new_session(user).await,
            _ => Err(AuthError::InvalidCredentials),
        }
    }

    async fn sign_out(&self, msg: SignOut, caller: &Caller) -> Result<(), AuthError> {
        let digest = msg.secret.digest();
        self.store.delete_session(&digest).await?;
        caller.announce(AuthEvent::SessionEnded { digest });
        Ok(())
    }

    async fn list_users(&self, _: ListUsers, caller: &Caller) -> Result<Vec<UserView>, AuthError> {
        require(caller, Action::ManageUsers)?;
        Ok(self
            .store
            .users()
            .await?
            .into_iter()
            .map(|user| user.view)
            .collect())
    }

    async fn get_user(&self, msg: GetUser, caller: &Caller) -> Result<UserView, AuthError> {
        if !is_self(caller, msg.id) {
            require(caller, Action::ManageUsers)?;
        }
        Ok(self.target(msg.id).await?.view)
    }

    async fn create_user(&self, msg: CreateUser, caller: &Caller) -> Result<UserView, AuthError> {
        let principal = require(caller, Action::ManageUsers)?;
        if msg.role == Role::Owner {
            let owner_exists = self
                .store
                .users()
                .await?
                .iter()
                .any(|u| u.view.role == Role::Owner);
            if owner_exists || *principal != Principal::Operator {
                return Err(AuthError::conflict(
                    "there is exactly one owner; make this person an administrator, then transfer ownership",
                ));
            }
        }
        if self.store.user_by_email(&msg.email).await?.is_some() {
            return Err(AuthError::EmailTaken);
        }
        let password_hash = match &msg.password {
            Some(password) => self.passwords.hash(password).await?,
            None => NO_PASSWORD.to_owned(),
        };
        let user = self
            .store
            .insert_user(NewUser {
                email: &msg.email,
                name: msg.name.as_str(),
                slug_base: msg.name.slug(),
                role: msg.role,
                password_hash,
            })
            .await?;
        tracing::info!(user = %user.view.id, role = %user.view.role, "user created");
        Ok(user.view)
    }

    async fn import_author(
        &self,
        msg: ImportAuthor,
        caller: &Caller,
    ) -> Result<ImportedAuthor, AuthError> {
        require(caller, Action::ManageUsers)?;
        if let Some(user) = self.store.user_by_email(&msg.email).await? {
            return Ok(ImportedAuthor {
                user: user.view,
                created: false,
            });
        }
        let user = self
            .store
            .insert_user(NewUser {
                email: &msg.email,
                name: msg.name.as_str(),
                slug_base: msg.name.slug(),
                role: Role::Contributor,
                password_hash: NO_PASSWORD.to_owned(),
            })
            .await?;
        tracing::info!(user = %user.view.id, "imported author created, without a password");
        caller.announce(AuthEvent::AuthorChanged { id: user.view.id });
        Ok(ImportedAuthor {
            user: user.view,
            created: true,
        })
    }

    async fn update_user(&self, msg: UpdateUser, caller: &Caller) -> Result<UserView, AuthError> {
        let own = is_self(caller, msg.id);
        if !own {
            require(caller, Action::ManageUsers)?;
        }
        let target = self.target(msg.id).await?;
        guard_owner(caller, &target)?;
        if own
            && (msg.role.is_some_and(|role| role != target.view.role) || msg.disabled == Some(true))
        {
            return Err(AuthError::conflict(
                "you cannot change your own role or disable yourself",
            ));
        }
        if msg.role == Some(Role::Owner) && target.view.role != Role::Owner {
            return Err(AuthError::conflict(
                "there is exactly one owner; use the ownership transfer",
            ));
        }
        if target.view.role == Role::Owner && msg.role.is_some_and(|role| role != Role::Owner) {
            return Err(AuthError::conflict(
                "the owner cannot be demoted; transfer ownership first",
            ));
        }
        if target.view.role == Role::Owner && msg.disabled == Some(true) {
            return Err(AuthError::conflict("the owner cannot be disabled"));
        }
        let mut view = target.view.clone();
        if let Some(email) = &msg.email {
            if email.as_str() != view.email && self.store.user_by_email(email).await?.is_some() {
                return Err(AuthError::EmailTaken);
            }
            view.email = email.as_str().to_owned();
        }
        if let Some(name) = &msg.name {
            view.name = name.as_str().to_owned();
        }
        if let Some(bio) = &msg.bio {
            view.bio = bio.as_str().to_owned();
        }
        if let Some(role) = msg.role {
            view.role = role;
        }
        if let Some(disabled) = msg.disabled {
            view.disabled = disabled;
        }
        if let Some(avatar) = msg.avatar {
            view.avatar = avatar;
        }
        if let Some(website) = msg.website {
            view.website = website;
        }
        let updated = self.store.update_user(&view).await?;
        // Every change, not only a public one: which fields the pages show
        // (name, bio, avatar, website) is the gateway's business, and one
        // more rebuild costs less than a stale author box.
        caller.announce(AuthEvent::AuthorChanged { id: view.id });
        // A new role needs a new session id; a disabled account keeps none.
        if updated.view.role != target.view.role || (updated.view.disabled && !target.view.disabled)
        {
            self.store.delete_sessions_of(updated.view.id, None).await?;
        }
        // Even an unchanged role: a name change costs one re-check.
        caller.announce(AuthEvent::CredentialsChanged {
            user: updated.view.id,
        });
        Ok(updated.view)
    }

    /// The person, if the caller may remove them.
    async fn removable(&self, id: UserId, caller: &Caller) -> Result<UserRecord, AuthError> {
        require(caller, Action::ManageUsers)?;
        let target = self.target(id).await?;
        if target.view.role == Role::Owner {
            return Err(AuthError::conflict(
                "the owner cannot be removed; transfer ownership first",
            ));
        }
        if is_self(caller, id) {
            return Err(AuthError::conflict("you cannot remove your own account"));
        }
        Ok(target)
    }

    async fn can_delete_user(
        &self,
        msg: CanDeleteUser,
        caller: &Caller,
    ) -> Result<UserView, AuthError> {
        Ok(self.removable(msg.id, caller).await?.view)
    }

    async fn delete_user(&self, msg: DeleteUser, caller: &Caller) -> Result<(), AuthError> {
        self.removable(msg.id, caller).await?;
        self.store.delete_user(msg.id).await?;
        caller.announce(AuthEvent::AuthorChanged { id: msg.id });
        caller.announce(AuthEvent::CredentialsChanged { user: msg.id });
        Ok(())
    }

    async fn change_password(&self, msg: ChangePassword, caller: &Caller) -> Result<(), AuthError> {
        let id = own_account(caller)?;
        let user = self.target(id).await?;
        if !self
            .passwords
            .verify(msg.current.expose(), Some(&user.password_hash))
            .await?
        {
            return Err(AuthError::WrongPassword);
        }
        let hash = self.passwords.hash(&msg.new).await?;
        self.store.set_password_hash(id, hash).await?;
        self.store.delete_sessions_of(id, msg.keep_session).await?;
        caller.announce(AuthEvent::CredentialsChanged { user: id });
        Ok(())
    }

    async fn reset_password(
        &self,
        msg: ResetPassword,
        caller: &Caller,
    ) -> Result<PasswordReset, AuthError> {
        require(caller, Action::ManageUsers)?;
        let target = self.target(msg.id).await?;
        guard_owner(caller, &target)?;
        let hash = self.passwords.hash(&msg.new).await?;
        let (sessions_ended, tokens_revoked) = self.store.reset_password(msg.id, hash).await?;
        tracing::info!(user = %msg.id, sessions_ended, tokens_revoked, "password reset by an administrator");
        caller.announce(AuthEvent::CredentialsChanged { user: msg.id });
        Ok(PasswordReset {
            sessions_ended,
            tokens_revoked,
        })
    }

    async fn revoke_sessions(&self, msg: RevokeSessions, caller: &Caller) -> Result<(), AuthError> {
        if !is_self(caller, msg.id) {
            require(caller, Action::ManageUsers)?;
        }
        let target = self.target(msg.id).await?;
        guard_owner(caller, &target)?;
        self.store.delete_sessions_of(msg.id, None).await?;
        caller.announce(AuthEvent::CredentialsChanged { user: msg.id });
        Ok(())
    }

    async fn list_sessions(
        &self,
        _: ListSessions,
        caller: &Caller,
    ) -> Result<Vec<SessionView>, AuthError> {
        let id = own_account(caller)?;
        self.store.sessions_of(id).await
    }

    async fn revoke_session(&self, msg: RevokeSession, caller: &Caller) -> Result<(), AuthError> {
        let id = own_account(caller)?;
        if self.store.delete_session_of(id, msg.id).await? {
            caller.announce(AuthEvent::CredentialsChanged { user: id });
            Ok(())
        } else {
            Err(AuthError::not_found(format!(
                "you have no session {}",
                msg.id
            )))
        }
    }

    async fn transfer_ownership(
        &self,
        msg: TransferOwnership,
        caller: &Caller,
    ) -> Result<UserView, AuthError> {
        require(caller, Action::TransferOwnership)?;
        let target = self.target(msg.to).await?;
        if target.view.role != Role::Administrator || target.view.disabled {
            return Err(AuthError::conflict(
                "ownership goes to an active administrator",
            ));
        }
        // The person handing over is the caller, whatever the owner is now: the
        // store checks, inside its transaction, that they still are the owner.
        let from = match principal(caller)?.user_id() {
            Some(id) => id,
            None => {
                let users = self.store.users().await?;
                users
                    .iter()
                    .find(|user| user.view.role == Role::Owner)
                    .ok_or_else(|| AuthError::unexpected("there is no owner"))?
                    .view
                    .id
            }
        };
        self.store.transfer_ownership(from, target.view.id).await?;
        for id in [from, target.view.id] {
            self.store.delete_sessions_of(id, None).await?;
            caller.announce(AuthEvent::CredentialsChanged { user: id });
        }
        Ok(self.target(msg.to).await?.view)
    }

    async fn list_tokens(
        &self,
        _: ListTokens,
        caller: &Caller,
    ) -> Result<Vec<TokenView>, AuthError> {
        let id = own_account(caller)?;
        self.store.tokens_of(id).await
    }

    async fn create_token(
        &self,
        msg: CreateToken,
        caller: &Caller,
    ) -> Result<CreatedToken, AuthError> {
        let principal = principal(caller)?;
        let owner = match (&msg.for_email, principal) {
            (None, Principal::User { id, .. }) => *id,
            (Some(email), Principal::Operator) => {
                let user = self.store.user_by_email(email).await?;
                user.ok_or_else(|| {
                    AuthError::not_found(format!(
                        "there is no user with the email {}",
                        email.as_str()
                    ))
                })?
                .view
                .id
            }
            (Some(_), Principal::User { .. }) => {
                return Err(AuthError::forbidden(
                    "tokens can only be created for yourself",
                ));
            }
            (None, Principal::Operator) => {
                return Err(AuthError::invalid("name the user whose token this is"));
            }
        };
        let token = Secret::generate(Secret::TOKEN_PREFIX);
        let view = self
            .store
            .insert_token(
                owner,
                token.digest(),
                token.hint(),
                msg.name.as_str(),
                msg.scope,
            )
            .await?;
        Ok(CreatedToken { token, view })
    }

    async fn revoke_token(&self, msg: RevokeToken, caller: &Caller) -> Result<(), AuthError> {
        let id = own_account(caller)?;
        if self.store.delete_token(id, msg.id).await? {
            caller.announce(AuthEvent::CredentialsChanged { user: id });
            Ok(())
        } else {
            Err(AuthError::not_found(format!(
                "you have no token {}",
                msg.id
            )))
        }
    }

    async fn list_authors(&self, _: ListAuthors, _: &Caller) -> Result<Vec<AuthorView>, AuthError> {
        Ok(authors(self.store.users().await?))
    }

    async fn author_by_slug(&self, msg: AuthorBySlug, _: &Caller) -> Result<AuthorView, AuthError> {
        authors(
            self.store
                .user_by_slug(&msg.slug)
                .await?
                .into_iter()
                .collect(),
        )
        .pop()
        .ok_or_else(|| AuthError::not_found(format!("nobody writes as {}", msg.slug)))
    }

    async fn describe_authors(
        &self,
        msg: DescribeAuthors,
        _: &Caller,
    ) -> Result<Vec<AuthorView>, AuthError> {
        Ok(authors(self.store.users_among(&msg.ids).await?))
    }

    async fn open_setup(&self, _: OpenSetup, _: &Caller) -> Result<Option<Secret>, AuthError> {
        if self.store.user_count().await? > 0 {
            return Ok(None);
        }
        let secret = Secret::generate("");
        self.store.replace_setup_link(secret.digest()).await?;
        Ok(Some(secret))
    }

    async fn check_setup(&self, msg: CheckSetup, _: &Caller) -> Result<bool, AuthError> {
        Ok(self.store.user_count().await? == 0
            && self.store.setup_link_exists(&msg.secret.digest()).await?)
    }

    async fn complete_setup(
        &self,
        msg: CompleteSetup,
        caller: &Caller,
    ) -> Result<SessionGranted, AuthError> {
        if !self
            .check_setup(
                CheckSetup {
                    secret: msg.secret.clone(),
                },
                caller,
            )
            .await?
        {
            return Err(AuthError::SetupUnavailable);
        }
        let password_hash = self.passwords.hash(&msg.password).await?;
        let session = Secret::generate("");
        let expires_at = expires(self.sessions.lifetime);
        let owner = NewUser {
            email: &msg.email,
            name: msg.name.as_str(),
            slug_base: msg.name.slug(),
            role: Role::Owner,
            password_hash,
        };
        let user = self
            .store
            .complete_setup(&msg.secret.digest(), owner, session.digest(), expires_at)
            .await?;
        tracing::info!(user = %user.view.id, "owner created through the setup link");
        Ok(SessionGranted {
            secret: session,
            user: user.view,
            expires_at,
        })
    }
}

/// What the public may know of `users`: the ones who may still sign in.
fn authors(users: Vec<UserRecord>) -> Vec<AuthorView> {
    users
        .into_iter()
        .filter(|user| !user.view.disabled)
        .map(|user| AuthorView {
            id: user.view.id,
            name: user.view.name,
            slug: user.view.slug,
            bio: user.view.bio,
            avatar: user.view.avatar,
            website: user.view.website,
        })
        .collect()
}

impl AuthDeps {
    async fn invite_user(&self, msg: InviteUser, caller: &Caller) -> Result<Invitation, AuthError> {
        require(caller, Action::ManageUsers)?;
        let target = self.target(msg.id).await?;
        if target.view.signed_up {
            return Err(AuthError::conflict(format!(
                "{} has a password already; set a new one for them instead",
                target.view.name
            )));
        }
        if target.view.disabled {
            return Err(AuthError::conflict(format!(
                "{}'s account is disabled; enable it first",
                target.view.name
            )));
        }
        let secret = Secret::generate("");
        let expires_at = Utc::now() + INVITE_LIFETIME;
        self.store
            .replace_invite(msg.id, secret.digest(), expires_at)
            .await?;
        tracing::info!(user = %msg.id, "sign-up link made");
        Ok(Invitation { secret, expires_at })
    }

    async fn check_invite(&self, msg: CheckInvite, _: &Caller) -> Result<InviteView, AuthError> {
        let user = self
            .store
            .invited(&msg.secret.digest())
            .await?
            .ok_or(AuthError::InviteUnavailable)?;
        Ok(InviteView {
            name: user.view.name,
            email: user.view.email,
        })
    }

    async fn accept_invite(
        &self,
        msg: AcceptInvite,
        _: &Caller,
    ) -> Result<SessionGranted, AuthError> {
        let digest = msg.secret.digest();
        let user = self
            .store
            .invited(&digest)
            .await?
            .ok_or(AuthError::InviteUnavailable)?;
        let password_hash = self.passwords.hash(&msg.password).await?;
        let session = Secret::generate("");
        let expires_at = expires(self.sessions.lifetime);
        self.store
            .accept_invite(
                &digest,
                user.view.id,
                password_hash,
                session.digest(),
                expires_at,
            )
            .await?;
        tracing::info!(user = %user.view.id, "signed up through a sign-up link");
        let mut view = user.view;
        view.signed_up = true;
        Ok(SessionGranted {
            secret: session,
            user: view,
            expires_at,
        })
    }
}
