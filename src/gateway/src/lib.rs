//! The gateway: Folio's only HTTP edge. It authenticates callers, turns requests
//! into calls on the concerns' client handles, and their replies into responses.

mod admin;
mod assets;
mod body_deadline;
mod cache;
mod client_address;
mod error;
mod exports;
mod headers;
mod health;
mod identity;
mod imports;
mod invites;
mod limits;
mod media;
mod openapi;
mod pages;
mod posts;
mod redirects;
mod search;
mod seo;
mod session;
mod settings;
mod setup;
mod site;
mod tokens;
mod users;

pub use error::ApiError;
pub use exports::{ExportFormat, ExportRunner};
pub use identity::Identity;
pub use imports::{
    FileCounts, ImportItem, ImportPhase, ImportProgress, ImportReport, ImportRequest, ImportRunner,
    ImportSource,
};

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpMessage, HttpRequest, HttpServer, web};
use tracing_actix_web::{RequestId, TracingLogger};

use client_address::{RequestSpan, TrustedProxies};
use folio_auth_protocol::AuthClient;
use folio_config::Settings;
use folio_media_protocol::{Blobs, MediaClient};
use folio_posts_protocol::PostsClient;
use folio_render_protocol::RenderClient;
use folio_runtime::{CallMeta, Runtime};
use folio_search_protocol::SearchClient;
use identity::IdentityCache;
use limits::{LoginLimiter, LoginLimits};

/// The handles of every concern the gateway talks to.
pub struct Clients {
    pub auth: AuthClient,
    pub posts: PostsClient,
    pub media: MediaClient,
    pub render: RenderClient,
    pub search: SearchClient,
    /// Media's blob store, as media gives it out: uploads are streamed into
    /// it and files read from it by key, never by path.
    pub media_blobs: Blobs,
}

/// What every route can reach: the concerns' handles and the gateway's own state.
pub struct Services {
    pub auth: AuthClient,
    pub posts: PostsClient,
    pub media: MediaClient,
    pub render: RenderClient,
    pub search: SearchClient,
    pub runtime: Runtime,
    pub fault_injection: bool,
    public_url: String,
    identities: IdentityCache,
    logins: Arc<LoginLimiter>,
    trusted_proxies: TrustedProxies,
    pages: pages::Pages,
    pages_cache: cache::PageCache,
    redirects_cache: cache::RedirectCache,
    /// The site's title and description, as posts keeps them.
    site: Arc<settings::SiteState>,
    json_limit: usize,
    max_upload_bytes: usize,
    body_idle_timeout: std::time::Duration,
    media_blobs: Blobs,
    media_files: cache::FileCache,
    /// The stylesheet of highlighted code's classes, from the render concern's code.
    highlight_css: &'static str,
    data_dir: std::path::PathBuf,
    /// What writes `/api/v1/export`: the binary's exporter, which this crate cannot name.
    exporter: Option<Arc<dyn ExportRunner>>,
    imports: Arc<imports::Imports>,
}

impl Services {
    /// On a split site, joins the other gateways: each counts the others'
    /// failed sign-ins too, so the limits hold for the site. (The caller has
    /// NATS confirm the subscription before the gateway serves.)
    pub async fn join_other_gateways(&self) -> anyhow::Result<()> {
        let Some(nats) = self.runtime.nats() else {
            return Ok(());
        };
        let peer = nats.clone();
        self.logins.tell_peers(move |failure| {
            if let Ok(bytes) = serde_json::to_vec(failure) {
                peer.broadcast("logins.failed", bytes);
            }
        });
        let heard = self.logins.clone();
        nats.on_broadcast("logins.failed", move |bytes| {
            if let Ok(failure) = serde_json::from_slice(bytes) {
                heard.count_peer_failure(&failure);
            }
        })
        .await
    }

    pub fn new(
        clients: Clients,
        runtime: Runtime,
        settings: &Settings,
        public_url: String,
        highlight_css: &'static str,
    ) -> anyhow::Result<Self> {
        let Clients {
            auth,
            posts,
            media,
            render,
            search,
            media_blobs,
        } = clients;
        let media_files = cache::FileCache::new(64 * 1024 * 1024);
        let pages_cache = cache::PageCache::new(settings.page_cache_ttl, settings.page_cache_bytes);
        let logins = Arc::new(LoginLimiter::new(LoginLimits {
            per_address: settings.auth.login_attempts,
            per_account: settings.auth.login_lock_attempts,
            window: settings.auth.login_window,
        }));
        let redirects_cache = cache::RedirectCache::new(settings.page_cache_ttl);
        cache::follow(
            runtime.events(),
            &pages_cache,
            &redirects_cache,
            &media_files,
        );
        let identities = IdentityCache::new();
        identities.follow(runtime.events());
        let site = Arc::new(settings::SiteState::new(
            settings.site_title.clone(),
            settings.site_description.clone(),
        ));
        settings::follow(runtime.events(), &site);
        exports::remove_leftovers(settings.data_dir());
        Ok(Self {
            auth,
            posts,
            media,
            render,
            search,
            runtime,
            fault_injection: settings.fault_injection,
            public_url,
            identities,
            logins,
            trusted_proxies: TrustedProxies::new(settings.auth.trusted_proxies.clone()),
            pages: pages::Pages::new(settings.theme_dir.clone())?,
            pages_cache,
            redirects_cache,
            site,
            // A post's JSON carries its Markdown: room for the largest allowed.
            json_limit: settings.max_markdown_bytes + 64 * 1024,
            max_upload_bytes: settings.max_upload_bytes,
            body_idle_timeout: settings.body_idle_timeout,
            media_blobs,
            media_files,
            highlight_css,
            data_dir: settings.data_dir().to_owned(),
            exporter: None,
            imports: Arc::new(imports::Imports::new(
                settings.data_dir(),
                settings.max_import_bytes,
            )),
        })
    }

