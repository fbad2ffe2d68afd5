//! Command line and configuration: flags, `FOLIO_*` environment variables and an
//! optional TOML file, merged in that order of precedence over the defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use url::Url;

use folio_runtime::{ConcernName, RestartPolicy};
pub use folio_search_protocol::domain::Language;
use folio_storage::{StoreLocation, redact};

#[derive(Debug, Parser)]
#[command(
    name = "folio",
    version,
    about = "Folio: a publishing platform in one binary.",
    long_about = "Folio: a publishing platform in one binary.\n\n\
        Settings come from flags, then FOLIO_* environment variables, then the TOML file \
        given with --config, then the defaults shown below."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the site and the API (the default).
    Serve,
    /// Apply pending migrations to every store, then exit.
    Migrate,
    /// Manage accounts without a running server.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens without a running server.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Bring posts, pages, authors, tags and images in from WordPress or
    /// Ghost, without a running server (stop the site first).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write the whole site out, without a running server (stop the site
    /// first, or download the export from the admin): FILE.xml is a
    /// WordPress export (WXR) that WordPress's importer takes and `folio
    /// import wordpress` takes back; FILE.zip holds that file, every post
    /// and page as Markdown with YAML front matter, and every image.
    Export {
        /// Where to write: a .xml or a .zip file (replaced if it exists).
        file: PathBuf,
    },
    /// Write a consistent snapshot of every store, media's files and the
    /// secret key into DIR, beside a running site (it keeps serving and
    /// accepting writes). SQLite stores and media on disk only.
    Backup {
        /// A new or empty directory; it holds the site's secrets afterwards.
        dir: PathBuf,
    },
    /// Bring a backup back into an empty (or new) data directory, after
    /// checking every file against the backup's manifest.
    Restore {
        /// A directory `folio backup` wrote.
        dir: PathBuf,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum ImportCommand {
    /// A WordPress export: the WXR file of Tools → Export → All content.
    Wordpress {
        /// The .xml file WordPress wrote.
        file: PathBuf,
        /// A copy of the site's wp-content/uploads folder: images are taken
        /// from it (never from outside it); without it, none are imported.
        #[arg(long, value_name = "DIR")]
        uploads: Option<PathBuf>,
        #[command(flatten)]
        common: ImportArgs,
    },
    /// A Ghost export: the JSON file of Settings → Advanced → Export.
    Ghost {
        /// The .json file Ghost wrote.
        file: PathBuf,
        #[command(flatten)]
        common: ImportArgs,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// Read and check the file and print the report; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The administrator the import is done as, who owns its images
    /// [default: the owner].
    #[arg(long = "as", value_name = "EMAIL")]
    pub as_email: Option<String>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// contributor, author, editor, administrator or owner (only if there is none yet)
        #[arg(long)]
        role: String,
        /// Read the password from standard input (required: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it, and nothing else, on stdout.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// read or write
        #[arg(long)]
        scope: String,
    },
}

/// Every flag is optional so the TOML file and the defaults can fill what is not given.
#[derive(Debug, Default, Args, Serialize)]
pub struct SettingsArgs {
    /// TOML file with settings; its keys are the long flag names with `_` for `-`,
    /// database URLs under [database], supervision settings under [supervision].
    #[arg(long, global = true, env = "FOLIO_CONFIG", value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,

    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, global = true, env = "FOLIO_LISTEN", value_name = "ADDR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,

    /// Directory for the databases and media files; created if missing [default: ./data]
    #[arg(long, global = true, env = "FOLIO_DATA_DIR", value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,

    /// Public URL of the site, used in links, feeds and cookies [default: http://<listen>]
    #[arg(long, global = true, env = "FOLIO_PUBLIC_URL", value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<Url>,

    /// The parts this process runs, comma-separated, of gateway, auth, posts,
    /// render and media; the others are reached over NATS (--nats)
    /// [default: all of them, in this process]
    #[arg(
        long,
        global = true,
        env = "FOLIO_CONCERNS",
        value_name = "LIST",
        value_delimiter = ','
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concerns: Option<Vec<String>>,

    /// NATS server that joins the processes of a split site, e.g.
    /// nats://127.0.0.1:4222 [default: none; needed when --concerns leaves any out]
    #[arg(
        long = "nats",
        global = true,
        env = "FOLIO_NATS_URL",
        value_name = "URL"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nats_url: Option<String>,

    /// Where media keeps its files: `fs` (under --data-dir) or `nats`
    /// (JetStream's object store, which every process of a split site
    /// reaches; needs --nats) [default: fs]
    #[arg(long, global = true, env = "FOLIO_MEDIA_STORE", value_name = "STORE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_store: Option<MediaStoreKind>,

    /// The language of the site's posts, for search's stemming: en, fr, de,
    /// es, it, pt or nl; changing it rebuilds the search index [default: en]
    #[arg(
        long,
        global = true,
        env = "FOLIO_SEARCH_LANGUAGE",
        value_name = "CODE"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_language: Option<Language>,

    /// Enable POST /api/v1/admin/faults to inject panics, hangs and errors (testing only) [default: off]
    #[arg(long, global = true, env = "FOLIO_FAULT_INJECTION")]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fault_injection: bool,

    /// HTTP worker threads [default: number of cores]
    #[arg(long, global = true, env = "FOLIO_WORKERS", value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workers: Option<usize>,

    /// How long a stopping server waits for requests in flight [default: 30s]
    #[arg(long, global = true, env = "FOLIO_SHUTDOWN_TIMEOUT", value_name = "DURATION", value_parser = humantime::parse_duration)]
    #[serde(skip_serializing_if = "Option::is_none", with = "humantime_serde")]
    pub shutdown_timeout: Option<Duration>,

    /// Log format [default: text]
    #[arg(long, global = true, env = "FOLIO_LOG_FORMAT", value_name = "FORMAT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,

    /// Log filter, in tracing's EnvFilter syntax [default: info]
    #[arg(long, global = true, env = "FOLIO_LOG", value_name = "FILTER")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,

    #[command(flatten)]
    #[serde(skip_serializing_if = "DatabaseArgs::is_empty")]
    pub database: DatabaseArgs,

    /// Secret for signing principals and CSRF tokens, at least 32 characters
    /// [default: generated once into <data-dir>/secret.key]
    #[arg(
        long,
        global = true,
        env = "FOLIO_SECRET_KEY",
        value_name = "SECRET",
        hide_env_values = true
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,

    /// The site's name, shown in pages and feeds [default: Folio]
    #[arg(long, global = true, env = "FOLIO_SITE_TITLE", value_name = "TEXT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_title: Option<String>,

    /// One line about the site, under its name and in feeds [default: none]
    #[arg(
        long,
        global = true,
        env = "FOLIO_SITE_DESCRIPTION",
        value_name = "TEXT"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_description: Option<String>,

    /// Directory whose templates (site/post.html, …) override the built-in theme [default: none]
    #[arg(long, global = true, env = "FOLIO_THEME_DIR", value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme_dir: Option<PathBuf>,

    /// Longest a built public page is served from memory; a backstop for
    /// changes no event announced [default: 5m]
    #[arg(long, global = true, env = "FOLIO_PAGE_CACHE_TTL", value_name = "DURATION", value_parser = humantime::parse_duration)]
    #[serde(skip_serializing_if = "Option::is_none", with = "humantime_serde")]
    pub page_cache_ttl: Option<Duration>,

    /// Most memory the built public pages may take, in bytes (pages and their
    /// keys); the least used go first [default: 67108864]
    #[arg(
        long,
        global = true,
        env = "FOLIO_PAGE_CACHE_BYTES",
        value_name = "BYTES"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_cache_bytes: Option<u64>,

    /// Largest image upload accepted, in bytes [default: 40000000]
    #[arg(
        long,
        global = true,
        env = "FOLIO_MAX_UPLOAD_BYTES",
        value_name = "BYTES"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_upload_bytes: Option<usize>,

    /// Largest export file the admin's import accepts, in bytes [default: 512000000]
    #[arg(
        long,
        global = true,
        env = "FOLIO_MAX_IMPORT_BYTES",
        value_name = "BYTES"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_import_bytes: Option<u64>,

    /// How long a request body may go without a byte before the request is
    /// answered 408 and the connection closed [default: 30s]
    #[arg(long, global = true, env = "FOLIO_BODY_IDLE_TIMEOUT", value_name = "DURATION", value_parser = humantime::parse_duration)]
    #[serde(skip_serializing_if = "Option::is_none", with = "humantime_serde")]
    pub body_idle_timeout: Option<Duration>,

    /// Largest Markdown document accepted, in bytes [default: 1048576]
    #[arg(
        long,
        global = true,
        env = "FOLIO_MAX_MARKDOWN_BYTES",
        value_name = "BYTES"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_markdown_bytes: Option<usize>,

    #[command(flatten)]
    #[serde(skip_serializing_if = "SupervisionArgs::is_empty")]
    pub supervision: SupervisionArgs,

    #[command(flatten)]
    #[serde(skip_serializing_if = "AuthArgs::is_empty")]
    pub auth: AuthArgs,
}

#[derive(Debug, Default, Args, Serialize)]
pub struct AuthArgs {
    /// A session unused this long ends [default: 14days]
    #[arg(long, global = true, env = "FOLIO_SESSION_IDLE_TIMEOUT", value_name = "DURATION", value_parser = humantime::parse_duration)]
    #[serde(skip_serializing_if = "Option::is_none", with = "humantime_serde")]
    pub session_idle_timeout: Option<Duration>,
    /// A session ends this long after sign-in, used or not [default: 30days]
    #[arg(long, global = true, env = "FOLIO_SESSION_LIFETIME", value_name = "DURATION", value_parser = humantime::parse_duration)]
    #[serde(skip_serializing_if = "Option::is_none", with = "humantime_serde")]
    pub session_lifetime: Option<Duration>,
    /// Failed sign-ins (or password changes) allowed per client address within --login-window [default: 5]
    #[arg(long, global = true, env = "FOLIO_LOGIN_ATTEMPTS", value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_attempts: Option<u32>,
    /// Window for counting failed sign-ins [default: 1m]
    #[arg(long, global = true, env = "FOLIO_LOGIN_WINDOW", value_name = "DURATION", value_parser = humantime::parse_duration)]
    #[serde(skip_serializing_if = "Option::is_none", with = "humantime_serde")]
    pub login_window: Option<Duration>,
    /// Failed sign-ins for one account, from all addresses together, within --login-window that lock it [default: 20]
    #[arg(
        long,
        global = true,
        env = "FOLIO_LOGIN_LOCK_ATTEMPTS",
        value_name = "N"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_lock_attempts: Option<u32>,
    /// Proxies (CIDRs or addresses, comma-separated) whose Forwarded / X-Forwarded-For is believed [default: none]
    #[arg(long, global = true, env = "FOLIO_TRUSTED_PROXIES", value_name = "CIDR,...", value_delimiter = ',', value_parser = parse_network)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_proxies: Option<Vec<ipnet::IpNet>>,
}

/// `10.0.0.0/8`, or a single address such as `127.0.0.1`.
fn parse_network(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{text:?} is not a CIDR such as 10.0.0.0/8 or an address"))
}

impl AuthArgs {
    fn is_empty(&self) -> bool {
        self.session_idle_timeout.is_none()
            && self.session_lifetime.is_none()
            && self.login_attempts.is_none()
            && self.login_window.is_none()
            && self.login_lock_attempts.is_none()
            && self.trusted_proxies.is_none()
    }
}

/// Sessions and sign-in limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    #[serde(with = "humantime_serde")]
    pub session_idle_timeout: Duration,
    #[serde(with = "humantime_serde")]
    pub session_lifetime: Duration,
    pub login_attempts: u32,
    #[serde(with = "humantime_serde")]
    pub login_window: Duration,
    pub login_lock_attempts: u32,
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_idle_timeout: Duration::from_secs(14 * 24 * 3600),
            session_lifetime: Duration::from_secs(30 * 24 * 3600),
            login_attempts: 5,
            login_window: Duration::from_secs(60),
            login_lock_attempts: 20,
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Debug, Default, Args, Serialize)]
pub struct DatabaseArgs {
    /// Database of the auth concern: sqlite:… or postgres://… [default: <data-dir>/auth.db]
    #[arg(
        long = "auth-database-url",
        global = true,
        env = "FOLIO_AUTH_DATABASE_URL",
        value_name = "URL"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
    /// Database of the posts concern: sqlite:… or postgres://… [default: <data-dir>/posts.db]
    #[arg(
        long = "posts-database-url",
        global = true,
        env = "FOLIO_POSTS_DATABASE_URL",
        value_name = "URL"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub posts: Option<String>,
    /// Database of the media concern: sqlite:… or postgres://… [default: <data-dir>/media.db]
    #[arg(
        long = "media-database-url",
        global = true,
        env = "FOLIO_MEDIA_DATABASE_URL",
        value_name = "URL"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<String>,
}

