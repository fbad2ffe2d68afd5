//! The baseline for benches/site-load.sh: a bare actix-web handler returning
//! the same bytes from memory, with nothing else on the path.
//!
//!   cargo run --release --example bare -- 127.0.0.1:18090 page.html

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:18090".to_owned());
    let body = match args.next() {
        Some(path) => std::fs::read(path)?,
        None => b"hello".to_vec(),
    };
    let body = web::Bytes::from(body);
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move || {
            let body = body.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(body)
            }
        }))
    })
    .bind(listen)?
    .run()
    .await
}
