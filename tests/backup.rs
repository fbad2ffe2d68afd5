//! `folio backup` beside a running site under write load, and `folio
//! restore` into a fresh data directory: the restored site serves what the
//! first one served for the posts the snapshot holds, byte for byte; damaged
//! backups and occupied targets are refused with nothing written.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use common::{OWNER_EMAIL, OWNER_PASSWORD, TestApp};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

/// Both servers claim this address, so links in pages and feeds are the same.
const PUBLIC_URL: &str = "http://blog.example";

/// `folio ARGS… --data-dir DIR STORE_ARGS…`: success, stdout, stderr.
fn folio(args: &[&str], data_dir: &Path, store_args: &[String]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .args(store_args)
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Whether this suite's sites keep something `folio backup` does not copy:
/// then the tests check it refuses, clearly, writing nothing.
fn unsupported(app: &TestApp) -> bool {
    app.on_postgres() || app.blobs_in_nats()
}

/// `folio backup` refused on PostgreSQL or with media in JetStream, naming
/// what is not supported, and the backup directory not made.
fn assert_refused_clearly(app: &TestApp) {
    let scratch = tempfile::tempdir().unwrap();
    let target = scratch.path().join("backup");
    let (ok, _, stderr) = folio(
        &["backup", target.to_str().unwrap()],
        app.data_dir.path(),
        &app.store_args(),
    );
    assert!(!ok, "a backup it cannot make whole is refused");
    let named = if app.on_postgres() {
        "PostgreSQL"
    } else {
        "JetStream"
    };
    assert!(
        stderr.contains(named),
        "the refusal names {named}: {stderr}"
    );
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(std::fs::read_dir(scratch.path()).unwrap().count(), 0);
}

fn jpeg(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, seed])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(
            &mut std::io::Cursor::new(&mut out),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    out
}

