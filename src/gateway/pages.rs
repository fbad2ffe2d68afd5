//! Server-rendered pages: minijinja templates (embedded from `templates/`),
//! auto-escaped. minijinja rather than a compile-time engine because themes
//! will override templates from a directory at run time.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use minijinja::Environment;
use serde::Serialize;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("message.html", include_str!("../../templates/message.html")),
    ("setup.html", include_str!("../../templates/setup.html")),
];

pub struct Pages {
    env: Environment<'static>,
}

#[derive(Serialize)]
pub struct Link<'a> {
    pub href: &'a str,
    pub text: &'a str,
}

impl Pages {
    pub fn new() -> anyhow::Result<Self> {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Self { env })
    }

    pub fn render(&self, status: StatusCode, name: &str, context: impl Serialize) -> HttpResponse {
        let rendered = self
            .env
            .get_template(name)
            .and_then(|template| template.render(context));
        match rendered {
            Ok(html) => HttpResponse::build(status)
                .content_type(ContentType::html())
                .body(html),
            Err(error) => {
                tracing::error!(%error, template = name, "could not render a page");
                HttpResponse::InternalServerError()
                    .content_type(ContentType::plaintext())
                    .body("This page could not be shown.")
            }
        }
    }

    /// A page with a title, a sentence and perhaps a link.
    pub fn message(
        &self,
        status: StatusCode,
        title: &str,
        message: &str,
        link: Option<Link<'_>>,
    ) -> HttpResponse {
        self.render(
            status,
            "message.html",
            minijinja::context! { title, message, link },
        )
    }
}
