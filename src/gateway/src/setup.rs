//! First run: the one-time setup link, where the first visitor creates the
//! owner and names the site.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use tracing_actix_web::RequestId;

use super::identity::{same_origin, signed_in_page};
use super::pages::Link;
use super::{ApiError, Services};
use folio_auth_protocol::AuthError;
use folio_auth_protocol::domain::{DisplayName, Email, Password, Secret};
use folio_auth_protocol::messages::{CheckSetup, CompleteSetup};
use folio_posts_protocol::domain::{SiteDescription, SiteTitle};
use folio_posts_protocol::messages::{SiteSettings, UpdateSiteSettings};
use folio_runtime::{CallMeta, Principal, Role, UserId};

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(setup_form).service(submit);
}

fn unavailable(services: &Services) -> HttpResponse {
    services.pages.message(
        StatusCode::NOT_FOUND,
        "This setup link no longer works",
        "It has been used already, or a newer one was made when the server restarted. Sign in instead, or ask the owner.",
        Some(Link { href: "/", text: "Go to the home page" }),
    )
}

#[get("/setup/{secret}")]
async fn setup_form(
    services: web::Data<Services>,
    secret: web::Path<String>,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    let open = services
        .auth
        .call(
            CheckSetup {
                secret: Secret::new(secret.into_inner()),
            },
            services.meta(&request_id),
        )
        .await?;
    if !open {
        return Ok(unavailable(&services));
    }
    let site = services.site.get();
    Ok(services.pages.render(
        StatusCode::OK,
        "setup.html",
        minijinja::context! { name => "", email => "", site_title => site.title, site_description => site.description },
    ))
}

#[derive(Deserialize)]
struct SetupForm {
    name: String,
    email: String,
    password: String,
    #[serde(default)]
    site_title: Option<String>,
    #[serde(default)]
    site_description: Option<String>,
}

/// The site's name and description, as the new owner: setup is their first act.
async fn name_the_site(
    services: &Services,
    owner: UserId,
    request_id: &RequestId,
    title: Option<SiteTitle>,
    description: Option<SiteDescription>,
) {
    if title.is_none() && description.is_none() {
        return;
    }
    let principal = Principal::User {
        id: owner,
        role: Role::Owner,
    };
    let meta = CallMeta::new(request_id.to_string(), services.runtime.call_timeout())
        .with_principal(services.runtime.key().sign(&principal));
    if let Err(error) = services
        .posts
        .call(
            UpdateSiteSettings(SiteSettings {
                title,
                description,
                ..SiteSettings::default()
            }),
            meta,
        )
        .await
    {
        // The owner exists and is signed in; Settings can name the site later.
        tracing::warn!(%error, "the site's title from setup could not be saved");
    }
}

#[post("/setup/{secret}")]
async fn submit(
    services: web::Data<Services>,
    request: HttpRequest,
    secret: web::Path<String>,
    form: web::Form<SetupForm>,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    if !same_origin(&request, &services) {
        return Err(ApiError::forbidden_code(
            "csrf_origin",
            "this form was not sent from this site's page",
        ));
    }
    let form = form.into_inner();
    let parsed = (|| {
        Ok::<_, String>((
            DisplayName::parse(&form.name)?,
            Email::parse(&form.email)?,
            Password::parse(&form.password)?,
            form.site_title
                .as_deref()
                .map(SiteTitle::parse)
                .transpose()?,
            form.site_description
                .as_deref()
                .map(SiteDescription::parse)
                .transpose()?,
        ))
    })();
    let (name, email, password, site_title, site_description) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            let context = minijinja::context! {
                name => form.name, email => form.email, error,
                site_title => form.site_title, site_description => form.site_description,
            };
            return Ok(services.pages.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "setup.html",
                context,
            ));
        }
    };
    let msg = CompleteSetup {
        secret: Secret::new(secret.into_inner()),
        email,
        name,
        password,
    };
    match services.auth.call(msg, services.meta(&request_id)).await {
        Ok(granted) => {
            name_the_site(
                &services,
                granted.user.id,
                &request_id,
                site_title,
                site_description,
            )
            .await;
            signed_in_page(
                &services,
                &granted,
                "Welcome to Folio",
                &format!(
                    "The owner's account for {} is ready, and you are signed in.",
                    granted.user.email
                ),
            )
        }
        Err(AuthError::SetupUnavailable) => Ok(unavailable(&services)),
        Err(other) => Err(other.into()),
    }
}
