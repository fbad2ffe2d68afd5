//! Posts and pages: the Markdown source, its rendered HTML and publication state.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Posts::Table)
                    .if_not_exists()
                    .col(pk_uuid(Posts::Id))
                    .col(string_len(Posts::Kind, 8))
                    .col(string_len(Posts::Title, 300))
                    .col(string_len_uniq(Posts::Slug, 120))
                    .col(text(Posts::Markdown))
                    .col(text(Posts::Html))
                    .col(text(Posts::Excerpt))
                    .col(string_len(Posts::Status, 16))
                    // A user id from the auth concern: held, never joined.
                    .col(uuid(Posts::AuthorId))
                    .col(integer(Posts::Revision).default(1))
                    .col(timestamp_with_time_zone_null(Posts::PublishAt))
                    .col(timestamp_with_time_zone_null(Posts::PublishedAt))
                    .col(timestamp_with_time_zone(Posts::CreatedAt))
                    .col(timestamp_with_time_zone(Posts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_posts_status_published_at")
                    .table(Posts::Table)
                    .col(Posts::Status)
                    .col(Posts::PublishedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Posts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    Kind,
    Title,
    Slug,
    Markdown,
    Html,
    Excerpt,
    Status,
    AuthorId,
    Revision,
    PublishAt,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}
