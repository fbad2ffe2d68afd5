//! The auth store's migrations: accounts, sessions, API tokens, the setup link, sign-up links,
//! profile links (avatar and website).

pub use sea_orm_migration;
use sea_orm_migration::prelude::*;

mod m20261126_000001_create_users;
mod m20261126_000002_sessions_tokens_setup;
mod m20261205_000003_invites;
mod m20261205_000004_profile_links;
mod m20261205_000005_token_names;

pub struct AuthMigrator;

#[async_trait::async_trait]
impl MigratorTrait for AuthMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_users::Migration),
            Box::new(m20261126_000002_sessions_tokens_setup::Migration),
            Box::new(m20261205_000003_invites::Migration),
            Box::new(m20261205_000004_profile_links::Migration),
            Box::new(m20261205_000005_token_names::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        "seaql_migrations_auth".into_iden()
    }
}
