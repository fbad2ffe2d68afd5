//! Black-box test harness: runs the real `folio` binary on port 0 with a fresh
//! data directory and talks to it over HTTP.
//!
//! Set `FOLIO_TEST_POSTGRES_URL` (for example
//! `postgres://postgres@127.0.0.1:5432/postgres`) to put the stores of every
//! spawned app on fresh PostgreSQL databases, one per concern, instead of SQLite.
//!
//! Set `FOLIO_TEST_TOPOLOGY=split` to run every spawned app as a split site:
//! its own `nats-server -js` on a free port, the gateway with auth, posts and
//! render in one process, and media in another, joined by NATS. The tests
//! talk to the gateway's process; `logs` holds both processes' lines.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

pub(crate) mod moving;

pub(crate) const OWNER_EMAIL: &str = "owner@example.com";
pub(crate) const OWNER_PASSWORD: &str = "correct horse battery staple";

pub(crate) struct TestApp {
    pub address: String,
    /// Sends the owner's write token with every request.
    pub client: reqwest::Client,
    /// Sends no credentials.
    pub anonymous: reqwest::Client,
    pub owner_token: Option<String>,
    pub data_dir: tempfile::TempDir,
    child: Child,
    logs: Arc<Mutex<Vec<String>>>,
    /// Reads the app's stdout into `logs` until the app closes it.
    log_reader: std::thread::JoinHandle<()>,
    postgres_dbs: Option<Postgres>,
    /// In the split topology: the media process, and the NATS server.
    split: Option<Split>,
}

/// The other processes of a split site.
struct Split {
    media: Child,
    /// Where the media process serves its health and metrics.
    media_address: String,
    nats: NatsServer,
}

/// The stream under object store `bucket`, if it has been made.
async fn object_store_stream(
    nats_url: &str,
    bucket: &str,
) -> Option<async_nats::jetstream::stream::Stream> {
    let client = async_nats::connect(nats_url).await.unwrap();
    let jetstream = async_nats::jetstream::new(client);
    jetstream.get_stream(format!("OBJ_{bucket}")).await.ok()
}

/// A `nats-server -js` of a test's own, on a free port, storing in a temporary directory.
pub(crate) struct NatsServer {
    child: Child,
    pub url: String,
    _store: tempfile::TempDir,
}

