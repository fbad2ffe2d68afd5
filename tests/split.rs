//! A site split over NATS, as an operator runs one: processes that each run
//! some parts of Folio, a NATS server of the test's own, stores on PostgreSQL
//! when `FOLIO_TEST_POSTGRES_URL` is set. These run with
//! `FOLIO_TEST_TOPOLOGY=split` (they need `nats-server`); without it they
//! say so and pass, as `cargo test` must need neither NATS nor PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{
    NatsServer, OWNER_EMAIL, OWNER_PASSWORD, Postgres, SPLIT_SECRET, eventually, launch,
    owner_with_token, postgres_args, split_topology, transparent_png, wait_listening,
};
use futures::StreamExt;
use serde_json::{Value, json};

/// One process of a split site.
struct Process {
    child: Child,
    address: String,
}

/// The processes of one site, its NATS server, data directory and databases.
struct Site {
    nats: NatsServer,
    data_dir: tempfile::TempDir,
    postgres: Option<Postgres>,
    token: String,
    client: reqwest::Client,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Site {
    /// A site with its owner and a write token, and no process yet.
    async fn new() -> Site {
        let data_dir = tempfile::tempdir().unwrap();
        let postgres = common::fresh_postgres().await;
        let databases = postgres
            .as_ref()
            .map(|(admin, dbs)| postgres_args(admin, dbs))
            .unwrap_or_default();
        let token = owner_with_token(data_dir.path().to_str().unwrap(), &databases);
        Site {
            nats: NatsServer::start(),
            data_dir,
            postgres,
            token,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            logs: Arc::default(),
        }
    }

    fn databases(&self) -> Vec<String> {
        self.postgres
            .as_ref()
            .map(|(admin, dbs)| postgres_args(admin, dbs))
            .unwrap_or_default()
    }

    /// Starts a process running `parts`, ready when this returns.
    fn start(&self, parts: &str) -> Process {
        self.start_in(parts, self.data_dir.path(), &[])
    }

    /// Starts a process running `parts` in a data directory of its own, as on
    /// a machine of its own, with media's files in NATS's object store.
    fn start_apart(&self, parts: &str, dir: &tempfile::TempDir) -> Process {
        self.start_in(parts, dir.path(), &["--media-store", "nats"])
    }

    fn start_in(&self, parts: &str, data_dir: &std::path::Path, args: &[&str]) -> Process {
        let mut command = Command::new(env!("CARGO_BIN_EXE_folio"));
        command
            .arg("serve")
            .args([
                "--listen",
                "127.0.0.1:0",
                "--workers",
                "2",
                "--fault-injection",
            ])
            .arg("--data-dir")
            .arg(data_dir)
            .args(args)
            .args(["--concerns", parts, "--nats", &self.nats.url])
            .args(self.databases())
            .env_clear()
            .env("FOLIO_LOG", "info")
            .env("FOLIO_SECRET_KEY", SPLIT_SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let (mut child, _reader, address) = launch(command, &self.logs);
        let address = wait_listening(&mut child, &address, &self.logs);
        Process { child, address }
    }

    fn authed(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.header("authorization", format!("Bearer {}", self.token))
    }

    async fn create_post(&self, gateway: &Process, body: Value) -> Value {
        let response = self
            .authed(
                self.client
                    .post(format!("{}/api/v1/posts", gateway.address)),
            )
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        response.json().await.unwrap()
    }

    async fn upload(&self, gateway: &Process) -> reqwest::Response {
        self.try_upload(gateway).await.unwrap()
    }

    /// An upload, or the client's error (its 30 s timeout, say).
    async fn try_upload(&self, gateway: &Process) -> reqwest::Result<reqwest::Response> {
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(transparent_png()).file_name("dot.png"),
            )
            .text("alt", "a single dot");
        self.authed(
            self.client
                .post(format!("{}/api/v1/media", gateway.address)),
        )
        .multipart(form)
        .send()
        .await
    }

    async fn page(&self, process: &Process, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", process.address))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        // A failed test shows what its processes said (the last lines suffice).
        if std::thread::panicking() {
            let logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
            let tail = &logs[logs.len().saturating_sub(300)..];
            eprintln!(
                "--- the processes' log, last {} lines:\n{}",
                tail.len(),
                tail.join("\n")
            );
        }
        if let Some(postgres) = self.postgres.take() {
            common::drop_databases(postgres);
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn skipped() -> bool {
    if !split_topology() {
        eprintln!("skipped: runs with FOLIO_TEST_TOPOLOGY=split (needs nats-server)");
        return true;
    }
    false
}

#[tokio::test]
async fn media_killed_under_load_leaves_pages_up_uploads_refused_at_once_and_images_return() {
    if skipped() {
        return;
    }
    let site = Site::new().await;
    let gateway = site.start("gateway,auth,posts,render");
    let mut media = site.start("media");
    let uploaded = site.upload(&gateway).await;
    assert_eq!(uploaded.status(), 201);
    let medium: Value = uploaded.json().await.unwrap();
    let id = medium["id"].as_str().unwrap();
    site.create_post(
        &gateway,
        json!({ "title": "Dot", "markdown": format!("![a single dot](media:{id})"), "status": "published" }),
    )
    .await;
    let (_, page) = site.page(&gateway, "/dot/").await;
    assert!(page.contains("<img"), "{page}");

    let _ = media.child.kill();
    let _ = media.child.wait();
    // Every page still answers, with the alt text where the picture was.
    for _ in 0..20 {
        let (status, page) = site.page(&gateway, "/dot/").await;
        assert_eq!(status, 200);
        assert!(page.contains("a single dot"), "{page}");
    }
    // An upload is refused at once, not after a deadline.
    let started = Instant::now();
    let refused = site.upload(&gateway).await;
    let took = started.elapsed();
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    assert!(took < Duration::from_millis(100), "refused after {took:?}");

    // Media back: the picture returns without touching the gateway.
    let _media = site.start("media");
    let back = eventually(Duration::from_secs(2), || async {
        site.page(&gateway, "/dot/").await.1.contains("<img")
    })
    .await;
    assert!(back, "the picture came back within 2 s");
}

#[tokio::test]
async fn an_edit_through_one_gateway_shows_on_the_other_within_a_second() {
    if skipped() {
        return;
    }
    let site = Site::new().await;
    let _concerns = site.start("auth,posts,render,media");
    let first = site.start("gateway");
    let second = site.start("gateway");
    let post = site
        .create_post(
            &first,
            json!({ "title": "Before", "markdown": "text", "status": "published" }),
        )
        .await;
    // The second gateway builds and keeps the page.
    assert!(site.page(&second, "/before/").await.1.contains("Before"));
    assert!(site.page(&second, "/before/").await.1.contains("Before"));

    let id = post["id"].as_str().unwrap();
    let edited = site
        .authed(
            site.client
                .patch(format!("{}/api/v1/posts/{id}", first.address)),
        )
        .json(&json!({ "title": "After", "revision": post["revision"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), 200, "{}", edited.text().await.unwrap());
    let followed = eventually(Duration::from_secs(1), || async {
        site.page(&second, "/before/").await.1.contains("After")
    })
    .await;
    assert!(followed, "the other gateway showed the edit within 1 s");
}

/// Where `path` sends a reader on `process`: the status and the Location.
async fn redirect_at(process: &Process, path: &str) -> (u16, Option<String>) {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path}", process.address))
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|value| value.to_str().unwrap().to_owned());
    (response.status().as_u16(), location)
}

#[tokio::test]
async fn a_redirect_added_or_removed_through_one_gateway_shows_on_the_other_within_a_second() {
    if skipped() {
        return;
    }
    let site = Site::new().await;
    let _concerns = site.start("auth,posts,render,media");
    let first = site.start("gateway");
    let second = site.start("gateway");
    // The second gateway remembers that nothing is there…
    assert_eq!(redirect_at(&second, "/old-home/").await, (404, None));
    let added = site
        .authed(
            site.client
                .post(format!("{}/api/v1/redirects", first.address)),
        )
        .json(&json!({ "from": "/old-home/", "to": "/new-home/" }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201, "{}", added.text().await.unwrap());
    let redirect: Value = added.json().await.unwrap();
    // …until the first announces the new redirect.
    let followed = eventually(Duration::from_secs(1), || async {
        redirect_at(&second, "/old-home/").await.0 == 301
    })
    .await;
    assert!(followed, "the other gateway redirected within 1 s");
    // The 301 is kept there now; a removal drops it.
    let (_, location) = redirect_at(&second, "/old-home/").await;
    assert!(location.unwrap().ends_with("/new-home/"));
    let id = redirect["id"].as_str().unwrap();
    let removed = site
        .authed(
            site.client
                .delete(format!("{}/api/v1/redirects/{id}", first.address)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    let stopped = eventually(Duration::from_secs(1), || async {
        redirect_at(&second, "/old-home/").await.0 == 404
    })
    .await;
    assert!(stopped, "the other gateway stopped redirecting within 1 s");
}

#[tokio::test]
async fn gateways_that_each_host_posts_hear_each_others_edits_within_a_second() {
    if skipped() {
        return;
    }
    // As deploy/systemd's folio-gateway.service runs, twice: each process
    // answers its own gateway's calls to posts without NATS.
    let site = Site::new().await;
    if replicas_skipped(&site) {
        return;
    }
    let _media = site.start("media,search");
    let first = site.start("gateway,auth,posts,render");
    let second = site.start("gateway,auth,posts,render");
    let post = site
        .create_post(
            &first,
            json!({ "title": "Local before", "markdown": "text", "status": "published" }),
        )
        .await;
    assert!(
        site.page(&second, "/local-before/")
            .await
            .1
            .contains("Local before")
    );

    let id = post["id"].as_str().unwrap();
    let edited = site
        .authed(
            site.client
                .patch(format!("{}/api/v1/posts/{id}", first.address)),
        )
        .json(&json!({ "title": "Local after", "revision": post["revision"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), 200, "{}", edited.text().await.unwrap());
    let followed = eventually(Duration::from_secs(1), || async {
        site.page(&second, "/local-before/")
            .await
            .1
            .contains("Local after")
    })
    .await;
    assert!(followed, "the other gateway showed the edit within 1 s");

    // Search, in a process of its own, heard it too.
    let found = eventually(Duration::from_secs(1), || async {
        let (status, body) = site.page(&second, "/search/?q=after").await;
        status == 200 && body.contains("Local after")
    })
    .await;
    assert!(
        found,
        "search in its own process follows posts answered locally"
    );
}

#[tokio::test]
async fn a_revoked_session_fails_on_both_gateways_within_a_second() {
    if skipped() {
        return;
    }
    let site = Site::new().await;
    let _concerns = site.start("auth,posts,render,media");
    let first = site.start("gateway");
    let second = site.start("gateway");
    let session = site
        .client
        .post(format!("{}/api/v1/session", first.address))
        .json(&json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 200);
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
    let me = |gateway: &Process| {
        site.client
            .get(format!("{}/api/v1/me", gateway.address))
            .header("cookie", &cookie)
            .send()
    };
    assert_eq!(me(&first).await.unwrap().status(), 200);
    assert_eq!(me(&second).await.unwrap().status(), 200);

    let signed_out = site
        .client
        .delete(format!("{}/api/v1/session", first.address))
        .header("cookie", &cookie)
        .header("origin", &first.address)
        .header("x-csrf-token", csrf)
        .send()
        .await
        .unwrap();
    assert!(signed_out.status().is_success(), "{}", signed_out.status());
    let signed_out_at = Instant::now();
    for (name, gateway) in [("first", &first), ("second", &second)] {
        while me(gateway).await.unwrap().status() != 401
            && signed_out_at.elapsed() < Duration::from_secs(5)
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let took = signed_out_at.elapsed();
        assert!(
            took <= Duration::from_secs(1),
            "the session failed on the {name} gateway {took:?} after the sign-out"
        );
    }
}

#[tokio::test]
async fn a_post_and_a_list_larger_than_a_nats_message_still_cross() {
    if skipped() {
        return;
    }
    let site = Site::new().await;
    let _concerns = site.start("auth,posts,render,media");
    let gateway = site.start("gateway");
    // Just under the 1 MiB Markdown limit; with its HTML the answer is
    // about twice NATS's default 1 MiB payload limit.
    let paragraph = "Words that go on and on, over the payload limit. ".repeat(20);
    let markdown: String = std::iter::repeat_n(format!("{paragraph}\n\n"), 1000)
        .collect::<String>()
        .chars()
        .take(1_000_000)
        .collect();
    let post = site
        .create_post(
            &gateway,
            json!({ "title": "Long", "markdown": markdown, "status": "published" }),
        )
        .await;
    assert_eq!(post["markdown"].as_str().unwrap().len(), markdown.len());
    let (status, page) = site.page(&gateway, "/long/").await;
    assert_eq!(status, 200);
    assert!(page.matches("over the payload limit").count() >= 20_000);

    for n in 0..99 {
        site.create_post(
            &gateway,
            json!({ "title": format!("Short {n}"), "markdown": "x" }),
        )
        .await;
    }
    let list: Value = site
        .authed(site.client.get(format!(
            "{}/api/v1/posts?per_page=100&include=body",
            gateway.address
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["posts"].as_array().map(Vec::len),
        Some(100),
        "{list:.300}"
    );
}

#[tokio::test]
async fn a_nats_restart_fails_requests_quickly_and_service_returns_within_five_seconds() {
    if skipped() {
        return;
    }
    let mut site = Site::new().await;
    let gateway = site.start("gateway,auth,posts,render");
    let _media = site.start("media");
    site.create_post(
        &gateway,
        json!({ "title": "Steady", "markdown": "x", "status": "published" }),
    )
    .await;
    assert_eq!(site.upload(&gateway).await.status(), 201);

    site.nats.kill();
    // During the outage: answers, never a hang past the deadline.
    for _ in 0..5 {
        let started = Instant::now();
        let status = site.upload(&gateway).await.status().as_u16();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
        assert!([503, 504].contains(&status), "{status}");
        // Pages of concerns in the gateway's own process stay up.
        assert_eq!(site.page(&gateway, "/steady/").await.0, 200);
    }

    site.nats.restart();
    let back = eventually(Duration::from_secs(5), || async {
        site.upload(&gateway).await.status() == 201
    })
    .await;
    assert!(back, "uploads work again within 5 s of NATS's return");
    // Events sent while it was away are lost: the gateway dropped its copies.
    let dropped = site
        .logs
        .lock()
        .unwrap()
        .iter()
        .any(|line| line.contains("every cached page and file is dropped"));
    assert!(dropped, "the gateway dropped its caches after the outage");
}

/// `folio_concern_messages_total{concern="media"}` of one process.
async fn media_messages(site: &Site, process: &Process) -> f64 {
    let text = site
        .client
        .get(format!("{}/metrics", process.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix("folio_concern_messages_total{concern=\"media\"}"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0.0)
}

/// How many replicas of `service` answer NATS's service ping within 300 ms.
async fn replicas_answering(site: &Site, service: &str) -> usize {
    let client = async_nats::connect(&site.nats.url).await.unwrap();
    let inbox = client.new_inbox();
    let mut replies = client.subscribe(inbox.clone()).await.unwrap();
    client
        .publish_with_reply(format!("$SRV.PING.{service}"), inbox, "".into())
        .await
        .unwrap();
    let mut count = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(300);
    while let Ok(Some(_)) = tokio::time::timeout_at(deadline, replies.next()).await {
        count += 1;
    }
    count
}

/// Two processes hosting one stored concern need a store both can write: PostgreSQL.
fn replicas_skipped(site: &Site) -> bool {
    if site.postgres.is_none() {
        eprintln!(
            "skipped: replicas share their store on PostgreSQL (set FOLIO_TEST_POSTGRES_URL)"
        );
        return true;
    }
    false
}

#[tokio::test]
async fn two_media_replicas_share_uploads_and_either_serves_what_the_other_made() {
    if skipped() {
        return;
    }
    let site = Site::new().await;
    if replicas_skipped(&site) {
        return;
    }
    let gateway = site.start("gateway,auth,posts,render");
    let first = site.start("media");
    let mut second = site.start("media");
    // Eight at a time: a replica takes ten at once (two decoding, eight
    // queued) and says busy past that, by design; eight can never overflow
    // one, however NATS spreads them.
    let uploads: Vec<_> = futures::stream::iter((0..40).map(|_| site.upload(&gateway)))
        .buffer_unordered(8)
        .collect()
        .await;
    let mut ids = Vec::new();
    for response in uploads {
        assert_eq!(response.status(), 201);
        let medium: Value = response.json().await.unwrap();
        ids.push(medium["id"].as_str().unwrap().to_owned());
    }
    // The same picture from the same person is one medium, whichever replica
    // took each upload.
    ids.sort();
    ids.dedup();
    let (a, b) = (
        media_messages(&site, &first).await,
        media_messages(&site, &second).await,
    );
    assert!(
        a >= 10.0 && b >= 10.0,
        "each replica took a quarter at least: {a} and {b}"
    );

    // One replica gone: the other edits and deletes what either made, once
    // NATS has noticed the dead connection (a call it routed to the dead one
    // just before would time out, as any call to a killed process does).
    let _ = second.child.kill();
    let _ = second.child.wait();
    let noticed = eventually(Duration::from_secs(5), || async {
        replicas_answering(&site, "folio-media").await == 1
    })
    .await;
    assert!(noticed, "NATS noticed the killed replica");
    for id in &ids {
        let edited = site
            .authed(
                site.client
                    .patch(format!("{}/api/v1/media/{id}", gateway.address)),
            )
            .json(&json!({ "alt": "edited by the one left" }))
            .send()
            .await
            .unwrap();
        assert_eq!(edited.status(), 200, "{}", edited.text().await.unwrap());
        let deleted = site
            .authed(
                site.client
                    .delete(format!("{}/api/v1/media/{id}", gateway.address)),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), 204, "{}", deleted.text().await.unwrap());
    }
}

#[tokio::test]
async fn a_media_replica_killed_mid_way_loses_no_acknowledged_upload() {
    if skipped() {
        return;
    }
    let site = Site::new().await;
    if replicas_skipped(&site) {
        return;
    }
    let gateway = site.start("gateway,auth,posts,render");
    let mut doomed = site.start("media");
    let _survivor = site.start("media");
    let uploads = futures::future::join_all((0..40).map(|n| {
        let site = &site;
        let gateway = &gateway;
        async move {
            tokio::time::sleep(Duration::from_millis(25 * n)).await;
            // The body at once: the client's timeout counts from the request.
            match site.try_upload(gateway).await {
                Ok(response) => {
                    let status = response.status();
                    Ok((status, response.json::<Value>().await.ok()))
                }
                Err(error) => Err(error),
            }
        }
    }));
    let killer = async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let _ = doomed.child.kill();
        let _ = doomed.child.wait();
    };
    let (uploads, ()) = tokio::join!(uploads, killer);
    let mut acknowledged = Vec::new();
    for response in uploads {
        match response {
            Ok((status, medium)) if status == 201 => {
                let medium = medium.expect("a created medium's JSON");
                acknowledged.push(medium["id"].as_str().unwrap().to_owned());
            }
            // Not acknowledged: refused or cut off, never a silent success.
            Ok((status, _)) => assert!(status.is_server_error(), "{status}"),
            // A call the killed replica had in hand gets no answer: the
            // gateway waits out the upload's budget (two minutes), longer
            // than this client does.
            Err(error) => assert!(error.is_timeout(), "{error}"),
        }
    }
    assert!(
        acknowledged.len() >= 20,
        "most uploads made it: {}",
        acknowledged.len()
    );
    for id in &acknowledged {
        let got = site
            .authed(
                site.client
                    .get(format!("{}/api/v1/media/{id}", gateway.address)),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), 200, "acknowledged medium {id} is there");
        let medium: Value = got.json().await.unwrap();
        let original = medium["original_url"].as_str().unwrap();
        let file = site
            .authed(site.client.get(format!("{}{original}", gateway.address)))
            .send()
            .await
            .unwrap();
        assert_eq!(file.status(), 200, "its original is served");
    }
}

#[tokio::test]
async fn a_rolling_restart_of_two_media_replicas_fails_no_request() {
    if skipped() {
        return;
    }
    let site = Site::new().await;
    if replicas_skipped(&site) {
        return;
    }
    let gateway = site.start("gateway,auth,posts,render");
    let mut replicas = [site.start("media"), site.start("media")];
    let done = std::sync::atomic::AtomicBool::new(false);
    let load = async {
        let mut failures = Vec::new();
        let mut sent = 0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            let response = site.upload(&gateway).await;
            sent += 1;
            if response.status() != 201 {
                failures.push(format!(
                    "{} {}",
                    response.status(),
                    response.text().await.unwrap()
                ));
            }
        }
        (sent, failures)
    };
    let restarts = async {
        for replica in replicas.iter_mut() {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let pid = replica.child.id().to_string();
            let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
            assert!(status.success());
            let exited = loop {
                if let Some(status) = replica.child.try_wait().unwrap() {
                    break status;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            assert!(exited.success(), "a stopping replica exits 0: {exited}");
            *replica = site.start("media");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    let ((sent, failures), ()) = tokio::join!(load, restarts);
    assert!(sent >= 10, "uploads ran all along: {sent}");
    // With the processes' warnings, which say which side failed and why.
    let warnings: Vec<String> = site
        .logs
        .lock()
        .unwrap()
        .iter()
        .filter(|line| line.contains("WARN") || line.contains("ERROR"))
        .cloned()
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {sent} uploads failed: {failures:?}\n{}",
        failures.len(),
        warnings.join("\n")
    );
}

#[tokio::test]
async fn replicas_starting_at_once_migrate_their_store_in_turn() {
    if skipped() {
        return;
    }
    let site = Site::new().await;
    if replicas_skipped(&site) {
        return;
    }
    // A store that has never been migrated: a database of its own.
    let (admin, _) = site.postgres.as_ref().unwrap();
    let fresh = common::fresh_postgres().await.unwrap();
    let media_url = postgres_args(admin, &fresh.1)
        .chunks(2)
        .find(|pair| pair[0] == "--media-database-url")
        .map(|pair| pair[1].clone())
        .unwrap();
    let migrations: Vec<_> = (0..3)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_folio"))
                .args([
                    "migrate",
                    "--concerns",
                    "media",
                    "--media-database-url",
                    &media_url,
                ])
                .arg("--data-dir")
                .arg(site.data_dir.path())
                .env_clear()
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for migration in migrations {
        let output = migration.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    common::drop_databases(fresh);
}

#[tokio::test]
async fn with_media_files_in_nats_processes_on_separate_disks_upload_serve_edit_and_delete() {
    if skipped() {
        return;
    }
    let site = Site::new().await;
    if replicas_skipped(&site) {
        return;
    }
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let gateway = site.start_apart("gateway,auth,posts,render", &dirs[0]);
    let mut first = site.start_apart("media", &dirs[1]);
    let _second = site.start_apart("media", &dirs[2]);

    let mut media = Vec::new();
    for bytes in [
        transparent_png(),
        common::photo_with_gps_xmp_and_orientation_6(),
    ] {
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("p"),
            )
            .text("alt", "apart");
        let response = site
            .authed(
                site.client
                    .post(format!("{}/api/v1/media", gateway.address)),
            )
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        media.push(response.json::<Value>().await.unwrap());
    }
    // Every file is served, whichever replica made it, and from no disk.
    for medium in &media {
        for url in [&medium["original_url"], &medium["variants"][0]["url"]] {
            let file = site
                .client
                .get(format!("{}{}", gateway.address, url.as_str().unwrap()))
                .send()
                .await
                .unwrap();
            assert_eq!(file.status(), 200, "{url}");
            assert!(!file.bytes().await.unwrap().is_empty());
        }
    }
    for dir in &dirs {
        assert!(
            !dir.path().join("media").exists(),
            "no file on {:?}",
            dir.path()
        );
    }

    // One replica gone: the other edits (a new version of the files) and deletes.
    let _ = first.child.kill();
    let _ = first.child.wait();
    let id = media[1]["id"].as_str().unwrap();
    let edited = site
        .authed(
            site.client
                .post(format!("{}/api/v1/media/{id}/edit", gateway.address)),
        )
        .json(&json!({ "operations": [{ "rotate": 90 }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), 200, "{}", edited.text().await.unwrap());
    let edited: Value = edited.json().await.unwrap();
    let url = edited["variants"][0]["url"].as_str().unwrap();
    let file = site
        .client
        .get(format!("{}{url}", gateway.address))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    let deleted = site
        .authed(
            site.client
                .delete(format!("{}/api/v1/media/{id}", gateway.address)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let gone = site
        .client
        .get(format!("{}{url}", gateway.address))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);

    // Over the limit while streaming: refused, and nothing is stored.
    let big = vec![0u8; 41_000_000];
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(big).file_name("big.jpg"),
    );
    let refused = site
        .authed(
            site.client
                .post(format!("{}/api/v1/media", gateway.address)),
        )
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 413);
    let list: Value = site
        .authed(site.client.get(format!("{}/api/v1/media", gateway.address)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["media"].as_array().map(Vec::len), Some(1), "{list}");
}

#[tokio::test]
async fn the_sign_in_limit_counts_failures_at_every_gateway() {
    if skipped() {
        return;
    }
    let site = Site::new().await;
    let _concerns = site.start("auth,posts,render,media");
    let limited = ["--login-attempts", "3"];
    let first = site.start_in("gateway", site.data_dir.path(), &limited);
    let second = site.start_in("gateway", site.data_dir.path(), &limited);
    let sign_in = |gateway: &Process| {
        site.client
            .post(format!("{}/api/v1/session", gateway.address))
            .json(&json!({ "email": OWNER_EMAIL, "password": "not the password" }))
            .send()
    };
    for gateway in [&first, &first, &second] {
        assert_eq!(sign_in(gateway).await.unwrap().status(), 401);
    }
    // Three failures from this address in all: both gateways refuse the
    // next, once the news has crossed (one attempt each: a retry loop would
    // add failures of its own and pass without any sharing).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sign_in(&second).await.unwrap().status(),
        429,
        "the second gateway counted the first one's failures"
    );
    assert_eq!(sign_in(&first).await.unwrap().status(), 429);
}
