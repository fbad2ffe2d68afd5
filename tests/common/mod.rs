//! Black-box test harness: runs the real `folio` binary on port 0 with a fresh
//! data directory and talks to it over HTTP.
//!
//! Set `FOLIO_TEST_POSTGRES_URL` (for example
//! `postgres://postgres@127.0.0.1:5432/postgres`) to put the stores of every
//! spawned app on fresh PostgreSQL databases, one per concern, instead of SQLite.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

pub const OWNER_EMAIL: &str = "owner@example.com";
pub const OWNER_PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    /// Sends the owner's write token with every request.
    pub client: reqwest::Client,
    /// Sends no credentials.
    pub anonymous: reqwest::Client,
    pub owner_token: Option<String>,
    pub data_dir: tempfile::TempDir,
    child: Child,
    logs: Arc<Mutex<Vec<String>>>,
    postgres_dbs: Option<Postgres>,
}

/// The admin URL and, per concern, the flag and the fresh PostgreSQL database
/// made for it.
type Postgres = (String, Vec<(&'static str, String)>);

/// With `FOLIO_TEST_POSTGRES_URL` set, a fresh database for each store.
async fn fresh_postgres() -> Option<Postgres> {
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
fn postgres_args(admin_url: &str, dbs: &[(&'static str, String)]) -> Vec<String> {
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
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    /// Starts `folio serve` with `args` added to `--listen 127.0.0.1:0 --data-dir
    /// <fresh>`, after creating the owner and a write token for them with the CLI.
    pub async fn spawn_with(args: &[&str]) -> TestApp {
        let data_dir = tempfile::tempdir().unwrap();
        let dir = data_dir.path().to_str().unwrap();
        let postgres = fresh_postgres().await;
        let databases = postgres
            .as_ref()
            .map(|(admin, dbs)| postgres_args(admin, dbs))
            .unwrap_or_default();
        let databases: Vec<&str> = databases.iter().map(String::as_str).collect();
        // The CLI writes to the same stores the server will use.
        let cli = |args: &[&str], stdin: &str| folio_cli(&[args, &databases].concat(), stdin);
        cli(
            &[
                "user",
                "add",
                "--data-dir",
                dir,
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
                dir,
                "--email",
                OWNER_EMAIL,
                "--name",
                "tests",
                "--scope",
                "write",
            ],
            "",
        );
        Self::start(data_dir, args, Some(token.trim().to_owned()), postgres).await
    }

    /// Starts with no account at all, as a fresh installation.
    pub async fn spawn_without_accounts(args: &[&str]) -> TestApp {
        let postgres = fresh_postgres().await;
        Self::start(tempfile::tempdir().unwrap(), args, None, postgres).await
    }

    async fn start(
        data_dir: tempfile::TempDir,
        args: &[&str],
        owner_token: Option<String>,
        postgres_dbs: Option<Postgres>,
    ) -> TestApp {
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
        if let Some((admin, dbs)) = &postgres_dbs {
            command.args(postgres_args(admin, dbs));
        }
        let mut child = command.spawn().expect("the folio binary starts");
        let stdout = child.stdout.take().unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (address_tx, address_rx) = mpsc::channel();
        {
            let logs = logs.clone();
            // Keep draining stdout for the app's whole life, or it would block on a full pipe.
            std::thread::spawn(move || {
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
        }
        let address = match address_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "folio did not start; its log:\n{}",
                    logs.lock().unwrap().join("\n")
                );
            }
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
            postgres_dbs,
        }
    }

    /// A user of `role` with a write token; returns the token.
    pub async fn token_for_new_user(&self, role: &str) -> String {
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

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches folio")
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Queues `count` faults of `kind` for `concern`'s next messages.
    pub async fn inject(&self, concern: &str, kind: &str, count: u32) {
        self.inject_body(json!({ "concern": concern, "kind": kind, "count": count }))
            .await;
    }

    pub async fn inject_body(&self, body: Value) {
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

    /// The value of a metric line such as `folio_concern_panics_total{concern="posts"}`.
    pub async fn metric(&self, series: &str) -> f64 {
        let text = self.get("/metrics").await.text().await.unwrap();
        text.lines()
            .find_map(|line| {
                line.strip_prefix(series)
                    .and_then(|rest| rest.trim().parse().ok())
            })
            .unwrap_or_else(|| panic!("no metric {series} in:\n{text}"))
    }

    /// The state `/readyz` reports for one concern.
    pub async fn state_of(&self, concern: &str) -> String {
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
    pub fn on_postgres(&self) -> bool {
        self.postgres_dbs.is_some()
    }

    /// Everything `concern` has stored, as bytes to search: its SQLite file
    /// and write-ahead log, or on PostgreSQL every row of every table as text.
    pub async fn stored_bytes(&self, concern: &str) -> Vec<u8> {
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

    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Kills the process with SIGKILL (no clean shutdown) and starts a new
    /// one on the same data directory.
    pub async fn kill_and_restart(mut self, args: &[&str]) -> TestApp {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let data_dir = std::mem::replace(&mut self.data_dir, tempfile::tempdir().unwrap());
        let token = self.owner_token.take();
        let postgres = self.postgres_dbs.take();
        Self::start(data_dir, args, token, postgres).await
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args(["-s", signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit, at most `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some((admin_url, dbs)) = self.postgres_dbs.take() {
            // Drop runs outside any runtime we may block on: use a thread of our own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    if let Ok(db) = Database::connect(&admin_url).await {
                        for (_, name) in dbs {
                            let _ = db
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                        }
                    }
                });
            })
            .join();
        }
    }
}

/// Runs a `folio` command, feeding `stdin`; returns its stdout, panics on failure.
pub fn folio_cli(args: &[&str], stdin: &str) -> String {
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
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
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

impl TestApp {
    /// Runs `sql` on `concern`'s store behind the server's back (no event is
    /// announced): SQLite file or PostgreSQL database alike.
    pub async fn execute_sql(&self, concern: &str, sql: &str) {
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
