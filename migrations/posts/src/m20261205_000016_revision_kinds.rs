//! What made each revision (autosave, saved, published, restored), and for
//! autosaves kept as one row, the first revision and time the row stands for.
//! Revisions kept before this read as `saved`: what they were, as far as
//! anyone can now tell.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table a column at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Revisions::Table)
                    .add_column(string_len(Revisions::Kind, 16).default("saved"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Revisions::Table)
                    .add_column(integer_null(Revisions::FirstRevision))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Revisions::Table)
                    .add_column(timestamp_with_time_zone_null(Revisions::FirstSavedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Revisions::FirstSavedAt,
            Revisions::FirstRevision,
            Revisions::Kind,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Revisions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Revisions {
    Table,
    Kind,
    FirstRevision,
    FirstSavedAt,
}
