//! One medium per owner and content: a unique index on (owner, content hash),
//! so parallel uploads of the same file can't each store a copy (the check
//! before the insert raced: six at once made four media). Copies stored before
//! this migration are kept (posts may show them) but stop taking part in
//! de-duplication: their hash is rewritten to a value no upload can hash to.

use std::collections::HashSet;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::Uuid;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

const INDEX: &str = "idx_media_owner_content_hash";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let rows = db
            .query_all(
                &Query::select()
                    .columns([Media::Id, Media::OwnerId, Media::ContentHash])
                    .from(Media::Table)
                    .order_by(Media::CreatedAt, Order::Asc)
                    .order_by(Media::Id, Order::Asc)
                    .to_owned(),
            )
            .await?;
        let mut seen = HashSet::new();
        for row in rows {
            let id: Uuid = row.try_get("", "id")?;
            let owner: Uuid = row.try_get("", "owner_id")?;
            let hash: String = row.try_get("", "content_hash")?;
            if seen.insert((owner, hash)) {
                continue;
            }
            // The oldest copy keeps the hash; "copy:" is not hex, so no
            // SHA-256 of an upload equals it, and 41 characters fit the column.
            db.execute(
                &Query::update()
                    .table(Media::Table)
                    .value(Media::ContentHash, format!("copy:{id}"))
                    .and_where(Expr::col(Media::Id).eq(id))
                    .to_owned(),
            )
            .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Media::Table)
                    .col(Media::OwnerId)
                    .col(Media::ContentHash)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Media::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
    OwnerId,
    ContentHash,
    CreatedAt,
}
