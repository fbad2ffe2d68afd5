//! Server-rendered pages: minijinja templates (embedded from `templates/`),
//! auto-escaped — HTML templates as HTML, `.xml` ones (feeds, sitemaps) as XML.
//! minijinja rather than a compile-time engine because themes override
//! templates from a directory at run time.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use std::path::PathBuf;

use minijinja::{AutoEscape, Environment, Output, State, Value};
use serde::Serialize;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../../templates/base.html")),
    (
        "message.html",
        include_str!("../../../templates/message.html"),
    ),
    ("setup.html", include_str!("../../../templates/setup.html")),
    (
        "invite.html",
        include_str!("../../../templates/invite.html"),
    ),
    (
        "site/base.html",
        include_str!("../../../templates/site/base.html"),
    ),
    (
        "site/index.html",
        include_str!("../../../templates/site/index.html"),
    ),
    (
        "site/post.html",
        include_str!("../../../templates/site/post.html"),
    ),
    (
        "site/search.html",
        include_str!("../../../templates/site/search.html"),
    ),
    (
        "site/404.html",
        include_str!("../../../templates/site/404.html"),
    ),
    (
        "site/rss.xml",
        include_str!("../../../templates/site/rss.xml"),
    ),
    (
        "site/sitemap.xml",
        include_str!("../../../templates/site/sitemap.xml"),
    ),
    (
        "site/sitemap-index.xml",
        include_str!("../../../templates/site/sitemap-index.xml"),
    ),
];

/// The escape of `.xml` templates: XML's five characters only. minijinja's
/// HTML escape also writes every `/` as `&#x2f;` — valid XML, but it doubles
/// a sitemap's bytes and trips readers that do not decode entities in URLs.
const XML: AutoEscape = AutoEscape::Custom("xml");

fn auto_escape(name: &str) -> AutoEscape {
    if name.ends_with(".xml") {
        XML
    } else {
        minijinja::default_auto_escape_callback(name)
    }
}

fn format(out: &mut Output, state: &State, value: &Value) -> Result<(), minijinja::Error> {
    if state.auto_escape() != XML {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = value.to_string();
    if value.is_safe() {
        return out.write_str(&text).map_err(minijinja::Error::from);
    }
    let mut rest = text.as_str();
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        out.write_str(&rest[..at])?;
        out.write_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&apos;",
        })?;
        rest = &rest[at + 1..];
    }
    out.write_str(rest).map_err(minijinja::Error::from)
}

pub(crate) struct Pages {
    env: Environment<'static>,
}

#[derive(Serialize)]
pub(crate) struct Link<'a> {
    pub href: &'a str,
    pub text: &'a str,
}

impl Pages {
    /// Templates come from `theme_dir` when it has a file of that name (a
    /// theme overrides what it needs), otherwise from the built-in set.
    pub(crate) fn new(theme_dir: Option<PathBuf>) -> anyhow::Result<Self> {
        if let Some(dir) = &theme_dir
            && !dir.is_dir()
        {
            anyhow::bail!(
                "the theme directory {} does not exist; fix --theme-dir",
                dir.display()
            );
        }
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_auto_escape_callback(auto_escape);
        env.set_formatter(format);
        env.set_loader(move |name| {
            if let Some(dir) = &theme_dir {
                let path = dir.join(name);
                // Names are ours (never from a request), but stay inside the theme anyway.
                if !name.contains("..") && path.is_file() {
                    return std::fs::read_to_string(&path).map(Some).map_err(|error| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::TemplateNotFound,
                            format!("{}: {error}", path.display()),
                        )
                    });
                }
            }
            Ok(TEMPLATES
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, source)| (*source).to_owned()))
        });
        for (name, _) in TEMPLATES {
            // Load every template now, so a broken theme stops the start, not a request.
            env.get_template(name)
                .map_err(|error| anyhow::anyhow!("template {name}: {error:#}"))?;
        }
        Ok(Self { env })
    }

    /// Renders a template to a string.
    pub(crate) fn render_to_string(
        &self,
        name: &str,
        context: impl Serialize,
    ) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(context)
    }

    pub(crate) fn render(
        &self,
        status: StatusCode,
        name: &str,
        context: impl Serialize,
    ) -> HttpResponse {
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
    pub(crate) fn message(
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