async fn upload(app: &TestApp, seed: u8) -> String {
    let form = Form::new().part(
        "file",
        Part::bytes(jpeg(900, 600, seed)).file_name(format!("picture-{seed}.jpg")),
    );
    let response = app
        .client
        .post(app.url("/api/v1/media"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let medium: Value = response.json().await.unwrap();
    medium["id"].as_str().unwrap().to_owned()
}

/// Publishes post number `n` tagged Load, showing `medium` if given.
async fn publish(app: &TestApp, n: usize, medium: Option<&str>) {
    let picture = medium
        .map(|id| format!("\n\n![Picture {n}](media:{id})"))
        .unwrap_or_default();
    let response = app
        .client
        .post(app.url("/api/v1/posts"))
        .json(&json!({
            "title": format!("Post {n}"),
            "markdown": format!("The body of post {n}.{picture}"),
            "tags": ["Load"],
            "status": "published",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// The slugs of the published posts an app's API lists.
async fn published_slugs(app: &TestApp) -> BTreeSet<String> {
    let mut slugs = BTreeSet::new();
    for page in 1.. {
        let (status, body) = app
            .get_json(&format!("/api/v1/posts?per_page=100&page={page}"))
            .await;
        assert_eq!(status, 200, "{body}");
        let posts = body["posts"].as_array().unwrap();
        slugs.extend(
            posts
                .iter()
                .filter(|post| post["status"] == "published")
                .map(|post| post["slug"].as_str().unwrap().to_owned()),
        );
        if posts.len() < 100 {
            break;
        }
    }
    slugs
}

/// Status and bytes an anonymous reader gets at `path`.
async fn read(app: &TestApp, path: &str) -> (u16, Vec<u8>) {
    let response = app.anonymous.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

/// The files of every medium the app lists: original and variants.
async fn media_files(app: &TestApp) -> Vec<String> {
    let (status, page) = app.get_json("/api/v1/media?per_page=100").await;
    assert_eq!(status, 200, "{page}");
    let items = page["media"].as_array().unwrap();
    let mut urls = Vec::new();
    for medium in items {
        urls.push(medium["original_url"].as_str().unwrap().to_owned());
        for variant in medium["variants"].as_array().unwrap() {
            urls.push(variant["url"].as_str().unwrap().to_owned());
            urls.push(variant["webp_url"].as_str().unwrap().to_owned());
        }
    }
    urls
}

/// Restores `backup` into a fresh directory and starts a site on it.
async fn restore_and_start(backup: &Path, args: &[&str], token: Option<String>) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = folio(&["restore", backup.to_str().unwrap()], data_dir.path(), &[]);
    assert!(ok, "restore succeeds: {stdout}{stderr}");
    assert!(stdout.contains("search index is rebuilt"), "{stdout}");
    TestApp::spawn_on(data_dir, args, token).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_write_load_restores_the_same_pages_and_files() {
    let app = TestApp::spawn_with(&["--public-url", PUBLIC_URL]).await;
    if unsupported(&app) {
        assert_refused_clearly(&app);
        return;
    }
    let app = Arc::new(app);
    // Some posts and pictures before the backup starts: these must be in it.
    let first = upload(&app, 1).await;
    for n in 1..=4 {
        publish(&app, n, (n == 2).then_some(first.as_str())).await;
    }
    let before = published_slugs(&app).await;

    // Writers keep publishing while the backup runs as a process of its
    // own: two of plain posts (a few milliseconds each), one of posts with a
    // picture each (an upload takes about a second here).
    let stop = Arc::new(AtomicBool::new(false));
    let (published, uploaded) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let writers: Vec<_> = (0..3)
        .map(|k| {
            let (app, stop) = (app.clone(), stop.clone());
            let (published, uploaded) = (published.clone(), uploaded.clone());
            tokio::spawn(async move {
                let mut n = 5 + k;
                while !stop.load(Ordering::Relaxed) {
                    let medium = if k == 2 {
                        let id = upload(&app, n as u8).await;
                        uploaded.fetch_add(1, Ordering::Relaxed);
                        Some(id)
                    } else {
                        None
                    };
                    publish(&app, n, medium.as_deref()).await;
                    published.fetch_add(1, Ordering::Relaxed);
                    n += 3;
                    // A steady load, not a flood: some dozens of posts a second.
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            })
        })
        .collect();
    // The writers are going before the backup starts, and go on after it.
    while published.load(Ordering::Relaxed) < 3 || uploaded.load(Ordering::Relaxed) < 1 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let scratch = tempfile::tempdir().unwrap();
    let backup = scratch.path().join("backup");
    let (data_dir, store_args) = (app.data_dir.path().to_owned(), app.store_args());
    let target = backup.clone();
    let (started, at_start) = (Instant::now(), published.load(Ordering::Relaxed));
    let (ok, stdout, stderr) = tokio::task::spawn_blocking(move || {
        folio(
            &["backup", target.to_str().unwrap()],
            &data_dir,
            &store_args,
        )
    })
    .await
    .unwrap();
    let (took, during) = (
        started.elapsed(),
        published.load(Ordering::Relaxed) - at_start,
    );
    let at_end = published.load(Ordering::Relaxed);
    while published.load(Ordering::Relaxed) < at_end + 2 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    assert!(ok, "backup succeeds: {stdout}{stderr}");
    let size: u64 = walk(&backup)
        .iter()
        .map(|f| f.metadata().unwrap().len())
        .sum();
    println!(
        "backup under load: {took:?}, {size} bytes, {during} posts published while it ran; {stdout}"
    );

    let token = app.owner_token.clone();
    let restored = restore_and_start(&backup, &["--public-url", PUBLIC_URL], token).await;

    // The restored site holds every post published before the backup, and
    // none the first site never had; the owner's API token still works.
    let snapshot = published_slugs(&restored).await;
    let all = published_slugs(&app).await;
    println!(
        "the restored site has {} of the first site's {} posts",
        snapshot.len(),
        all.len()
    );
    assert!(before.is_subset(&snapshot), "{before:?} in {snapshot:?}");
    assert!(snapshot.is_subset(&all), "{snapshot:?} in {all:?}");

    // Each post's page, byte for byte.
    for slug in &snapshot {
        let path = format!("/{slug}/");
        let (theirs, ours) = (read(&app, &path).await, read(&restored, &path).await);
        assert_eq!(ours.0, 200, "{path}");
        assert!(ours == theirs, "{path} is the same page after the restore");
    }
    // Each medium's files, byte for byte (a medium uploaded for a post the
    // snapshot missed may be in it or not: the restored site's list decides).
    let files = media_files(&restored).await;
    assert!(files.len() >= 3, "{files:?}");
    for path in &files {
        let (theirs, ours) = (read(&app, path).await, read(&restored, path).await);
        assert_eq!(ours.0, 200, "{path}");
        assert!(ours == theirs, "{path} is the same file after the restore");
    }
    // Pages that list posts: the same bytes when no post came in after the
    // snapshot; otherwise they list the snapshot's posts, and of those the
    // ones the first site listed there.
    for path in ["/", "/tag/load/", "/feed.xml", "/tag/load/feed.xml"] {
        let (theirs, ours) = (read(&app, path).await, read(&restored, path).await);
        assert_eq!(ours.0, 200, "{path}");
        if snapshot == all {
            assert!(ours == theirs, "{path} is the same page after the restore");
            continue;
        }
        let (theirs, ours) = (
            String::from_utf8(theirs.1).unwrap(),
            String::from_utf8(ours.1).unwrap(),
        );
        let links = |page: &str| -> BTreeSet<String> {
            all.iter()
                // Pages escape the slashes of links (`&#x2f;`), feeds don't.
                .filter(|slug| {
                    page.contains(&format!("/{slug}/"))
                        || page.contains(&format!("&#x2f;{slug}&#x2f;"))
                })
                .cloned()
                .collect()
        };
        let (theirs, ours) = (links(&theirs), links(&ours));
        assert!(!ours.is_empty(), "{path} lists posts");
        assert!(
            ours.is_subset(&snapshot),
            "{path}: {ours:?} in {snapshot:?}"
        );
        let expected: BTreeSet<_> = theirs.intersection(&snapshot).cloned().collect();
        assert!(
            expected.is_subset(&ours),
            "{path} lists {expected:?}: {ours:?}"
        );
    }
}

fn walk(dir: &Path) -> Vec<std::fs::DirEntry> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            files.extend(walk(&entry.path()));
        } else {
            files.push(entry);
        }
    }
    files
}

/// Every name under `dir`, recursively, for "nothing was written".
fn names(dir: &Path) -> BTreeSet<String> {
    walkdir_names(dir, dir)
}

fn walkdir_names(root: &Path, dir: &Path) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        names.insert(path.strip_prefix(root).unwrap().display().to_string());
        if path.is_dir() {
            names.extend(walkdir_names(root, &path));
        }
    }
    names
}

/// Copies a backup directory, to damage the copy.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test]
async fn restore_refuses_an_occupied_target_a_tampered_file_and_a_cut_manifest_writing_nothing() {
    let app = TestApp::spawn().await;
    if unsupported(&app) {
        assert_refused_clearly(&app);
        return;
    }
    let medium = upload(&app, 7).await;
    publish(&app, 1, Some(&medium)).await;
    let scratch = tempfile::tempdir().unwrap();
    let backup = scratch.path().join("backup");
    let (ok, stdout, stderr) = folio(
        &["backup", backup.to_str().unwrap()],
        app.data_dir.path(),
        &[],
    );
    assert!(ok, "{stdout}{stderr}");
    // A backup is not written over anything either.
    let (ok, _, stderr) = folio(
        &["backup", backup.to_str().unwrap()],
        app.data_dir.path(),
        &[],
    );
    assert!(!ok && stderr.contains("is not empty"), "{stderr}");

    let restore =
        |backup: &Path, target: &Path| folio(&["restore", backup.to_str().unwrap()], target, &[]);
    let places = tempfile::tempdir().unwrap();

    // A target with something in it.
    let occupied = places.path().join("occupied");
    std::fs::create_dir(&occupied).unwrap();
    std::fs::write(occupied.join("notes.txt"), "mine").unwrap();
    let before = names(places.path());
    let (ok, _, stderr) = restore(&backup, &occupied);
    assert!(!ok, "an occupied target is refused");
    assert!(stderr.contains("is not empty"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(names(places.path()), before);

    // A file altered after the backup: one byte of a medium's file.
    let tampered = scratch.path().join("tampered");
    copy_dir(&backup, &tampered);
    let picture = walk(&tampered.join("media"))
        .into_iter()
        .find(|f| f.file_name().to_string_lossy().ends_with(".webp"))
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&picture).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&picture, bytes).unwrap();
    let target = places.path().join("from-tampered");
    let (ok, _, stderr) = restore(&tampered, &target);
    assert!(!ok, "a tampered backup is refused");
    assert!(stderr.contains("does not match its checksum"), "{stderr}");
    assert_eq!(names(places.path()), before, "nothing was written");

    // A truncated store.
    let truncated = scratch.path().join("truncated");
    copy_dir(&backup, &truncated);
    let db = truncated.join("posts.db");
    let length = std::fs::metadata(&db).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .unwrap()
        .set_len(length / 2)
        .unwrap();
    let (ok, _, stderr) = restore(&truncated, &target);
    assert!(!ok && stderr.contains("posts.db"), "{stderr}");
    assert_eq!(names(places.path()), before, "nothing was written");

    // A manifest cut short.
    let cut = scratch.path().join("cut");
    copy_dir(&backup, &cut);
    let manifest = std::fs::read(cut.join("manifest.json")).unwrap();
    std::fs::write(cut.join("manifest.json"), &manifest[..manifest.len() / 2]).unwrap();
    let (ok, _, stderr) = restore(&cut, &target);
    assert!(!ok, "a cut manifest is refused");
    assert!(stderr.contains("not a usable backup manifest"), "{stderr}");
    assert_eq!(names(places.path()), before, "nothing was written");

    // The untouched backup restores into a new directory.
    let (ok, stdout, stderr) = restore(&backup, &target);
    assert!(ok, "{stdout}{stderr}");
    for file in ["auth.db", "posts.db", "media.db", "secret.key"] {
        assert!(target.join(file).is_file(), "{file} restored");
    }
}

#[tokio::test]
async fn a_backup_of_a_fresh_site_restores_to_a_site_its_owner_signs_in_to() {
    let app = TestApp::spawn().await;
    if unsupported(&app) {
        assert_refused_clearly(&app);
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let backup = scratch.path().join("backup");
    let (ok, stdout, stderr) = folio(
        &["backup", backup.to_str().unwrap()],
        app.data_dir.path(),
        &[],
    );
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("holds the site's secrets"), "{stdout}");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["stores"], json!(["posts", "auth", "media"]));

    let restored = restore_and_start(&backup, &[], None).await;
    let response = restored
        .anonymous
        .post(restored.url("/api/v1/session"))
        .header("origin", &restored.address)
        .json(&json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "the owner signs in");
    // The owner's API token works too; without it, the users stay private.
    let (status, _) = restored.get_json("/api/v1/users").await;
    assert_eq!(status, 401);
    let token = app.owner_token.clone().unwrap();
    let users = restored
        .anonymous
        .get(restored.url("/api/v1/users"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(users.status(), StatusCode::OK);
    assert_eq!(read(&restored, "/").await.0, 200);
}

#[tokio::test]
async fn a_backup_of_a_quiet_site_restores_every_public_page_byte_for_byte() {
    let app = TestApp::spawn_with(&["--public-url", PUBLIC_URL]).await;
    if unsupported(&app) {
        assert_refused_clearly(&app);
        return;
    }
    let medium = upload(&app, 3).await;
    for n in 1..=3 {
        publish(&app, n, (n == 2).then_some(medium.as_str())).await;
    }
    let scratch = tempfile::tempdir().unwrap();
    let backup = scratch.path().join("backup");
    let (ok, stdout, stderr) = folio(
        &["backup", backup.to_str().unwrap()],
        app.data_dir.path(),
        &[],
    );
    assert!(ok, "{stdout}{stderr}");
    let restored = restore_and_start(&backup, &["--public-url", PUBLIC_URL], None).await;

    let mut paths: Vec<String> = ["/", "/tag/load/", "/feed.xml", "/tag/load/feed.xml"]
        .map(String::from)
        .into();
    paths.extend((1..=3).map(|n| format!("/post-{n}/")));
    paths.extend(media_files(&app).await);
    assert_eq!(paths.len(), 7 + 7, "{paths:?}");
    for path in &paths {
        let (theirs, ours) = (read(&app, path).await, read(&restored, path).await);
        assert_eq!(ours.0, 200, "{path}");
        assert!(ours == theirs, "{path} is the same after the restore");
    }
}

#[tokio::test]
async fn a_backup_missing_a_file_its_media_records_name_fails_loudly_leaving_nothing() {
    let app = TestApp::spawn().await;
    if unsupported(&app) {
        assert_refused_clearly(&app);
        return;
    }
    let medium = upload(&app, 5).await;
    // As if the medium were deleted between the snapshot and the copy of its
    // files, every time: one of its files goes from the disk.
    let files = walk(&app.data_dir.path().join("media").join(&medium));
    let gone = files
        .iter()
        .find(|f| f.file_name().to_string_lossy().ends_with(".webp"))
        .unwrap()
        .path();
    std::fs::remove_file(&gone).unwrap();

    let scratch = tempfile::tempdir().unwrap();
    let backup = scratch.path().join("backup");
    let (ok, _, stderr) = folio(
        &["backup", backup.to_str().unwrap()],
        app.data_dir.path(),
        &[],
    );
    assert!(!ok, "a backup missing a file fails");
    let name = gone.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        stderr.contains("3 attempts") && stderr.contains(&format!("{medium}/v1/{name}")),
        "it says which file, after taking the snapshot again: {stderr}"
    );
    assert_eq!(
        names(scratch.path()),
        BTreeSet::new(),
        "no backup, no partial one"
    );
}
