//! API tokens get a visible hint (the first characters of the token, enough
//! to tell two apart, far too few to use) and names unique per person. Names
//! repeated before are told apart first ("deploy", "deploy (2)"), oldest kept.

use std::collections::HashSet;

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(string_len_null(ApiTokens::Hint, 32))
                    .to_owned(),
            )
            .await?;
        rename_repeats(manager).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_tokens_user_name")
                    .table(ApiTokens::Table)
                    .col(ApiTokens::UserId)
                    .col(ApiTokens::Name)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_api_tokens_user_name")
                    .table(ApiTokens::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .drop_column(ApiTokens::Hint)
                    .to_owned(),
            )
            .await
    }
}

/// A person's tokens are few: read them all, oldest first, and number the repeats.
async fn rename_repeats(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let mut select = Query::select();
    select
        .columns([ApiTokens::Id, ApiTokens::UserId, ApiTokens::Name])
        .from(ApiTokens::Table)
        .order_by(ApiTokens::CreatedAt, Order::Asc);
    let rows = db.query_all_raw(backend.build(&select)).await?;
    let mut taken: HashSet<(String, String)> = HashSet::new();
    let mut renames = Vec::new();
    for row in &rows {
        let id: sea_orm_migration::sea_orm::prelude::Uuid = row.try_get("", "id")?;
        let user: sea_orm_migration::sea_orm::prelude::Uuid = row.try_get("", "user_id")?;
        let name: String = row.try_get("", "name")?;
        let user = user.to_string();
        if taken.insert((user.clone(), name.clone())) {
            continue;
        }
        let mut n = 2;
        let fresh = loop {
            let candidate = format!("{name} ({n})");
            if taken.insert((user.clone(), candidate.clone())) {
                break candidate;
            }
            n += 1;
        };
        renames.push((id, fresh));
    }
    for (id, name) in renames {
        let mut update = Query::update();
        update
            .table(ApiTokens::Table)
            .value(ApiTokens::Name, name)
            .and_where(Expr::col(ApiTokens::Id).eq(id));
        db.execute_raw(backend.build(&update)).await?;
    }
    Ok(())
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    Hint,
    CreatedAt,
}
