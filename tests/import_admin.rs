//! The admin's import (`/api/v1/imports`): an export uploaded to the running
//! site, imported in the background as the administrator who sent it, its
//! progress and report read back over the API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::TestApp;
use common::moving::{all_posts, fixture_pictures, picture};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/import/tests/fixtures")
        .join(name)
}

/// A client that sends `token` with every request.
fn client_with(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .default_headers(headers)
        .build()
        .unwrap()
}

/// The form for `file` (its name as a browser sends it), with `fields`.
fn form(file: &Path, fields: &[(&'static str, &'static str)]) -> Form {
    let bytes = std::fs::read(file).unwrap();
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text(*name, *value);
    }
    form.part("file", Part::bytes(bytes).file_name(name))
}

/// Starts an import; answers its status and body.
async fn start(client: &reqwest::Client, app: &TestApp, form: Form) -> (StatusCode, Value) {
    let response = client
        .post(app.url("/api/v1/imports"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Follows an import until it ends; answers the last view of it.
async fn finished(client: &reqwest::Client, app: &TestApp, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let response = client
            .get(app.url(&format!("/api/v1/imports/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let job: Value = response.json().await.unwrap();
        if job["state"] != "running" {
            return job;
        }
        assert!(
            Instant::now() < deadline,
            "the import did not end within a minute: {job:#}\n{}",
            app.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What is left in the data directory's folder for uploads waiting to be imported.
fn uploads_left(app: &TestApp) -> Vec<String> {
    match std::fs::read_dir(app.data_dir.path().join("imports")) {
        Ok(entries) => entries
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[actix_web::test]
async fn an_administrator_uploads_a_wordpress_export_and_readers_see_its_posts() {
    let app = TestApp::spawn().await;
    let admin = client_with(&app.token_for_new_user("administrator").await);
    let wxr = fixture("wordpress-6.wxr");

    let response = admin
        .post(app.url("/api/v1/imports"))
        .multipart(form(&wxr, &[("source", "wordpress")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let started: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/imports/{}", started["id"].as_str().unwrap())
    );
    assert_eq!(started["file_name"], "wordpress-6.wxr");
    assert!(
        started["by"]
            .as_str()
            .unwrap()
            .starts_with("administrator-"),
        "{started}"
    );

    let job = finished(&admin, &app, started["id"].as_str().unwrap()).await;
    assert_eq!(job["state"], "done", "{job:#}");
    let report = &job["report"];
    assert_eq!(report["file"]["posts"], 7, "{report:#}");
    assert_eq!(report["file"]["pages"], 1);
    assert_eq!(report["posts_created"], 7);
    assert_eq!(report["pages_created"], 1);
    assert_eq!(report["authors_created"], 2);
    assert_eq!(report["skipped"]["trash"], 1);
    assert_eq!(job["progress"]["items_done"], 8);
    assert_eq!(job["progress"]["items_total"], 8);
    // The images are left behind, said once and plainly, with the way to bring them.
    assert_eq!(report["images_not_imported"], 3);
    assert_eq!(report["media_imported"], 0);
    let notes = report["notes"].to_string();
    assert!(notes.contains("3 images were not imported"), "{notes}");
    assert!(notes.contains("--uploads"), "{notes}");
    assert!(
        !report["failed"].to_string().contains("--uploads"),
        "no failure per image: {report:#}"
    );
    assert!(
        report["warnings"]
            .to_string()
            .contains("was private; imported as a draft"),
        "{report:#}"
    );

    // Readers see the post at its slug, and its old addresses lead there.
    let page = app.get("/block-post/").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("A block editor post"));
    let moved = app.get("/?p=20").await;
    assert_eq!(moved.url().path(), "/block-post/");
    assert_eq!(all_posts(&app).await.len(), 8);
    assert!(uploads_left(&app).is_empty(), "{:?}", uploads_left(&app));

    // The list shows it; the same file again creates nothing.
    let (_, list) = app.get_json("/api/v1/imports").await;
    assert_eq!(list["imports"][0]["id"], job["id"]);
    let (status, again) = start(&admin, &app, form(&wxr, &[])).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    let again = finished(&admin, &app, again["id"].as_str().unwrap()).await;
    assert_eq!(again["source"], "wordpress", "told from the content");
    assert_eq!(again["report"]["posts_created"], 0, "{again:#}");
    assert_eq!(again["report"]["already_imported"], 8);
    assert_eq!(all_posts(&app).await.len(), 8);
}

#[actix_web::test]
async fn a_ghost_export_is_told_from_its_content_and_a_dry_run_writes_nothing() {
    let app = TestApp::spawn().await;
    let json = fixture("ghost-5.json");
    let (status, started) = start(&app.client, &app, form(&json, &[("dry_run", "true")])).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    assert_eq!(started["source"], "ghost");
    assert_eq!(started["dry_run"], true);
    let job = finished(&app.client, &app, started["id"].as_str().unwrap()).await;
    assert_eq!(job["state"], "done", "{job:#}");
    assert_eq!(job["report"]["dry_run"], true);
    let would = job["report"]["posts_created"].as_u64().unwrap();
    assert!(would > 0, "{job:#}");
    assert!(all_posts(&app).await.is_empty());

    let (_, started) = start(&app.client, &app, form(&json, &[])).await;
    let job = finished(&app.client, &app, started["id"].as_str().unwrap()).await;
    assert_eq!(job["report"]["posts_created"].as_u64(), Some(would));
    assert!(job["report"]["notes"].to_string().contains("Ghost"));
    assert!(!all_posts(&app).await.is_empty());
}

#[actix_web::test]
async fn only_administrators_and_the_owner_may_import() {
    let app = TestApp::spawn().await;
    let wxr = fixture("wordpress-6.wxr");
    for role in ["contributor", "author", "editor"] {
        let client = client_with(&app.token_for_new_user(role).await);
        let (status, body) = start(&client, &app, form(&wxr, &[])).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}: {body}");
        let listed = client.get(app.url("/api/v1/imports")).send().await.unwrap();
        assert_eq!(listed.status(), StatusCode::FORBIDDEN, "{role}");
    }
    let (status, _) = start(&app.anonymous, &app, form(&wxr, &[])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(all_posts(&app).await.is_empty());
    assert!(uploads_left(&app).is_empty());
}

#[actix_web::test]
async fn a_hostile_export_ends_failed_with_the_reason_and_nothing_written() {
    let app = TestApp::spawn().await;
    for name in [
        "billion-laughs.wxr",
        "external-entity.wxr",
        "unsafe-path.wxr",
        "duplicate-ids.wxr",
        "invalid-utf8.wxr",
        "broken.wxr",
        "not-wxr.xml",
    ] {
        let (status, started) = start(
            &app.client,
            &app,
            form(
                &fixture(&format!("hostile/{name}")),
                &[("source", "wordpress")],
            ),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{name}: {started}");
        let job = finished(&app.client, &app, started["id"].as_str().unwrap()).await;
        assert_eq!(job["state"], "failed", "{name}: {job:#}");
        let error = job["error"].as_str().unwrap();
        // The CLI's sentence, naming the file as the administrator knows it.
        assert!(
            error.starts_with(&format!("{name} is refused, and nothing was imported: ")),
            "{name}: {error}"
        );
        assert!(!error.contains("upload-"), "{error}");
        assert!(all_posts(&app).await.is_empty(), "{name} left posts behind");
    }
    let (_, users) = app.get_json("/api/v1/users").await;
    assert_eq!(users.as_array().unwrap().len(), 1, "{users}");
    assert!(uploads_left(&app).is_empty(), "{:?}", uploads_left(&app));
}

#[actix_web::test]
async fn a_file_that_is_no_export_or_too_large_is_refused_at_once_and_not_kept() {
    let app = TestApp::spawn_with(&["--max-import-bytes", "2000"]).await;
    let big = fixture("wordpress-6.wxr");
    assert!(std::fs::metadata(&big).unwrap().len() > 2000);
    let (status, body) = start(&app.client, &app, form(&big, &[])).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--max-import-bytes")
    );

    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("export.zip");
    std::fs::write(&zip, b"PK\x03\x04 not an export").unwrap();
    let (status, body) = start(&app.client, &app, form(&zip, &[])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = start(&app.client, &app, form(&zip, &[("source", "drupal")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let no_file = Form::new().text("source", "wordpress");
    let (status, _) = start(&app.client, &app, no_file).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    assert!(uploads_left(&app).is_empty(), "{:?}", uploads_left(&app));
    let (_, list) = app.get_json("/api/v1/imports").await;
    assert_eq!(
        list["imports"],
        serde_json::json!([]),
        "refused uploads are no imports"
    );
}

#[actix_web::test]
async fn a_second_import_is_refused_while_the_first_is_still_arriving() {
    let app = TestApp::spawn().await;
    let wxr = std::fs::read(fixture("wordpress-6.wxr")).unwrap();
    let (head, tail) = wxr.split_at(100);
    let (tail, head) = (tail.to_vec(), head.to_vec());

    // The first upload sends its first bytes, then waits for the test.
    let (send, body) = futures::channel::mpsc::unbounded::<Result<Vec<u8>, std::io::Error>>();
    send.unbounded_send(Ok(head)).unwrap();
    let part = Part::stream(reqwest::Body::wrap_stream(body)).file_name("slow.wxr");
    let first = app
        .client
        .post(app.url("/api/v1/imports"))
        .multipart(Form::new().part("file", part))
        .send();
    let first = actix_web::rt::spawn(first);

    // Once the server holds it, the second is refused.
    let arriving = common::eventually(Duration::from_secs(10), || async {
        let (_, list) = app.get_json("/api/v1/imports").await;
        list["imports"][0]["progress"]["phase"] == "uploading"
    })
    .await;
    assert!(arriving, "the first upload never showed");
    let (status, body) = start(&app.client, &app, form(&fixture("ghost-5.json"), &[])).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "import_running");

    // The first one finishes arriving, and runs to its end.
    send.unbounded_send(Ok(tail)).unwrap();
    drop(send);
    let response = first.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let started: Value = response.json().await.unwrap();
    let job = finished(&app.client, &app, started["id"].as_str().unwrap()).await;
    assert_eq!(job["state"], "done", "{job:#}");
    assert_eq!(job["report"]["posts_created"], 7);

    // Then the next may start.
    let (status, body) = start(&app.client, &app, form(&fixture("ghost-5.json"), &[])).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    finished(&app.client, &app, body["id"].as_str().unwrap()).await;
}

/// A zip holding `files` (name, bytes), deflated.
fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(*name, options).unwrap();
        std::io::Write::write_all(&mut zip, bytes).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

fn with_uploads(wxr: &Path, zip: Vec<u8>) -> Form {
    form(wxr, &[]).part("uploads", Part::bytes(zip).file_name("uploads.zip"))
}

#[actix_web::test]
async fn a_zip_of_the_uploads_folder_brings_the_images_in() {
    let app = TestApp::spawn().await;
    // As a zip of wp-content/uploads made on a Mac holds it.
    let mut files: Vec<(String, Vec<u8>)> = fixture_pictures()
        .into_iter()
        .map(|(path, bytes)| (format!("uploads/{path}"), bytes))
        .collect();
    files.push((
        "__MACOSX/uploads/._photo.jpg".to_owned(),
        b"resource fork".to_vec(),
    ));
    let files: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|(path, bytes)| (path.as_str(), bytes.clone()))
        .collect();
    let zip = zip_of(&files);
    let (status, started) = start(
        &app.client,
        &app,
        with_uploads(&fixture("wordpress-6.wxr"), zip),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    assert_eq!(started["uploads"], true);
    let job = finished(&app.client, &app, started["id"].as_str().unwrap()).await;
    assert_eq!(job["state"], "done", "{job:#}");
    assert_eq!(job["report"]["media_imported"], 3, "{job:#}");
    assert_eq!(job["report"]["images_not_imported"], 0);
    let html = app.get("/block-post/").await.text().await.unwrap();
    assert!(
        html.contains("srcset=\"/media/"),
        "an image from media: {html}"
    );
    assert!(uploads_left(&app).is_empty(), "{:?}", uploads_left(&app));
}

#[actix_web::test]
async fn an_uploads_zip_leading_outside_its_folder_or_unpacking_too_large_is_refused_with_nothing_written()
 {
    let app = TestApp::spawn_with(&["--max-import-bytes", "300000"]).await;
    let wxr = fixture("wordpress-6.wxr");
    let escaping = zip_of(&[
        (
            "2019/03/photo.jpg",
            picture(64, 48, image::ImageFormat::Jpeg),
        ),
        ("../../escaped.jpg", b"not here".to_vec()),
    ]);
    // Compressed a thousandfold: the bytes unpacked are counted, not declared.
    let bomb = zip_of(&[("2019/03/photo.jpg", vec![0; 4_000_000])]);
    for (what, zip, reason) in [
        (
            "a path outside",
            escaping,
            "../../escaped.jpg leads outside the folder",
        ),
        ("a bomb", bomb, "it unpacks to more than 0.3 MB"),
    ] {
        let (status, started) = start(&app.client, &app, with_uploads(&wxr, zip)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{what}: {started}");
        let job = finished(&app.client, &app, started["id"].as_str().unwrap()).await;
        assert_eq!(job["state"], "failed", "{what}: {job:#}");
        let error = job["error"].as_str().unwrap();
        assert!(
            error.starts_with("the uploads zip is refused, and nothing was imported: "),
            "{what}: {error}"
        );
        assert!(error.contains(reason), "{what}: {error}");
        assert!(all_posts(&app).await.is_empty(), "{what}");
        let (_, media) = app.get_json("/api/v1/media").await;
        assert_eq!(media["media"], serde_json::json!([]), "{what}");
        assert!(
            uploads_left(&app).is_empty(),
            "{what}: {:?}",
            uploads_left(&app)
        );
    }
    let data = app.data_dir.path();
    for escaped in [data.join("escaped.jpg"), data.join("imports/escaped.jpg")] {
        assert!(!escaped.exists(), "{}", escaped.display());
    }
    let parent = data.parent().unwrap().join("escaped.jpg");
    assert!(!parent.exists(), "{}", parent.display());

    // A Ghost export has no uploads folder.
    let ghost = form(&fixture("ghost-5.json"), &[])
        .part("uploads", Part::bytes(zip_of(&[])).file_name("uploads.zip"));
    let (status, body) = start(&app.client, &app, ghost).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(uploads_left(&app).is_empty(), "{:?}", uploads_left(&app));
}
