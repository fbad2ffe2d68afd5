//! Preview links: a private address that shows one post not yet public to
//! whoever has it. One per post; only a hash of its token is kept.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PreviewLinks::Table)
                    .if_not_exists()
                    .col(pk_uuid(PreviewLinks::PostId))
                    // SHA-256 of the token, hex: a copy of the database
                    // shows no working link.
                    .col(string_len_uniq(PreviewLinks::TokenHash, 64))
                    .col(uuid(PreviewLinks::CreatedBy))
                    .col(timestamp_with_time_zone(PreviewLinks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PreviewLinks::Table, PreviewLinks::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PreviewLinks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PreviewLinks {
    Table,
    PostId,
    TokenHash,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
}
