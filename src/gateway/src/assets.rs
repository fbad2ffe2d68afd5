//! Browser assets embedded in the binary (`static/`).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use rust_embed::Embed;

use super::Services;
use super::cache::conditional;

#[derive(Embed)]
// The site-wide static folder at the top of the repository.
#[folder = "../../static/"]
struct Assets;

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    // Before `asset`, which would take any /static/ path.
    cfg.service(highlight_css)
        .service(asset)
        .service(admin_bare)
        .service(admin);
}

/// The colours of highlighted code, made by the render concern's highlighter
/// (handed to the gateway when the app is wired).
#[get("/static/highlight.css")]
async fn highlight_css(services: web::Data<Services>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .content_type("text/css; charset=utf-8")
        .body(services.highlight_css)
}

/// The admin UI is one page; its screens are `#/…` routes inside it.
#[get("/admin/")]
async fn admin(request: HttpRequest) -> HttpResponse {
    let Some(file) = Assets::get("admin/index.html") else {
        return super::error::not_found(request).await;
    };
    // Its Content-Security-Policy and the other security headers: `headers.rs`.
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .content_type("text/html; charset=utf-8")
        .body(file.data.into_owned())
}

#[get("/admin")]
async fn admin_bare() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/admin/"))
        .finish()
}

/// Serves `/static/{path}` from the embedded files, with their hash as ETag.
/// Not the admin shell: a document belongs at its own route, `/admin/`.
#[get("/static/{path:.*}")]
async fn asset(path: web::Path<String>, request: HttpRequest) -> HttpResponse {
    let Some(file) = Assets::get(&path).filter(|file| !is_document(&file.metadata)) else {
        return super::error::not_found(request).await;
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let (mut response, unchanged) = conditional(&request, &etag, "public, max-age=3600");
    if unchanged {
        return response.finish();
    }
    response
        .content_type(file.metadata.mimetype())
        .body(file.data.into_owned())
}

fn is_document(metadata: &rust_embed::Metadata) -> bool {
    metadata.mimetype().starts_with("text/html")
}