impl NatsServer {
    pub(crate) fn start() -> NatsServer {
        let store = tempfile::tempdir().unwrap();
        let mut child = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", "-1", "-js", "-sd"])
            .arg(store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nats-server is installed (the split topology needs it)");
        let stderr = child.stderr.take().unwrap();
        let (port_tx, port_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("Listening for client connections on ").nth(1) {
                    let _ = port_tx.send(rest.trim().to_owned());
                }
            }
        });
        let address = port_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("nats-server starts within 10 s");
        NatsServer {
            child,
            url: format!("nats://{address}"),
            _store: store,
        }
    }

    /// Stops the server at once (SIGKILL); `restart` brings it back on the same port.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub(crate) fn restart(&mut self) {
        self.kill();
        let port = self.url.rsplit(':').next().unwrap().to_owned();
        self.child = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port, "-js", "-sd"])
            .arg(self._store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Whether the suite runs every app split over NATS (`FOLIO_TEST_TOPOLOGY=split`).
pub(crate) fn split_topology() -> bool {
    std::env::var("FOLIO_TEST_TOPOLOGY").as_deref() == Ok("split")
}

/// The secret every process of a split test site shares.
pub(crate) const SPLIT_SECRET: &str = "split-topology-test-secret-0123456789abcdef";

/// The admin URL and, per concern, the flag and the fresh PostgreSQL database
/// made for it.
pub(crate) type Postgres = (String, Vec<(&'static str, String)>);

/// Picks how calls reach concerns in a spawned server (`bytes`: encoded and
/// decoded, as over a wire).
const TRANSPORT: &str = "FOLIO_TEST_TRANSPORT";

/// With `FOLIO_TEST_POSTGRES_URL` set, a fresh database for each store.
pub(crate) async fn fresh_postgres() -> Option<Postgres> {
    let admin_url = std::env::var("FOLIO_TEST_POSTGRES_URL").ok()?;
    let mut dbs = Vec::new();
    for flag in STORES {
        dbs.push((flag, create_postgres_database(&admin_url).await));
    }
    Some((admin_url, dbs))
}

/// The flags that point each concern with a store at its database.
const STORES: [&str; 3] = [
    "--auth-database-url",
    "--posts-database-url",
    "--media-database-url",
];

/// `--{concern}-database-url URL` for each of `dbs`.
pub(crate) fn postgres_args(admin_url: &str, dbs: &[(&'static str, String)]) -> Vec<String> {
    dbs.iter()
        .flat_map(|(flag, name)| [(*flag).to_owned(), database_url(admin_url, name)])
        .collect()
}

/// The URL of database `name` on the server `admin_url` points at.
fn database_url(admin_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin_url).unwrap();
    url.set_path(name);
    url.to_string()
}

impl TestApp {
    pub(crate) async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    /// Starts `folio serve` with `args` added to `--listen 127.0.0.1:0 --data-dir
    /// <fresh>`, after creating the owner and a write token for them with the CLI.
    pub(crate) async fn spawn_with(args: &[&str]) -> TestApp {
        Self::spawn_with_env(args, &[]).await
    }

    async fn spawn_with_env(args: &[&str], envs: &[(&str, &str)]) -> TestApp {
        let data_dir = tempfile::tempdir().unwrap();
        let dir = data_dir.path().to_str().unwrap();
        let postgres = fresh_postgres().await;
        let databases = postgres
            .as_ref()
            .map(|(admin, dbs)| postgres_args(admin, dbs))
            .unwrap_or_default();
        let token = owner_with_token(dir, &databases);
        Self::start(data_dir, args, Some(token), postgres, envs).await
    }

    /// Starts `folio serve` on a data directory that already holds a site
    /// (one `folio restore` wrote): no owner is made; `owner_token` is one
    /// the site already knows.
    pub(crate) async fn spawn_on(
        data_dir: tempfile::TempDir,
        args: &[&str],
        owner_token: Option<String>,
    ) -> TestApp {
        Self::start_on(data_dir, args, owner_token, None, &[], None).await
    }

    /// A server whose every call to a concern goes through bytes, whatever
    /// transport the suite runs with.
    pub(crate) async fn spawn_through_bytes(args: &[&str]) -> TestApp {
        Self::spawn_with_env(args, &[(TRANSPORT, "bytes")]).await
    }

    /// Starts with no account at all, as a fresh installation.
    pub(crate) async fn spawn_without_accounts(args: &[&str]) -> TestApp {
        let postgres = fresh_postgres().await;
        Self::start(tempfile::tempdir().unwrap(), args, None, postgres, &[]).await
    }

    async fn start(
        data_dir: tempfile::TempDir,
        args: &[&str],
        owner_token: Option<String>,
        postgres_dbs: Option<Postgres>,
        envs: &[(&str, &str)],
    ) -> TestApp {
        let nats = split_topology().then(NatsServer::start);
        Self::start_on(data_dir, args, owner_token, postgres_dbs, envs, nats).await
    }

    async fn start_on(
        data_dir: tempfile::TempDir,
        args: &[&str],
        owner_token: Option<String>,
        postgres_dbs: Option<Postgres>,
        envs: &[(&str, &str)],
        nats: Option<NatsServer>,
    ) -> TestApp {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let nats_url = nats.as_ref().map(|nats| nats.url.clone());
        let command = |parts: Option<&str>| {
            let mut command = Command::new(env!("CARGO_BIN_EXE_folio"));
            command
                .arg("serve")
                .args(["--listen", "127.0.0.1:0", "--workers", "2"])
                .arg("--data-dir")
                .arg(data_dir.path())
                .args(args)
                .env_clear()
                .env("FOLIO_LOG", "info")
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit());
            // The transport under test (`FOLIO_TEST_TRANSPORT=bytes cargo test`)
            // reaches every server a test starts, unless the test picks its own.
            if let Ok(transport) = std::env::var(TRANSPORT) {
                command.env(TRANSPORT, transport);
            }
            command.envs(envs.iter().copied());
            if let Some((admin, dbs)) = &postgres_dbs {
                command.args(postgres_args(admin, dbs));
            }
            if let (Some(parts), Some(url)) = (parts, &nats_url) {
                command
                    .args(["--concerns", parts, "--nats", url])
                    .args(["--media-store", "nats"])
                    .env("FOLIO_SECRET_KEY", SPLIT_SECRET);
            }
            command
        };
        let (media, gateway) = if nats.is_some() {
            (Some("media"), Some("gateway,auth,posts,render,search"))
        } else {
            (None, None)
        };
        let (mut child, log_reader, address_rx) = launch(command(gateway), &logs);
        let address = wait_listening(&mut child, &address_rx, &logs);
        let split = match (media, nats) {
            (Some(parts), Some(nats)) => {
                let (mut media, _reader, media_rx) = launch(command(Some(parts)), &logs);
                let media_address = wait_listening(&mut media, &media_rx, &logs);
                Some(Split {
                    media,
                    media_address,
                    nats,
                })
            }
            _ => None,
        };
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(token) = &owner_token {
            headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
        }
        TestApp {
            address,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .default_headers(headers)
                .build()
                .unwrap(),
            anonymous: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            owner_token,
            data_dir,
            child,
            logs,
            log_reader,
            postgres_dbs,
            split,
        }
    }

    /// The flags that make a `folio` command use this server's stores: its
    /// PostgreSQL databases, and JetStream for media when the site is split.
    pub(crate) fn store_args(&self) -> Vec<String> {
        let mut args = self
            .postgres_dbs
            .as_ref()
            .map(|(admin, dbs)| postgres_args(admin, dbs))
            .unwrap_or_default();
        if let Some(split) = &self.split {
            args.extend(["--nats".to_owned(), split.nats.url.clone()]);
            args.extend(["--media-store".to_owned(), "nats".to_owned()]);
        }
        args
    }

    /// A user of `role` with a write token; returns the token.
    pub(crate) async fn token_for_new_user(&self, role: &str) -> String {
        let app = self;
        let email = format!("{role}-{}@example.com", uuid::Uuid::new_v4().simple());
        let created = app
            .client
            .post(app.url("/api/v1/users"))
            .json(&json!({ "email": email, "name": format!("A {role}"), "role": role, "password": "long enough pw" }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), reqwest::StatusCode::CREATED);
        let session = app
            .anonymous
            .post(app.url("/api/v1/session"))
            .json(&json!({ "email": email, "password": "long enough pw" }))
            .send()
            .await
            .unwrap();
        let cookie = session.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let csrf = session.json::<Value>().await.unwrap()["csrf_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let token = app
            .anonymous
            .post(app.url("/api/v1/tokens"))
            .header("cookie", cookie)
            .header("origin", &app.address)
            .header("x-csrf-token", csrf)
            .json(&json!({ "name": "w", "scope": "write" }))
            .send()
            .await
            .unwrap();
        token.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches folio")
    }

    pub(crate) async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Queues `count` faults of `kind` for `concern`'s next messages.
    pub(crate) async fn inject(&self, concern: &str, kind: &str, count: u32) {
        self.inject_body(json!({ "concern": concern, "kind": kind, "count": count }))
            .await;
    }

    pub(crate) async fn inject_body(&self, body: Value) {
        let response = self
            .client
            .post(self.url("/api/v1/admin/faults"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            202,
            "fault accepted: {}",
            response.text().await.unwrap()
        );
    }

    /// The value of a metric line such as `folio_concern_panics_total{concern="posts"}`,
    /// from whichever process runs the concern (as Prometheus scrapes each).
    pub(crate) async fn metric(&self, series: &str) -> f64 {
        let text = self.metrics_text().await;
        text.lines()
            .find_map(|line| {
                line.strip_prefix(series)
                    .and_then(|rest| rest.trim().parse().ok())
            })
            .unwrap_or_else(|| panic!("no metric {series} in:\n{text}"))
    }

    /// Every process's `/metrics`, one after the other.
    pub(crate) async fn metrics_text(&self) -> String {
        let mut text = self.get("/metrics").await.text().await.unwrap();
        if let Some(split) = &self.split {
            let url = format!("{}/metrics", split.media_address);
            let media = self.anonymous.get(url).send().await.unwrap();
            text.push_str(&media.text().await.unwrap());
        }
        text
    }

    /// The state `/readyz` reports for one concern.
    pub(crate) async fn state_of(&self, concern: &str) -> String {
        let (_, body) = self.get_json("/readyz").await;
        body["concerns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["concern"] == concern)
            .map(|c| c["state"].as_str().unwrap().to_owned())
            .unwrap()
    }

    /// Whether the stores are on PostgreSQL (`FOLIO_TEST_POSTGRES_URL`).
    pub(crate) fn on_postgres(&self) -> bool {
        self.postgres_dbs.is_some()
    }

    /// Whether media's files are in NATS's object store (the split topology)
    /// rather than under the data directory.
    pub(crate) fn blobs_in_nats(&self) -> bool {
        self.split.is_some()
    }

    /// Uploads still in staging: files under `uploads/`, or in NATS the
    /// staging bucket's chunks, finished or not, that nothing removed.
    pub(crate) async fn staged_uploads(&self) -> usize {
        match &self.split {
            None => std::fs::read_dir(self.data_dir.path().join("uploads"))
                .map(|dir| dir.count())
                .unwrap_or(0),
            Some(split) => {
                let stream = object_store_stream(&split.nats.url, "folio-staging").await;
                let Some(stream) = stream else { return 0 };
                let mut subjects = stream
                    .info_with_subjects("$O.folio-staging.C.>")
                    .await
                    .unwrap();
                let mut chunked = 0;
                while let Some((_, count)) = subjects.try_next().await.unwrap() {
                    chunked += usize::from(count > 0);
                }
                chunked
            }
        }
    }

    /// The names directly under `under` (`""` for the top) in media's
    /// stored files: the entries of `media/<under>` on disk, or the next part
    /// of the names of live objects in NATS's `folio-media` bucket.
    pub(crate) async fn stored_blobs(&self, under: &str) -> Vec<String> {
        let mut names = std::collections::BTreeSet::new();
        match &self.split {
            None => {
                let dir = self.data_dir.path().join("media").join(under);
                for entry in std::fs::read_dir(dir).into_iter().flatten() {
                    names.insert(entry.unwrap().file_name().to_string_lossy().into_owned());
                }
            }
            Some(split) => {
                let client = async_nats::connect(&split.nats.url).await.unwrap();
                let jetstream = async_nats::jetstream::new(client);
                let Ok(bucket) = jetstream.get_object_store("folio-media").await else {
                    return Vec::new();
                };
                let prefix = if under.is_empty() {
                    String::new()
                } else {
                    format!("{under}/")
                };
                let mut objects = bucket.list().await.unwrap();
                while let Some(object) = objects.try_next().await.unwrap() {
                    if let Some(rest) = object
                        .name
                        .strip_prefix(&prefix)
                        .filter(|_| !object.deleted)
                    {
                        names.insert(rest.split('/').next().unwrap_or_default().to_owned());
                    }
                }
            }
        }
        names.into_iter().collect()
    }

    /// Everything `concern` has stored, as bytes to search: its SQLite file
    /// and write-ahead log, or on PostgreSQL every row of every table as text.
    pub(crate) async fn stored_bytes(&self, concern: &str) -> Vec<u8> {
        let Some((admin, dbs)) = &self.postgres_dbs else {
            let mut bytes = Vec::new();
            for file in [format!("{concern}.db"), format!("{concern}.db-wal")] {
                if let Ok(mut content) = std::fs::read(self.data_dir.path().join(file)) {
                    bytes.append(&mut content);
                }
            }
            return bytes;
        };
        let flag = format!("--{concern}-database-url");
        let (_, name) = dbs.iter().find(|(f, _)| *f == flag).unwrap();
        let db = Database::connect(database_url(admin, name)).await.unwrap();
        let query = |sql: String| {
            db.query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                sql,
            ))
        };
        let mut bytes = Vec::new();
        let tables = query(
            "SELECT table_name::text AS t FROM information_schema.tables WHERE table_schema = 'public'"
                .to_owned(),
        )
        .await
        .unwrap();
        for table in tables {
            let table: String = table.try_get("", "t").unwrap();
            for row in query(format!("SELECT CAST(r AS text) AS t FROM \"{table}\" r"))
                .await
                .unwrap()
            {
                let text: String = row.try_get("", "t").unwrap();
                bytes.extend_from_slice(text.as_bytes());
                bytes.push(b'\n');
            }
        }
        db.close().await.unwrap();
        bytes
    }

    pub(crate) fn logs(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Kills the process with SIGKILL (no clean shutdown) and starts a new
    /// one on the same data directory.
    pub(crate) async fn kill_and_restart(self, args: &[&str]) -> TestApp {
        self.kill_and_restart_with(args, |_| {}).await
    }

    /// As [`Self::kill_and_restart`], doing `meanwhile` to the data directory
    /// while no process runs.
    pub(crate) async fn kill_and_restart_with(
        mut self,
        args: &[&str],
        meanwhile: impl FnOnce(&std::path::Path),
    ) -> TestApp {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let nats = self.split.take().map(|mut split| {
            let _ = split.media.kill();
            let _ = split.media.wait();
            split.nats
        });
        let data_dir = std::mem::replace(&mut self.data_dir, tempfile::tempdir().unwrap());
        meanwhile(data_dir.path());
        let token = self.owner_token.take();
        let postgres = self.postgres_dbs.take();
        Self::start_on(data_dir, args, token, postgres, &[], nats).await
    }

    pub(crate) fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args(["-s", signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit, at most `limit`.
    pub(crate) fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                // The last lines may still be in the pipe: let the reader
                // reach its end, so `logs` holds everything the app wrote.
                while !self.log_reader.is_finished() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(10));
                }
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // A failed test shows what its servers said (the last lines suffice).
        if std::thread::panicking() {
            let logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
            let tail = &logs[logs.len().saturating_sub(300)..];
            eprintln!(
                "--- the server's log, last {} lines:\n{}",
                tail.len(),
                tail.join("\n")
            );
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(split) = &mut self.split {
            let _ = split.media.kill();
            let _ = split.media.wait();
        }
        if let Some(postgres) = self.postgres_dbs.take() {
            drop_databases(postgres);
        }
    }
}

/// Drops the databases made for a test. Called from `Drop`, which runs
/// outside any runtime we may block on: on a thread of its own.
pub(crate) fn drop_databases((admin_url, dbs): Postgres) {
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            if let Ok(db) = Database::connect(&admin_url).await {
                for (_, name) in dbs {
                    let _ = db
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            }
        });
    })
    .join();
}

/// Starts `command` with its stdout read into `logs` for its whole life (or
/// it would block on a full pipe); the address it listens on arrives on the
/// channel.
pub(crate) fn launch(
    mut command: Command,
    logs: &Arc<Mutex<Vec<String>>>,
) -> (Child, std::thread::JoinHandle<()>, mpsc::Receiver<String>) {
    let mut child = command.spawn().expect("the folio binary starts");
    let stdout = child.stdout.take().unwrap();
    let (address_tx, address_rx) = mpsc::channel();
    let logs = logs.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("Folio is listening on ").nth(1) {
                let address = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let _ = address_tx.send(address);
            }
            logs.lock().unwrap().push(line);
        }
    });
    (child, reader, address_rx)
}

