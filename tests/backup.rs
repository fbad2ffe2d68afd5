//! `folio backup` beside a running site under write load, and `folio
//! restore` into a fresh data directory: the restored site serves what the
//! first one served for the posts the snapshot holds, byte for byte; damaged
//! backups and occupied targets are refused with nothing written.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use common::moving::{folio, folio_with};
use common::{EmptyStores, OWNER_EMAIL, OWNER_PASSWORD, TestApp};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

/// Both servers claim this address, so links in pages and feeds are the same.
const PUBLIC_URL: &str = "http://blog.example";

/// `folio backup DIR` of `app`'s stores.
fn backup_of(app: &TestApp, dir: &Path) -> (bool, String, String) {
    folio(
        &["backup", dir.to_str().unwrap()],
        app.data_dir.path(),
        &app.store_args(),
    )
}

/// `folio restore DIR` into `stores`, with their data directory or `data_dir`.
fn restore_into(
    backup: &Path,
    stores: &EmptyStores,
    data_dir: Option<&Path>,
) -> (bool, String, String) {
    folio(
        &["restore", backup.to_str().unwrap()],
        data_dir.unwrap_or(stores.data_dir.path()),
        &stores.store_args(),
    )
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

/// Restores `backup` into fresh stores of the suite's kinds (data
/// directory, and PostgreSQL databases or JetStream as the suite runs) and
/// starts a site on them.
async fn restore_and_start(backup: &Path, args: &[&str], token: Option<String>) -> TestApp {
    let stores = EmptyStores::new().await;
    let (ok, stdout, stderr) = restore_into(backup, &stores, None);
    assert!(ok, "restore succeeds: {stdout}{stderr}");
    assert!(stdout.contains("search index is rebuilt"), "{stdout}");
    stores.start(args, token).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_write_load_restores_the_same_pages_and_files() {
    let app = TestApp::spawn_with(&["--public-url", PUBLIC_URL]).await;
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
    let medium = upload(&app, 7).await;
    publish(&app, 1, Some(&medium)).await;
    let scratch = tempfile::tempdir().unwrap();
    let backup = scratch.path().join("backup");
    let (ok, stdout, stderr) = backup_of(&app, &backup);
    assert!(ok, "{stdout}{stderr}");
    // A backup is not written over anything either.
    let (ok, _, stderr) = backup_of(&app, &backup);
    assert!(!ok && stderr.contains("is not empty"), "{stderr}");

    // The refused restores aim at these stores, each time with a data
    // directory under `places`; at the end the good backup goes into them,
    // which it would refuse if a database or the bucket held anything.
    let stores = EmptyStores::new().await;
    let restore = |backup: &Path, target: &Path| restore_into(backup, &stores, Some(target));
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

    // A truncated store: a SQLite snapshot or a PostgreSQL dump.
    let truncated = scratch.path().join("truncated");
    copy_dir(&backup, &truncated);
    let store = if app.on_postgres() {
        "posts.dump"
    } else {
        "posts.db"
    };
    let db = truncated.join(store);
    let length = std::fs::metadata(&db).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .unwrap()
        .set_len(length / 2)
        .unwrap();
    let (ok, _, stderr) = restore(&truncated, &target);
    assert!(!ok && stderr.contains(store), "{stderr}");
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

    // The untouched backup restores into the stores, and the site serves
    // the post with its picture.
    let (ok, stdout, stderr) = restore_into(&backup, &stores, None);
    assert!(ok, "{stdout}{stderr}");
    let restored_dir = stores.data_dir.path().to_owned();
    for file in ["auth.db", "posts.db", "media.db", "secret.key"] {
        let expected = match file {
            "secret.key" => !common::split_topology(),
            _ => !app.on_postgres(),
        };
        assert_eq!(
            restored_dir.join(file).is_file(),
            expected,
            "{file} in the data directory"
        );
    }
    let restored = stores.start(&[], None).await;
    let (status, page) = read(&restored, "/post-1/").await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains(&format!("/media/{medium}/")), "{page}");
    for path in media_files(&app).await {
        let (theirs, ours) = (read(&app, &path).await, read(&restored, &path).await);
        assert_eq!(ours.0, 200, "{path}");
        assert!(ours == theirs, "{path} is the same file after the restore");
    }
}

#[tokio::test]
async fn restore_refuses_stores_that_already_hold_data_writing_nothing() {
    let app = TestApp::spawn_with(&["--public-url", PUBLIC_URL]).await;
    let medium = upload(&app, 9).await;
    publish(&app, 1, Some(&medium)).await;
    let scratch = tempfile::tempdir().unwrap();
    let backup = scratch.path().join("backup");
    let (ok, stdout, stderr) = backup_of(&app, &backup);
    assert!(ok, "{stdout}{stderr}");
    let stores = EmptyStores::new().await;
    // The databases' URLs carry a password (the test server trusts anyone
    // anyway): it must never be shown.
    let args: Vec<String> = stores
        .store_args()
        .into_iter()
        .map(|arg| match url::Url::parse(&arg) {
            Ok(mut url) if url.scheme() == "postgres" => {
                url.set_password(Some("hunter2")).unwrap();
                url.to_string()
            }
            _ => arg,
        })
        .collect();
    let restore = || {
        folio(
            &["restore", backup.to_str().unwrap()],
            stores.data_dir.path(),
            &args,
        )
    };

    // Each store the suite's sites keep outside the data directory, in turn
    // holding something of another site's: the restore refuses, naming it,
    // before writing anywhere.
    if stores.on_postgres() {
        stores
            .execute_sql("media", "CREATE TABLE theirs (id integer)")
            .await;
        let (ok, _, stderr) = restore();
        assert!(!ok, "a database with tables is refused");
        assert!(
            stderr.contains("the media database") && stderr.contains("already holds tables"),
            "{stderr}"
        );
        assert!(stderr.contains("nothing was written"), "{stderr}");
        assert!(
            !stderr.contains("hunter2") && stderr.contains("postgres:***@"),
            "the password is not shown: {stderr}"
        );
        for concern in ["posts", "auth"] {
            assert_eq!(
                stores.tables(concern).await,
                Vec::<String>::new(),
                "{concern}"
            );
        }
        stores.execute_sql("media", "DROP TABLE theirs").await;
    }
    if stores.blobs_in_nats() {
        let blobs = stores.nats_blobs().await;
        let key = folio_media::BlobKey::parse("someone/v1/original.jpg").unwrap();
        let body = futures::stream::once(async { Ok(bytes::Bytes::from_static(b"theirs")) });
        blobs.put(&key, Box::pin(body), 6).await.unwrap();
        let (ok, _, stderr) = restore();
        assert!(!ok, "a bucket with files is refused");
        assert!(stderr.contains("JetStream"), "{stderr}");
        assert!(stderr.contains("nothing was written"), "{stderr}");
        if stores.on_postgres() {
            for concern in ["posts", "auth", "media"] {
                assert_eq!(
                    stores.tables(concern).await,
                    Vec::<String>::new(),
                    "{concern}"
                );
            }
        }
        blobs.delete(&key).await.unwrap();
    }
    // The data directory too (every site keeps something there).
    std::fs::write(stores.data_dir.path().join("posts.db"), "another site's").unwrap();
    let (ok, _, stderr) = restore();
    assert!(!ok && stderr.contains("is not empty"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    std::fs::remove_file(stores.data_dir.path().join("posts.db")).unwrap();

    // Emptied again, the stores take the backup: nothing was left behind.
    let (ok, stdout, stderr) = restore();
    assert!(ok, "{stdout}{stderr}");
    assert!(!stdout.contains("hunter2"), "{stdout}");
    let restored = stores.start(&["--public-url", PUBLIC_URL], None).await;
    let (theirs, ours) = (
        read(&app, "/post-1/").await,
        read(&restored, "/post-1/").await,
    );
    assert_eq!(ours.0, 200);
    assert!(ours == theirs, "the same page after the restore");
}

/// Writes an executable shell script `name` into `dir`.
fn script(dir: &Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test]
async fn stores_on_postgresql_need_its_tools_and_a_restore_failing_midway_says_what_it_left() {
    let app = TestApp::spawn().await;
    publish(&app, 1, None).await;
    let scratch = tempfile::tempdir().unwrap();
    // A PATH with a pg_dump of another major version, and one with none.
    let old = scratch.path().join("old-tools");
    std::fs::create_dir(&old).unwrap();
    script(&old, "pg_dump", "echo 'pg_dump (PostgreSQL) 9.6.24'");
    let none = scratch.path().join("no-tools");
    std::fs::create_dir(&none).unwrap();
    for (path, said) in [
        (&old, "pg_dump is version 9"),
        (&none, "pg_dump is not installed"),
    ] {
        let target = scratch.path().join("backup");
        let (ok, stdout, stderr) = folio_with(
            &["backup", target.to_str().unwrap()],
            app.data_dir.path(),
            &app.store_args(),
            &[("PATH", path.to_str().unwrap())],
        );
        if app.on_postgres() {
            assert!(!ok, "refused without the right pg_dump");
            assert!(stderr.contains(said), "{stderr}");
            assert!(stderr.contains("nothing was written"), "{stderr}");
            let left: BTreeSet<String> = ["no-tools", "old-tools", "old-tools/pg_dump"]
                .map(String::from)
                .into();
            assert_eq!(names(scratch.path()), left, "no backup, no partial one");
        } else {
            // SQLite stores need no PostgreSQL tools at all.
            assert!(ok, "{stdout}{stderr}");
            std::fs::remove_dir_all(&target).unwrap();
        }
    }

    // A pg_restore that restores the first database and then fails (a disk
    // full, say): the restore says which database holds what.
    let backup = scratch.path().join("backup");
    let (ok, stdout, stderr) = backup_of(&app, &backup);
    assert!(ok, "{stdout}{stderr}");
    let failing = scratch.path().join("failing-tools");
    std::fs::create_dir(&failing).unwrap();
    script(
        &failing,
        "pg_restore",
        r#"[ "$1" = --version ] && exec /usr/bin/pg_restore --version
[ -e "$0.ran" ] && { echo 'pg_restore: error: could not extend file: No space left on device' >&2; exit 1; }
: > "$0.ran"
exec /usr/bin/pg_restore "$@""#,
    );
    let stores = EmptyStores::new().await;
    let (ok, stdout, stderr) = folio_with(
        &["restore", backup.to_str().unwrap()],
        stores.data_dir.path(),
        &stores.store_args(),
        &[("PATH", failing.to_str().unwrap())],
    );
    if stores.on_postgres() {
        assert!(!ok, "{stdout}");
        assert!(
            stderr.contains("restoring the posts database failed")
                && stderr.contains("No space left on device")
                && stderr.contains("the auth database")
                && stderr.contains("had been restored already")
                && stderr.contains("the data directory was not written"),
            "{stderr}"
        );
        assert!(!stores.tables("auth").await.is_empty(), "auth was restored");
        for concern in ["posts", "media"] {
            assert_eq!(
                stores.tables(concern).await,
                Vec::<String>::new(),
                "{concern}"
            );
        }
        assert_eq!(names(stores.data_dir.path()), BTreeSet::new());
    } else {
        assert!(ok, "SQLite stores need no pg_restore: {stdout}{stderr}");
    }
}

#[tokio::test]
async fn a_backup_of_a_fresh_site_restores_to_a_site_its_owner_signs_in_to() {
    let app = TestApp::spawn().await;
    let scratch = tempfile::tempdir().unwrap();
    let backup = scratch.path().join("backup");
    let (ok, stdout, stderr) = backup_of(&app, &backup);
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
    let medium = upload(&app, 3).await;
    for n in 1..=3 {
        publish(&app, n, (n == 2).then_some(medium.as_str())).await;
    }
    let scratch = tempfile::tempdir().unwrap();
    let backup = scratch.path().join("backup");
    let (ok, stdout, stderr) = backup_of(&app, &backup);
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
    let medium = upload(&app, 5).await;
    // As if the medium were deleted between the snapshot and the copy of its
    // files, every time: one of its files goes from the disk or the bucket.
    let name = app
        .stored_blobs(&format!("{medium}/v1"))
        .await
        .into_iter()
        .find(|name| name.ends_with(".webp"))
        .unwrap();
    app.remove_stored_blob(&format!("{medium}/v1/{name}")).await;

    let scratch = tempfile::tempdir().unwrap();
    let backup = scratch.path().join("backup");
    let (ok, _, stderr) = backup_of(&app, &backup);
    assert!(!ok, "a backup missing a file fails");
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
