//! Media metadata: what was uploaded, by whom, and what it looks like.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Media::Table)
                    .if_not_exists()
                    .col(pk_uuid(Media::Id))
                    // A user id from the auth concern: held, never joined.
                    .col(uuid(Media::OwnerId))
                    .col(string_len(Media::FileName, 255))
                    .col(string_len(Media::ContentType, 64))
                    .col(big_integer(Media::ByteSize))
                    .col(integer(Media::Width))
                    .col(integer(Media::Height))
                    .col(string_len(Media::ContentHash, 64))
                    .col(text(Media::Alt).default(""))
                    .col(text(Media::Caption).default(""))
                    .col(timestamp_with_time_zone(Media::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_media_content_hash")
                    .table(Media::Table)
                    .col(Media::ContentHash)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Media::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
    OwnerId,
    FileName,
    ContentType,
    ByteSize,
    Width,
    Height,
    ContentHash,
    Alt,
    Caption,
    CreatedAt,
}
