//! The site's settings as the gateway shows them (title, description, the
//! menus): kept by posts (the site's content and what frames it), held here
//! for every page, fetched again after
//! posts announces a change; and `/api/v1/settings`. The command line's
//! `--site-title` and `--site-description` apply until a setting is saved.

use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use actix_web::{HttpResponse, get, patch, web};
use serde::{Deserialize, Serialize};

use super::error::ErrorBody;
use super::{ApiError, Identity, Services};
use folio_auth_protocol::permissions::Action;
use folio_posts_protocol::domain::{SiteDescription, SiteTitle};
use folio_posts_protocol::messages::{
    GetSiteSettings, MenuItem, PostsEvent, SiteSettings, UpdateSiteSettings,
};
use folio_runtime::{CallMeta, EventBus, EventsMissed};

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(get_settings).service(update_settings);
}

/// How long a failed fetch waits before the next page tries again.
const RETRY_AFTER: Duration = Duration::from_secs(5);
const FETCH_DEADLINE: Duration = Duration::from_millis(500);

/// What pages show of the site.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct SiteInfo {
    pub title: String,
    pub description: String,
    /// The header's menu and the footer's, in order; empty when none is set.
    pub primary_menu: Vec<MenuLink>,
    pub secondary_menu: Vec<MenuLink>,
}

/// A menu link as a theme renders it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct MenuLink {
    pub label: String,
    pub url: String,
    /// Leads away from the site.
    pub external: bool,
}

fn links(menu: Option<&Vec<MenuItem>>) -> Vec<MenuLink> {
    menu.map(|items| {
        items
            .iter()
            .map(|item| MenuLink {
                label: item.label.as_str().to_owned(),
                url: item.url.as_str().to_owned(),
                external: item.url.is_external(),
            })
            .collect()
    })
    .unwrap_or_default()
}

pub(crate) struct SiteState {
    defaults: SiteInfo,
    current: RwLock<Current>,
}

struct Current {
    info: SiteInfo,
    /// Not yet fetched, or changed since: the next page fetches it.
    stale: bool,
    last_try: Option<Instant>,
}

impl SiteState {
    pub(crate) fn new(title: String, description: String) -> Self {
        let defaults = SiteInfo {
            title,
            description,
            primary_menu: Vec::new(),
            secondary_menu: Vec::new(),
        };
        Self {
            current: RwLock::new(Current {
                info: defaults.clone(),
                stale: true,
                last_try: None,
            }),
            defaults,
        }
    }

    pub(crate) fn get(&self) -> SiteInfo {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .info
            .clone()
    }

    /// What is saved wins; the command line's values fill in the rest.
    fn apply(&self, settings: &SiteSettings) {
        let info = SiteInfo {
            title: settings
                .title
                .as_ref()
                .map_or_else(|| self.defaults.title.clone(), |t| t.as_str().to_owned()),
            description: settings.description.as_ref().map_or_else(
                || self.defaults.description.clone(),
                |d| d.as_str().to_owned(),
            ),
            primary_menu: links(settings.primary_menu.as_ref()),
            secondary_menu: links(settings.secondary_menu.as_ref()),
        };
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        current.info = info;
        current.stale = false;
    }

    fn mark_stale(&self) {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        current.stale = true;
        current.last_try = None;
    }

    /// Whether this caller should fetch now (at most one try per
    /// [`RETRY_AFTER`] while posts does not answer).
    fn should_fetch(&self) -> bool {
        // Every page asks: a read finds the common answer.
        if !self
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .stale
        {
            return false;
        }
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if !current.stale
            || current
                .last_try
                .is_some_and(|at| at.elapsed() < RETRY_AFTER)
        {
            return false;
        }
        current.last_try = Some(Instant::now());
        true
    }
}

/// A change to the settings, here or in another process (or events missed
/// while NATS was away): the next page fetches them. The page cache drops
/// every page on the same event (see the cache).
pub(crate) fn follow(events: &EventBus, site: &std::sync::Arc<SiteState>) {
    let changed = site.clone();
    events.listen(move |event: &PostsEvent| {
        if matches!(event, PostsEvent::SiteSettingsChanged) {
            changed.mark_stale();
        }
    });
    let missed = site.clone();
    events.listen(move |_: &EventsMissed| missed.mark_stale());
}

/// The settings, fetched first if they changed (or were never fetched):
/// called before a page is built. When posts does not answer, pages show
/// what was last known.
pub(crate) async fn fresh(services: &Services, request_id: &str) -> SiteInfo {
    if services.site.should_fetch() {
        match services
            .posts
            .call(GetSiteSettings, CallMeta::new(request_id, FETCH_DEADLINE))
            .await
        {
            Ok(settings) => services.site.apply(&settings),
            Err(error) => {
                tracing::warn!(%error, "the site's settings could not be read; pages show the last known");
            }
        }
    }
    services.site.get()
}

/// The settings as the admin edits them: what is saved, and what applies.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SettingsOut {
    /// Saved; null where the command line's value (or the default) applies.
    #[serde(flatten)]
    saved: SiteSettings,
    /// What pages show now.
    #[schema(value_type = Object)]
    applied: SiteInfo,
}

/// The site's settings.
#[utoipa::path(
    tag = "settings",
    responses(
        (status = 200, description = "The settings", body = SettingsOut),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only administrators and the owner", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/settings")]
async fn get_settings(
    services: web::Data<Services>,
    identity: Identity,
) -> Result<HttpResponse, ApiError> {
    identity.require(Action::ManageSettings)?;
    let saved = services
        .posts
        .call(GetSiteSettings, identity.meta())
        .await?;
    services.site.apply(&saved);
    Ok(HttpResponse::Ok().json(SettingsOut {
        saved,
        applied: services.site.get(),
    }))
}

/// Changes to the settings: only the fields given change.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SettingsIn {
    #[schema(value_type = Option<String>)]
    title: Option<SiteTitle>,
    #[schema(value_type = Option<String>)]
    description: Option<SiteDescription>,
    /// The header's menu, in order (at most 20 links; `[]` empties it).
    primary_menu: Option<Vec<MenuItem>>,
    /// The footer's menu.
    secondary_menu: Option<Vec<MenuItem>>,
}

/// Changes the site's settings; every page shows them at once.
#[utoipa::path(
    tag = "settings",
    request_body = SettingsIn,
    responses(
        (status = 200, description = "The settings now", body = SettingsOut),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only administrators and the owner (or a read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 422, description = "A value is not acceptable", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[patch("/api/v1/settings")]
async fn update_settings(
    services: web::Data<Services>,
    identity: Identity,
    body: web::Json<SettingsIn>,
) -> Result<HttpResponse, ApiError> {
    identity.require(Action::ManageSettings)?;
    let SettingsIn {
        title,
        description,
        primary_menu,
        secondary_menu,
    } = body.into_inner();
    let changes = UpdateSiteSettings {
        title,
        description,
        primary_menu,
        secondary_menu,
    };
    let saved = services.posts.call(changes, identity.meta()).await?;
    // This gateway shows them from now on; others follow the event.
    services.site.apply(&saved);
    Ok(HttpResponse::Ok().json(SettingsOut {
        saved,
        applied: services.site.get(),
    }))
}