impl DatabaseArgs {
    fn is_empty(&self) -> bool {
        self.auth.is_none() && self.posts.is_none() && self.media.is_none()
    }
}

#[derive(Debug, Default, Args, Serialize)]
pub struct SupervisionArgs {
    /// Deadline of every call from the gateway to a concern [default: 5s]
    #[arg(long, global = true, env = "FOLIO_CALL_TIMEOUT", value_name = "DURATION", value_parser = humantime::parse_duration)]
    #[serde(skip_serializing_if = "Option::is_none", with = "humantime_serde")]
    pub call_timeout: Option<Duration>,
    /// First restart delay after a crash; doubles up to --backoff-max [default: 100ms]
    #[arg(long, global = true, env = "FOLIO_BACKOFF_MIN", value_name = "DURATION", value_parser = humantime::parse_duration)]
    #[serde(skip_serializing_if = "Option::is_none", with = "humantime_serde")]
    pub backoff_min: Option<Duration>,
    /// Longest restart delay [default: 30s]
    #[arg(long, global = true, env = "FOLIO_BACKOFF_MAX", value_name = "DURATION", value_parser = humantime::parse_duration)]
    #[serde(skip_serializing_if = "Option::is_none", with = "humantime_serde")]
    pub backoff_max: Option<Duration>,
    /// More restarts than this within --restart-window degrade a concern [default: 5]
    #[arg(long, global = true, env = "FOLIO_RESTART_LIMIT", value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_limit: Option<u32>,
    /// Window over which restarts are counted [default: 30s]
    #[arg(long, global = true, env = "FOLIO_RESTART_WINDOW", value_name = "DURATION", value_parser = humantime::parse_duration)]
    #[serde(skip_serializing_if = "Option::is_none", with = "humantime_serde")]
    pub restart_window: Option<Duration>,
    /// Calls timing out this many times in a row restart a concern on a fresh thread [default: 3]
    #[arg(long, global = true, env = "FOLIO_TIMEOUT_LIMIT", value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_limit: Option<u32>,
    /// How long a degraded concern refuses calls before it serves again [default: 30s]
    #[arg(long, global = true, env = "FOLIO_QUIET_PERIOD", value_name = "DURATION", value_parser = humantime::parse_duration)]
    #[serde(skip_serializing_if = "Option::is_none", with = "humantime_serde")]
    pub quiet_period: Option<Duration>,
}

