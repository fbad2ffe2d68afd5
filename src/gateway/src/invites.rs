//! Sign-up links: the one-time page where a person an administrator added
//! chooses their own password, and is signed in.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use tracing_actix_web::RequestId;

use super::identity::{same_origin, signed_in_page};
use super::pages::Link;
use super::{ApiError, Services};
use folio_auth_protocol::AuthError;
use folio_auth_protocol::domain::{Password, Secret};
use folio_auth_protocol::messages::{AcceptInvite, CheckInvite, InviteView};

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(invite_form).service(accept);
}

fn unavailable(services: &Services) -> HttpResponse {
    services.pages.message(
        StatusCode::NOT_FOUND,
        "This sign-up link no longer works",
        "It has been used already, a newer one was made, or it expired (links work for 7 days). Ask whoever added you for a new one.",
        Some(Link {
            href: "/admin/",
            text: "Sign in",
        }),
    )
}

/// The page's own answers hold the link's secret in their address: never
/// kept by a cache, never told to another site.
fn private(mut response: HttpResponse) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

fn form(
    services: &Services,
    status: StatusCode,
    invited: &InviteView,
    error: Option<String>,
) -> HttpResponse {
    services.pages.render(
        status,
        "invite.html",
        minijinja::context! { name => invited.name, email => invited.email, site => services.site.get().title, error },
    )
}

#[get("/invite/{secret}/")]
async fn invite_form(
    services: web::Data<Services>,
    secret: web::Path<String>,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    let checked = services
        .auth
        .call(
            CheckInvite {
                secret: Secret::new(secret.into_inner()),
            },
            services.meta(&request_id),
        )
        .await;
    Ok(private(match checked {
        Ok(invited) => form(&services, StatusCode::OK, &invited, None),
        Err(AuthError::InviteUnavailable) => unavailable(&services),
        Err(other) => return Err(other.into()),
    }))
}

#[derive(Deserialize)]
struct InviteForm {
    password: String,
    password_again: String,
}

#[post("/invite/{secret}/")]
async fn accept(
    services: web::Data<Services>,
    request: HttpRequest,
    secret: web::Path<String>,
    body: web::Form<InviteForm>,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    if !same_origin(&request, &services) {
        return Err(ApiError::forbidden_code(
            "csrf_origin",
            "this form was not sent from this site's page",
        ));
    }
    let secret = Secret::new(secret.into_inner());
    let body = body.into_inner();
    let parsed = if body.password == body.password_again {
        Password::parse(&body.password).map_err(|error| capitalised(&error))
    } else {
        Err("The two passwords differ.".to_owned())
    };
    let password = match parsed {
        Ok(password) => password,
        Err(error) => {
            // The form again, saying what is wrong: the link still works.
            return match services
                .auth
                .call(CheckInvite { secret }, services.meta(&request_id))
                .await
            {
                Ok(invited) => Ok(private(form(
                    &services,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &invited,
                    Some(error),
                ))),
                Err(AuthError::InviteUnavailable) => Ok(private(unavailable(&services))),
                Err(other) => Err(other.into()),
            };
        }
    };
    match services
        .auth
        .call(
            AcceptInvite { secret, password },
            services.meta(&request_id),
        )
        .await
    {
        Ok(granted) => {
            let page = signed_in_page(
                &services,
                &granted,
                "Welcome",
                &format!(
                    "Your password is set, {}, and you are signed in. Sign in later with {}.",
                    granted.user.name, granted.user.email
                ),
            )?;
            Ok(private(page))
        }
        Err(AuthError::InviteUnavailable) => Ok(private(unavailable(&services))),
        Err(other) => Err(other.into()),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().collect::<String>() + chars.as_str()
    })
}