pub(crate) fn wait_listening(
    child: &mut Child,
    address: &mpsc::Receiver<String>,
    logs: &Arc<Mutex<Vec<String>>>,
) -> String {
    match address.recv_timeout(Duration::from_secs(30)) {
        Ok(address) => address,
        Err(_) => {
            let _ = child.kill();
            panic!(
                "folio did not start; its log:\n{}",
                logs.lock().unwrap().join("\n")
            );
        }
    }
}

/// Makes the owner's account and a write token for them with the CLI, in
/// the stores the server will use; answers the token.
pub(crate) fn owner_with_token(data_dir: &str, databases: &[String]) -> String {
    let databases: Vec<&str> = databases.iter().map(String::as_str).collect();
    let cli = |args: &[&str], stdin: &str| folio_cli(&[args, &databases].concat(), stdin);
    cli(
        &[
            "user",
            "add",
            "--data-dir",
            data_dir,
            "--email",
            OWNER_EMAIL,
            "--name",
            "Olive Owner",
            "--role",
            "owner",
            "--password-stdin",
        ],
        OWNER_PASSWORD,
    );
    let token = cli(
        &[
            "token",
            "add",
            "--data-dir",
            data_dir,
            "--email",
            OWNER_EMAIL,
            "--name",
            "tests",
            "--scope",
            "write",
        ],
        "",
    );
    token.trim().to_owned()
}