impl SupervisionArgs {
    fn is_empty(&self) -> bool {
        self.call_timeout.is_none()
            && self.backoff_min.is_none()
            && self.backoff_max.is_none()
            && self.restart_limit.is_none()
            && self.restart_window.is_none()
            && self.quiet_period.is_none()
            && self.timeout_limit.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The settings Folio runs with, after every source is merged and checked.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub listen: SocketAddr,
    /// The parts this process runs (see [`Hosted`]).
    pub concerns: Vec<String>,
    pub nats_url: Option<String>,
    pub media_store: MediaStoreKind,
    pub search_language: Language,
    pub data_dir: PathBuf,
    pub public_url: Option<Url>,
    pub fault_injection: bool,
    pub workers: Option<usize>,
    #[serde(with = "humantime_serde")]
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
    pub log: String,
    pub database: DatabaseUrls,
    pub secret_key: Option<String>,
    /// Largest Markdown document the render concern accepts.
    pub max_markdown_bytes: usize,
    pub max_upload_bytes: usize,
    /// Largest export file uploaded to the admin's import (streamed to disk,
    /// never held in memory).
    pub max_import_bytes: u64,
    /// A request body silent this long is given up on (408).
    #[serde(with = "humantime_serde")]
    pub body_idle_timeout: Duration,
    pub site_title: String,
    pub site_description: String,
    pub theme_dir: Option<PathBuf>,
    /// Longest a built public page is kept in memory.
    #[serde(with = "humantime_serde")]
    pub page_cache_ttl: Duration,
    /// Most memory built public pages may take.
    pub page_cache_bytes: u64,
    pub supervision: RestartPolicy,
    pub auth: AuthSettings,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseUrls {
    pub auth: Option<String>,
    pub posts: Option<String>,
    pub media: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            concerns: Hosted::all().names(),
            nats_url: None,
            media_store: MediaStoreKind::Fs,
            search_language: Language::English,
            data_dir: PathBuf::from("./data"),
            public_url: None,
            fault_injection: false,
            workers: None,
            shutdown_timeout: Duration::from_secs(30),
            log_format: LogFormat::Text,
            log: "info".to_owned(),
            database: DatabaseUrls::default(),
            secret_key: None,
            max_markdown_bytes: 1024 * 1024,
            max_upload_bytes: 40_000_000,
            max_import_bytes: 512_000_000,
            body_idle_timeout: Duration::from_secs(30),
            site_title: "Folio".to_owned(),
            site_description: String::new(),
            theme_dir: None,
            page_cache_ttl: Duration::from_secs(5 * 60),
            page_cache_bytes: 64 * 1024 * 1024,
            supervision: RestartPolicy::default(),
            auth: AuthSettings::default(),
        }
    }
}

