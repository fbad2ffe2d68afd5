//! Which posts show which pictures: one row per post and medium (in its text,
//! as its feature image or its social image), so the media library can say
//! "used in 3 posts" and warn before a used picture is deleted, without
//! reading every post. Filled here from the posts there are; every save
//! keeps it after that.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

/// Posts read at a time while filling the table.
const BATCH: usize = 500;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PostMedia::Table)
                    .if_not_exists()
                    .col(uuid(PostMedia::PostId))
                    .col(string_len(PostMedia::MediumId, 64))
                    .primary_key(
                        Index::create()
                            .col(PostMedia::PostId)
                            .col(PostMedia::MediumId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PostMedia::Table, PostMedia::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_post_media_medium_id")
                    .table(PostMedia::Table)
                    .col(PostMedia::MediumId)
                    .to_owned(),
            )
            .await?;
        fill(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PostMedia::Table).to_owned())
            .await
    }
}

/// Every existing post's pictures, a batch of posts at a time in id order.
async fn fill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let mut after: Option<sea_orm_migration::sea_orm::prelude::Uuid> = None;
    loop {
        let mut select = Query::select();
        select
            .column((PostBodies::Table, PostBodies::PostId))
            .column((PostBodies::Table, PostBodies::Html))
            .column((Posts::Table, Posts::FeatureImage))
            .from(PostBodies::Table)
            .inner_join(
                Posts::Table,
                Expr::col((Posts::Table, Posts::Id))
                    .equals((PostBodies::Table, PostBodies::PostId)),
            )
            .order_by((PostBodies::Table, PostBodies::PostId), Order::Asc)
            .limit(BATCH as u64);
        if let Some(after) = after {
            select.and_where(Expr::col((PostBodies::Table, PostBodies::PostId)).gt(after));
        }
        let rows = db.query_all_raw(backend.build(&select)).await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut insert = Query::insert();
        insert
            .into_table(PostMedia::Table)
            .columns([PostMedia::PostId, PostMedia::MediumId])
            .on_conflict(OnConflict::new().do_nothing().to_owned());
        let mut any = false;
        for row in &rows {
            let post: sea_orm_migration::sea_orm::prelude::Uuid = row.try_get("", "post_id")?;
            let html: String = row.try_get("", "html")?;
            let feature: Option<String> = row.try_get("", "feature_image")?;
            let mut ids = media_ids(&html);
            ids.extend(feature);
            ids.sort();
            ids.dedup();
            for id in ids {
                insert
                    .values([post.into(), id.into()])
                    .map_err(|error| DbErr::Custom(error.to_string()))?;
                any = true;
            }
            after = Some(post);
        }
        if any {
            db.execute_raw(backend.build(&insert)).await?;
        }
        if rows.len() < BATCH {
            return Ok(());
        }
    }
}

/// The media ids of `media:ID` pictures in a post's HTML (the form render
/// keeps them in): the same the posts store extracts on every save.
fn media_ids(html: &str) -> Vec<String> {
    html.match_indices("src=\"media:")
        .filter_map(|(at, needle)| {
            let rest = &html[at + needle.len()..];
            let id = &rest[..rest.find('"')?];
            (!id.is_empty()
                && id.len() <= 64
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            .then(|| id.to_owned())
        })
        .collect()
}

#[derive(DeriveIden)]
enum PostMedia {
    Table,
    PostId,
    MediumId,
}

#[derive(DeriveIden)]
enum PostBodies {
    Table,
    PostId,
    Html,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    FeatureImage,
}

#[cfg(test)]
mod tests {
    use super::media_ids;

    #[test]
    fn the_pictures_of_a_post_are_found_as_render_leaves_them() {
        let html = "<p><img src=\"media:0190f0aa-0000-7000-8000-000000000001\" alt=\"\"></p>\
                    <p>media:not-an-image <img src=\"https://elsewhere/x.png\" alt=\"x\"></p>\
                    <img src=\"media:\" alt=\"\"><img src=\"media:a\"b\">";
        assert_eq!(
            media_ids(html),
            ["0190f0aa-0000-7000-8000-000000000001", "a"]
        );
    }
}
