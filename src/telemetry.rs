//! Logging: `tracing` to stdout, human-readable by default, JSON on request, and
//! panics routed through it so a caught panic reads as part of its request's story.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use folio_config::{LogFormat, Settings};

/// Logs go to stdout for the server, to stderr for commands whose stdout is their answer.
pub fn init(settings: &Settings, to_stdout: bool) {
    // sqlx logs every statement at info; that drowns the requests.
    let filter = EnvFilter::try_new(format!("{},sqlx=warn,sea_orm=warn", settings.log))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a person at a terminal, never into files or pipes.
    let ansi = if to_stdout {
        std::io::stdout().is_terminal()
    } else {
        std::io::stderr().is_terminal()
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(move || -> Box<dyn std::io::Write> {
            if to_stdout {
                Box::new(std::io::stdout())
            } else {
                Box::new(std::io::stderr())
            }
        });
    let installed = match settings.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    if installed.is_ok() {
        std::panic::set_hook(Box::new(|info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %message, %location, "panic");
        }));
    }
}
