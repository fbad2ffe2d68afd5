//! Moving a site in and out: the fixtures, `folio import` and `folio export`
//! run on a stopped app's stores, and reading every post back.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use super::TestApp;

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/import/tests/fixtures")
        .join(name)
}

/// `folio import …` on the app's stores; its exit status, stdout and stderr.
pub(crate) fn import(
    app_args: &[String],
    data_dir: &Path,
    args: &[&str],
) -> (bool, String, String) {
    offline(app_args, data_dir, &[&["import"], args].concat())
}

/// `folio …` (a command that runs without a server) on the app's stores.
pub(crate) fn offline(
    app_args: &[String],
    data_dir: &Path,
    args: &[&str],
) -> (bool, String, String) {
    folio(args, data_dir, app_args)
}

/// `folio ARGS… --data-dir DIR STORE_ARGS…`: success, stdout, stderr.
pub(crate) fn folio(
    args: &[&str],
    data_dir: &Path,
    store_args: &[String],
) -> (bool, String, String) {
    folio_with(args, data_dir, store_args, &[])
}

/// [`folio`] with environment variables `envs` (PATH, say). A split site's
/// processes share a configured secret: so do its backup and restore.
pub(crate) fn folio_with(
    args: &[&str],
    data_dir: &Path,
    store_args: &[String],
    envs: &[(&str, &str)],
) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_folio"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .args(store_args)
        .env_clear()
        .envs(envs.iter().copied())
        .stdin(Stdio::null());
    if super::split_topology() {
        command.env("FOLIO_SECRET_KEY", super::SPLIT_SECRET);
    }
    let output = command.output().unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

pub(crate) fn picture(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut std::io::Cursor::new(&mut out), format)
        .unwrap();
    out
}

/// A copy of wp-content/uploads holding the fixture's three attachments.
/// The fixture's three attachments, by their path in wp-content/uploads.
pub(crate) fn fixture_pictures() -> [(&'static str, Vec<u8>); 3] {
    [
        (
            "2019/03/photo.jpg",
            picture(640, 480, image::ImageFormat::Jpeg),
        ),
        (
            "2020/01/cat.png",
            picture(300, 200, image::ImageFormat::Png),
        ),
        (
            "2020/01/dog-scaled.jpg",
            picture(800, 600, image::ImageFormat::Jpeg),
        ),
    ]
}

pub(crate) fn uploads() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files = fixture_pictures();
    for (path, bytes) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

/// Runs `folio import` with `args` while the app is stopped; answers the
/// restarted app and what the command said.
pub(crate) async fn import_while_stopped(
    app: TestApp,
    args: &[&str],
) -> (TestApp, (bool, String, String)) {
    while_stopped(app, &[&["import"], args].concat()).await
}

/// Runs `folio` with `args` while the app is stopped, as [`import_while_stopped`].
pub(crate) async fn while_stopped(
    app: TestApp,
    args: &[&str],
) -> (TestApp, (bool, String, String)) {
    let store_args = app.store_args();
    let mut said = None;
    let app = app
        .kill_and_restart_with(&[], |dir| said = Some(offline(&store_args, dir, args)))
        .await;
    (app, said.unwrap())
}

pub(crate) async fn all_posts(app: &TestApp) -> Vec<Value> {
    let mut posts = Vec::new();
    for kind in ["post", "page"] {
        let (status, page) = app
            .get_json(&format!("/api/v1/posts?per_page=100&type={kind}"))
            .await;
        assert_eq!(status, 200, "{page}");
        posts.extend(page["posts"].as_array().unwrap().iter().cloned());
    }
    posts
}

pub(crate) fn post<'a>(posts: &'a [Value], title: &str) -> &'a Value {
    posts
        .iter()
        .find(|post| post["title"] == title)
        .unwrap_or_else(|| panic!("no post {title:?} among {posts:#?}"))
}
