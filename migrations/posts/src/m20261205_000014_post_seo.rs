//! A post's own search and sharing details (meta title and description,
//! canonical address, social image), as one JSON value beside its body: read
//! only when the whole post is, never by a listing.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PostBodies::Table)
                    .add_column(text_null(PostBodies::Seo))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PostBodies::Table)
                    .drop_column(PostBodies::Seo)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum PostBodies {
    Table,
    Seo,
}
