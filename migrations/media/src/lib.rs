//! The media store's migrations: metadata of uploaded files (the bytes live in the blob directory).

pub use sea_orm_migration;
use sea_orm_migration::prelude::*;

mod m20261126_000001_create_media;
mod m20261126_000002_versions_variants;
mod m20261126_000003_edits;
mod m20261201_000004_one_medium_per_upload;

pub struct MediaMigrator;

#[async_trait::async_trait]
impl MigratorTrait for MediaMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_media::Migration),
            Box::new(m20261126_000002_versions_variants::Migration),
            Box::new(m20261126_000003_edits::Migration),
            Box::new(m20261201_000004_one_medium_per_upload::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        "seaql_migrations_media".into_iden()
    }
}