/// Runs a `folio` command, feeding `stdin`; returns its stdout, panics on failure.
pub(crate) fn folio_cli(args: &[&str], stdin: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(args)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "folio {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Creates a fresh database and returns its name.
async fn create_postgres_database(admin_url: &str) -> String {
    let name = format!("folio_test_{}", uuid::Uuid::new_v4().simple());
    let db = Database::connect(admin_url)
        .await
        .expect("FOLIO_TEST_POSTGRES_URL is reachable");
    db.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    db.close().await.unwrap();
    name
}

/// Polls `check` until it returns true or `limit` passes.
pub(crate) async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// The GPS position written into [`photo_with_gps_xmp_and_orientation_6`]'s
/// EXIF, as the bytes of its three rationals (59° 19' 41.23"): found in a file,
/// they say the position was served.
pub(crate) const GPS_LATITUDE_BYTES: [u8; 24] = {
    let mut bytes = [0u8; 24];
    let values: [u32; 6] = [59, 1, 19, 1, 4123, 100];
    let mut i = 0;
    while i < 6 {
        let le = values[i].to_le_bytes();
        let mut j = 0;
        while j < 4 {
            bytes[i * 4 + j] = le[j];
            j += 1;
        }
        i += 1;
    }
    bytes
};

/// Text only the fixture's XMP packet carries.
pub(crate) const XMP_MARKER: &str = "folio-fixture-xmp-creator";

/// A camera's JPEG, made here so the fixture is reproducible: stored 800×400
/// with EXIF orientation 6 (turn 90° clockwise to show it), so it displays
/// 400×800; EXIF with a GPS position, and an XMP packet. Stored, the top-left
/// quarter is red, the top-right green and the bottom half blue; shown upright,
/// the top-right quarter is red, the bottom-right green and the left half blue.
pub(crate) fn photo_with_gps_xmp_and_orientation_6() -> Vec<u8> {
    let stored = image::RgbImage::from_fn(800, 400, |x, y| match (x < 400, y < 200) {
        (true, true) => image::Rgb([220, 20, 20]),
        (false, true) => image::Rgb([20, 200, 20]),
        _ => image::Rgb([20, 20, 220]),
    });
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 90);
    encoder
        .add_app_segment(1, exif_with_gps_and_orientation_6())
        .unwrap();
    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    xmp.extend_from_slice(
        format!(
            "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
             <rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:exif=\"http://ns.adobe.com/exif/1.0/\" \
             dc:creator=\"{XMP_MARKER}\" exif:GPSLatitude=\"59,19.687N\"/></rdf:RDF></x:xmpmeta>"
        )
        .as_bytes(),
    );
    encoder.add_app_segment(1, xmp).unwrap();
    encoder
        .encode(stored.as_raw(), 800, 400, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

/// An EXIF APP1 payload (little-endian TIFF): IFD0 with Orientation 6 and a
/// pointer to a GPS IFD holding version, latitude and longitude.
fn exif_with_gps_and_orientation_6() -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&value);
    }
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const BYTE: u16 = 1;
    const ASCII: u16 = 2;
    const RATIONAL: u16 = 5;
    // Offsets from the TIFF header: IFD0 at 8 (2 entries: 30 bytes), the GPS
    // IFD at 38 (5 entries: 66 bytes), its rationals at 104 and 128.
    let mut tiff = b"II\x2a\x00\x08\x00\x00\x00".to_vec();
    tiff.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut tiff, 0x0112, SHORT, 1, [6, 0, 0, 0]);
    entry(&mut tiff, 0x8825, LONG, 1, 38u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(tiff.len(), 38);
    tiff.extend_from_slice(&5u16.to_le_bytes());
    entry(&mut tiff, 0x0000, BYTE, 4, [2, 3, 0, 0]);
    entry(&mut tiff, 0x0001, ASCII, 2, *b"N\0\0\0");
    entry(&mut tiff, 0x0002, RATIONAL, 3, 104u32.to_le_bytes());
    entry(&mut tiff, 0x0003, ASCII, 2, *b"E\0\0\0");
    entry(&mut tiff, 0x0004, RATIONAL, 3, 128u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(tiff.len(), 104);
    tiff.extend_from_slice(&GPS_LATITUDE_BYTES);
    for value in [18u32, 1, 4, 1, 1234, 100] {
        tiff.extend_from_slice(&value.to_le_bytes());
    }
    let mut exif = b"Exif\0\0".to_vec();
    exif.append(&mut tiff);
    exif
}

/// A 300×200 PNG whose left half is fully transparent and right half opaque blue.
pub(crate) fn transparent_png() -> Vec<u8> {
    let picture = image::RgbaImage::from_fn(300, 200, |x, _| {
        if x < 150 {
            image::Rgba([255, 0, 0, 0])
        } else {
            image::Rgba([20, 20, 220, 255])
        }
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(picture)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// Whether `haystack` contains `needle` anywhere.
pub(crate) fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Uploads `bytes` as the owner with `alt`; returns the medium the API
/// answered (201) with.
pub(crate) async fn upload_medium(app: &TestApp, bytes: Vec<u8>, alt: &str) -> Value {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("upload.jpg"),
        )
        .text("alt", alt.to_owned());
    let response = app
        .client
        .post(app.url("/api/v1/media"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    response.json().await.unwrap()
}

impl TestApp {
    /// Runs `sql` on `concern`'s store behind the server's back (no event is
    /// announced): SQLite file or PostgreSQL database alike.
    pub(crate) async fn execute_sql(&self, concern: &str, sql: &str) {
        let url = match &self.postgres_dbs {
            Some((admin, dbs)) => {
                let flag = format!("--{concern}-database-url");
                let (_, name) = dbs.iter().find(|(f, _)| *f == flag).unwrap();
                database_url(admin, name)
            }
            None => format!(
                "sqlite://{}?mode=rw",
                self.data_dir.path().join(format!("{concern}.db")).display()
            ),
        };
        let db = Database::connect(url).await.unwrap();
        db.execute_unprepared(sql).await.unwrap();
        db.close().await.unwrap();
    }
}

/// Stores no site has used yet, of the suite's kinds: a fresh data
/// directory and, as the suite runs, fresh PostgreSQL databases and a NATS
/// server of their own. `folio restore` writes into them; `start` runs a
/// site on what it wrote.
pub(crate) struct EmptyStores {
    pub data_dir: tempfile::TempDir,
    postgres_dbs: Option<Postgres>,
    nats: Option<NatsServer>,
}

impl EmptyStores {
    pub(crate) async fn new() -> EmptyStores {
        EmptyStores {
            data_dir: tempfile::tempdir().unwrap(),
            postgres_dbs: fresh_postgres().await,
            nats: split_topology().then(NatsServer::start),
        }
    }

    /// The flags that point a `folio` command at these stores (with
    /// `--data-dir`, which the caller adds).
    pub(crate) fn store_args(&self) -> Vec<String> {
        let mut args = self
            .postgres_dbs
            .as_ref()
            .map(|(admin, dbs)| postgres_args(admin, dbs))
            .unwrap_or_default();
        if let Some(nats) = &self.nats {
            args.extend(["--nats".to_owned(), nats.url.clone()]);
            args.extend(["--media-store".to_owned(), "nats".to_owned()]);
        }
        args
    }

    pub(crate) fn on_postgres(&self) -> bool {
        self.postgres_dbs.is_some()
    }

    pub(crate) fn blobs_in_nats(&self) -> bool {
        self.nats.is_some()
    }

    /// The URL of `concern`'s database, on PostgreSQL.
    pub(crate) fn database_url(&self, concern: &str) -> Option<String> {
        let (admin, dbs) = self.postgres_dbs.as_ref()?;
        let flag = format!("--{concern}-database-url");
        let (_, name) = dbs.iter().find(|(f, _)| *f == flag)?;
        Some(database_url(admin, name))
    }

    /// The tables of `concern`'s PostgreSQL database.
    pub(crate) async fn tables(&self, concern: &str) -> Vec<String> {
        let db = Database::connect(self.database_url(concern).unwrap())
            .await
            .unwrap();
        let rows = db
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT table_name::text AS t FROM information_schema.tables WHERE table_schema = 'public'",
            ))
            .await
            .unwrap();
        db.close().await.unwrap();
        rows.iter()
            .map(|row| row.try_get("", "t").unwrap())
            .collect()
    }

    pub(crate) async fn execute_sql(&self, concern: &str, sql: &str) {
        let db = Database::connect(self.database_url(concern).unwrap())
            .await
            .unwrap();
        db.execute_unprepared(sql).await.unwrap();
        db.close().await.unwrap();
    }

    /// Media's blob store in the NATS server, opened as media opens it.
    pub(crate) async fn nats_blobs(&self) -> folio_media::Blobs {
        let client = async_nats::connect(&self.nats.as_ref().unwrap().url)
            .await
            .unwrap();
        folio_media::object_store::on_nats(&async_nats::jetstream::new(client))
            .await
            .unwrap()
    }

    /// Starts a site on these stores, as `TestApp::spawn_on` does.
    pub(crate) async fn start(mut self, args: &[&str], owner_token: Option<String>) -> TestApp {
        let data_dir = std::mem::replace(&mut self.data_dir, tempfile::tempdir().unwrap());
        let (postgres, nats) = (self.postgres_dbs.take(), self.nats.take());
        TestApp::start_on(data_dir, args, owner_token, postgres, &[], nats).await
    }
}

impl Drop for EmptyStores {
    fn drop(&mut self) {
        if let Some(postgres) = self.postgres_dbs.take() {
            drop_databases(postgres);
        }
    }
}

impl TestApp {
    /// Removes media's stored blob `key` behind the server's back: the file
    /// under `media/`, or the object in NATS's `folio-media` bucket.
    pub(crate) async fn remove_stored_blob(&self, key: &str) {
        match &self.split {
            None => std::fs::remove_file(self.data_dir.path().join("media").join(key)).unwrap(),
            Some(split) => {
                let client = async_nats::connect(&split.nats.url).await.unwrap();
                let jetstream = async_nats::jetstream::new(client);
                let bucket = jetstream.get_object_store("folio-media").await.unwrap();
                bucket.delete(key).await.unwrap();
            }
        }
    }
}
