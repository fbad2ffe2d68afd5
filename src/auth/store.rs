//! The auth store: the only code that reads or writes the auth database.

use anyhow::Context;
use folio_migrations::AuthMigrator;
use folio_migrations::sea_orm_migration::MigratorTrait;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use super::messages::AuthStats;
use crate::config::StoreLocation;

mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub email: String,
        pub display_name: String,
        pub slug: String,
        pub bio: String,
        pub role: String,
        pub password_hash: String,
        pub disabled: bool,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Clone)]
pub struct AuthStore {
    db: DatabaseConnection,
}

impl AuthStore {
    /// Connects and applies pending migrations.
    pub async fn open(location: &StoreLocation) -> anyhow::Result<Self> {
        let db = crate::storage::connect(location)
            .await
            .context("auth store")?;
        AuthMigrator::up(&db, None)
            .await
            .context("migrating the auth store")?;
        Ok(Self { db })
    }

    pub async fn stats(&self) -> anyhow::Result<AuthStats> {
        let users = user::Entity::find()
            .count(&self.db)
            .await
            .context("counting users")?;
        Ok(AuthStats { users })
    }

    pub async fn close(self) -> anyhow::Result<()> {
        self.db.close().await.context("closing the auth store")
    }
}
