//! When a post's writer asked an editor to review it: a contributor may not
//! publish, so "submit for review" marks the draft until someone publishes it
//! or the mark is taken back.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .add_column(timestamp_with_time_zone_null(Posts::ReviewRequestedAt))
                    .to_owned(),
            )
            .await?;
        // Few posts wait at once: the list of them reads this index, not the
        // whole listing.
        manager
            .create_index(
                Index::create()
                    .name("idx_posts_review_requested_at")
                    .table(Posts::Table)
                    .col(Posts::ReviewRequestedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_posts_review_requested_at")
                    .table(Posts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .drop_column(Posts::ReviewRequestedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    ReviewRequestedAt,
}
