//! The `folio` binary: parses the command line, then serves or migrates.

use std::process::ExitCode;

use clap::Parser;
use folio::config::{Cli, Command};

fn main() -> ExitCode {
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
