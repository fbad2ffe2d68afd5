//! Wiring: opens each concern's store, starts the concerns under the runtime,
//! binds the gateway, and on a stop signal winds everything down in order.
//! Also the offline commands (`migrate`, `user add`, `token add`, `import`).

use std::io::Read;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use anyhow::{Context, bail};

use folio_auth::domain::{DisplayName, Email, Password, TokenName, TokenScope};
use folio_auth::messages::{CreateToken, CreateUser, OpenSetup};
use folio_auth::{Auth, AuthClient, AuthDeps, AuthStore, Passwords, SessionPolicy};
use folio_auth_protocol::messages::AuthProtocol;
use folio_config::{Hosted, ImportCommand, MediaStoreKind, Settings, TokenCommand, UserCommand};
use folio_gateway::{Clients, Services};
use folio_media::images::Rules;
use folio_media::{Media, MediaDeps, MediaStore};
use folio_media_protocol::blobs::Blobs;
use folio_media_protocol::messages::MediaProtocol;
use folio_posts::{Posts, PostsDeps, PostsStore, scheduler};
use folio_posts_protocol::messages::PostsProtocol;
use folio_render::markdown::Renderer;
use folio_render::{Render, RenderDeps};
use folio_runtime::{
    CallMeta, ConcernError, ConcernName, CpuPool, Metrics, Nats, Principal, Runtime, SigningKey,
};
use folio_search::{Search, SearchDeps, SearchIndex};
use folio_storage::redact;

/// The stores of the concerns this process runs, opened and migrated; a
/// process opens no other concern's store.
pub struct Stores {
    pub auth: Option<AuthStore>,
    pub posts: Option<PostsStore>,
    pub media: Option<MediaStore>,
}

impl Stores {
    pub async fn open(settings: &Settings, hosted: &Hosted) -> anyhow::Result<Self> {
        create_data_dir(settings)?;
        let open = |concern| hosted.hosts(concern).then(|| settings.store(concern));
        let (auth, posts, media) = (
            open(ConcernName::Auth),
            open(ConcernName::Posts),
            open(ConcernName::Media),
        );
        let (auth, posts, media) = futures::try_join!(
            maybe(auth, |at| async move { AuthStore::open(&at).await }),
            maybe(posts, |at| async move { PostsStore::open(&at).await }),
            maybe(media, |at| async move { MediaStore::open(&at).await }),
        )?;
        Ok(Self { auth, posts, media })
    }

    /// Closes every pool, which checkpoints SQLite's WAL into the database file.
    pub async fn close(self) -> anyhow::Result<()> {
        let (auth, posts, media) = futures::join!(
            maybe(self.auth, |store| async move { store.close().await }),
            maybe(self.posts, |store| async move { store.close().await }),
            maybe(self.media, |store| async move { store.close().await }),
        );
        auth.and(posts).and(media).map(|_| ())
    }
}

/// `f(value)` when there is a value.
async fn maybe<T, U, F, Fut>(value: Option<T>, f: F) -> anyhow::Result<Option<U>>
where
    F: FnOnce(T) -> Fut,
    Fut: Future<Output = anyhow::Result<U>>,
{
    match value {
        Some(value) => f(value).await.map(Some),
        None => Ok(None),
    }
}

fn create_data_dir(settings: &Settings) -> anyhow::Result<()> {
    folio_storage::private_dir(settings.data_dir()).with_context(|| {
        format!(
            "could not create the data directory {}; set --data-dir to a writable directory",
            settings.data_dir().display()
        )
    })
}

/// The configured secret, or the one generated into the data directory on first start.
pub fn signing_key(settings: &Settings) -> anyhow::Result<SigningKey> {
    if let Some(secret) = &settings.secret_key {
        return SigningKey::new(secret.as_bytes()).map_err(anyhow::Error::msg);
    }
    create_data_dir(settings)?;
    let path = settings.data_dir().join("secret.key");
    if !path.exists() {
        write_new_secret(&path)?;
    }
    let secret =
        std::fs::read(&path).with_context(|| format!("could not read {}", path.display()))?;
    SigningKey::new(secret.trim_ascii()).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}; delete it to have a new one generated",
            path.display()
        )
    })
}

