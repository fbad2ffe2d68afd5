//! The auth store: the only code that reads or writes the auth database
//! (users, sessions, API tokens, setup links).

use anyhow::Context;
use chrono::{DateTime, Utc};
use folio_auth_migrations::AuthMigrator;
use folio_auth_migrations::sea_orm_migration::MigratorTrait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set, SqlErr, TransactionTrait,
};
use uuid::Uuid;

use super::AuthError;
use super::domain::{Avatar, Email, TokenScope, Website};
use super::messages::{AuthStats, SessionView, TokenView, UserView};
use folio_runtime::{Role, UserId};
use folio_storage::StoreLocation;

mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub email: String,
        pub display_name: String,
        pub slug: String,
        pub bio: String,
        pub role: String,
        pub password_hash: String,
        pub disabled: bool,
        /// A media id; see `domain::Avatar`.
        pub avatar: Option<String>,
        pub website: Option<String>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub token_digest: String,
        pub user_id: Uuid,
        pub created_at: ChronoDateTimeUtc,
        pub last_seen_at: ChronoDateTimeUtc,
        pub expires_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod api_token {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_tokens")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub token_digest: String,
        pub user_id: Uuid,
        pub name: String,
        pub scope: String,
        pub created_at: ChronoDateTimeUtc,
        pub last_used_at: Option<ChronoDateTimeUtc>,
        /// The token's first characters, to tell it apart (not to use).
        pub hint: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod invite {
    use sea_orm::entity::prelude::*;

    /// A person's one sign-up link, by its digest.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "invites")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_digest: String,
        pub user_id: Uuid,
        pub created_at: ChronoDateTimeUtc,
        pub expires_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod setup_link {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "setup_links")]
    pub(super) struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_digest: String,
        pub created_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub(super) enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A user with what only the auth concern itself may see.
#[derive(Clone, Debug)]
pub struct UserRecord {
    pub view: UserView,
    pub password_hash: String,
}

pub struct SessionRecord {
    pub id: Uuid,
    pub user: UserRecord,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub struct TokenRecord {
    pub view: TokenView,
    pub user: UserRecord,
}

/// A new account, validated by the concern.
pub struct NewUser<'a> {
    pub email: &'a Email,
    pub name: &'a str,
    pub slug_base: String,
    pub role: Role,
    pub password_hash: String,
}

fn unexpected(context: &'static str) -> impl FnOnce(DbErr) -> AuthError {
    move |error| AuthError::unexpected(format!("{context}: {error}"))
}

fn record(model: user::Model) -> Result<UserRecord, AuthError> {
    let role = model
        .role
        .parse()
        .map_err(|e: String| AuthError::unexpected(format!("user {}: {e}", model.id)))?;
    Ok(UserRecord {
        view: UserView {
            id: UserId::from_uuid(model.id),
            email: model.email,
            name: model.display_name,
            slug: model.slug,
            bio: model.bio,
            role,
            disabled: model.disabled,
            signed_up: model.password_hash != super::actor::NO_PASSWORD,
            // Stored values were parsed on the way in; one that no longer
            // parses (edited behind Folio's back) is shown as none rather
            // than failing every read of the account.
            avatar: model
                .avatar
                .as_deref()
                .and_then(|raw| Avatar::parse(raw).ok()),
            website: model
                .website
                .as_deref()
                .and_then(|raw| Website::parse(raw).ok()),
            created_at: model.created_at,
            updated_at: model.updated_at,
        },
        password_hash: model.password_hash,
    })
}

fn token_view(model: &api_token::Model) -> TokenView {
    TokenView {
        id: model.id,
        name: model.name.clone(),
        scope: TokenScope::parse(&model.scope).unwrap_or(TokenScope::Read),
        created_at: model.created_at,
        last_used_at: model.last_used_at,
        hint: model.hint.clone(),
    }
}

#[derive(Clone)]
pub struct AuthStore {
    db: DatabaseConnection,
}

impl AuthStore {
    /// Connects and applies pending migrations.
    pub async fn open(location: &StoreLocation) -> anyhow::Result<Self> {
        let db = folio_storage::connect(location)
            .await
            .context("auth store")?;
        folio_storage::with_migration_lock(&db, "auth", || AuthMigrator::up(&db, None))
            .await
            .context("migrating the auth store")?;
        Ok(Self { db })
    }

    pub async fn close(self) -> anyhow::Result<()> {
        self.db.close().await.context("closing the auth store")
    }

    pub async fn stats(&self) -> Result<AuthStats, AuthError> {
        let err = unexpected("counting");
        Ok(AuthStats {
            users: user::Entity::find()
                .count(&self.db)
                .await
                .map_err(unexpected("counting users"))?,
            sessions: session::Entity::find()
                .count(&self.db)
                .await
                .map_err(unexpected("counting sessions"))?,
            tokens: api_token::Entity::find()
                .count(&self.db)
                .await
                .map_err(err)?,
            // Counted by the concern in memory, not stored.
            password_verifications: 0,
        })
    }

    pub async fn user_count(&self) -> Result<u64, AuthError> {
        user::Entity::find()
            .count(&self.db)
            .await
            .map_err(unexpected("counting users"))
    }

    pub async fn user(&self, id: UserId) -> Result<Option<UserRecord>, AuthError> {
        let model = user::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(unexpected("reading a user"))?;
        model.map(record).transpose()
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<UserRecord>, AuthError> {
        let model = user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .one(&self.db)
            .await
            .map_err(unexpected("reading a user by email"))?;
        model.map(record).transpose()
    }

    pub async fn user_by_slug(&self, slug: &str) -> Result<Option<UserRecord>, AuthError> {
        user::Entity::find()
            .filter(user::Column::Slug.eq(slug))
            .one(&self.db)
            .await
            .map_err(unexpected("reading a user by slug"))?
            .map(record)
            .transpose()
    }

    /// The users among `ids`; at most a page's worth are asked for at once.
    pub async fn users_among(&self, ids: &[UserId]) -> Result<Vec<UserRecord>, AuthError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        user::Entity::find()
            .filter(user::Column::Id.is_in(ids.iter().map(|id| id.as_uuid())))
            .all(&self.db)
            .await
            .map_err(unexpected("reading users"))?
            .into_iter()
            .map(record)
            .collect()
    }

    pub async fn users(&self) -> Result<Vec<UserRecord>, AuthError> {
        let models = user::Entity::find()
            .order_by_asc(user::Column::CreatedAt)
            .all(&self.db)
            .await
            .map_err(unexpected("listing users"))?;
        models.into_iter().map(record).collect()
    }

    /// A slug not taken yet: `base`, then `base-2`, `base-3`, …
    async fn free_slug<C: sea_orm::ConnectionTrait>(
        db: &C,
        base: &str,
        except: Option<UserId>,
    ) -> Result<String, AuthError> {
        let taken: Vec<String> = user::Entity::find()
            .filter(user::Column::Slug.starts_with(base))
            .all(db)
            .await
            .map_err(unexpected("reading slugs"))?
            .into_iter()
            .filter(|model| Some(UserId::from_uuid(model.id)) != except)
            .map(|model| model.slug)
            .collect();
        let mut candidate = base.to_owned();
        let mut n = 1;
        while taken.contains(&candidate) {
            n += 1;
            candidate = format!("{base}-{n}");
        }
        Ok(candidate)
    }

    async fn insert_user_in<C: sea_orm::ConnectionTrait>(
        db: &C,
        new: NewUser<'_>,
    ) -> Result<UserRecord, AuthError> {
        let now = Utc::now();
        let slug = Self::free_slug(db, &new.slug_base, None).await?;
        let model = user::ActiveModel {
            id: Set(Uuid::new_v4()),
            email: Set(new.email.as_str().to_owned()),
            display_name: Set(new.name.to_owned()),
            slug: Set(slug),
            bio: Set(String::new()),
            role: Set(new.role.as_str().to_owned()),
            password_hash: Set(new.password_hash),
            disabled: Set(false),
            avatar: Set(None),
            website: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .map_err(|error| match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => AuthError::EmailTaken,
            _ => AuthError::unexpected(format!("inserting a user: {error}")),
        })?;
        record(model)
    }

    pub async fn insert_user(&self, new: NewUser<'_>) -> Result<UserRecord, AuthError> {
        Self::insert_user_in(&self.db, new).await
    }

    /// Writes the changed fields of `user` (email, name, bio, role, disabled,
    /// avatar, website).
    pub async fn update_user(&self, user: &UserView) -> Result<UserRecord, AuthError> {
        let slug = Self::free_slug(
            &self.db,
            &super::domain::DisplayName::parse(&user.name)
                .map(|n| n.slug())
                .unwrap_or_else(|_| user.slug.clone()),
            Some(user.id),
        )
        .await?;
        let model = user::ActiveModel {
            id: Set(user.id.as_uuid()),
            email: Set(user.email.clone()),
            display_name: Set(user.name.clone()),
            slug: Set(slug),
            bio: Set(user.bio.clone()),
            role: Set(user.role.as_str().to_owned()),
            disabled: Set(user.disabled),
            avatar: Set(user.avatar.as_ref().map(|a| a.as_str().to_owned())),
            website: Set(user.website.as_ref().map(|w| w.as_str().to_owned())),
            updated_at: Set(Utc::now()),
            ..Default::default()
        }
        .update(&self.db)
        .await
        .map_err(|error| match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => AuthError::EmailTaken,
            _ => AuthError::unexpected(format!("updating a user: {error}")),
        })?;
        record(model)
    }

    pub async fn delete_user(&self, id: UserId) -> Result<(), AuthError> {
        // Sessions and tokens go with the user (ON DELETE CASCADE).
        user::Entity::delete_by_id(id.as_uuid())
            .exec(&self.db)
            .await
            .map_err(unexpected("deleting a user"))?;
        Ok(())
    }

    pub async fn set_password_hash(&self, id: UserId, hash: String) -> Result<(), AuthError> {
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(hash))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(id.as_uuid()))
            .exec(&self.db)
            .await
            .map_err(unexpected("setting a password"))?;
        Ok(())
    }

    /// An administrator's reset: the new hash, and every session and API token
    /// of the person gone, all or nothing (whoever knew the old password may
    /// have made a token with it). Returns how many sessions and tokens ended.
    pub async fn reset_password(&self, id: UserId, hash: String) -> Result<(u64, u64), AuthError> {
        let id = id.as_uuid();
        let txn = self
            .db
            .begin()
            .await
            .map_err(unexpected("starting a transaction"))?;
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(hash))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(unexpected("setting a password"))?;
        let sessions = session::Entity::delete_many()
            .filter(session::Column::UserId.eq(id))
            .exec(&txn)
            .await
            .map_err(unexpected("deleting sessions"))?;
        let tokens = api_token::Entity::delete_many()
            .filter(api_token::Column::UserId.eq(id))
            .exec(&txn)
            .await
            .map_err(unexpected("revoking tokens"))?;
        txn.commit()
            .await
            .map_err(unexpected("resetting a password"))?;
        Ok((sessions.rows_affected, tokens.rows_affected))
    }

    /// Makes `to` the owner and `from` an administrator, both or neither, and
    /// only if `from` is still the owner and `to` still an active administrator
    /// when the transaction runs: the caller's role in a signed principal may be
    /// seconds old, and two transfers at once must not both succeed.
    pub async fn transfer_ownership(&self, from: UserId, to: UserId) -> Result<(), AuthError> {
        let txn = self
            .db
            .begin()
            .await
            .map_err(unexpected("starting a transaction"))?;
        let now = Utc::now();
        // The write comes first so it takes the row (PostgreSQL) or the
        // database (SQLite) before anything is judged; a concurrent transfer
        // waits, then finds no owner to demote.
        let demoted = user::Entity::update_many()
            .col_expr(
                user::Column::Role,
                Expr::value(Role::Administrator.as_str()),
            )
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(user::Column::Id.eq(from.as_uuid()))
            .filter(user::Column::Role.eq(Role::Owner.as_str()))
            .exec(&txn)
            .await
            .map_err(unexpected("changing a role"))?;
        if demoted.rows_affected != 1 {
            return Err(AuthError::forbidden(
                "only the owner may transfer ownership, and you are no longer the owner",
            ));
        }
        let promoted = user::Entity::update_many()
            .col_expr(user::Column::Role, Expr::value(Role::Owner.as_str()))
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(user::Column::Id.eq(to.as_uuid()))
            .filter(user::Column::Role.eq(Role::Administrator.as_str()))
            .filter(user::Column::Disabled.eq(false))
            .exec(&txn)
            .await
            .map_err(unexpected("changing a role"))?;
        if promoted.rows_affected != 1 {
            return Err(AuthError::conflict(
                "ownership goes to an active administrator",
            ));
        }
        txn.commit()
            .await
            .map_err(unexpected("transferring ownership"))
    }

    pub async fn insert_session(
        &self,
        user_id: UserId,
        digest: String,
        expires_at: DateTime<Utc>,
    ) -> Result<Uuid, AuthError> {
        Self::insert_session_in(&self.db, user_id, digest, expires_at).await
    }

    async fn insert_session_in<C: sea_orm::ConnectionTrait>(
        db: &C,
        user_id: UserId,
        digest: String,
        expires_at: DateTime<Utc>,
    ) -> Result<Uuid, AuthError> {
        let now = Utc::now();
        let id = Uuid::new_v4();
        session::ActiveModel {
            id: Set(id),
            token_digest: Set(digest),
            user_id: Set(user_id.as_uuid()),
            created_at: Set(now),
            last_seen_at: Set(now),
            expires_at: Set(expires_at),
        }
        .insert(db)
        .await
        .map_err(unexpected("inserting a session"))?;
        Ok(id)
    }

    pub async fn session(&self, digest: &str) -> Result<Option<SessionRecord>, AuthError> {
        let Some(session) = session::Entity::find()
            .filter(session::Column::TokenDigest.eq(digest))
            .one(&self.db)
            .await
            .map_err(unexpected("reading a session"))?
        else {
            return Ok(None);
        };
        let Some(user) = self.user(UserId::from_uuid(session.user_id)).await? else {
            return Ok(None);
        };
        Ok(Some(SessionRecord {
            id: session.id,
            user,
            last_seen_at: session.last_seen_at,
            expires_at: session.expires_at,
        }))
    }

    pub async fn touch_session(&self, id: Uuid) -> Result<(), AuthError> {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(Utc::now()))
            .filter(session::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .map_err(unexpected("touching a session"))?;
        Ok(())
    }

    pub async fn delete_session(&self, digest: &str) -> Result<(), AuthError> {
        session::Entity::delete_many()
            .filter(session::Column::TokenDigest.eq(digest))
            .exec(&self.db)
            .await
            .map_err(unexpected("deleting a session"))?;
        Ok(())
    }

    /// Ends every session of `user_id`, but `keep` if given.
    pub async fn delete_sessions_of(
        &self,
        user_id: UserId,
        keep: Option<Uuid>,
    ) -> Result<u64, AuthError> {
        let mut query =
            session::Entity::delete_many().filter(session::Column::UserId.eq(user_id.as_uuid()));
        if let Some(keep) = keep {
            query = query.filter(session::Column::Id.ne(keep));
        }
        let result = query
            .exec(&self.db)
            .await
            .map_err(unexpected("deleting sessions"))?;
        Ok(result.rows_affected)
    }

    pub async fn sessions_of(&self, user_id: UserId) -> Result<Vec<SessionView>, AuthError> {
        let models = session::Entity::find()
            .filter(session::Column::UserId.eq(user_id.as_uuid()))
            .order_by_desc(session::Column::CreatedAt)
            .all(&self.db)
            .await
            .map_err(unexpected("listing sessions"))?;
        Ok(models
            .into_iter()
            .map(|model| SessionView {
                id: model.id,
                created_at: model.created_at,
                last_seen_at: model.last_seen_at,
                expires_at: model.expires_at,
            })
            .collect())
    }

    /// Ends `user_id`'s session `id`; false if they have no such session.
    pub async fn delete_session_of(&self, user_id: UserId, id: Uuid) -> Result<bool, AuthError> {
        let result = session::Entity::delete_many()
            .filter(session::Column::Id.eq(id))
            .filter(session::Column::UserId.eq(user_id.as_uuid()))
            .exec(&self.db)
            .await
            .map_err(unexpected("deleting a session"))?;
        Ok(result.rows_affected > 0)
    }

    pub async fn insert_token(
        &self,
        user_id: UserId,
        digest: String,
        hint: String,
        name: &str,
        scope: TokenScope,
    ) -> Result<TokenView, AuthError> {
        let model = api_token::ActiveModel {
            id: Set(Uuid::new_v4()),
            token_digest: Set(digest),
            user_id: Set(user_id.as_uuid()),
            name: Set(name.to_owned()),
            scope: Set(scope.as_str().to_owned()),
            created_at: Set(Utc::now()),
            last_used_at: Set(None),
            hint: Set(Some(hint)),
        }
        .insert(&self.db)
        .await
        .map_err(|error| match error.sql_err() {
            // The unique index on (user, name) decides, race or not.
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                AuthError::TokenNameTaken(name.to_owned())
            }
            _ => AuthError::unexpected(format!("inserting a token: {error}")),
        })?;
        Ok(token_view(&model))
    }

    pub async fn token(&self, digest: &str) -> Result<Option<TokenRecord>, AuthError> {
        let Some(token) = api_token::Entity::find()
            .filter(api_token::Column::TokenDigest.eq(digest))
            .one(&self.db)
            .await
            .map_err(unexpected("reading a token"))?
        else {
            return Ok(None);
        };
        let Some(user) = self.user(UserId::from_uuid(token.user_id)).await? else {
            return Ok(None);
        };
        Ok(Some(TokenRecord {
            view: token_view(&token),
            user,
        }))
    }

    pub async fn touch_token(&self, id: Uuid) -> Result<(), AuthError> {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(Utc::now()))
            .filter(api_token::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .map_err(unexpected("touching a token"))?;
        Ok(())
    }

    pub async fn tokens_of(&self, user_id: UserId) -> Result<Vec<TokenView>, AuthError> {
        let models = api_token::Entity::find()
            .filter(api_token::Column::UserId.eq(user_id.as_uuid()))
            .order_by_asc(api_token::Column::CreatedAt)
            .all(&self.db)
            .await
            .map_err(unexpected("listing tokens"))?;
        Ok(models.iter().map(token_view).collect())
    }

    /// Deletes `user_id`'s token `id`; false if they have no such token.
    pub async fn delete_token(&self, user_id: UserId, id: Uuid) -> Result<bool, AuthError> {
        let result = api_token::Entity::delete_many()
            .filter(api_token::Column::Id.eq(id))
            .filter(api_token::Column::UserId.eq(user_id.as_uuid()))
            .exec(&self.db)
            .await
            .map_err(unexpected("deleting a token"))?;
        Ok(result.rows_affected > 0)
    }

    /// Replaces any setup link with this one.
    pub async fn replace_setup_link(&self, digest: String) -> Result<(), AuthError> {
        let txn = self
            .db
            .begin()
            .await
            .map_err(unexpected("starting a transaction"))?;
        setup_link::Entity::delete_many()
            .exec(&txn)
            .await
            .map_err(unexpected("clearing setup links"))?;
        setup_link::ActiveModel {
            token_digest: Set(digest),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(unexpected("storing the setup link"))?;
        txn.commit()
            .await
            .map_err(unexpected("storing the setup link"))
    }

    pub async fn setup_link_exists(&self, digest: &str) -> Result<bool, AuthError> {
        let found = setup_link::Entity::find_by_id(digest.to_owned())
            .one(&self.db)
            .await
            .map_err(unexpected("reading the setup link"))?;
        Ok(found.is_some())
    }

    /// Creates the owner and their first session through the setup link, all
    /// or nothing: the link must exist and no account may exist yet.
    pub async fn complete_setup(
        &self,
        link_digest: &str,
        owner: NewUser<'_>,
        session_digest: String,
        expires_at: DateTime<Utc>,
    ) -> Result<UserRecord, AuthError> {
        let txn = self
            .db
            .begin()
            .await
            .map_err(unexpected("starting a transaction"))?;
        let deleted = setup_link::Entity::delete_many()
            .filter(setup_link::Column::TokenDigest.eq(link_digest))
            .exec(&txn)
            .await
            .map_err(unexpected("using the setup link"))?;
        let users = user::Entity::find()
            .count(&txn)
            .await
            .map_err(unexpected("counting users"))?;
        if deleted.rows_affected == 0 || users > 0 {
            return Err(AuthError::SetupUnavailable);
        }
        setup_link::Entity::delete_many()
            .exec(&txn)
            .await
            .map_err(unexpected("clearing setup links"))?;
        let user = Self::insert_user_in(&txn, owner).await?;
        Self::insert_session_in(&txn, user.view.id, session_digest, expires_at).await?;
        txn.commit()
            .await
            .map_err(unexpected("creating the owner"))?;
        Ok(user)
    }

    /// Makes `digest` the person's one sign-up link, replacing any other.
    pub async fn replace_invite(
        &self,
        user_id: UserId,
        digest: String,
        expires_at: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        let txn = self
            .db
            .begin()
            .await
            .map_err(unexpected("starting a transaction"))?;
        invite::Entity::delete_many()
            .filter(invite::Column::UserId.eq(user_id.as_uuid()))
            .exec(&txn)
            .await
            .map_err(unexpected("replacing a sign-up link"))?;
        invite::ActiveModel {
            token_digest: Set(digest),
            user_id: Set(user_id.as_uuid()),
            created_at: Set(Utc::now()),
            expires_at: Set(expires_at),
        }
        .insert(&txn)
        .await
        .map_err(unexpected("storing a sign-up link"))?;
        txn.commit()
            .await
            .map_err(unexpected("storing a sign-up link"))
    }

    /// The person a working sign-up link is for: not expired, and they have
    /// no password yet.
    pub async fn invited(&self, digest: &str) -> Result<Option<UserRecord>, AuthError> {
        let Some(link) = invite::Entity::find_by_id(digest.to_owned())
            .one(&self.db)
            .await
            .map_err(unexpected("reading a sign-up link"))?
        else {
            return Ok(None);
        };
        if link.expires_at <= Utc::now() {
            return Ok(None);
        }
        Ok(self
            .user(UserId::from_uuid(link.user_id))
            .await?
            .filter(|user| !user.view.signed_up && !user.view.disabled))
    }

    /// Uses the sign-up link up: the person's password and their first
    /// session, all or nothing (a second use of the link finds nothing).
    pub async fn accept_invite(
        &self,
        digest: &str,
        user_id: UserId,
        password_hash: String,
        session_digest: String,
        expires_at: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        let txn = self
            .db
            .begin()
            .await
            .map_err(unexpected("starting a transaction"))?;
        let used = invite::Entity::delete_many()
            .filter(invite::Column::TokenDigest.eq(digest))
            .filter(invite::Column::UserId.eq(user_id.as_uuid()))
            .exec(&txn)
            .await
            .map_err(unexpected("using a sign-up link"))?;
        if used.rows_affected == 0 {
            return Err(AuthError::InviteUnavailable);
        }
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(user_id.as_uuid()))
            .exec(&txn)
            .await
            .map_err(unexpected("setting a password"))?;
        Self::insert_session_in(&txn, user_id, session_digest, expires_at).await?;
        txn.commit()
            .await
            .map_err(unexpected("accepting a sign-up link"))
    }
}
