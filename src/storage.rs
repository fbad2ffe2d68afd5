//! Opening a concern's database: an SQLite file (the default) or PostgreSQL.
//! The SQLite settings are what make a 2xx durable: WAL with a full sync on commit.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, SqlxSqliteConnector};

use crate::config::StoreLocation;

/// Connects to a store. Each concern calls this for its own database only.
pub async fn connect(location: &StoreLocation) -> anyhow::Result<DatabaseConnection> {
    match location {
        StoreLocation::SqliteFile(path) => {
            sqlite(
                SqliteConnectOptions::new().filename(path),
                &path.display().to_string(),
            )
            .await
        }
        StoreLocation::Url(url) if url.starts_with("sqlite:") => {
            let options = SqliteConnectOptions::from_str(url)
                .with_context(|| format!("{url} is not a valid SQLite URL"))?;
            sqlite(options, url).await
        }
        StoreLocation::Url(url) => {
            let mut options = ConnectOptions::new(url.clone());
            options
                .max_connections(16)
                .min_connections(1)
                .connect_timeout(Duration::from_secs(5))
                .sqlx_logging(false);
            Database::connect(options)
                .await
                .with_context(|| format!("could not connect to {}", redact(url)))
        }
    }
}

async fn sqlite(options: SqliteConnectOptions, what: &str) -> anyhow::Result<DatabaseConnection> {
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a committed transaction survives a crash or power cut, which is what a 2xx promises.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        .connect_with(options)
        .await
        .with_context(|| format!("could not open the SQLite database {what}"))?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
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