fn write_new_secret(path: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let bytes: [u8; 32] = rand::random();
    let hex = hex::encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("could not create {}", path.display()))?;
    file.write_all(hex.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

async fn auth_deps(settings: &Settings, store: AuthStore) -> anyhow::Result<AuthDeps> {
    // Each Argon2 hash holds 19 MiB: the pool's size bounds that memory.
    let passwords = Passwords::new(CpuPool::sized_to_cores("argon2", 64)).await?;
    Ok(AuthDeps {
        store,
        passwords,
        sessions: SessionPolicy {
            idle_timeout: settings.auth.session_idle_timeout,
            lifetime: settings.auth.session_lifetime,
        },
    })
}

fn render_deps(settings: &Settings) -> RenderDeps {
    RenderDeps {
        renderer: Renderer::new(),
        pool: CpuPool::sized_to_cores("render", 64),
        max_bytes: settings.max_markdown_bytes,
    }
}

fn media_deps(settings: &Settings, store: &MediaStore, blobs: &Blobs) -> MediaDeps {
    MediaDeps {
        store: store.clone(),
        // A 12 MP decode holds ~50 MB: the queue bounds memory as much as the workers do.
        pool: CpuPool::sized_to_cores("images", 8),
        blobs: blobs.clone(),
        rules: Arc::new(Rules {
            max_upload_bytes: settings.max_upload_bytes as u64,
            ..Rules::default()
        }),
    }
}

/// A started Folio: the concerns this process runs are running, and its
/// HTTP server (the gateway, or only health and metrics) is listening.
pub struct Folio {
    pub addr: SocketAddr,
    server: Server,
    runtime: Runtime,
    stores: Stores,
    /// How long a stop waits for what is in hand.
    shutdown_timeout: Duration,
}

impl Folio {
    /// Must run inside an actix `System` (concerns are actors).
    pub async fn start(settings: &Settings) -> anyhow::Result<Self> {
        let hosted = settings.served()?;
        let key = signing_key(settings)?;
        let stores = Stores::open(settings, &hosted).await?;
        let listener = TcpListener::bind(settings.listen).map_err(|error| {
            anyhow::anyhow!(
                "could not listen on {}: {error}; choose another address with --listen",
                settings.listen
            )
        })?;
        let addr = listener.local_addr()?;
        let public_url = settings.public_url_for(addr);
        let nats = match &settings.nats_url {
            Some(url) => Some(Nats::connect(url).await?),
            None => None,
        };
        let runtime = Runtime::new(settings.supervision.clone(), Metrics::new()?, key);
        if let Some(store) = &stores.auth {
            runtime.start::<Auth>(auth_deps(settings, store.clone()).await?);
        }
        if hosted.hosts(ConcernName::Render) {
            runtime.start::<Render>(render_deps(settings));
        }
        if let Some(store) = &stores.posts {
            runtime.start::<Posts>(PostsDeps {
                store: store.clone(),
                render: runtime.client(),
            });
            scheduler::spawn(runtime.client(), Duration::from_secs(1));
        }
        // Media's blob store; the gateway gets the same handle to stream
        // uploads in and files out, and never a path.
        let media_blobs = match (settings.media_store, &nats) {
            (MediaStoreKind::Nats, Some(nats)) => {
                folio_media::object_store::on_nats(nats.jetstream()).await?
            }
            _ => folio_media::blobs::on_disk(settings.data_dir()),
        };
        if let Some(store) = &stores.media {
            runtime.start::<Media>(media_deps(settings, store, &media_blobs));
        }
        if hosted.hosts(ConcernName::Search) {
            let index = SearchIndex::open(
                &settings.data_dir().join("search"),
                settings.search_language,
            )?;
            runtime.start::<Search>(SearchDeps {
                index,
                posts: runtime.client(),
                key: runtime.key().clone(),
                pool: CpuPool::sized_to_cores("search", 64),
            });
            folio_search::feed(runtime.events(), runtime.client());
        }
        if let Some(nats) = nats {
            runtime
                .share(nats.clone(), settings.fault_injection)
                .await?;
            // What other processes' calls changed, for this process's caches.
            let events = runtime.events().clone();
            nats.follow::<AuthProtocol>(events.clone()).await?;
            nats.follow::<PostsProtocol>(events.clone()).await?;
            nats.follow::<MediaProtocol>(events).await?;
        }
        let server = if hosted.gateway {
            let auth: AuthClient = runtime.client();
            let setup = open_setup(&auth, &runtime).await;
            let exports = crate::exporter::AdminExports {
                auth: auth.clone(),
                posts: runtime.client(),
                media: runtime.client(),
                blobs: media_blobs.clone(),
                key: runtime.key().clone(),
                site_url: public_url.clone(),
                site_title: settings.site_title.clone(),
                site_description: settings.site_description.clone(),
            };
            let clients = Clients {
                auth,
                posts: runtime.client(),
                media: runtime.client(),
                render: runtime.client(),
                search: runtime.client(),
                media_blobs,
            };
            let importer = crate::admin_import::AdminImports {
                auth: clients.auth.clone(),
                posts: clients.posts.clone(),
                media: clients.media.clone(),
                blobs: clients.media_blobs.clone(),
                key: runtime.key().clone(),
                max_upload_bytes: settings.max_upload_bytes as u64,
                max_unpacked_bytes: settings.max_import_bytes,
            };
            let services = Services::new(
                clients,
                runtime.clone(),
                settings,
                public_url.clone(),
                folio_render::markdown::highlight_css(),
            )?
            .with_exporter(Arc::new(exports))
            .with_importer(Arc::new(importer));
            services.join_other_gateways().await?;
            if let Some(nats) = runtime.nats() {
                nats.confirm_subscriptions().await?;
            }
            let server = folio_gateway::serve(settings, services, listener)?;
            if let Some(secret) = setup {
                tracing::warn!(
                    "No account exists yet. Open {public_url}/setup/{} to create the owner's account; the link works once.",
                    secret.expose()
                );
            }
            server
        } else {
            if let Some(nats) = runtime.nats() {
                nats.confirm_subscriptions().await?;
            }
            folio_gateway::serve_health(settings, runtime.clone(), listener)?
        };
        tracing::info!(
            data_dir = %settings.data_dir().display(),
            %public_url,
            fault_injection = settings.fault_injection,
            parts = %hosted.names().join(","),
            nats = settings.nats_url.as_deref().map(redact).unwrap_or_default(),
            "Folio is listening on http://{addr}"
        );
        Ok(Self {
            addr,
            server,
            runtime,
            stores,
            shutdown_timeout: settings.shutdown_timeout,
        })
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or SIGINT (or a stop through the handle): stops
    /// accepting, lets requests in flight finish, then stops the concerns and
    /// closes the stores.
    pub async fn run(self) -> anyhow::Result<()> {
        let (handle, runtime) = (self.server.handle(), self.runtime.clone());
        actix_web::rt::spawn(async move {
            let graceful = stop_signal().await;
            // Out of the NATS queue groups first: other replicas take new
            // calls while this process finishes those it holds.
            if runtime.nats().is_some() {
                runtime.unshare().await;
                tracing::info!("left the NATS queue groups");
            }
            handle.stop(graceful).await;
        });
        self.server.await.context("the HTTP server failed")?;
        if let Some(nats) = self.runtime.nats() {
            // Answered before the concerns stop, however long their budget
            // (an upload's is two minutes): a call dropped here would leave
            // its caller waiting out that budget for nothing.
            tracing::info!("finishing the calls in hand from other processes");
            let left = nats.answered_all(self.shutdown_timeout).await;
            if left > 0 {
                tracing::warn!(
                    calls = left,
                    "stopping with calls from other processes still in hand"
                );
            }
        }
        tracing::info!("no more requests in flight; stopping the concerns");
        self.runtime.stop();
        self.stores.close().await?;
        tracing::info!("stores closed; goodbye");
        Ok(())
    }
}

/// Waits for SIGTERM (a graceful stop: requests in flight finish) or SIGINT
/// (a quick one); answers whether the stop is graceful.
async fn stop_signal() -> bool {
    use actix_web::rt::signal::unix::{SignalKind, signal};
    use futures::future::{Either, select};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            match select(Box::pin(term.recv()), Box::pin(int.recv())).await {
                Either::Left(_) => {
                    tracing::info!("SIGTERM received; stopping gracefully");
                    true
                }
                Either::Right(_) => {
                    tracing::info!("SIGINT received; stopping");
                    false
                }
            }
        }
        (Err(error), _) | (_, Err(error)) => {
            tracing::error!(%error, "cannot listen for stop signals; stop the process with SIGKILL");
            std::future::pending().await
        }
    }
}

