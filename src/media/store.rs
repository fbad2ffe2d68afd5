//! The media store: the only code that reads or writes the media database.

use anyhow::Context;
use folio_migrations::MediaMigrator;
use folio_migrations::sea_orm_migration::MigratorTrait;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use super::messages::MediaStats;
use crate::config::StoreLocation;

mod medium {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "media")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub owner_id: Uuid,
        pub file_name: String,
        pub content_type: String,
        pub byte_size: i64,
        pub width: i32,
        pub height: i32,
        pub content_hash: String,
        pub alt: String,
        pub caption: String,
        pub created_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Clone)]
pub struct MediaStore {
    db: DatabaseConnection,
}

impl MediaStore {
    /// Connects and applies pending migrations.
    pub async fn open(location: &StoreLocation) -> anyhow::Result<Self> {
        let db = crate::storage::connect(location)
            .await
            .context("media store")?;
        MediaMigrator::up(&db, None)
            .await
            .context("migrating the media store")?;
        Ok(Self { db })
    }

    pub async fn stats(&self) -> anyhow::Result<MediaStats> {
        let media = medium::Entity::find()
            .count(&self.db)
            .await
            .context("counting media")?;
        Ok(MediaStats { media })
    }

    /// The stored images among `ids`, with their size.
    pub async fn images(
        &self,
        ids: &[uuid::Uuid],
    ) -> anyhow::Result<Vec<(uuid::Uuid, i32, i32, String)>> {
        let models = medium::Entity::find()
            .filter(medium::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await
            .context("reading media")?;
        Ok(models
            .into_iter()
            .map(|m| (m.id, m.width, m.height, m.content_type))
            .collect())
    }

    pub async fn close(self) -> anyhow::Result<()> {
        self.db.close().await.context("closing the media store")
    }
}
