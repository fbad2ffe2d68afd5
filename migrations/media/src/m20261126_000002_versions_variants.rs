//! What the variants of a medium are: its version (edits make new ones), the
//! extension of its variants, their widths, and whether it is animated.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            integer(Media::Version).default(1),
            string_len(Media::Ext, 8).default("jpg"),
            text(Media::Widths).default("[]"),
            boolean(Media::Animated).default(false),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Media::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Media::Version, Media::Ext, Media::Widths, Media::Animated] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Media::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Version,
    Ext,
    Widths,
    Animated,
}
