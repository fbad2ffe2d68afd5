//! The gateway: Folio's only HTTP edge. It turns requests into calls on the
//! concerns' client handles and their replies into responses.

mod admin;
mod assets;
mod error;
mod health;

pub use error::ApiError;

use std::net::SocketAddr;

use actix_web::HttpMessage;
use actix_web::dev::Server;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpRequest, HttpServer, web};
use tracing_actix_web::{RequestId, TracingLogger};

use crate::auth::AuthClient;
use crate::config::Settings;
use crate::media::MediaClient;
use crate::posts::PostsClient;
use crate::runtime::{CallMeta, Runtime};

/// What every route can reach: the concerns' handles and the runtime's view of them.
pub struct Services {
    pub auth: AuthClient,
    pub posts: PostsClient,
    pub media: MediaClient,
    pub runtime: Runtime,
    pub fault_injection: bool,
}

impl Services {
    /// The meta for a call made on behalf of this request: its id and the default deadline.
    pub fn meta(&self, request_id: &tracing_actix_web::RequestId) -> CallMeta {
        CallMeta::new(request_id.to_string(), self.runtime.call_timeout())
    }
}

/// JSON bodies are small control messages here; uploads get their own limits later.
const JSON_LIMIT: usize = 64 * 1024;

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

/// Binds the listener and returns the server (not yet awaited) with its address.
pub fn bind(settings: &Settings, services: Services) -> anyhow::Result<(Server, SocketAddr)> {
    let services = web::Data::new(services);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(services.clone())
            .app_data(web::JsonConfig::default().limit(JSON_LIMIT).error_handler(
                |error, _: &HttpRequest| {
                    ApiError::bad_request(
                        "invalid_json",
                        format!("the request body is not valid JSON for this route: {error}"),
                    )
                    .into()
                },
            ))
            .wrap_fn(echo_request_id)
            .wrap(TracingLogger::default())
            .configure(health::routes)
            .configure(admin::routes)
            .configure(assets::routes)
            .default_service(web::to(error::not_found))
    })
    .shutdown_timeout(settings.shutdown_timeout.as_secs().max(1));
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    let server = server.bind(settings.listen).map_err(|error| {
        anyhow::anyhow!(
            "could not listen on {}: {error}; choose another address with --listen",
            settings.listen
        )
    })?;
    let addr = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| anyhow::anyhow!("the server bound no address"))?;
    Ok((server.run(), addr))
}
