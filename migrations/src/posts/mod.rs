//! The posts store's migrations: posts and pages, tags, revisions.

use sea_orm_migration::prelude::*;

mod m20261126_000001_create_posts;
mod m20261126_000002_tags_revisions;

pub struct PostsMigrator;

#[async_trait::async_trait]
impl MigratorTrait for PostsMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_posts::Migration),
            Box::new(m20261126_000002_tags_revisions::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        "seaql_migrations_posts".into_iden()
    }
}
