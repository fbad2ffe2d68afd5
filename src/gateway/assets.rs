//! Browser assets embedded in the binary (`static/`), and the pages shown before
//! the public site exists.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, get, web};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "static/"]
struct Assets;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(asset).service(home);
}

/// Serves `/static/{path}` from the embedded files, with their hash as ETag.
#[get("/static/{path:.*}")]
async fn asset(path: web::Path<String>, request: HttpRequest) -> HttpResponse {
    let Some(file) = Assets::get(&path) else {
        return super::error::not_found(request).await;
    };
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..16]));
    let fresh = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value == etag);
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"));
    if fresh {
        return response.finish();
    }
    response
        .content_type(file.metadata.mimetype())
        .body(file.data.into_owned())
}

#[get("/")]
async fn home() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(page(
            "Folio",
            "<h1>Folio is running</h1>\
         <p>The public site arrives with the posts concern. Until then:</p>\
         <ul><li><a href=\"/readyz\">readiness of every concern</a></li>\
         <li><a href=\"/metrics\">metrics</a></li></ul>",
        ))
}

/// A minimal page in Folio's stylesheet.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/static/folio.css\"></head>\
         <body><main>{body}</main></body></html>"
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
