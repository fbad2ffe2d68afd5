//! The posts store at 100,000 posts: bodies apart from the narrow `posts` rows,
//! a word count for reading times, the listing columns copied onto `post_tags`,
//! counts kept as data changes, and an index per listing shape.
//!
//! Every listing reads ids in index order (`published_at, created_at, id`) with
//! its equality filters as the index's leading columns, so a page costs its
//! offset in index entries (counted from the nearer end), never a sort or a
//! scan of bodies. Totals and the tags list read `post_counts` / `tag_counts`,
//! which the store updates in the transaction of every save, delete and reassign.

use sea_orm::prelude::Uuid;
use sea_orm::sea_query::CaseStatement;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

/// Posts whose word counts are computed per statement while backfilling.
const BATCH: u64 = 500;

/// Words in a Markdown source: what a reading time is computed from. The same
/// rule as the posts concern's `domain::word_count` (this crate cannot use it).
fn word_count(markdown: &str) -> i32 {
    <i32 as TryFrom<usize>>::try_from(markdown.split_whitespace().count()).unwrap_or(i32::MAX)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();

        // Bodies: copied before the columns go.
        manager
            .create_table(
                Table::create()
                    .table(PostBodies::Table)
                    .if_not_exists()
                    .col(pk_uuid(PostBodies::PostId))
                    .col(text(PostBodies::Markdown))
                    .col(text(PostBodies::Html))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PostBodies::Table, PostBodies::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "INSERT INTO post_bodies (post_id, markdown, html) SELECT id, markdown, html FROM posts",
        )
        .await?;

        // Words, while the Markdown is still beside them.
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .add_column(integer(Posts::Words).default(0))
                    .to_owned(),
            )
            .await?;
        let mut after: Option<Uuid> = None;
        loop {
            let mut select = Query::select();
            select
                .columns([Posts::Id, Posts::Markdown])
                .from(Posts::Table)
                .order_by(Posts::Id, Order::Asc)
                .limit(BATCH);
            if let Some(last) = after {
                select.and_where(Expr::col(Posts::Id).gt(last));
            }
            let rows = db.query_all(&select).await?;
            if rows.is_empty() {
                break;
            }
            let mut case = CaseStatement::new();
            let mut ids = Vec::with_capacity(rows.len());
            for row in &rows {
                let id: Uuid = row.try_get("", "id")?;
                let markdown: String = row.try_get("", "markdown")?;
                case = case.case(Expr::col(Posts::Id).eq(id), word_count(&markdown));
                ids.push(id);
            }
            after = ids.last().copied();
            // One statement per batch, not per post: a migration over 100,000
            // posts on SQLite would otherwise sync 100,000 times.
            db.execute(
                Query::update()
                    .table(Posts::Table)
                    .value(Posts::Words, case.finally(0))
                    .and_where(Expr::col(Posts::Id).is_in(ids)),
            )
            .await?;
            if (rows.len() as u64) < BATCH {
                break;
            }
        }
        // SQLite drops one column per statement.
        for column in [Posts::Markdown, Posts::Html] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Posts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }

        // What a tag listing sorts and filters on, beside the link. Nullable or
        // defaulted because SQLite adds no NOT NULL column without a default;
        // the store writes every one of them on every save.
        for column in [
            string_len(PostTags::Status, 16).default("draft").to_owned(),
            string_len(PostTags::Kind, 8).default("post").to_owned(),
            timestamp_with_time_zone_null(PostTags::PublishedAt),
            timestamp_with_time_zone_null(PostTags::CreatedAt),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(PostTags::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        db.execute_unprepared(
            "UPDATE post_tags SET \
               status = (SELECT status FROM posts WHERE posts.id = post_tags.post_id), \
               kind = (SELECT kind FROM posts WHERE posts.id = post_tags.post_id), \
               published_at = (SELECT published_at FROM posts WHERE posts.id = post_tags.post_id), \
               created_at = (SELECT created_at FROM posts WHERE posts.id = post_tags.post_id)",
        )
        .await?;

        // Counts, kept as data changes.
        manager
            .create_table(
                Table::create()
                    .table(PostCounts::Table)
                    .if_not_exists()
                    .col(uuid(PostCounts::AuthorId))
                    .col(string_len(PostCounts::Status, 16))
                    .col(string_len(PostCounts::Kind, 8))
                    .col(big_integer(PostCounts::N).default(0))
                    .primary_key(
                        Index::create()
                            .col(PostCounts::AuthorId)
                            .col(PostCounts::Status)
                            .col(PostCounts::Kind),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TagCounts::Table)
                    .if_not_exists()
                    .col(uuid(TagCounts::TagId))
                    // Per author too: a writer's own tags, a tag with an
                    // author filter, and a reassign are read, not counted.
                    .col(uuid(TagCounts::AuthorId))
                    .col(string_len(TagCounts::Status, 16))
                    .col(string_len(TagCounts::Kind, 8))
                    .col(big_integer(TagCounts::N).default(0))
                    .primary_key(
                        Index::create()
                            .col(TagCounts::TagId)
                            .col(TagCounts::AuthorId)
                            .col(TagCounts::Status)
                            .col(TagCounts::Kind),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TagCounts::Table, TagCounts::TagId)
                            .to(Tags::Table, Tags::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "INSERT INTO post_counts (author_id, status, kind, n) \
             SELECT author_id, status, kind, COUNT(*) FROM posts GROUP BY author_id, status, kind",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO tag_counts (tag_id, author_id, status, kind, n) \
             SELECT post_tags.tag_id, posts.author_id, post_tags.status, post_tags.kind, COUNT(*) \
             FROM post_tags JOIN posts ON posts.id = post_tags.post_id \
             GROUP BY post_tags.tag_id, posts.author_id, post_tags.status, post_tags.kind",
        )
        .await?;

        // One index per listing shape; the shorter ones they replace go.
        for (table, name) in [
            (Posts::Table.into_iden(), "idx_posts_status_published_at"),
            (PostTags::Table.into_iden(), "idx_post_tags_tag_id"),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        let order = [Posts::PublishedAt, Posts::CreatedAt, Posts::Id];
        let post_indexes: [(&str, Vec<Posts>); 5] = [
            (
                "idx_posts_status_kind_order",
                vec![Posts::Status, Posts::Kind],
            ),
            ("idx_posts_status_order", vec![Posts::Status]),
            (
                "idx_posts_author_status_kind_order",
                vec![Posts::AuthorId, Posts::Status, Posts::Kind],
            ),
            ("idx_posts_author_order", vec![Posts::AuthorId]),
            ("idx_posts_order", vec![]),
        ];
        for (name, leading) in post_indexes {
            let mut index = Index::create();
            index.name(name).table(Posts::Table);
            for column in leading.into_iter().chain(order) {
                index.col(column);
            }
            if name == "idx_posts_order" || name == "idx_posts_status_order" {
                // A title search (the public one is of published posts) scans
                // one of these in listing order: with the title in it, neither
                // the count nor the page reads a row per post it checks.
                index.col(Posts::Title);
            }
            manager.create_index(index.to_owned()).await?;
        }
        let tag_order = [PostTags::PublishedAt, PostTags::CreatedAt, PostTags::PostId];
        let tag_indexes: [(&str, Vec<PostTags>); 2] = [
            (
                "idx_post_tags_tag_status_kind_order",
                vec![PostTags::TagId, PostTags::Status, PostTags::Kind],
            ),
            ("idx_post_tags_tag_order", vec![PostTags::TagId]),
        ];
        for (name, leading) in tag_indexes {
            let mut index = Index::create();
            index.name(name).table(PostTags::Table);
            for column in leading.into_iter().chain(tag_order) {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for name in [
            "idx_posts_status_kind_order",
            "idx_posts_status_order",
            "idx_posts_author_status_kind_order",
            "idx_posts_author_order",
            "idx_posts_order",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Posts::Table).to_owned())
                .await?;
        }
        for name in [
            "idx_post_tags_tag_status_kind_order",
            "idx_post_tags_tag_order",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(PostTags::Table).to_owned())
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_posts_status_published_at")
                    .table(Posts::Table)
                    .col(Posts::Status)
                    .col(Posts::PublishedAt)
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
        for table in [TagCounts::Table.into_iden(), PostCounts::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in [
            PostTags::Status,
            PostTags::Kind,
            PostTags::PublishedAt,
            PostTags::CreatedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PostTags::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [Posts::Markdown, Posts::Html] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Posts::Table)
                        .add_column(text(column).default(""))
                        .to_owned(),
                )
                .await?;
        }
        db.execute_unprepared(
            "UPDATE posts SET \
               markdown = (SELECT markdown FROM post_bodies WHERE post_bodies.post_id = posts.id), \
               html = (SELECT html FROM post_bodies WHERE post_bodies.post_id = posts.id)",
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .drop_column(Posts::Words)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PostBodies::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Posts {
    Table,
    Id,
    Title,
    Markdown,
    Html,
    Words,
    Status,
    Kind,
    AuthorId,
    PublishedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PostBodies {
    Table,
    PostId,
    Markdown,
    Html,
}

#[derive(DeriveIden, Clone, Copy)]
enum PostTags {
    Table,
    PostId,
    TagId,
    Status,
    Kind,
    PublishedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PostCounts {
    Table,
    AuthorId,
    Status,
    Kind,
    N,
}

#[derive(DeriveIden)]
enum TagCounts {
    Table,
    TagId,
    AuthorId,
    Status,
    Kind,
    N,
}
