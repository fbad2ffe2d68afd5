//! The PostgreSQL side of backup and restore: `pg_dump` of a store as one
//! snapshot sees it (media's list of files read in that same snapshot), and
//! `pg_restore` into an empty database. The tools run as child processes of
//! the server's major version; a URL's password goes to them in `PGPASSWORD`,
//! never on a command line (which other users can list) nor in a message.

use std::path::Path;
use std::process::Command;

use anyhow::Context;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DbBackend, IsolationLevel, Statement,
    TransactionTrait,
};

use folio_media::BlobKey;
use folio_storage::{StoreLocation, redact};

use super::BackupError;

/// The client tools a backup and a restore run.
#[derive(Debug, Clone, Copy)]
pub(super) enum Tool {
    Dump,
    Restore,
}

impl Tool {
    fn program(self) -> &'static str {
        match self {
            Tool::Dump => "pg_dump",
            Tool::Restore => "pg_restore",
        }
    }
}

async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    folio_storage::connect(&StoreLocation::Url(url.to_owned())).await
}

/// Refuses, before anything is written, when `tool` is missing or is not of
/// the major version of the server at `url`: an older `pg_dump` refuses a
/// newer server anyway, and a newer one writes archives an older
/// `pg_restore` cannot read.
pub(super) async fn check_tool(tool: Tool, url: &str) -> Result<(), BackupError> {
    let db = connect(url).await?;
    let server = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_setting('server_version_num')::int / 10000 AS major",
        ))
        .await
        .with_context(|| format!("could not ask {} its version", redact(url)))?
        .context("the server did not say its version")?
        .try_get::<i32>("", "major")
        .context("reading the server's version")?;
    db.close().await.ok();
    let program = tool.program();
    let output = match Command::new(program).arg("--version").output() {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(BackupError::Unsupported(format!(
                "{program} is not installed (or not on PATH): a store on PostgreSQL is backed up and restored with pg_dump and pg_restore of the server's major version, {server}"
            )));
        }
        Err(error) => return Err(anyhow::anyhow!("could not run {program}: {error}").into()),
    };
    let said = String::from_utf8_lossy(&output.stdout);
    match major_version(&said) {
        Some(major) if major == server => Ok(()),
        found => Err(BackupError::Unsupported(format!(
            "{program} is {} and the server at {} is PostgreSQL {server}: install {program} {server} (the postgresql-client-{server} package) and put it first on PATH",
            found.map_or_else(
                || format!("of an unknown version ({})", said.trim()),
                |m| format!("version {m}")
            ),
            redact(url)
        ))),
    }
}

/// The major version in `pg_dump (PostgreSQL) 15.20 (Debian …)`.
fn major_version(said: &str) -> Option<i32> {
    let version = said.split(')').nth(1)?.split_whitespace().next()?;
    let digits: String = version.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The tables `url`'s database holds, a few of them: a restore writes only
/// into a database that has none.
pub(super) async fn tables(url: &str) -> anyhow::Result<Vec<String>> {
    let db = connect(url).await?;
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables \
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema') \
             ORDER BY 1 LIMIT 3",
        ))
        .await
        .with_context(|| format!("could not list the tables of {}", redact(url)))?;
    db.close().await.ok();
    rows.iter()
        .map(|row| row.try_get::<String>("", "name").map_err(Into::into))
        .collect()
}

/// Dumps `url`'s database into `target` (pg_dump's custom format) as one
/// snapshot sees it; with `media_files`, also answers which files media's
/// records in that same snapshot name, so the dump and the files copied
/// after it agree. pg_dump reads without blocking the site's writers.
pub(super) async fn dump(
    url: &str,
    target: &Path,
    media_files: bool,
) -> anyhow::Result<Option<Vec<BlobKey>>> {
    let db = connect(url).await?;
    // pg_dump reads in a snapshot this transaction exports: it must stay open
    // until pg_dump has started its own transaction, and media's records are
    // read inside it afterwards.
    let snapshot = db
        .begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await
        .context("starting the snapshot's transaction")?;
    let id: String = snapshot
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_export_snapshot() AS id",
        ))
        .await
        .context("exporting a snapshot")?
        .context("no snapshot was exported")?
        .try_get("", "id")
        .context("reading the snapshot's id")?;
    let mut command = command(Tool::Dump, url)?;
    command
        .arg("--format=custom")
        .arg(format!("--snapshot={id}"))
        .arg("--file")
        .arg(target);
    run(command, Tool::Dump, url).await?;
    let files = match media_files {
        true => Some(folio_media::stored_files_in(&snapshot).await?),
        false => None,
    };
    snapshot.rollback().await.ok();
    db.close().await.ok();
    Ok(files)
}

/// Restores the dump at `dump` into `url`'s (empty) database in one
/// transaction: on failure the database is left as it was. Objects belong to
/// the user the URL connects as, whoever owned them where the dump was made.
pub(super) async fn restore(url: &str, dump: &Path) -> anyhow::Result<()> {
    let mut command = command(Tool::Restore, url)?;
    command
        .args([
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
        ])
        .arg(dump);
    run(command, Tool::Restore, url).await
}

/// `tool --dbname URL` with the URL's password, if any, in `PGPASSWORD`.
fn command(tool: Tool, url: &str) -> anyhow::Result<Command> {
    let mut parsed =
        url::Url::parse(url).with_context(|| format!("{} is not a valid URL", redact(url)))?;
    let mut command = Command::new(tool.program());
    if let Some(password) = parsed.password() {
        let password = percent_encoding::percent_decode_str(password)
            .decode_utf8()
            .context("the database URL's password is not valid UTF-8")?
            .into_owned();
        command.env("PGPASSWORD", password);
        let _ = parsed.set_password(None);
    }
    command.arg("--dbname").arg(parsed.as_str());
    Ok(command)
}

/// Runs `command` off the async workers; its error output, if it fails.
async fn run(mut command: Command, tool: Tool, url: &str) -> anyhow::Result<()> {
    let program = tool.program();
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .context("the thread running the tool failed")?
        .with_context(|| format!("could not run {program}"))?;
    if !output.status.success() {
        anyhow::bail!(
            "{program} failed on {} ({}): {}",
            redact(url),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn the_major_version_is_read_from_what_the_tools_say() {
        let major = super::major_version;
        assert_eq!(
            major("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n"),
            Some(15)
        );
        assert_eq!(major("pg_restore (PostgreSQL) 16beta1"), Some(16));
        assert_eq!(major("something else"), None);
    }

    #[test]
    fn a_password_goes_in_the_environment_not_on_the_command_line() {
        let command =
            super::command(super::Tool::Dump, "postgres://folio:s%40cret@db:5432/posts").unwrap();
        let args: Vec<_> = command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(args, ["--dbname", "postgres://folio@db:5432/posts"]);
        let password = command
            .get_envs()
            .find(|(name, _)| *name == "PGPASSWORD")
            .and_then(|(_, value)| value)
            .unwrap();
        assert_eq!(password, "s@cret");
    }
}
