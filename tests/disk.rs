//! What Folio leaves on disk is for its own account only: the data directory
//! is 0700, and every store, write-ahead log, key, upload and variant in it
//! is 0600 (directories 0700), so no other local user reads password hashes,
//! drafts or pictures not yet published.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Cursor;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{TestApp, folio_cli};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every directory and file under `dir`, `dir` included.
fn everything_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = vec![dir.to_owned()];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(everything_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

fn jpeg() -> Vec<u8> {
    let image = image::RgbImage::from_fn(700, 400, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .unwrap();
    out
}

#[tokio::test]
async fn every_store_log_key_upload_and_variant_is_readable_by_folios_account_only() {
    let app = TestApp::spawn().await;
    let form = Form::new().part("file", Part::bytes(jpeg()).file_name("card.jpg"));
    let uploaded = app
        .client
        .post(app.url("/api/v1/media"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status().as_u16(), 201);
    let post = app
        .client
        .post(app.url("/api/v1/posts"))
        .json(&json!({ "title": "On disk", "markdown": "A draft nobody else reads." }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        post.status().as_u16(),
        201,
        "{:?}",
        post.json::<Value>().await
    );

    let data = app.data_dir.path();
    let found = everything_under(data);
    let names: Vec<String> = found
        .iter()
        .map(|path| path.strip_prefix(data).unwrap().display().to_string())
        .collect();
    let mut expected = vec!["secret.key"];
    if !app.on_postgres() {
        // The server is running: each store has its WAL and shared memory open.
        expected.extend(["auth.db", "auth.db-wal", "auth.db-shm"]);
        expected.extend(["posts.db", "posts.db-wal", "posts.db-shm", "media.db-wal"]);
    }
    for name in expected {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    if app.blobs_in_nats() {
        assert_eq!(app.stored_blobs("").await.len(), 1, "the upload is in NATS");
    } else {
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("media/") && n.ends_with(".jpg")),
            "the upload's files are in the data directory: {names:?}"
        );
    }
    for path in found {
        let expected = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(
            mode(&path),
            expected,
            "{} is {:o}",
            path.display(),
            mode(&path)
        );
    }
}

#[tokio::test]
async fn folio_creates_its_data_directory_private_and_tightens_an_older_one() {
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data");
    let dir = data.to_str().unwrap();

    folio_cli(&["migrate", "--data-dir", dir], "");

    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("auth.db")), 0o600);

    // As an older version left them: readable by everyone.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    for store in ["auth.db", "posts.db", "media.db"] {
        let path = data.join(store);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }

    folio_cli(&["migrate", "--data-dir", dir], "");

    assert_eq!(mode(&data), 0o700);
    for store in ["auth.db", "posts.db", "media.db"] {
        assert_eq!(mode(&data.join(store)), 0o600, "{store}");
    }
}
