//! Wiring: opens each concern's store, starts the concerns under the runtime,
//! binds the gateway, and on a stop signal winds everything down in order.

use std::net::SocketAddr;

use actix_web::dev::{Server, ServerHandle};
use anyhow::Context;

use crate::auth::{AuthClient, AuthStore};
use crate::config::Settings;
use crate::gateway::{self, Services};
use crate::media::{MediaClient, MediaStore};
use crate::posts::{PostsClient, PostsStore};
use crate::runtime::{ConcernName, Metrics, Runtime};

/// Every concern's store, opened and migrated.
pub struct Stores {
    pub auth: AuthStore,
    pub posts: PostsStore,
    pub media: MediaStore,
}

impl Stores {
    pub async fn open(settings: &Settings) -> anyhow::Result<Self> {
        std::fs::create_dir_all(settings.data_dir()).with_context(|| {
            format!(
                "could not create the data directory {}; set --data-dir to a writable directory",
                settings.data_dir().display()
            )
        })?;
        let (auth, posts, media) = (
            settings.store(ConcernName::Auth),
            settings.store(ConcernName::Posts),
            settings.store(ConcernName::Media),
        );
        let (auth, posts, media) = futures::try_join!(
            AuthStore::open(&auth),
            PostsStore::open(&posts),
            MediaStore::open(&media)
        )?;
        Ok(Self { auth, posts, media })
    }

    /// Closes every pool, which checkpoints SQLite's WAL into the database file.
    pub async fn close(self) -> anyhow::Result<()> {
        let (auth, posts, media) =
            futures::join!(self.auth.close(), self.posts.close(), self.media.close());
        auth.and(posts).and(media)
    }
}

/// A started Folio: the gateway is listening and every concern is running.
pub struct Folio {
    pub addr: SocketAddr,
    server: Server,
    runtime: Runtime,
    stores: Stores,
}

impl Folio {
    /// Must run inside an actix `System` (concerns are actors).
    pub async fn start(settings: &Settings) -> anyhow::Result<Self> {
        let stores = Stores::open(settings).await?;
        let runtime = Runtime::new(settings.supervision.clone(), Metrics::new()?);
        let services = Services {
            auth: AuthClient::start(&runtime, stores.auth.clone()),
            posts: PostsClient::start(&runtime, stores.posts.clone()),
            media: MediaClient::start(&runtime, stores.media.clone()),
            runtime: runtime.clone(),
            fault_injection: settings.fault_injection,
        };
        let (server, addr) = gateway::bind(settings, services)?;
        tracing::info!(
            data_dir = %settings.data_dir().display(),
            public_url = %settings.public_url(addr),
            fault_injection = settings.fault_injection,
            "Folio is listening on http://{addr}"
        );
        Ok(Self {
            addr,
            server,
            runtime,
            stores,
        })
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or SIGINT (or a stop through the handle): stops
    /// accepting, lets requests in flight finish, then stops the concerns and
    /// closes the stores.
    pub async fn run(self) -> anyhow::Result<()> {
        self.server.await.context("the HTTP server failed")?;
        tracing::info!("no more requests in flight; stopping the concerns");
        self.runtime.stop();
        self.stores.close().await?;
        tracing::info!("stores closed; goodbye");
        Ok(())
    }
}

pub async fn serve(settings: &Settings) -> anyhow::Result<()> {
    Folio::start(settings).await?.run().await
}

/// `folio migrate`: opening a store applies its pending migrations.
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let stores = Stores::open(settings).await?;
    for concern in ConcernName::ALL {
        tracing::info!(%concern, store = ?settings.store(concern), "store is up to date");
    }
    stores.close().await
}
