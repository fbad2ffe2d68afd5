//! Opening a concern's database: an SQLite file (the default) or PostgreSQL.
//! The SQLite settings are what make a 2xx durable: WAL, synced before a write
//! is answered (on commit, or by the store's writer itself: `writer_connection`).
//! Also what keeps the files on disk private: owner-only directories and files,
//! and the group-commit writer a store's writes go through (`writer`).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, SqlxSqliteConnector};

mod script;
mod writer;
pub use script::Script;
pub use writer::{Deferred, Durability, WriteFailed, Writer};

/// Where a concern's store lives. The configuration says which; this module
/// is the one that knows what each kind means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    SqliteFile(PathBuf),
    Url(String),
}

/// Connects to a store. Each concern calls this for its own database only.
pub async fn connect(location: &StoreLocation) -> anyhow::Result<DatabaseConnection> {
    match database(location)? {
        Named::Sqlite(options, what) => sqlite(*options, &what).await,
        Named::Postgres(url) => {
            let mut options = ConnectOptions::new(url.to_owned());
            options
                .max_connections(16)
                .min_connections(1)
                .connect_timeout(Duration::from_secs(5))
                .sqlx_logging(false)
                // Every query is prepared once per connection and kept; after
                // five runs PostgreSQL may keep one generic plan for it, made
                // while the tables were small, and only fresh statistics
                // replace it. Where autovacuum is off (CI's server), none
                // come: the slug check of every create stayed a sequential
                // scan and cost 20 ms at 80,000 posts. Planning each run with
                // its parameters costs tens of microseconds.
                .map_sqlx_postgres_opts(|pg| {
                    pg.options([("plan_cache_mode", "force_custom_plan")])
                });
            Database::connect(options)
                .await
                .with_context(|| format!("could not connect to {}", redact(url)))
        }
    }
}

/// Runs `migrate` (a store's pending migrations) holding the store's
/// migration lock. On PostgreSQL that is an advisory lock, held by one
/// connection until the migrations are done: replicas that start at once
/// migrate one after the other, and the later ones find nothing to do. (It is
/// released with the connection if the process dies.) SQLite's own write lock
/// serialises migrations there, and only one process opens a SQLite store.
pub async fn with_migration_lock<F, Fut>(
    db: &DatabaseConnection,
    store: &str,
    migrate: F,
) -> anyhow::Result<()>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(), sea_orm::DbErr>>,
{
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return migrate().await.map_err(Into::into);
    }
    let key = format!("folio-migrate-{store}");
    let pool = db.get_postgres_connection_pool();
    let mut lock = pool
        .acquire()
        .await
        .context("taking a connection for the migration lock")?;
    sea_orm::sqlx::query("SELECT pg_advisory_lock(hashtext($1))")
        .bind(&key)
        .execute(&mut *lock)
        .await
        .context("taking the migration lock")?;
    let migrated = migrate().await;
    let unlocked = sea_orm::sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
        .bind(&key)
        .execute(&mut *lock)
        .await;
    migrated?;
    unlocked.context("releasing the migration lock")?;
    Ok(())
}

/// The database a location names.
enum Named<'a> {
    /// Its options, and how to name it in errors.
    Sqlite(Box<SqliteConnectOptions>, String),
    Postgres(&'a str),
}

fn database(location: &StoreLocation) -> anyhow::Result<Named<'_>> {
    Ok(match location {
        StoreLocation::SqliteFile(path) => Named::Sqlite(
            Box::new(SqliteConnectOptions::new().filename(path)),
            path.display().to_string(),
        ),
        StoreLocation::Url(url) if url.starts_with("sqlite:") => Named::Sqlite(
            Box::new(
                SqliteConnectOptions::from_str(url)
                    .with_context(|| format!("{url} is not a valid SQLite URL"))?,
            ),
            url.clone(),
        ),
        StoreLocation::Url(url) => Named::Postgres(url),
    })
}

/// What every connection to a store's SQLite file shares; each adds its sync.
fn in_wal_mode(options: SqliteConnectOptions) -> SqliteConnectOptions {
    options
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
}

/// The connection a store's [`Writer`] writes through, and how its commits
/// become durable. `db` is the store's connection from [`connect`].
///
/// On SQLite the writer gets a connection of its own with `synchronous =
/// NORMAL`: COMMIT only appends to the WAL, and the writer syncs the WAL file
/// itself before answering, while it already runs the next batch (see
/// `writer`). Every other connection keeps FULL. On PostgreSQL the server makes
/// the commit durable and the writer shares the store's pool.
pub async fn writer_connection(
    location: &StoreLocation,
    db: &DatabaseConnection,
) -> anyhow::Result<(DatabaseConnection, Durability)> {
    let Named::Sqlite(options, what) = database(location)? else {
        return Ok((db.clone(), Durability::AtCommit));
    };
    let [_, wal, _] = sqlite_files(options.get_filename());
    // One connection, never closed while the store is open: the writer is its
    // only user, and reopening would cost a batch its latency for nothing.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(in_wal_mode(*options).synchronous(SqliteSynchronous::Normal))
        .await
        .with_context(|| format!("could not open the writer's connection to {what}"))?;
    Ok((
        SqlxSqliteConnector::from_sqlx_sqlite_pool(pool),
        Durability::SyncWal(wal),
    ))
}

async fn sqlite(options: SqliteConnectOptions, what: &str) -> anyhow::Result<DatabaseConnection> {
    let files = sqlite_files(options.get_filename());
    // FULL: a committed transaction survives a crash or power cut, which is what a 2xx promises.
    let options = in_wal_mode(options)
        .create_if_missing(true)
        .synchronous(SqliteSynchronous::Full);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        .connect_with(options)
        .await
        .with_context(|| format!("could not open the SQLite database {what}"))?;
    // New files are private by the process's umask (see main.rs); these may
    // come from an older version, which left them 0644. SQLite gives a WAL or
    // shared-memory file it creates later the database file's own mode.
    for file in files {
        make_private(&file)
            .with_context(|| format!("could not make {} private", file.display()))?;
    }
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// A database file and the write-ahead log and shared memory beside it.
fn sqlite_files(database: &Path) -> [PathBuf; 3] {
    let beside = |suffix: &str| {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [database.to_owned(), beside("-wal"), beside("-shm")]
}

/// Creates `dir` (and its parents) if missing; either way, only its owner may
/// enter it.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    make_private(dir)
}

/// Takes group and other permissions off `path` (0700 for a directory, 0600
/// for a file), if it exists.
pub fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(error),
        };
        let mode = metadata.permissions().mode();
        if mode & 0o077 != 0 {
            let private = if metadata.is_dir() { 0o700 } else { 0o600 };
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(private))?;
            tracing::info!(path = %path.display(), "made private (it was {:o})", mode & 0o777);
        }
    }
    Ok(())
}

/// A database URL fit for logs: the password, if any, replaced.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}