    pub fn with_exporter(mut self, runner: Arc<dyn ExportRunner>) -> Self {
        self.exporter = Some(runner);
        self
    }

    /// What runs the imports started from the admin (`/api/v1/imports`):
    /// the binary's importer, which this crate cannot name.
    pub fn with_importer(self, runner: Arc<dyn ImportRunner>) -> Self {
        self.imports.set_runner(runner);
        self
    }

    /// The meta for an anonymous call made for this request.
    pub fn meta(&self, request_id: &RequestId) -> CallMeta {
        CallMeta::new(request_id.to_string(), self.runtime.call_timeout())
    }

    /// The client's address: the connection's peer, or what a trusted proxy forwarded.
    pub fn client_address(&self, request: &HttpRequest) -> std::net::IpAddr {
        self.trusted_proxies
            .client(request.peer_addr(), request.headers())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    /// Cookies are `Secure` (and `__Host-`) whenever the public URL is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Scheme, host and port of the public URL, as browsers send it in `Origin`.
    pub fn public_origin(&self) -> &str {
        let after_scheme = self.public_url.find("://").map_or(0, |i| i + 3);
        let end = self.public_url[after_scheme..]
            .find('/')
            .map_or(self.public_url.len(), |i| after_scheme + i);
        &self.public_url[..end]
    }
}

/// A query string that does not fit its route (`?per_page=abc`,
/// `?format=bogus`): the same JSON error as any other bad input.
fn query_error(error: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request(
        "invalid_query",
        format!("the address's query has a wrong value: {error}"),
    )
    .into()
}

fn json_error(error: actix_web::error::JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    match error {
        JsonPayloadError::Deserialize(error) if error.is_data() => {
            // serde's position suffix means nothing to a person reading the sentence.
            let text = error.to_string();
            let text = text.split(" at line ").next().unwrap_or(&text);
            ApiError::invalid(format!("the request body has a wrong value: {text}")).into()
        }
        JsonPayloadError::OverflowKnownLength { length, limit } => ApiError::too_large(format!(
            "the request body is {length} bytes; the limit is {limit}"
        ))
        .into(),
        JsonPayloadError::Overflow { limit } => ApiError::too_large(format!(
            "the request body is over the limit of {limit} bytes"
        ))
        .into(),
        JsonPayloadError::ContentType => ApiError::bad_request(
            "invalid_json",
            "send the body as JSON with Content-Type: application/json",
        )
        .into(),
        other => ApiError::bad_request(
            "invalid_json",
            format!("the request body is not valid JSON: {other}"),
        )
        .into(),
    }
}

/// Returns the request id (set by `TracingLogger`, which wraps this) as
/// `x-request-id`, so a user's report can be matched to the server's logs.
fn echo_request_id<S>(
    request: ServiceRequest,
    service: &S,
) -> impl Future<Output = Result<ServiceResponse, actix_web::Error>> + use<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error>,
{
    let id = request.extensions().get::<RequestId>().copied();
    let response = service.call(request);
    async move {
        let mut response = response.await?;
        if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
            response
                .headers_mut()
                .insert(HeaderName::from_static("x-request-id"), value);
        }
        Ok(response)
    }
}

/// Serves on `listener` (already bound); the returned server is not yet awaited.
pub fn serve(
    settings: &Settings,
    services: Services,
    listener: TcpListener,
) -> anyhow::Result<Server> {
    let json_limit = services.json_limit;
    let runtime = web::Data::new(services.runtime.clone());
    let services = web::Data::new(services);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(services.clone())
            .app_data(runtime.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(json_limit)
                    .error_handler(json_error),
            )
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::FormConfig::default().limit(64 * 1024))
            .wrap_fn(body_deadline::bound_body)
            // Outside the body deadline, so its 408 gets the headers too.
            .wrap_fn(headers::secure)
            .wrap_fn(echo_request_id)
            .wrap(TracingLogger::<RequestSpan>::new())
            // First: the most requested path (see `media::files`).
            .configure(media::files)
            .configure(health::routes)
            .configure(session::routes)
            .configure(users::routes)
            .configure(tokens::routes)
            .configure(admin::routes)
            .configure(setup::routes)
            .configure(settings::routes)
            .configure(invites::routes)
            .configure(posts::routes)
            .configure(redirects::routes)
            .configure(exports::routes)
            .configure(imports::routes)
            .configure(media::routes)
            .configure(search::routes)
            .configure(openapi::routes)
            .configure(assets::routes)
            // Last: `/{slug}/` would otherwise shadow the routes above.
            .configure(site::routes)
            .default_service(web::to(error::not_found))
    })
    // The caller handles SIGTERM and SIGINT (see `folio::app`): actix-server's
    // own handling stops the whole actix System, concerns included, while
    // calls from other processes may still be in hand.
    .disable_signals()
    .shutdown_timeout(settings.shutdown_timeout.as_secs().max(1));
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    Ok(server.listen(listener)?.run())
}

/// The HTTP server of a process that runs no gateway: only `/healthz`,
/// `/readyz` and `/metrics`; anything else is 404.
pub fn serve_health(
    settings: &Settings,
    runtime: Runtime,
    listener: TcpListener,
) -> anyhow::Result<Server> {
    let runtime = web::Data::new(runtime);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(runtime.clone())
            .wrap_fn(echo_request_id)
            .wrap(TracingLogger::<RequestSpan>::new())
            .configure(health::routes)
            .default_service(web::to(error::not_found))
    })
    .disable_signals()
    .shutdown_timeout(settings.shutdown_timeout.as_secs().max(1))
    .workers(settings.workers.unwrap_or(1));
    Ok(server.listen(listener)?.run())
}
