//! Where imported posts came from: one row per post brought in by `folio
//! import`, keyed by its place in the source site, with the HTML it had
//! there (kept so it can be converted again).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PostSources::Table)
                    .if_not_exists()
                    .col(string_len(PostSources::Source, 400).primary_key())
                    .col(uuid_uniq(PostSources::PostId))
                    .col(text(PostSources::OriginalHtml))
                    .col(timestamp_with_time_zone(PostSources::ImportedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PostSources::Table, PostSources::PostId)
                            .to(Posts::Table, Posts::Id)
                            // A deleted post may be imported again.
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PostSources::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PostSources {
    Table,
    Source,
    PostId,
    OriginalHtml,
    ImportedAt,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
}