pub async fn serve(settings: &Settings) -> anyhow::Result<()> {
    Folio::start(settings).await?.run().await
}

/// `folio migrate [--concerns LIST]`: opening a store applies its pending
/// migrations; only the stores of the concerns named.
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let hosted = settings.hosted()?;
    let stores = Stores::open(settings, &hosted).await?;
    for concern in ConcernName::STORED.into_iter().filter(|c| hosted.hosts(*c)) {
        tracing::info!(%concern, store = ?settings.store(concern), "store is up to date");
    }
    stores.close().await
}

/// Asks auth whether the site still needs its owner, and so the one-time
/// setup link. On a split site auth may still be starting in its own
/// process: it is asked again for a few seconds, then the gateway goes on
/// without printing the link (a restart prints it).
async fn open_setup(auth: &AuthClient, runtime: &Runtime) -> Option<folio_auth::domain::Secret> {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        match auth
            .call(OpenSetup, CallMeta::new("startup", runtime.call_timeout()))
            .await
        {
            Ok(secret) => return secret,
            Err(error) if std::time::Instant::now() < deadline && error.as_failure().is_some() => {
                tracing::info!(%error, "waiting for the auth concern");
                actix_web::rt::time::sleep(Duration::from_millis(250)).await;
            }
            Err(error) => {
                tracing::warn!(%error, "could not ask auth whether the site has an owner; the setup link is not printed");
                return None;
            }
        }
    }
}