impl SettingsArgs {
    /// Merges flags and environment (already in `self`, by clap) over the TOML
    /// file over the defaults, then checks the result.
    pub fn load(&self) -> anyhow::Result<Settings> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = &self.config {
            if !path.is_file() {
                bail!(
                    "the configuration file {} does not exist; fix --config or FOLIO_CONFIG",
                    path.display()
                );
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let settings: Settings = figment
            .merge(Serialized::defaults(self))
            .extract()
            .context("the configuration could not be read")?;
        settings.check()?;
        Ok(settings)
    }
}

impl Settings {
    fn check(&self) -> anyhow::Result<()> {
        if let Some(url) = &self.public_url
            && !matches!(url.scheme(), "http" | "https")
        {
            bail!("public_url must start with http:// or https://, not {url}");
        }
        for concern in ConcernName::STORED {
            if let StoreLocation::Url(url) = self.store(concern)
                && !["sqlite:", "postgres://", "postgresql://"]
                    .iter()
                    .any(|p| url.starts_with(p))
            {
                bail!(
                    "the {concern} database URL must start with sqlite:, postgres:// or postgresql://; got {}",
                    redact(&url)
                );
            }
        }
        self.hosted()?;
        let policy = &self.supervision;
        if policy.call_timeout < Duration::from_millis(10) {
            bail!("call_timeout must be at least 10ms");
        }
        if policy.backoff_min.is_zero() || policy.backoff_max < policy.backoff_min {
            bail!("backoff_min must be above zero and not above backoff_max");
        }
        if policy.timeout_limit == 0 {
            bail!("timeout_limit must be at least 1");
        }
        if policy.restart_limit == 0
            || policy.restart_window.is_zero()
            || policy.quiet_period.is_zero()
        {
            bail!("restart_limit, restart_window and quiet_period must be above zero");
        }
        if self.secret_key.as_ref().is_some_and(|key| key.len() < 32) {
            bail!(
                "secret_key must be at least 32 characters; generate one with `openssl rand -hex 32`"
            );
        }
        let auth = &self.auth;
        if auth.session_idle_timeout.is_zero()
            || auth.session_lifetime.is_zero()
            || auth.login_window.is_zero()
            || auth.login_attempts == 0
            || auth.login_lock_attempts == 0
        {
            bail!(
                "session_idle_timeout, session_lifetime, login_attempts, login_lock_attempts and login_window must be above zero"
            );
        }
        if self.page_cache_ttl.is_zero() {
            bail!("page_cache_ttl must be above zero");
        }
        if self.page_cache_bytes < 64 * 1024 {
            bail!("page_cache_bytes must be at least 65536 (64 KiB)");
        }
        if self.body_idle_timeout < Duration::from_millis(100) {
            bail!("body_idle_timeout must be at least 100ms");
        }
        if self.workers == Some(0) {
            bail!("workers must be at least 1");
        }
        tracing_subscriber::EnvFilter::try_new(&self.log).with_context(|| {
            format!(
                "log filter {:?} is not valid; try \"info\" or \"folio=debug,info\"",
                self.log
            )
        })?;
        Ok(())
    }

