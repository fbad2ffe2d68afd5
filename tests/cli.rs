//! The command line and configuration, as an operator meets them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::TestApp;

fn folio(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(args)
        .env_clear()
        .output()
        .unwrap()
}

#[test]
fn help_documents_every_setting_with_its_variable_and_default() {
    let output = folio(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();

    for (flag, variable) in [
        ("--listen", "FOLIO_LISTEN"),
        ("--data-dir", "FOLIO_DATA_DIR"),
        ("--public-url", "FOLIO_PUBLIC_URL"),
        ("--config", "FOLIO_CONFIG"),
        ("--auth-database-url", "FOLIO_AUTH_DATABASE_URL"),
        ("--posts-database-url", "FOLIO_POSTS_DATABASE_URL"),
        ("--media-database-url", "FOLIO_MEDIA_DATABASE_URL"),
        ("--fault-injection", "FOLIO_FAULT_INJECTION"),
        ("--call-timeout", "FOLIO_CALL_TIMEOUT"),
        ("--restart-limit", "FOLIO_RESTART_LIMIT"),
        ("--quiet-period", "FOLIO_QUIET_PERIOD"),
        ("--shutdown-timeout", "FOLIO_SHUTDOWN_TIMEOUT"),
        ("--concerns", "FOLIO_CONCERNS"),
        ("--nats", "FOLIO_NATS_URL"),
        ("--search-language", "FOLIO_SEARCH_LANGUAGE"),
    ] {
        assert!(help.contains(flag), "--help lists {flag}");
        assert!(help.contains(variable), "--help names {variable}");
    }
    assert!(help.contains("[default: 127.0.0.1:8080]"));
    assert!(help.contains("[default: ./data]"));
    assert!(help.contains("serve") && help.contains("migrate"));
}

#[test]
fn migrate_creates_every_store_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let output = folio(&["migrate", "--data-dir", dir.path().to_str().unwrap()]);

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    for concern in ["auth", "posts", "media"] {
        assert!(
            dir.path().join(format!("{concern}.db")).is_file(),
            "{concern}.db created"
        );
    }
}

#[test]
fn a_bad_setting_stops_the_start_with_a_sentence_saying_what_to_fix() {
    for (args, hint) in [
        (
            vec!["--public-url", "ftp://example.com"],
            "public_url must start with http:// or https://",
        ),
        (
            vec!["--posts-database-url", "mysql://localhost/folio"],
            "posts database URL must start with",
        ),
        (vec!["--restart-limit", "0"], "restart_limit"),
        (vec!["--config", "/no/such/folio.toml"], "does not exist"),
    ] {
        let output = folio(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(hint), "{args:?}: {stderr}");
    }
    let output = folio(&["--listen", "not-an-address"]);
    assert!(!output.status.success());
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("--listen")
    );
}

#[test]
fn a_config_file_with_an_unknown_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("folio.toml");
    std::fs::write(&path, "listen = \"127.0.0.1:0\"\nlisten_port = 9\n").unwrap();

    let output = folio(&["--config", path.to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("listen_port")
    );
}

#[tokio::test]
async fn settings_come_from_the_toml_file_and_flags_win_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("folio.toml");
    std::fs::write(
        &path,
        "listen = \"127.0.0.1:1\"\nfault_injection = true\n\n[supervision]\ncall_timeout = \"250ms\"\n",
    )
    .unwrap();

    // TestApp passes --listen 127.0.0.1:0, which must win over the file's port 1.
    let app = TestApp::spawn_with(&["--config", path.to_str().unwrap()]).await;
    app.inject("posts", "hang", 1).await;

    let started = std::time::Instant::now();
    let (status, _) = app.get_json("/api/v1/admin/stats/posts").await;
    assert_eq!(status, 504);
    assert!(
        started.elapsed() < std::time::Duration::from_millis(1500),
        "the file's call_timeout applied"
    );
}

#[tokio::test]
async fn environment_variables_configure_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_folio"))
        .env_clear()
        .env("FOLIO_LISTEN", "127.0.0.1:0")
        .env("FOLIO_DATA_DIR", dir.path())
        .env("FOLIO_LOG_FORMAT", "json")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = std::io::BufRead::lines(std::io::BufReader::new(stdout))
        .map_while(Result::ok)
        .find(|line| line.contains("Folio is listening"))
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();

    let event: serde_json::Value = serde_json::from_str(&line).expect("JSON log lines");
    assert_eq!(event["level"], "INFO");
    assert!(
        dir.path().join("posts.db").is_file(),
        "FOLIO_DATA_DIR honoured"
    );
}

#[test]
fn a_process_running_part_of_the_site_needs_nats_and_names_real_parts() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let without_nats = folio(&["serve", "--concerns", "media", "--data-dir", data_dir]);
    assert!(!without_nats.status.success());
    let said = String::from_utf8(without_nats.stderr).unwrap();
    assert!(
        said.contains("leaves out gateway,auth,posts,render") && said.contains("--nats"),
        "{said}"
    );

    let unknown = folio(&[
        "serve",
        "--concerns",
        "gateway,comments",
        "--data-dir",
        data_dir,
    ]);
    assert!(!unknown.status.success());
    let said = String::from_utf8(unknown.stderr).unwrap();
    assert!(said.contains("unknown part \"comments\""), "{said}");

    // Migrating some stores needs no NATS: it opens only theirs.
    let migrated = folio(&["migrate", "--concerns", "media", "--data-dir", data_dir]);
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    assert!(dir.path().join("media.db").exists());
    assert!(!dir.path().join("posts.db").exists());
}
