//! Redirects: old addresses that answer 301 to a post (wherever its slug is
//! now) or to a fixed address. A redirect to a post goes with the post.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Redirects::Table)
                    .if_not_exists()
                    .col(pk_uuid(Redirects::Id))
                    // The canonical address (see `RedirectFrom`): one row per
                    // address, however a browser spells it.
                    .col(string_len_uniq(Redirects::FromPath, 2048))
                    .col(uuid_null(Redirects::TargetPost))
                    .col(string_len_null(Redirects::TargetUrl, 2048))
                    .col(string_len(Redirects::Origin, 16))
                    .col(timestamp_with_time_zone(Redirects::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Redirects::Table, Redirects::TargetPost)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The cascade on a post's delete, and a post's redirects, look here.
        manager
            .create_index(
                Index::create()
                    .name("idx_redirects_target_post")
                    .table(Redirects::Table)
                    .col(Redirects::TargetPost)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Redirects::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Redirects {
    Table,
    Id,
    FromPath,
    TargetPost,
    TargetUrl,
    Origin,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
}