    pub fn store(&self, concern: ConcernName) -> StoreLocation {
        let url = match concern {
            ConcernName::Auth => &self.database.auth,
            ConcernName::Posts => &self.database.posts,
            ConcernName::Media => &self.database.media,
            // Render owns no store and search an index directory, not a
            // database: asking is a wiring mistake, answered with the default.
            ConcernName::Render | ConcernName::Search => &None,
        };
        match url {
            Some(url) => StoreLocation::Url(url.clone()),
            None => StoreLocation::SqliteFile(self.data_dir.join(format!("{concern}.db"))),
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The public URL, or one made from the listen address.
    pub fn public_url_for(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_owned(),
            None => format!("http://{bound}"),
        }
    }
}

/// Where media keeps its files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum MediaStoreKind {
    /// Under the data directory: one machine's.
    #[default]
    Fs,
    /// NATS JetStream's object store: every process that reaches NATS.
    Nats,
}

/// The parts of Folio one process runs: the gateway (site, API, admin) and
/// any of the concerns. A site is whole when every part runs somewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosted {
    pub gateway: bool,
    pub concerns: std::collections::BTreeSet<ConcernName>,
}

impl Hosted {
    pub fn all() -> Self {
        Self {
            gateway: true,
            concerns: ConcernName::ALL.into_iter().collect(),
        }
    }

