//! Each concern on its own, as a service would be tested: its actor and its store
//! only, the other concerns absent. Proves a concern does not need the others to work.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use folio::auth::messages::Stats as AuthStats;
use folio::auth::{Auth, AuthDeps, AuthStore, Passwords, SessionPolicy};
use folio::media::images::Rules;
use folio::media::messages::Stats as MediaStats;
use folio::media::{Media, MediaDeps, MediaStore};
use folio::posts::domain::{PostStatus, Title};
use folio::posts::messages::Stats as PostsStats;
use folio::posts::messages::{CreatePost, PostFields, PostsEvent, PostsProtocol};
use folio::posts::{Posts, PostsDeps, PostsStore};
use folio::render::markdown::Renderer;
use folio::render::{Render, RenderDeps};
use folio::runtime::{
    CallMeta, Client, ConcernName, ConcernState, CpuPool, EventBus, Failure, Fault, Link, Metrics,
    Principal, RestartPolicy, Role, Runtime, SigningKey,
};
use folio::storage::StoreLocation;

fn runtime() -> Runtime {
    let policy = RestartPolicy {
        backoff_min: Duration::from_millis(20),
        ..RestartPolicy::default()
    };
    Runtime::new(policy, Metrics::new().unwrap(), SigningKey::random())
}

fn meta() -> CallMeta {
    CallMeta::new("test", Duration::from_secs(5))
}

async fn auth_deps(dir: &tempfile::TempDir) -> AuthDeps {
    AuthDeps {
        store: AuthStore::open(&sqlite(dir, "auth")).await.unwrap(),
        passwords: Passwords::new(CpuPool::new("argon2", 1, 4)).await.unwrap(),
        sessions: SessionPolicy {
            idle_timeout: Duration::from_secs(60),
            lifetime: Duration::from_secs(3600),
        },
    }
}

/// Posts needs render for saves; render is stateless, so the real one is started beside it.
async fn posts_deps(dir: &tempfile::TempDir, runtime: &Runtime) -> PostsDeps {
    let render = runtime.start::<Render>(RenderDeps {
        renderer: Renderer::new(),
        pool: CpuPool::new("render", 1, 4),
        max_bytes: 1 << 20,
    });
    PostsDeps {
        store: PostsStore::open(&sqlite(dir, "posts")).await.unwrap(),
        render,
    }
}

async fn media_deps(dir: &tempfile::TempDir) -> MediaDeps {
    MediaDeps {
        store: MediaStore::open(&sqlite(dir, "media")).await.unwrap(),
        pool: CpuPool::new("images", 1, 2),
        blobs: folio::media::blobs::on_disk(dir.path()),
        rules: std::sync::Arc::new(Rules::default()),
    }
}

fn sqlite(dir: &tempfile::TempDir, name: &str) -> StoreLocation {
    StoreLocation::SqliteFile(dir.path().join(format!("{name}.db")))
}

#[actix_rt::test]
async fn auth_alone_answers_from_its_own_store() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let auth = runtime.start::<Auth>(auth_deps(&dir).await);

    assert_eq!(auth.call(AuthStats, meta()).await.unwrap().users, 0);
    assert_eq!(runtime.statuses().len(), 1, "only auth runs");
    runtime.stop();
}

#[actix_rt::test]
async fn posts_alone_answers_from_its_own_store() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let posts = runtime.start::<Posts>(posts_deps(&dir, &runtime).await);

    let stats = posts.call(PostsStats, meta()).await.unwrap();
    assert_eq!((stats.posts, stats.published), (0, 0));
    runtime.stop();
}

#[actix_rt::test]
async fn media_alone_answers_from_its_own_store() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let media = runtime.start::<Media>(media_deps(&dir).await);

    assert_eq!(media.call(MediaStats, meta()).await.unwrap().media, 0);
    runtime.stop();
}

#[actix_rt::test]
async fn media_consumes_only_upload_staging_blobs_and_removes_them_on_every_error() {
    use folio::media::messages::Ingest;
    use folio::media::{BlobKey, MediaError};
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let deps = media_deps(&dir).await;
    let blobs = deps.blobs.clone();
    let media = runtime.start::<Media>(deps);
    let ingest = |staging| Ingest {
        staging,
        file_name: "x.jpg".into(),
        alt: String::new(),
        caption: String::new(),
        keep_metadata: false,
    };

    // Refused before anything is read (nobody signed in): still removed.
    let staged = blobs
        .stage_bytes(bytes::Bytes::from_static(b"not even an image"))
        .await
        .unwrap();
    let error = media
        .call(ingest(staged.clone()), meta())
        .await
        .unwrap_err();
    assert_eq!(error, MediaError::unauthenticated());
    assert!(
        !blobs.exists(&staged).await.unwrap(),
        "the upload is removed"
    );

    // A stored file's key is not an upload: refused, and left alone.
    let stored = BlobKey::parse("some-medium/v1/original.jpg").unwrap();
    let kept = blobs
        .stage_bytes(bytes::Bytes::from_static(b"a stored file"))
        .await
        .unwrap();
    blobs.promote(&kept, &stored).await.unwrap();
    let error = media
        .call(ingest(stored.clone()), meta())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            MediaError::Common(folio::runtime::CommonError::Invalid(_))
        ),
        "{error:?}"
    );
    assert!(blobs.exists(&stored).await.unwrap(), "a stored file stays");
    runtime.stop();
}

