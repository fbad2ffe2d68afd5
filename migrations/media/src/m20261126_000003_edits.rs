//! Edits make versions: the operations that made the current one, the earlier
//! versions an edit can be undone to, the highest version number ever used (so
//! a URL never names two different pictures), and the current original's extension.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            text(Media::Operations).default("[]"),
            text(Media::History).default("[]"),
            integer(Media::LastVersion).default(1),
            // Empty for media stored before this column: derived as it was then.
            string_len(Media::OriginalExt, 8).default(""),
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
        for column in [
            Media::Operations,
            Media::History,
            Media::LastVersion,
            Media::OriginalExt,
        ] {
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
    Operations,
    History,
    LastVersion,
    OriginalExt,
}