    /// Parses `gateway,auth,posts,…`; an unknown name or an empty list is an error.
    pub fn parse(names: &[String]) -> anyhow::Result<Self> {
        let mut hosted = Self {
            gateway: false,
            concerns: Default::default(),
        };
        for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            if name == "gateway" {
                hosted.gateway = true;
            } else {
                let concern = name.parse::<ConcernName>().map_err(|_| {
                    anyhow::anyhow!(
                        "--concerns: unknown part {name:?}; expected some of gateway, auth, posts, render, media, search"
                    )
                })?;
                hosted.concerns.insert(concern);
            }
        }
        if !hosted.gateway && hosted.concerns.is_empty() {
            bail!(
                "--concerns names no part to run; expected some of gateway, auth, posts, render, media, search"
            );
        }
        Ok(hosted)
    }

    pub fn hosts(&self, concern: ConcernName) -> bool {
        self.concerns.contains(&concern)
    }

    /// Whether this process runs every part (no NATS needed).
    pub fn is_whole(&self) -> bool {
        self.left_out().is_empty()
    }

    pub fn names(&self) -> Vec<String> {
        let gateway = self.gateway.then(|| "gateway".to_owned());
        gateway
            .into_iter()
            .chain(self.concerns.iter().map(|c| c.as_str().to_owned()))
            .collect()
    }

    pub fn left_out(&self) -> Vec<String> {
        let gateway = (!self.gateway).then(|| "gateway".to_owned());
        gateway
            .into_iter()
            .chain(
                ConcernName::ALL
                    .into_iter()
                    .filter(|c| !self.hosts(*c))
                    .map(|c| c.as_str().to_owned()),
            )
            .collect()
    }
}

impl Settings {
    /// The parts this process runs, from `concerns`.
    pub fn hosted(&self) -> anyhow::Result<Hosted> {
        Hosted::parse(&self.concerns)
    }

    /// The parts a serving process runs: all of them, or some with NATS to
    /// reach the others. (`migrate --concerns` needs no NATS.)
    pub fn served(&self) -> anyhow::Result<Hosted> {
        let hosted = self.hosted()?;
        if self.media_store == MediaStoreKind::Nats && self.nats_url.is_none() {
            bail!("--media-store nats keeps media's files in NATS: give --nats URL");
        }
        if !hosted.is_whole() && self.nats_url.is_none() {
            bail!(
                "--concerns {} leaves out {}: give --nats URL so this process can reach them",
                hosted.names().join(","),
                hosted.left_out().join(",")
            );
        }
        Ok(hosted)
    }
}