/// Runs `f` against the auth concern alone, as the operator.
async fn with_auth<T, F, Fut>(settings: &Settings, f: F) -> anyhow::Result<T>
where
    F: FnOnce(AuthClient, CallMeta) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let key = signing_key(settings)?;
    create_data_dir(settings)?;
    let store = AuthStore::open(&settings.store(ConcernName::Auth)).await?;
    let runtime = Runtime::new(settings.supervision.clone(), Metrics::new()?, key.clone());
    runtime.start::<Auth>(auth_deps(settings, store.clone()).await?);
    let auth: AuthClient = runtime.client();
    let meta =
        CallMeta::new("cli", runtime.call_timeout()).with_principal(key.sign(&Principal::Operator));
    let result = f(auth, meta).await;
    runtime.stop();
    store.close().await?;
    result
}

pub async fn user_command(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add {
        email,
        name,
        role,
        password_stdin: _,
    } = command;
    let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
    let name = DisplayName::parse(&name).map_err(anyhow::Error::msg)?;
    let role = role.parse().map_err(anyhow::Error::msg)?;
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("reading the password from standard input")?;
    let password = password.strip_suffix('\n').unwrap_or(&password);
    let password = password.strip_suffix('\r').unwrap_or(password);
    let password = Password::parse(password).map_err(anyhow::Error::msg)?;
    let user = with_auth(settings, |auth, meta| async move {
        Ok(auth
            .call(
                CreateUser {
                    email,
                    name,
                    role,
                    password: Some(password),
                },
                meta,
            )
            .await?)
    })
    .await?;
    println!("created {} {} ({})", user.role, user.email, user.id);
    Ok(())
}

pub async fn token_command(settings: &Settings, command: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Add { email, name, scope } = command;
    let for_email = Some(Email::parse(&email).map_err(anyhow::Error::msg)?);
    let name = TokenName::parse(&name).map_err(anyhow::Error::msg)?;
    let scope = TokenScope::parse(&scope).map_err(anyhow::Error::msg)?;
    if for_email.is_none() {
        bail!("--email is required");
    }
    let created = with_auth(settings, |auth, meta| async move {
        Ok(auth
            .call(
                CreateToken {
                    name,
                    scope,
                    for_email,
                },
                meta,
            )
            .await?)
    })
    .await?;
    println!("{}", created.token.expose());
    Ok(())
}

/// Runs an import against the data directory's stores, with the concerns it
/// needs (auth, posts, render, media) started here; the site must be stopped.
/// Search and the page cache catch up when it starts again.
/// The concerns a command line job talks to (import, export), started in
/// this process on the site's own stores: the site must be stopped.
struct Offline {
    runtime: Runtime,
    stores: Stores,
    blobs: Blobs,
    key: SigningKey,
}

