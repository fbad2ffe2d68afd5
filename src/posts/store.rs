//! The posts store: the only code that reads or writes the posts database.

use anyhow::Context;
use folio_migrations::PostsMigrator;
use folio_migrations::sea_orm_migration::MigratorTrait;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use super::messages::PostsStats;
use crate::config::StoreLocation;

mod post {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "posts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub title: String,
        pub slug: String,
        pub markdown: String,
        pub html: String,
        pub excerpt: String,
        pub status: String,
        pub author_id: Uuid,
        pub revision: i32,
        pub publish_at: Option<ChronoDateTimeUtc>,
        pub published_at: Option<ChronoDateTimeUtc>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Clone)]
pub struct PostsStore {
    db: DatabaseConnection,
}

impl PostsStore {
    /// Connects and applies pending migrations.
    pub async fn open(location: &StoreLocation) -> anyhow::Result<Self> {
        let db = crate::storage::connect(location)
            .await
            .context("posts store")?;
        PostsMigrator::up(&db, None)
            .await
            .context("migrating the posts store")?;
        Ok(Self { db })
    }

    pub async fn stats(&self) -> anyhow::Result<PostsStats> {
        let posts = post::Entity::find()
            .count(&self.db)
            .await
            .context("counting posts")?;
        let published = post::Entity::find()
            .filter(post::Column::Status.eq("published"))
            .count(&self.db)
            .await
            .context("counting published posts")?;
        Ok(PostsStats { posts, published })
    }

    pub async fn close(self) -> anyhow::Result<()> {
        self.db.close().await.context("closing the posts store")
    }
}
