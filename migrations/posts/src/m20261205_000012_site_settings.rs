//! The site's own settings (its title, its description…), one row per
//! setting, each value JSON: a new setting needs no migration.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SiteSettings::Table)
                    .if_not_exists()
                    .col(string_len(SiteSettings::Name, 64).primary_key())
                    .col(text(SiteSettings::Value))
                    .col(timestamp_with_time_zone(SiteSettings::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SiteSettings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SiteSettings {
    Table,
    Name,
    Value,
    UpdatedAt,
}
