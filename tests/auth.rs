//! Accounts, roles, sessions and API tokens, seen from outside.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{OWNER_EMAIL, OWNER_PASSWORD, TestApp, folio_cli};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A browser session: the cookie, and the CSRF token the pages send back.
struct Session {
    cookie: String,
    csrf: String,
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Session {
    let response = app
        .anonymous
        .post(app.url("/api/v1/session"))
        .header("origin", &app.address)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "sign-in as {email}");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    Session {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
    }
}

impl Session {
    /// A request as Folio's own pages make it: cookie, Origin and CSRF token.
    fn request(&self, app: &TestApp, method: Method, path: &str) -> reqwest::RequestBuilder {
        app.anonymous
            .request(method, app.url(path))
            .header("cookie", &self.cookie)
            .header("origin", &app.address)
            .header("x-csrf-token", &self.csrf)
    }
}

async fn status(request: reqwest::RequestBuilder) -> StatusCode {
    request.send().await.unwrap().status()
}

/// Creates a user with `role` through the owner's token; returns (id, email, password).
async fn add_user(app: &TestApp, role: &str) -> (String, String, String) {
    let email = format!("{role}-{}@example.com", uuid::Uuid::new_v4().simple());
    let password = "a long enough password".to_owned();
    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .json(&json!({ "email": email, "name": format!("A {role}"), "role": role, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    let body: Value = response.json().await.unwrap();
    (body["id"].as_str().unwrap().to_owned(), email, password)
}

async fn create_token(app: &TestApp, session: &Session, scope: &str) -> String {
    let response = session
        .request(app, Method::POST, "/api/v1/tokens")
        .json(&json!({ "name": "script", "scope": scope }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn bearer(app: &TestApp, token: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.anonymous
        .request(method, app.url(path))
        .bearer_auth(token)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[tokio::test]
async fn signing_in_sets_a_protected_cookie_and_me_tells_who_i_am() {
    let app = TestApp::spawn().await;

    let response = app
        .anonymous
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": "Owner@Example.COM", "password": OWNER_PASSWORD }))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("folio_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http: no Secure flag");
    let session = Session {
        cookie: cookie.split(';').next().unwrap().to_owned(),
        csrf: String::new(),
    };
    let me: Value = session
        .request(&app, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["email"], OWNER_EMAIL);
    assert_eq!(me["user"]["role"], "owner");
    assert_eq!(me["auth"]["kind"], "session");
    assert!(me["user"].get("password_hash").is_none());
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_and_host_prefixed() {
    let app = TestApp::spawn_with(&["--public-url", "https://blog.example.com"]).await;

    let response = app
        .anonymous
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }))
        .send()
        .await
        .unwrap();

    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-folio_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
}

#[tokio::test]
async fn hashes_are_argon2id_at_the_owasp_minimum_and_no_secret_is_stored_in_clear() {
    let app = TestApp::spawn().await;
    let session = sign_in(&app, OWNER_EMAIL, OWNER_PASSWORD).await;
    let token = create_token(&app, &session, "read").await;
    let session_secret = session.cookie.split_once('=').unwrap().1.to_owned();

    let bytes = app.stored_bytes("auth").await;

    assert!(
        contains(&bytes, "$argon2id$v=19$m=19456,t=2,p=1$"),
        "the owner's hash is Argon2id m=19456 t=2 p=1"
    );
    assert!(
        !contains(&bytes, &session_secret),
        "the session secret is not in the database"
    );
    assert!(
        !contains(&bytes, &token),
        "the API token is not in the database"
    );
    assert!(!contains(&bytes, app.owner_token.as_deref().unwrap()));
    assert!(!contains(&bytes, OWNER_PASSWORD));
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_get_the_same_answer_in_about_the_same_time() {
    let app = TestApp::spawn_with(&["--login-attempts", "100"]).await;
    // Each attempt from an address of its own: repeated failures from one
    // address are slowed down on purpose, which would hide what is timed here.
    let attempt = |email: &'static str, n: usize| {
        let app = &app;
        async move {
            let client = client_from(&format!("127.0.0.{}", 10 + n));
            let started = Instant::now();
            let response = client
                .post(app.url("/api/v1/session"))
                .json(&json!({ "email": email, "password": "not the password" }))
                .send()
                .await
                .unwrap();
            (
                started.elapsed(),
                response.status(),
                response.text().await.unwrap(),
            )
        }
    };
    let mut wrong = Vec::new();
    let mut unknown = Vec::new();
    for n in 0..5 {
        wrong.push(attempt(OWNER_EMAIL, 2 * n).await);
        unknown.push(attempt("nobody@example.com", 2 * n + 1).await);
    }

    assert_eq!(wrong[0].1, StatusCode::UNAUTHORIZED);
    assert_eq!(
        (wrong[0].1, &wrong[0].2),
        (unknown[0].1, &unknown[0].2),
        "same status, same body"
    );
    let median = |mut runs: Vec<(Duration, StatusCode, String)>| {
        runs.sort_by_key(|run| run.0);
        runs[2].0
    };
    let (wrong, unknown) = (median(wrong), median(unknown));
    // Both verify one Argon2 hash; a lookup-only answer would be many times faster.
    assert!(
        unknown * 2 > wrong && wrong * 2 > unknown,
        "wrong password {wrong:?}, unknown email {unknown:?}"
    );
}

#[tokio::test]
async fn the_sixth_wrong_password_within_a_minute_gets_429_with_retry_after() {
    let app = TestApp::spawn().await;
    let try_password = |password: &'static str| {
        app.anonymous
            .post(app.url("/api/v1/session"))
            .json(&json!({ "email": OWNER_EMAIL, "password": password }))
            .send()
    };

    for attempt in 1..=5 {
        assert_eq!(
            try_password("wrong password").await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let sixth = try_password("wrong password").await.unwrap();

    assert_eq!(sixth.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = sixth.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_eq!(
        sixth.json::<Value>().await.unwrap()["error"]["code"],
        "too_many_attempts"
    );
    // Even the right password waits: this address is locked for the window.
    assert_eq!(
        try_password(OWNER_PASSWORD).await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn failed_sign_ins_are_also_limited_per_client_address() {
    let app = TestApp::spawn().await;

    for n in 0..5 {
        let response = app
            .anonymous
            .post(app.url("/api/v1/session"))
            .json(&json!({ "email": format!("guess{n}@example.com"), "password": "guess" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let next = app
        .anonymous
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": "guess-again@example.com", "password": "guess" }))
        .send()
        .await
        .unwrap();

    assert_eq!(next.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_cookie_write_needs_this_sites_origin_and_the_csrf_token() {
    let app = TestApp::spawn().await;
    let session = sign_in(&app, OWNER_EMAIL, OWNER_PASSWORD).await;
    // Each its own name: a person's tokens have different names.
    let names = std::cell::Cell::new(0);
    let post = || {
        names.set(names.get() + 1);
        app.anonymous
            .post(app.url("/api/v1/tokens"))
            .header("cookie", &session.cookie)
            .json(&json!({ "name": format!("browser {}", names.get()), "scope": "read" }))
    };

    let missing_origin = post()
        .header("x-csrf-token", &session.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(missing_origin.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        missing_origin.json::<Value>().await.unwrap()["error"]["code"],
        "csrf_origin"
    );

    let foreign = post()
        .header("origin", "https://evil.example")
        .header("x-csrf-token", &session.csrf);
    assert_eq!(status(foreign).await, StatusCode::FORBIDDEN);

    let no_token = post().header("origin", &app.address);
    assert_eq!(status(no_token).await, StatusCode::FORBIDDEN);

    let wrong_token = post()
        .header("origin", &app.address)
        .header("x-csrf-token", "forged");
    assert_eq!(status(wrong_token).await, StatusCode::FORBIDDEN);

    let same_site_fetch = post()
        .header("sec-fetch-site", "same-origin")
        .header("x-csrf-token", &session.csrf);
    assert_eq!(status(same_site_fetch).await, StatusCode::CREATED);

    let from_our_page = post()
        .header("origin", &app.address)
        .header("x-csrf-token", &session.csrf);
    assert_eq!(status(from_our_page).await, StatusCode::CREATED);

    // A bearer token is not sent by browsers on their own: no CSRF check.
    let with_token = app
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({ "name": "from a script", "scope": "read" }));
    assert_eq!(status(with_token).await, StatusCode::CREATED);
}

#[tokio::test]
async fn a_csrf_token_of_one_session_is_worthless_for_another() {
    let app = TestApp::spawn().await;
    let first = sign_in(&app, OWNER_EMAIL, OWNER_PASSWORD).await;
    let second = sign_in(&app, OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_ne!(
        first.cookie, second.cookie,
        "a new session id at every sign-in"
    );

    let mixed = Session {
        cookie: second.cookie.clone(),
        csrf: first.csrf.clone(),
    };
    let response = mixed
        .request(&app, Method::POST, "/api/v1/tokens")
        .json(&json!({ "name": "x", "scope": "read" }));

    assert_eq!(status(response).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_read_token_reads_but_cannot_write() {
    let app = TestApp::spawn().await;
    let session = sign_in(&app, OWNER_EMAIL, OWNER_PASSWORD).await;
    let token = create_token(&app, &session, "read").await;
    assert!(token.starts_with("folio_"));

    assert_eq!(
        status(bearer(&app, &token, Method::GET, "/api/v1/me")).await,
        StatusCode::OK
    );
    assert_eq!(
        status(bearer(&app, &token, Method::GET, "/api/v1/users")).await,
        StatusCode::OK
    );
    let write = bearer(&app, &token, Method::POST, "/api/v1/tokens")
        .json(&json!({ "name": "more", "scope": "write" }));
    let response = write.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"]["code"],
        "insufficient_scope"
    );
}

#[tokio::test]
async fn a_token_is_shown_once_and_stops_working_when_revoked() {
    let app = TestApp::spawn().await;
    let session = sign_in(&app, OWNER_EMAIL, OWNER_PASSWORD).await;
    let token = create_token(&app, &session, "write").await;
    assert_eq!(
        status(bearer(&app, &token, Method::GET, "/api/v1/me")).await,
        StatusCode::OK
    );

    let list: Value = session
        .request(&app, Method::GET, "/api/v1/tokens")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !list.to_string().contains(&token),
        "the list never shows a token again"
    );
    let script = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "script")
        .unwrap();
    assert!(!script["last_used_at"].is_null(), "last use is recorded");
    let id = script["id"].as_str().unwrap();

    let revoke = session.request(&app, Method::DELETE, &format!("/api/v1/tokens/{id}"));
    assert_eq!(status(revoke).await, StatusCode::NO_CONTENT);
    assert_eq!(
        status(bearer(&app, &token, Method::GET, "/api/v1/me")).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let session = sign_in(&app, OWNER_EMAIL, OWNER_PASSWORD).await;

    let response = session
        .request(&app, Method::DELETE, "/api/v1/session")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        status(session.request(&app, Method::GET, "/api/v1/me")).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_idle_session_expires() {
    let app = TestApp::spawn_with(&["--session-idle-timeout", "1s"]).await;
    let session = sign_in(&app, OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(
        status(session.request(&app, Method::GET, "/api/v1/me")).await,
        StatusCode::OK
    );

    tokio::time::sleep(Duration::from_millis(2200)).await;

    assert_eq!(
        status(session.request(&app, Method::GET, "/api/v1/me")).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_expiry_even_when_used() {
    let app = TestApp::spawn_with(&["--session-lifetime", "2s"]).await;
    let session = sign_in(&app, OWNER_EMAIL, OWNER_PASSWORD).await;

    for _ in 0..5 {
        assert_eq!(
            status(session.request(&app, Method::GET, "/api/v1/me")).await,
            StatusCode::OK
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(2000)).await;

    assert_eq!(
        status(session.request(&app, Method::GET, "/api/v1/me")).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_administrator_revokes_every_session_of_a_user_at_once() {
    let app = TestApp::spawn().await;
    let (id, email, password) = add_user(&app, "author").await;
    let phone = sign_in(&app, &email, &password).await;
    let laptop = sign_in(&app, &email, &password).await;
    assert_eq!(
        status(phone.request(&app, Method::GET, "/api/v1/me")).await,
        StatusCode::OK
    );

    let revoke = app
        .client
        .delete(app.url(&format!("/api/v1/users/{id}/sessions")));
    assert_eq!(status(revoke).await, StatusCode::NO_CONTENT);

    assert_eq!(
        status(phone.request(&app, Method::GET, "/api/v1/me")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(laptop.request(&app, Method::GET, "/api/v1/me")).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn changing_ones_password_ends_every_other_session() {
    let app = TestApp::spawn().await;
    let (_, email, password) = add_user(&app, "editor").await;
    let here = sign_in(&app, &email, &password).await;
    let elsewhere = sign_in(&app, &email, &password).await;

    let wrong = here
        .request(&app, Method::POST, "/api/v1/me/password")
        .json(&json!({ "current_password": "nope", "new_password": "a brand new password" }));
    assert_eq!(status(wrong).await, StatusCode::FORBIDDEN);
    let change = here
        .request(&app, Method::POST, "/api/v1/me/password")
        .json(&json!({ "current_password": password, "new_password": "a brand new password" }));
    assert_eq!(status(change).await, StatusCode::NO_CONTENT);

    assert_eq!(
        status(here.request(&app, Method::GET, "/api/v1/me")).await,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        status(elsewhere.request(&app, Method::GET, "/api/v1/me")).await,
        StatusCode::UNAUTHORIZED
    );
    sign_in(&app, &email, "a brand new password").await;
}

#[tokio::test]
async fn a_disabled_users_sessions_and_tokens_stop_working_at_once() {
    let app = TestApp::spawn().await;
    let (id, email, password) = add_user(&app, "author").await;
    let session = sign_in(&app, &email, &password).await;
    let token = create_token(&app, &session, "read").await;
    assert_eq!(
        status(bearer(&app, &token, Method::GET, "/api/v1/me")).await,
        StatusCode::OK
    );

    let disable = app
        .client
        .patch(app.url(&format!("/api/v1/users/{id}")))
        .json(&json!({ "disabled": true }));
    assert_eq!(status(disable).await, StatusCode::OK);

    assert_eq!(
        status(session.request(&app, Method::GET, "/api/v1/me")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(bearer(&app, &token, Method::GET, "/api/v1/me")).await,
        StatusCode::UNAUTHORIZED
    );
    let again = app
        .anonymous
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": email, "password": password }));
    assert_eq!(
        status(again).await,
        StatusCode::UNAUTHORIZED,
        "cannot sign in either"
    );
}

#[tokio::test]
async fn a_change_of_role_ends_the_sessions_so_the_next_one_has_a_new_id() {
    let app = TestApp::spawn().await;
    let (id, email, password) = add_user(&app, "contributor").await;
    let before = sign_in(&app, &email, &password).await;

    let promote = app
        .client
        .patch(app.url(&format!("/api/v1/users/{id}")))
        .json(&json!({ "role": "author" }));
    assert_eq!(status(promote).await, StatusCode::OK);

    assert_eq!(
        status(before.request(&app, Method::GET, "/api/v1/me")).await,
        StatusCode::UNAUTHORIZED
    );
    let after = sign_in(&app, &email, &password).await;
    assert_ne!(before.cookie, after.cookie);
    let me: Value = after
        .request(&app, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["role"], "author");
}

/// What each role may do with the people routes, and what it may not.
#[tokio::test]
async fn the_role_by_action_matrix_holds() {
    let app = TestApp::spawn().await;
    let roles = ["contributor", "author", "editor", "administrator", "owner"];
    let admin_only = |role: &str| matches!(role, "administrator" | "owner");

    for role in roles {
        let actor = if role == "owner" {
            sign_in(&app, OWNER_EMAIL, OWNER_PASSWORD).await
        } else {
            let (_, email, password) = add_user(&app, role).await;
            sign_in(&app, &email, &password).await
        };
        let (target, _, _) = add_user(&app, "author").await;
        let expect =
            |allowed: bool, ok: StatusCode| if allowed { ok } else { StatusCode::FORBIDDEN };
        let cases: Vec<(&str, reqwest::RequestBuilder, StatusCode)> = vec![
            ("read own account", actor.request(&app, Method::GET, "/api/v1/me"), StatusCode::OK),
            ("list own tokens", actor.request(&app, Method::GET, "/api/v1/tokens"), StatusCode::OK),
            (
                "create own token",
                actor.request(&app, Method::POST, "/api/v1/tokens").json(&json!({ "name": "mine", "scope": "read" })),
                StatusCode::CREATED,
            ),
            ("list users", actor.request(&app, Method::GET, "/api/v1/users"), expect(admin_only(role), StatusCode::OK)),
            (
                "read another user",
                actor.request(&app, Method::GET, &format!("/api/v1/users/{target}")),
                expect(admin_only(role), StatusCode::OK),
            ),
            (
                "add a user",
                actor.request(&app, Method::POST, "/api/v1/users").json(&json!({
                    "email": format!("new-{role}@example.com"), "name": "New", "role": "author", "password": "long enough pw"
                })),
                expect(admin_only(role), StatusCode::CREATED),
            ),
            (
                "change another's role",
                actor.request(&app, Method::PATCH, &format!("/api/v1/users/{target}")).json(&json!({ "role": "editor" })),
                expect(admin_only(role), StatusCode::OK),
            ),
            (
                "reset another's password",
                actor
                    .request(&app, Method::POST, &format!("/api/v1/users/{target}/password"))
                    .json(&json!({ "new_password": "reset by admin" })),
                expect(admin_only(role), StatusCode::OK),
            ),
            (
                "revoke another's sessions",
                actor.request(&app, Method::DELETE, &format!("/api/v1/users/{target}/sessions")),
                expect(admin_only(role), StatusCode::NO_CONTENT),
            ),
            (
                "disable another",
                actor.request(&app, Method::PATCH, &format!("/api/v1/users/{target}")).json(&json!({ "disabled": true })),
                expect(admin_only(role), StatusCode::OK),
            ),
            ("read statistics", actor.request(&app, Method::GET, "/api/v1/admin/stats"), expect(admin_only(role), StatusCode::OK)),
            (
                "remove another",
                actor.request(&app, Method::DELETE, &format!("/api/v1/users/{target}")),
                expect(admin_only(role), StatusCode::NO_CONTENT),
            ),
        ];
        for (action, request, expected) in cases {
            let response = request.send().await.unwrap();
            let got = response.status();
            assert_eq!(
                got,
                expected,
                "{role} / {action}: {}",
                response.text().await.unwrap()
            );
        }
    }
}

#[tokio::test]
async fn there_is_exactly_one_owner_who_can_only_hand_over_ownership() {
    let app = TestApp::spawn().await;
    let owner: Value = app
        .client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let owner_id = owner["user"]["id"].as_str().unwrap().to_owned();
    let (admin_id, admin_email, admin_password) = add_user(&app, "administrator").await;
    let admin = sign_in(&app, &admin_email, &admin_password).await;

    let second_owner = app.client.post(app.url("/api/v1/users")).json(&json!({
        "email": "two@example.com", "name": "Two", "role": "owner", "password": "long enough pw"
    }));
    assert_eq!(status(second_owner).await, StatusCode::CONFLICT);
    let promote = app
        .client
        .patch(app.url(&format!("/api/v1/users/{admin_id}")))
        .json(&json!({ "role": "owner" }));
    assert_eq!(status(promote).await, StatusCode::CONFLICT);
    let remove_owner = admin.request(&app, Method::DELETE, &format!("/api/v1/users/{owner_id}"));
    assert_eq!(status(remove_owner).await, StatusCode::CONFLICT);
    let demote_owner = admin
        .request(&app, Method::PATCH, &format!("/api/v1/users/{owner_id}"))
        .json(&json!({ "role": "editor" }));
    assert_eq!(status(demote_owner).await, StatusCode::FORBIDDEN);
    let reset_owner = admin
        .request(
            &app,
            Method::POST,
            &format!("/api/v1/users/{owner_id}/password"),
        )
        .json(&json!({ "new_password": "taken over!" }));
    assert_eq!(status(reset_owner).await, StatusCode::FORBIDDEN);
    let admin_transfers = admin.request(
        &app,
        Method::POST,
        &format!("/api/v1/users/{admin_id}/ownership"),
    );
    assert_eq!(status(admin_transfers).await, StatusCode::FORBIDDEN);

    let transfer = app
        .client
        .post(app.url(&format!("/api/v1/users/{admin_id}/ownership")))
        .send()
        .await
        .unwrap();
    assert_eq!(transfer.status(), StatusCode::OK);
    assert_eq!(transfer.json::<Value>().await.unwrap()["role"], "owner");

    let new_owner = sign_in(&app, &admin_email, &admin_password).await;
    let old_owner: Value = new_owner
        .request(&app, Method::GET, &format!("/api/v1/users/{owner_id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(old_owner["role"], "administrator");
    let owners = new_owner
        .request(&app, Method::GET, "/api/v1/users")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        owners
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["role"] == "owner")
            .count(),
        1
    );
}

#[tokio::test]
async fn bad_account_input_gets_a_clear_error_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let create = |body: Value| app.client.post(app.url("/api/v1/users")).json(&body).send();

    for (body, expected) in [
        (
            json!({ "email": "not-an-email", "name": "X", "role": "author", "password": "long enough pw" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "email": "x@example.com", "name": "X", "role": "author", "password": "short" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "email": "x@example.com", "name": "", "role": "author", "password": "long enough pw" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "email": "x@example.com", "name": "X", "role": "emperor", "password": "long enough pw" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "email": "OWNER@example.com", "name": "X", "role": "author", "password": "long enough pw" }),
            StatusCode::CONFLICT,
        ),
    ] {
        let response = create(body.clone()).await.unwrap();
        assert_eq!(response.status(), expected, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(!error["error"]["message"].as_str().unwrap().is_empty());
    }
    let users: Value = app
        .client
        .get(app.url("/api/v1/users"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users.as_array().unwrap().len(), 1, "only the owner");
}

#[tokio::test]
async fn authors_are_public_and_show_no_email_addresses() {
    let app = TestApp::spawn().await;
    add_user(&app, "author").await;

    let response = app
        .anonymous
        .get(app.url("/api/v1/authors"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(text.contains("Olive Owner") && text.contains("A author"));
    assert!(!text.contains("@example.com"));
}

#[tokio::test]
async fn without_a_credential_the_api_answers_401() {
    let app = TestApp::spawn().await;

    for path in [
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/tokens",
        "/api/v1/admin/stats",
    ] {
        let response = app.anonymous.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["error"]["code"],
            "unauthenticated"
        );
    }
    let forged = bearer(&app, "folio_forged", Method::GET, "/api/v1/me");
    assert_eq!(status(forged).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_one_time_setup_link_creates_the_owner_once() {
    let app = TestApp::spawn_without_accounts(&[]).await;
    let logs = app.logs();
    let link = logs
        .split_whitespace()
        .find(|word| word.contains("/setup/"))
        .expect("the setup link is logged")
        .trim_end_matches(';')
        .to_owned();
    let path = &link[link.find("/setup/").unwrap()..];

    let form = app.anonymous.get(app.url(path)).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.text().await.unwrap().contains("Create the owner"));

    let foreign = app
        .anonymous
        .post(app.url(path))
        .header("origin", "https://evil.example")
        .form(&[
            ("name", "Mallory"),
            ("email", "m@evil.example"),
            ("password", "long enough pw"),
        ]);
    assert_eq!(status(foreign).await, StatusCode::FORBIDDEN);

    let short = app
        .anonymous
        .post(app.url(path))
        .header("origin", &app.address)
        .form(&[
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("password", "short"),
        ]);
    let short = short.send().await.unwrap();
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short
            .text()
            .await
            .unwrap()
            .contains("at least 8 characters")
    );

    let created = app
        .anonymous
        .post(app.url(path))
        .header("origin", &app.address)
        .form(&[
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("password", "long enough pw"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::OK);
    let cookie = created.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let me: Value = app
        .anonymous
        .get(app.url("/api/v1/me"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["role"], "owner");

    let again = app.anonymous.get(app.url(path)).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let replay = app
        .anonymous
        .post(app.url(path))
        .header("origin", &app.address)
        .form(&[
            ("name", "Eve"),
            ("email", "eve@example.com"),
            ("password", "long enough pw"),
        ]);
    assert_eq!(status(replay).await, StatusCode::NOT_FOUND);
    sign_in(&app, "ada@example.com", "long enough pw").await;
}

#[tokio::test]
async fn when_auth_is_down_authenticated_requests_get_503_and_the_public_site_works() {
    let app = TestApp::spawn_with(&[
        "--fault-injection",
        "--restart-limit",
        "1",
        "--quiet-period",
        "30s",
        "--backoff-min",
        "20ms",
    ])
    .await;
    let (_, email, password) = add_user(&app, "editor").await;
    let session = sign_in(&app, &email, &password).await;
    app.inject("auth", "panic", 2).await;
    // Let the identity cache forget the editor's session.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    for _ in 0..2 {
        assert_eq!(
            status(session.request(&app, Method::GET, "/api/v1/me")).await,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
    assert_eq!(app.state_of("auth").await, "degraded");

    let me = session
        .request(&app, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "refused, never let through"
    );
    assert!(me.headers().contains_key("retry-after"));
    let forged = bearer(&app, "folio_forged", Method::GET, "/api/v1/me");
    assert_eq!(status(forged).await, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        status(app.anonymous.get(app.url("/"))).await,
        StatusCode::OK
    );
    assert_eq!(
        status(app.anonymous.get(app.url("/healthz"))).await,
        StatusCode::OK
    );
}

#[test]
fn token_add_prints_the_token_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    folio_cli(
        &[
            "user",
            "add",
            "--data-dir",
            data,
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "owner",
            "--password-stdin",
        ],
        "long enough pw\n",
    );

    let stdout = folio_cli(
        &[
            "token",
            "add",
            "--data-dir",
            data,
            "--email",
            "A@example.com",
            "--name",
            "ci",
            "--scope",
            "read",
        ],
        "",
    );

    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(
        lines[0].starts_with("folio_") && lines[0].len() > 40,
        "{stdout}"
    );
}

#[test]
fn the_cli_refuses_a_second_owner() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    folio_cli(
        &[
            "user",
            "add",
            "--data-dir",
            data,
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "owner",
            "--password-stdin",
        ],
        "long enough pw",
    );

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args([
            "user",
            "add",
            "--data-dir",
            data,
            "--email",
            "b@example.com",
            "--name",
            "B",
            "--role",
            "owner",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"long enough pw").unwrap();
    let output = child.wait_with_output().unwrap();

    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("exactly one owner"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn a_person_sees_their_sessions_and_ends_one_by_one() {
    let app = TestApp::spawn().await;
    let (_, email, password) = add_user(&app, "author").await;
    let phone = sign_in(&app, &email, &password).await;
    let laptop = sign_in(&app, &email, &password).await;

    let sessions: Value = laptop
        .request(&app, Method::GET, "/api/v1/me/sessions")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap();

    let end = laptop.request(
        &app,
        Method::DELETE,
        &format!("/api/v1/me/sessions/{other}"),
    );
    assert_eq!(status(end).await, StatusCode::NO_CONTENT);

    assert_eq!(
        status(phone.request(&app, Method::GET, "/api/v1/me")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(laptop.request(&app, Method::GET, "/api/v1/me")).await,
        StatusCode::OK
    );
    let someone_elses = app
        .client
        .delete(app.url(&format!("/api/v1/me/sessions/{other}")));
    assert_eq!(status(someone_elses).await, StatusCode::NOT_FOUND);
}

/// A client whose connections come from `ip` (any of 127.0.0.0/8 reaches the
/// server), so one test can play people at different addresses.
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn sign_in_status(
    client: &reqwest::Client,
    app: &TestApp,
    email: &str,
    password: &str,
) -> StatusCode {
    client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

/// Passwords the server has verified since it started: only it can count them.
async fn password_verifications(app: &TestApp) -> u64 {
    let (status, stats) = app.get_json("/api/v1/admin/stats/auth").await;
    assert_eq!(status, 200, "{stats}");
    stats["password_verifications"]
        .as_u64()
        .unwrap_or_else(|| panic!("no password_verifications in {stats}"))
}

#[tokio::test]
async fn two_hundred_parallel_wrong_passwords_reach_password_verification_at_most_five_times() {
    // A window long enough that 200 answers on a busy machine fit in it.
    let app = TestApp::spawn_with(&["--login-window", "10s"]).await;
    let before = password_verifications(&app).await;

    let attempts = (0..200).map(|n| {
        let app = &app;
        async move {
            app.anonymous
                .post(app.url("/api/v1/session"))
                .json(&json!({ "email": OWNER_EMAIL, "password": format!("guess {n}") }))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let started = Instant::now();
    let statuses = futures::future::join_all(attempts).await;
    let answered_in = started.elapsed();

    let verified = password_verifications(&app).await - before;
    let judged = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(judged + refused, 200, "{statuses:?}");
    assert!(answered_in < Duration::from_secs(10), "{answered_in:?}");
    assert!(
        (1..=5).contains(&verified),
        "{verified} passwords were verified; the limit is 5"
    );
    assert_eq!(judged as u64, verified);
    // The right password afterwards: locked for the window, as after five
    // sequential failures; let in once the window has passed.
    assert_eq!(
        sign_in_status(&app.anonymous, &app, OWNER_EMAIL, OWNER_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let let_in = common::eventually(Duration::from_secs(20), || async {
        sign_in_status(&app.anonymous, &app, OWNER_EMAIL, OWNER_PASSWORD).await == StatusCode::OK
    })
    .await;
    assert!(
        let_in,
        "the right password is let in once the window has passed"
    );
    assert_eq!(
        password_verifications(&app).await - before,
        verified + 1,
        "refused attempts verify nothing"
    );
}

#[tokio::test]
async fn an_api_token_sent_as_the_session_cookie_is_refused_even_right_after_its_use() {
    let app = TestApp::spawn().await;
    let token = app.owner_token.clone().unwrap();
    // The token has just been validated (and so is trusted for a second).
    assert_eq!(
        status(bearer(&app, &token, Method::GET, "/api/v1/me")).await,
        StatusCode::OK
    );

    let as_cookie = app
        .anonymous
        .post(app.url("/api/v1/tokens"))
        .header("cookie", format!("folio_session={token}"))
        .json(&json!({ "name": "smuggled", "scope": "write" }))
        .send()
        .await
        .unwrap();

    assert_eq!(as_cookie.status(), StatusCode::UNAUTHORIZED);
    let tokens: Value = app.get_json("/api/v1/tokens").await.1;
    assert!(
        tokens
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["name"] != "smuggled"),
        "{tokens}"
    );
}

#[tokio::test]
async fn a_session_secret_sent_as_a_bearer_token_is_refused_even_right_after_its_use() {
    let app = TestApp::spawn().await;
    let session = sign_in(&app, OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(
        status(session.request(&app, Method::GET, "/api/v1/me")).await,
        StatusCode::OK
    );
    let secret = session.cookie.split_once('=').unwrap().1.to_owned();

    let read = bearer(&app, &secret, Method::GET, "/api/v1/me");
    let write = bearer(&app, &secret, Method::POST, "/api/v1/tokens")
        .json(&json!({ "name": "smuggled", "scope": "write" }));

    assert_eq!(status(read).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status(write).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn guessing_ones_current_password_is_limited_like_signing_in() {
    let app = TestApp::spawn().await;
    let change = |current: &'static str| {
        app.client
            .post(app.url("/api/v1/me/password"))
            .json(&json!({ "current_password": current, "new_password": "a brand new password" }))
            .send()
    };

    for guess in 1..=5 {
        let response = change("not my password").await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "guess {guess}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["error"]["code"],
            "wrong_password"
        );
    }
    let sixth = change("not my password").await.unwrap();

    assert_eq!(sixth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(sixth.headers().contains_key("retry-after"));
    // The right one waits too, and the password is still the old one.
    assert_eq!(
        change(OWNER_PASSWORD).await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in_status(&app.anonymous, &app, OWNER_EMAIL, OWNER_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the guesses count against sign-ins from that address too"
    );
}

#[tokio::test]
async fn an_administrators_password_reset_revokes_the_persons_api_tokens_and_says_so() {
    let app = TestApp::spawn().await;
    let (id, email, password) = add_user(&app, "author").await;
    let session = sign_in(&app, &email, &password).await;
    let token = create_token(&app, &session, "write").await;
    assert_eq!(
        status(bearer(&app, &token, Method::GET, "/api/v1/me")).await,
        StatusCode::OK
    );

    let reset = app
        .client
        .post(app.url(&format!("/api/v1/users/{id}/password")))
        .json(&json!({ "new_password": "set by the administrator" }))
        .send()
        .await
        .unwrap();

    assert_eq!(reset.status(), StatusCode::OK);
    let body: Value = reset.json().await.unwrap();
    assert_eq!(body["sessions_ended"], 1, "{body}");
    assert_eq!(body["tokens_revoked"], 1, "{body}");
    assert_eq!(
        status(bearer(&app, &token, Method::GET, "/api/v1/me")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(session.request(&app, Method::GET, "/api/v1/me")).await,
        StatusCode::UNAUTHORIZED
    );
    sign_in(&app, &email, "set by the administrator").await;
}

#[tokio::test]
async fn a_stranger_failing_from_another_address_does_not_keep_a_person_out() {
    let app = TestApp::spawn().await;
    let stranger = client_from("127.0.0.2");
    for _ in 0..5 {
        assert_eq!(
            sign_in_status(&stranger, &app, OWNER_EMAIL, "a guess").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        sign_in_status(&stranger, &app, OWNER_EMAIL, "a guess").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the stranger's address is limited"
    );

    let owner = client_from("127.0.0.3");
    assert_eq!(
        sign_in_status(&owner, &app, OWNER_EMAIL, OWNER_PASSWORD).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_slowed_down_progressively() {
    let app = TestApp::spawn_with(&["--login-attempts", "4"]).await;
    let guesser = client_from("127.0.0.2");
    let mut took = Vec::new();
    for _ in 0..4 {
        let started = Instant::now();
        assert_eq!(
            sign_in_status(&guesser, &app, OWNER_EMAIL, "a guess").await,
            StatusCode::UNAUTHORIZED
        );
        took.push(started.elapsed());
    }
    // 0, 250 ms, 500 ms, 1 s of waiting before each verification: lower
    // bounds only, as a busy machine makes every answer slower anyway.
    for (n, least) in [(1, 250), (2, 500), (3, 1000)] {
        assert!(
            took[n] >= Duration::from_millis(least),
            "attempt {} took {:?}: {took:?}",
            n + 1,
            took[n]
        );
    }
    assert!(
        took[3] < Duration::from_secs(10),
        "the delay stays short: {took:?}"
    );
}

#[tokio::test]
async fn an_account_is_locked_after_failures_from_many_addresses_together() {
    let app = TestApp::spawn_with(&["--login-attempts", "2", "--login-lock-attempts", "4"]).await;
    for ip in ["127.0.0.2", "127.0.0.3"] {
        let guesser = client_from(ip);
        for _ in 0..2 {
            assert_eq!(
                sign_in_status(&guesser, &app, OWNER_EMAIL, "a guess").await,
                StatusCode::UNAUTHORIZED
            );
        }
    }

    let response = client_from("127.0.0.4")
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn a_forwarded_client_address_is_believed_only_from_a_trusted_proxy() {
    // Not behind a proxy: every forged address is the same guesser, and the
    // logs name the real peer.
    let app = TestApp::spawn().await;
    let forged = |n: u32| {
        app.anonymous
            .post(app.url("/api/v1/session"))
            .header("x-forwarded-for", format!("203.0.113.{n}"))
            .header("forwarded", format!("for=198.51.100.{n}"))
            .json(&json!({ "email": format!("guess{n}@example.com"), "password": "guess" }))
            .send()
    };
    for n in 1..=5 {
        assert_eq!(forged(n).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        forged(6).await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let logs = app.logs();
    assert!(logs.contains("client_ip=127.0.0.1"), "{logs}");
    assert!(
        !logs.contains("203.0.113.") && !logs.contains("198.51.100."),
        "a forged address reached the logs:\n{logs}"
    );

    // Behind a trusted proxy: the address it forwards is the client's.
    let app = TestApp::spawn_with(&["--trusted-proxies", "127.0.0.1/32,10.0.0.0/8"]).await;
    let from = |client: &'static str, password: &'static str| {
        app.anonymous
            .post(app.url("/api/v1/session"))
            .header("x-forwarded-for", format!("{client}, 10.1.2.3"))
            .json(&json!({ "email": OWNER_EMAIL, "password": password }))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(
            from("203.0.113.7", "guess").await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        from("203.0.113.7", "guess").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        from("203.0.113.8", OWNER_PASSWORD).await.unwrap().status(),
        StatusCode::OK
    );
    assert!(
        app.logs().contains("client_ip=203.0.113.7"),
        "{}",
        app.logs()
    );
}

#[tokio::test]
async fn concurrent_ownership_transfers_let_only_one_through() {
    let app = TestApp::spawn().await;
    let (first, _, _) = add_user(&app, "administrator").await;
    let (second, _, _) = add_user(&app, "administrator").await;
    // The owner's token has just been validated: both transfers carry a
    // principal that says "owner".
    assert_eq!(app.get_json("/api/v1/me").await.0, 200);

    let transfer = |to: &str| {
        app.client
            .post(app.url(&format!("/api/v1/users/{to}/ownership")))
            .send()
    };
    let (a, b) = futures::join!(transfer(&first), transfer(&second));
    let (a, b) = (a.unwrap().status(), b.unwrap().status());

    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::FORBIDDEN], "{a} {b}");
    let winner = if a == StatusCode::OK { &first } else { &second };
    let users: Value = app.get_json("/api/v1/users").await.1;
    let owners: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["role"] == "owner")
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(owners, [winner.as_str()], "{users}");
    let old_owner = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == OWNER_EMAIL)
        .unwrap();
    assert_eq!(old_owner["role"], "administrator");
}

#[tokio::test]
async fn removing_someone_who_wrote_posts_needs_someone_to_take_them_over() {
    let app = TestApp::spawn().await;
    let (id, email, password) = add_user(&app, "author").await;
    let session = sign_in(&app, &email, &password).await;
    let post: Value = session
        .request(&app, Method::POST, "/api/v1/posts")
        .json(&json!({ "title": "Left behind", "markdown": "Still here.", "status": "published" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let post_id = post["id"].as_str().unwrap().to_owned();
    let owner_id = app.get_json("/api/v1/me").await.1["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let remove = |query: String| {
        app.client
            .delete(app.url(&format!("/api/v1/users/{id}{query}")))
            .send()
    };

    let refused = remove(String::new()).await.unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "has_posts", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("reassign_to"),
        "{error}"
    );
    assert_eq!(
        app.get_json(&format!("/api/v1/users/{id}")).await.0,
        200,
        "still there"
    );
    for bad in [
        "?reassign_to=nobody".to_owned(),
        format!("?reassign_to={id}"),
        format!("?reassign_to={}", uuid::Uuid::new_v4()),
    ] {
        assert_eq!(
            remove(bad.clone()).await.unwrap().status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}"
        );
    }
    assert_eq!(
        app.get_json(&format!("/api/v1/posts/{post_id}")).await.1["author"],
        id.as_str()
    );

    let removed = remove(format!("?reassign_to={owner_id}")).await.unwrap();

    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get_json(&format!("/api/v1/users/{id}")).await.0, 404);
    assert_eq!(
        app.get_json(&format!("/api/v1/posts/{post_id}")).await.1["author"],
        owner_id.as_str()
    );
    let page = app
        .anonymous
        .get(app.url("/left-behind/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Olive Owner"),
        "the post names who took it over:\n{page}"
    );
}

#[tokio::test]
async fn a_person_s_tokens_have_different_names_and_a_hint_tells_them_apart() {
    let app = TestApp::spawn().await;
    let session = sign_in(&app, OWNER_EMAIL, OWNER_PASSWORD).await;
    let token = create_token(&app, &session, "write").await;
    let again = session
        .request(&app, Method::POST, "/api/v1/tokens")
        .json(&json!({ "name": "script", "scope": "read" }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"]["code"], "token_name_taken", "{body}");

    // Another person may use the same name.
    let other = app.token_for_new_user("author").await;
    let theirs = app
        .anonymous
        .post(app.url("/api/v1/tokens"))
        .bearer_auth(&other)
        .json(&json!({ "name": "script", "scope": "read" }))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), StatusCode::CREATED);

    let list: Value = session
        .request(&app, Method::GET, "/api/v1/tokens")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let scripts: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["name"] == "script")
        .collect();
    assert_eq!(scripts.len(), 1, "the refused one was not made: {list}");
    let hint = scripts[0]["hint"].as_str().unwrap();
    let shown = hint.trim_end_matches('…');
    assert_eq!(shown.len(), "folio_".len() + 6, "{hint}");
    assert!(token.starts_with(shown), "{hint} begins {token}");
}
