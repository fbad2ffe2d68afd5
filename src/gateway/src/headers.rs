//! The security headers every response carries, chosen in this one place by the
//! kind of response: the admin shell, a page (the public theme, error and setup
//! pages), or an inert file (JSON, feeds, the sitemap, media, assets).

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue};

/// The admin UI runs its own module scripts and styles only; it shows images
/// from here, `data:` and `blob:` (previews of files being uploaded).
const ADMIN_POLICY: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The public theme runs no script at all and styles only from its own
/// stylesheets; a post may show images from elsewhere (Markdown allows http
/// and https image links, which the sanitiser keeps).
const PAGE_POLICY: &str = "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' https: http:; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'";

/// The public pages once the owner has added code of their own to them
/// (Settings → Code injection, administrators only, with a warning there):
/// analytics and embeds need inline and https scripts, styles, frames and
/// connections. Post bodies are sanitised by render all the same; this only
/// stops being the second line of defence while such code is set.
const CODE_PAGE_POLICY: &str = "default-src 'none'; script-src 'self' 'unsafe-inline' https:; style-src 'self' 'unsafe-inline' https:; img-src 'self' https: http: data:; font-src 'self' https: data:; connect-src 'self' https:; frame-src https:; media-src 'self' https:; form-action 'self' https:; base-uri 'none'; frame-ancestors 'self'";

/// A file is never a document that runs anything: an image, feed or JSON
/// body that a browser opens directly (or one mistaken for HTML or SVG)
/// gets a sandbox with nothing allowed. Inline style only, which browsers use
/// to lay out an image or XML viewer of their own.
const INERT_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'";

/// A file sent to be saved (`Content-Disposition: attachment`, the site's
/// export): never rendered, and browsers cancel a download from a sandbox
/// that does not allow downloads.
const DOWNLOAD_POLICY: &str = "default-src 'none'; sandbox allow-downloads; frame-ancestors 'none'";

enum Kind {
    AdminShell,
    Page,
    /// A page at a private address (a draft's preview link, a sign-up link).
    PrivatePage,
    Inert,
    Download,
}

impl Kind {
    fn of(path: &str, headers: &HeaderMap) -> Kind {
        let html = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/html"));
        let attachment = headers
            .get(header::CONTENT_DISPOSITION)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("attachment"));
        match (html, path) {
            _ if attachment => Kind::Download,
            (true, "/admin/") => Kind::AdminShell,
            (true, path) if path.starts_with("/preview/") || path.starts_with("/invite/") => {
                Kind::PrivatePage
            }
            (true, _) => Kind::Page,
            (false, _) => Kind::Inert,
        }
    }

    fn policy(&self) -> &'static str {
        match self {
            Kind::AdminShell => ADMIN_POLICY,
            Kind::Page | Kind::PrivatePage => PAGE_POLICY,
            Kind::Inert => INERT_POLICY,
            Kind::Download => DOWNLOAD_POLICY,
        }
    }

    /// For browsers that predate `frame-ancestors`.
    fn frame_options(&self) -> &'static str {
        match self {
            Kind::Page | Kind::PrivatePage => "SAMEORIGIN",
            Kind::AdminShell | Kind::Inert | Kind::Download => "DENY",
        }
    }

    /// A reader following a link from a post tells the other site where it came
    /// from (the browsers' default); the admin's addresses, and a private
    /// address's secret, never leave the site. (Not `no-referrer` for private
    /// pages: browsers then send `Origin: null` with a form, and a sign-up
    /// page's form is refused as cross-site.)
    fn referrer_policy(&self) -> &'static str {
        match self {
            Kind::Page => "strict-origin-when-cross-origin",
            Kind::AdminShell | Kind::PrivatePage | Kind::Inert | Kind::Download => "same-origin",
        }
    }
}

/// Middleware (`wrap_fn`) that sets the headers on the way out.
pub(crate) fn secure<S>(
    request: ServiceRequest,
    service: &S,
) -> impl Future<Output = Result<ServiceResponse, actix_web::Error>> + use<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error>,
{
    let response = service.call(request);
    async move {
        let mut response = response.await?;
        response.headers_mut().insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        // A 304 has no body, hence no content type to judge it by, and browsers
        // merge its headers into the cached response's: it keeps the policy the
        // full response had.
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok(response);
        }
        let kind = Kind::of(response.request().path(), response.headers());
        let policy = match kind {
            Kind::Page
                if response
                    .request()
                    .app_data::<actix_web::web::Data<crate::Services>>()
                    .is_some_and(|services| services.site.injects_code()) =>
            {
                CODE_PAGE_POLICY
            }
            _ => kind.policy(),
        };
        let headers = response.headers_mut();
        for (name, value) in [
            (header::CONTENT_SECURITY_POLICY, policy),
            (header::X_FRAME_OPTIONS, kind.frame_options()),
            (header::REFERRER_POLICY, kind.referrer_policy()),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        Ok(response)
    }
}

/// An answer that must never come from a cache (a browser's or a proxy's):
/// a secret shown once, a page behind a private address, progress.
pub(crate) fn no_store(
    mut response: actix_web::HttpResponseBuilder,
) -> actix_web::HttpResponseBuilder {
    response.insert_header(header::CacheControl(vec![header::CacheDirective::NoStore]));
    response
}