#[actix_rt::test]
async fn a_panicking_handler_is_answered_crashed_and_the_concern_restarts_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let posts = runtime.start::<Posts>(posts_deps(&dir, &runtime).await);
    let cell = runtime.cell(ConcernName::Posts).unwrap();
    cell.faults.push(Fault::Panic, 1);

    let error = posts.call(PostsStats, meta()).await.unwrap_err();
    assert_eq!(
        error,
        folio::posts::PostsError::from(Failure::Crashed {
            concern: ConcernName::Posts
        })
    );

    assert!(
        posts.call(PostsStats, meta()).await.is_ok(),
        "the next call succeeds after the backoff"
    );
    let status = cell.status();
    assert_eq!(
        (status.panics, status.restarts, status.state),
        (1, 1, ConcernState::Up)
    );
    runtime.stop();
}

#[actix_rt::test]
async fn a_call_past_its_deadline_times_out_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let media = runtime.start::<Media>(media_deps(&dir).await);
    runtime
        .cell(ConcernName::Media)
        .unwrap()
        .faults
        .push(Fault::Hang, 1);

    let error = media
        .call(
            MediaStats,
            CallMeta::new("test", Duration::from_millis(100)),
        )
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            folio::media::MediaError::Common(folio::runtime::CommonError::Runtime(
                Failure::Timeout { .. }
            ))
        ),
        "{error:?}"
    );
    assert!(media.call(MediaStats, meta()).await.is_ok());
    runtime.stop();
}

#[actix_rt::test]
async fn a_stopped_runtime_is_not_brought_back_by_the_watchdog() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let auth = runtime.start::<Auth>(auth_deps(&dir).await);
    runtime.stop();
    actix_rt::time::sleep(Duration::from_millis(600)).await;

    assert!(auth.call(AuthStats, meta()).await.is_err());
    assert_eq!(
        runtime.cell(ConcernName::Auth).unwrap().status().restarts,
        0
    );
}

#[actix_rt::test]
async fn a_restarted_concern_waits_out_its_backoff_before_serving_again() {
    let dir = tempfile::tempdir().unwrap();
    let policy = RestartPolicy {
        backoff_min: Duration::from_millis(300),
        ..RestartPolicy::default()
    };
    let runtime = Runtime::new(policy, Metrics::new().unwrap(), SigningKey::random());
    let posts = runtime.start::<Posts>(posts_deps(&dir, &runtime).await);
    let cell = runtime.cell(ConcernName::Posts).unwrap();
    cell.faults.push(Fault::Panic, 1);

    assert!(posts.call(PostsStats, meta()).await.is_err());
    // The restart is on record before the caller hears of the crash.
    assert_eq!(cell.status().state, ConcernState::Restarting);
    assert_eq!(cell.status().restarts, 1);

    let started = std::time::Instant::now();
    assert!(posts.call(PostsStats, meta()).await.is_ok());
    // 300 ms less 20 % jitter: the call queued until the backoff was over.
    assert!(
        started.elapsed() >= Duration::from_millis(230),
        "{:?}",
        started.elapsed()
    );
    runtime.stop();
}

#[actix_rt::test]
async fn the_events_a_change_caused_come_back_with_its_reply() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::random();
    let runtime = Runtime::new(
        RestartPolicy::default(),
        Metrics::new().unwrap(),
        key.clone(),
    );
    runtime.start::<Posts>(posts_deps(&dir, &runtime).await);
    // A caller with a bus of its own, as a gateway in another process has:
    // only the reply can bring it the news.
    let elsewhere = EventBus::new();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let into = seen.clone();
    elsewhere.listen(move |event: &PostsEvent| into.lock().unwrap().push(event.clone()));
    let posts: Client<PostsProtocol> = Client::new(Link::new(runtime.transport(), elsewhere));
    let writer = Principal::User {
        id: folio::runtime::UserId::from_uuid(uuid::Uuid::new_v4()),
        role: Role::Author,
    };

    let post = posts
        .call(
            CreatePost {
                autosave: false,
                fields: PostFields {
                    title: Some(Title::parse("Hello there").unwrap()),
                    markdown: Some("Hi.".into()),
                    status: Some(PostStatus::Published),
                    ..PostFields::default()
                },
            },
            meta().with_principal(key.sign(&writer)),
        )
        .await
        .unwrap();

    let seen = seen.lock().unwrap().clone();
    assert!(
        matches!(
            seen.as_slice(),
            [PostsEvent::PostChanged(change)] if change.id == post.id
                && change.before.is_none()
                && change.after.as_ref().is_some_and(|after| after.slug == "hello-there" && after.public)
        ),
        "{seen:?}"
    );
    runtime.stop();
}

#[actix_rt::test]
async fn a_concern_nobody_hosts_is_said_at_once_not_waited_for() {
    let runtime = runtime();
    let posts: Client<PostsProtocol> = runtime.client();
    let started = std::time::Instant::now();

    let error = posts
        .call(PostsStats, CallMeta::new("test", Duration::from_secs(30)))
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            folio::posts::PostsError::Common(folio::runtime::CommonError::Runtime(
                Failure::NoResponders {
                    concern: ConcernName::Posts
                }
            ))
        ),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}