impl Offline {
    async fn start(settings: &Settings) -> anyhow::Result<Self> {
        let key = signing_key(settings)?;
        create_data_dir(settings)?;
        let hosted = Hosted::parse(&["auth", "posts", "render", "media"].map(String::from))?;
        let stores = Stores::open(settings, &hosted).await?;
        let (Some(auth_store), Some(posts_store), Some(media_store)) =
            (&stores.auth, &stores.posts, &stores.media)
        else {
            bail!("the stores of auth, posts and media did not open");
        };
        let runtime = Runtime::new(settings.supervision.clone(), Metrics::new()?, key.clone());
        runtime.start::<Auth>(auth_deps(settings, auth_store.clone()).await?);
        runtime.start::<Render>(render_deps(settings));
        runtime.start::<Posts>(PostsDeps {
            store: posts_store.clone(),
            render: runtime.client(),
        });
        // Images are where the site's media keeps them (JetStream when split).
        let blobs = match (settings.media_store, &settings.nats_url) {
            (MediaStoreKind::Nats, Some(url)) => {
                folio_media::object_store::on_nats(Nats::connect(url).await?.jetstream()).await?
            }
            _ => folio_media::blobs::on_disk(settings.data_dir()),
        };
        runtime.start::<Media>(media_deps(settings, media_store, &blobs));
        Ok(Self {
            runtime,
            stores,
            blobs,
            key,
        })
    }

    async fn stop(self) -> anyhow::Result<()> {
        self.runtime.stop();
        self.stores.close().await
    }
}

/// `folio export FILE`: the site as a WXR file (.xml) or an archive (.zip).
pub async fn export_command(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    let archive = match file.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("zip") => true,
        Some(ext) if ext.eq_ignore_ascii_case("xml") => false,
        _ => bail!(
            "{}: name the file .xml (a WordPress export) or .zip (that, the posts in Markdown and every image)",
            file.display()
        ),
    };
    let offline = Offline::start(settings).await?;
    let exporter = crate::exporter::Exporter {
        auth: offline.runtime.client(),
        posts: offline.runtime.client(),
        media: offline.runtime.client(),
        blobs: offline.blobs.clone(),
        key: offline.key.clone(),
        principal: Principal::Operator,
        request_id: format!("export-{:016x}", rand::random::<u64>()),
        site_url: settings.public_url.as_ref().map_or_else(
            || format!("http://{}", settings.listen),
            |url| url.as_str().trim_end_matches('/').to_owned(),
        ),
        site_title: settings.site_title.clone(),
        site_description: settings.site_description.clone(),
    };
    let exporter = match exporter.as_owner().await {
        Ok(exporter) => exporter,
        Err(error) => {
            offline.stop().await?;
            return Err(error);
        }
    };
    // Written beside the target and renamed: a failed export leaves no half file.
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let outcome = if archive {
        exporter.archive(temp.as_file_mut()).await
    } else {
        exporter
            .wxr(std::io::BufWriter::new(temp.as_file_mut()))
            .await
    };
    offline.stop().await?;
    let exported = outcome?;
    temp.as_file().sync_all()?;
    temp.persist(file)
        .with_context(|| format!("cannot write {}", file.display()))?;
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!(
        "Exported {exported} to {} ({:.1} MB).",
        file.display(),
        bytes as f64 / 1e6
    );
    Ok(())
}

pub async fn import_command(settings: &Settings, command: ImportCommand) -> anyhow::Result<()> {
    let offline = Offline::start(settings).await?;
    let importer = crate::importer::Importer {
        auth: offline.runtime.client(),
        posts: offline.runtime.client(),
        media: offline.runtime.client(),
        blobs: offline.blobs.clone(),
        key: offline.key.clone(),
        max_upload_bytes: settings.max_upload_bytes as u64,
        request_id: format!("import-{:016x}", rand::random::<u64>()),
        progress: Arc::default(),
        bars: true,
    };
    let (outcome, dry_run) = match &command {
        ImportCommand::Wordpress {
            file,
            uploads,
            common,
        } => (
            importer
                .wordpress(
                    file,
                    uploads.as_deref(),
                    common.as_email.as_deref(),
                    common.dry_run,
                )
                .await,
            common.dry_run,
        ),
        ImportCommand::Ghost { file, common } => (
            importer
                .ghost(file, common.as_email.as_deref(), common.dry_run)
                .await,
            common.dry_run,
        ),
    };
    offline.stop().await?;
    let (report, tally) = outcome?;
    crate::importer::print_report(&report, &tally, dry_run);
    if dry_run {
        println!("\nThis was a dry run: nothing was written.");
    }
    Ok(())
}
