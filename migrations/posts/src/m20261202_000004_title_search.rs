//! An index of post titles by their trigrams, so a title search (`q`) finds a
//! rare word without reading every title.
//!
//! SQLite: an FTS5 table with the `trigram` tokenizer over `posts.title`
//! (external content: it stores only the index, keyed by `posts.rowid`), kept
//! in step by triggers inside the transaction of every save and delete.
//! `posts` is never VACUUMed, which is what keeps its rowids stable; a VACUUM
//! would have to be followed by `INSERT INTO post_titles(post_titles)
//! VALUES('rebuild')`. PostgreSQL: a `pg_trgm` GIN index, which its planner
//! uses for `LIKE '%word%'` by itself (when the extension is available; else
//! a title search scans, as before).

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE IF NOT EXISTS post_titles \
     USING fts5(title, content='posts', content_rowid='rowid', tokenize='trigram')",
    "INSERT INTO post_titles(post_titles) VALUES('rebuild')",
    "CREATE TRIGGER IF NOT EXISTS post_titles_insert AFTER INSERT ON posts BEGIN \
     INSERT INTO post_titles(rowid, title) VALUES (new.rowid, new.title); END",
    "CREATE TRIGGER IF NOT EXISTS post_titles_delete AFTER DELETE ON posts BEGIN \
     INSERT INTO post_titles(post_titles, rowid, title) VALUES ('delete', old.rowid, old.title); END",
    "CREATE TRIGGER IF NOT EXISTS post_titles_update AFTER UPDATE OF title ON posts BEGIN \
     INSERT INTO post_titles(post_titles, rowid, title) VALUES ('delete', old.rowid, old.title); \
     INSERT INTO post_titles(rowid, title) VALUES (new.rowid, new.title); END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS post_titles_update",
    "DROP TRIGGER IF EXISTS post_titles_delete",
    "DROP TRIGGER IF EXISTS post_titles_insert",
    "DROP TABLE IF EXISTS post_titles",
];

async fn execute_all(db: &SchemaManagerConnection<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => execute_all(db, SQLITE_UP).await?,
            DbBackend::Postgres => {
                // pg_trgm ships with PostgreSQL and is trusted (13+), so a
                // database owner may create it; where it is missing, searches
                // keep working by scanning.
                let available = db
                    .query_one_raw(sea_orm::Statement::from_string(
                        DbBackend::Postgres,
                        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'",
                    ))
                    .await?
                    .is_some();
                if available {
                    db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                        .await?;
                    db.execute_unprepared(
                        "CREATE INDEX IF NOT EXISTS idx_posts_title_trigrams \
                         ON posts USING gin (title gin_trgm_ops)",
                    )
                    .await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => execute_all(db, SQLITE_DOWN).await?,
            DbBackend::Postgres => {
                db.execute_unprepared("DROP INDEX IF EXISTS idx_posts_title_trigrams")
                    .await?;
            }
            _ => {}
        }
        Ok(())
    }
}
