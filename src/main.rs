//! The `folio` binary: parses the command line, then serves or migrates.

use std::process::ExitCode;

use clap::Parser;
use folio::config::{Cli, Command};

fn main() -> ExitCode {
    give_large_buffers_back();
    keep_new_files_private();
    let cli = Cli::parse();
    let settings = match cli.settings.load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("folio: {error:#}");
            return ExitCode::from(2);
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    // Commands print their result on stdout (a token, for scripts): logs go to stderr.
    folio::telemetry::init(&settings, matches!(command, Command::Serve));
    let result = actix_web::rt::System::new().block_on(async move {
        match command {
            Command::Serve => folio::app::serve(&settings).await,
            Command::Migrate => folio::app::migrate(&settings).await,
            Command::User(command) => folio::app::user_command(&settings, command).await,
            Command::Token(command) => folio::app::token_command(&settings, command).await,
            Command::Import(command) => folio::app::import_command(&settings, command).await,
            Command::Export { file } => folio::app::export_command(&settings, &file).await,
            Command::Backup { dir } => folio::backup::backup(&settings, &dir).await,
            Command::Restore { dir } => folio::backup::restore(&settings, &dir).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("folio: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// glibc raises its mmap threshold each time a large block is freed, up to
/// 32 MB, so after the first picture every decoded row, resized variant and
/// encoded file (1–32 MB) comes from the heap arenas of whichever blocking
/// thread ran the job — and stays there. Eight 12 MP uploads at once peaked
/// anywhere from 262 to 389 MB that way (limit 400); with the threshold
/// pinned at 1 MB such buffers are unmapped when freed and the peak is a
/// steady ~260 MB. (mimalloc, tried instead, peaked at 440–460 MB.)
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn give_large_buffers_back() {
    // SAFETY: mallopt only sets an allocator parameter; it is called before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn give_large_buffers_back() {}

/// Every file and directory Folio makes — the stores and their WAL, the secret
/// key, uploads and every variant — holds what no other local account should
/// read (password hashes, drafts, pictures not yet published): owner-only
/// (0600 files, 0700 directories) whatever umask the service manager gave us.
/// `storage` also tightens what an older version left behind.
#[cfg(unix)]
fn keep_new_files_private() {
    // SAFETY: umask only sets the process's file creation mask; it is called
    // before any other thread exists.
    unsafe {
        libc::umask(0o077);
    }
}

#[cfg(not(unix))]
fn keep_new_files_private() {}
