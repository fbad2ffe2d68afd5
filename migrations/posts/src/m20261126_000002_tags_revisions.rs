//! Tags, the post–tag links, revisions, and the post's feature image.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .add_column(string_len_null(Posts::FeatureImage, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .add_column(boolean(Posts::ExcerptGiven).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Tags::Table)
                    .if_not_exists()
                    .col(pk_uuid(Tags::Id))
                    .col(string_len(Tags::Name, 80))
                    .col(string_len_uniq(Tags::Slug, 120))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PostTags::Table)
                    .if_not_exists()
                    .col(uuid(PostTags::PostId))
                    .col(uuid(PostTags::TagId))
                    .col(integer(PostTags::Position))
                    .primary_key(Index::create().col(PostTags::PostId).col(PostTags::TagId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PostTags::Table, PostTags::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PostTags::Table, PostTags::TagId)
                            .to(Tags::Table, Tags::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_post_tags_tag_id")
                    .table(PostTags::Table)
                    .col(PostTags::TagId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Revisions::Table)
                    .if_not_exists()
                    .col(pk_uuid(Revisions::Id))
                    .col(uuid(Revisions::PostId))
                    .col(integer(Revisions::Revision))
                    .col(string_len(Revisions::Title, 300))
                    .col(string_len(Revisions::Slug, 120))
                    .col(text(Revisions::Markdown))
                    .col(text(Revisions::Excerpt))
                    .col(text(Revisions::Tags))
                    .col(string_len_null(Revisions::FeatureImage, 64))
                    .col(uuid(Revisions::SavedBy))
                    .col(timestamp_with_time_zone(Revisions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Revisions::Table, Revisions::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_revisions_post_revision")
                    .table(Revisions::Table)
                    .col(Revisions::PostId)
                    .col(Revisions::Revision)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Revisions::Table.into_iden(),
            PostTags::Table.into_iden(),
            Tags::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    FeatureImage,
    ExcerptGiven,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    Id,
    Name,
    Slug,
}

#[derive(DeriveIden)]
enum PostTags {
    Table,
    PostId,
    TagId,
    Position,
}

#[derive(DeriveIden)]
enum Revisions {
    Table,
    Id,
    PostId,
    Revision,
    Title,
    Slug,
    Markdown,
    Excerpt,
    Tags,
    FeatureImage,
    SavedBy,
    CreatedAt,
}
