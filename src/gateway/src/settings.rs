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
use folio_media_protocol::messages::{ImageSource, MediaEvent};
use folio_posts_protocol::domain::{
    AccentColour, DateFormat, InjectedCode, PostsPerPage, SiteDescription, SiteImage, SiteLanguage,
    SiteTimezone, SiteTitle, SocialNetwork,
};
use folio_posts_protocol::messages::{
    GetSiteSettings, MenuItem, PostsEvent, SiteSettings, SocialAccount, UpdateSiteSettings,
};
use folio_runtime::{CallMeta, EventBus, EventsMissed};
use std::collections::HashMap;
use tracing_actix_web::RequestId;

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(get_settings)
        .service(update_settings)
        .service(accent_stylesheet)
        .service(public_site);
}

/// Posts a listing page shows until the owner chooses.
const DEFAULT_POSTS_PER_PAGE: u32 = 10;

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
    /// The IANA name; dates on pages and feeds are its local time.
    pub timezone: String,
    #[serde(skip)]
    pub zone: chrono_tz::Tz,
    pub date_format: DateFormat,
    /// BCP 47: the pages' `lang`.
    pub language: String,
    pub posts_per_page: u32,
    /// `#rrggbb`, or none for the theme's own.
    pub accent_colour: Option<String>,
    pub social_accounts: Vec<SocialLink>,
    /// The X account's handle (`@name`), for the cards' `twitter:site`.
    pub twitter_site: Option<String>,
    /// Trusted HTML for every public page's head and body end ("" when none).
    pub code_head: String,
    pub code_foot: String,
    /// The logo the header shows instead of the title, once media described it.
    pub logo: Option<ImageSource>,
    /// The browser tab's icon: an image's address.
    pub icon: Option<String>,
    /// The media ids chosen, described into `logo` and `icon` when fetched.
    #[serde(skip)]
    pub images: Vec<(ImageRole, String)>,
}

/// What a picture chosen in the settings is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ImageRole {
    Logo,
    Icon,
}

impl SiteInfo {
    /// How a moment reads on the site: its date in the site's timezone and format.
    pub(crate) fn date(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        at.with_timezone(&self.zone)
            .format(self.date_format.date_pattern())
            .to_string()
    }

    /// A moment as a machine reads it (`<time datetime>`), at the site's offset.
    pub(crate) fn rfc3339(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        at.with_timezone(&self.zone).to_rfc3339()
    }

    /// A moment as RSS spells it, at the site's offset.
    pub(crate) fn rfc2822(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        at.with_timezone(&self.zone).to_rfc2822()
    }

    /// Whether pages carry the owner's own code (their policy must let it run).
    pub(crate) fn injects_code(&self) -> bool {
        !self.code_head.is_empty() || !self.code_foot.is_empty()
    }
}

/// An account elsewhere as a theme renders it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct SocialLink {
    pub network: SocialNetwork,
    /// The network's name, for the link's words.
    pub label: &'static str,
    pub url: String,
}

fn social(accounts: Option<&Vec<SocialAccount>>) -> Vec<SocialLink> {
    accounts
        .map(|accounts| {
            accounts
                .iter()
                .map(|account| SocialLink {
                    network: account.network,
                    label: account.network.label(),
                    url: account.url.as_str().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `@name` from an X (or Twitter) profile address, for `twitter:site`.
fn twitter_handle(accounts: &[SocialLink]) -> Option<String> {
    let account = accounts
        .iter()
        .find(|account| account.network == SocialNetwork::X)?;
    let url = url::Url::parse(&account.url).ok()?;
    let name = url.path_segments()?.find(|segment| !segment.is_empty())?;
    let valid = name.len() <= 15 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (valid && !name.is_empty()).then(|| format!("@{name}"))
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
            timezone: chrono_tz::Tz::UTC.name().to_owned(),
            zone: chrono_tz::Tz::UTC,
            date_format: DateFormat::default(),
            language: "en".to_owned(),
            posts_per_page: DEFAULT_POSTS_PER_PAGE,
            accent_colour: None,
            social_accounts: Vec::new(),
            twitter_site: None,
            code_head: String::new(),
            code_foot: String::new(),
            logo: None,
            icon: None,
            images: Vec::new(),
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
            timezone: settings
                .timezone
                .as_ref()
                .map_or_else(|| self.defaults.timezone.clone(), |t| t.as_str().to_owned()),
            zone: settings
                .timezone
                .as_ref()
                .map_or(self.defaults.zone, SiteTimezone::zone),
            date_format: settings.date_format.unwrap_or(self.defaults.date_format),
            language: settings
                .language
                .as_ref()
                .map_or_else(|| self.defaults.language.clone(), |l| l.as_str().to_owned()),
            posts_per_page: settings
                .posts_per_page
                .map_or(self.defaults.posts_per_page, PostsPerPage::get),
            accent_colour: settings
                .accent_colour
                .as_ref()
                .map(|colour| colour.as_str().to_owned()),
            social_accounts: social(settings.social_accounts.as_ref()),
            twitter_site: None,
            code_head: settings
                .code_head
                .as_ref()
                .map_or_else(String::new, |code| code.as_str().to_owned()),
            code_foot: settings
                .code_foot
                .as_ref()
                .map_or_else(String::new, |code| code.as_str().to_owned()),
            logo: None,
            icon: None,
            images: Vec::new(),
        };
        let images = [
            (ImageRole::Logo, &settings.logo),
            (ImageRole::Icon, &settings.icon),
        ]
        .into_iter()
        .filter_map(|(role, image)| {
            image
                .as_ref()
                .and_then(SiteImage::medium)
                .map(|id| (role, id.to_owned()))
        })
        .collect();
        let info = SiteInfo {
            twitter_site: twitter_handle(&info.social_accounts),
            images,
            ..info
        };
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        current.info = info;
        current.stale = false;
    }

    /// The logo and icon as media describes them now. One media could not
    /// describe is left out, and the settings are fetched again shortly.
    fn attach_images(&self, described: &HashMap<String, ImageSource>) {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let mut missing = false;
        for (role, id) in current.info.images.clone() {
            let found = described.get(&id);
            missing |= found.is_none();
            match role {
                ImageRole::Logo => current.info.logo = found.cloned(),
                ImageRole::Icon => current.info.icon = found.map(|image| image.src.clone()),
            }
        }
        if missing {
            current.stale = true;
            current.last_try = Some(Instant::now());
        }
    }

    /// Whether a change to medium `id` changes what pages show of the site.
    fn shows(&self, id: &str) -> bool {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .info
            .images
            .iter()
            .any(|(_, chosen)| chosen == id)
    }

    /// Whether pages now carry the owner's code: asked for every response
    /// (its security policy), so nothing is copied.
    pub(crate) fn injects_code(&self) -> bool {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .info
            .injects_code()
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
    let pictured = site.clone();
    events.listen(move |event: &MediaEvent| {
        let MediaEvent::MediumChanged { id } = event;
        if pictured.shows(&id.to_string()) {
            pictured.mark_stale();
        }
    });
    let missed = site.clone();
    events.listen(move |_: &EventsMissed| missed.mark_stale());
}

/// Shows `settings` from now on, with the logo and icon as media describes them.
async fn adopt(services: &Services, settings: &SiteSettings, request_id: &str) {
    services.site.apply(settings);
    let ids: Vec<String> = services
        .site
        .get()
        .images
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    if !ids.is_empty() {
        let described = super::site::describe_images(services, &ids, request_id).await;
        services.site.attach_images(&described);
    }
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
            Ok(settings) => adopt(services, &settings, request_id).await,
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
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    identity.require(Action::ManageSettings)?;
    let saved = services
        .posts
        .call(GetSiteSettings, identity.meta())
        .await?;
    adopt(&services, &saved, &request_id.to_string()).await;
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
    /// An IANA name such as Europe/London: dates on pages and feeds.
    #[schema(value_type = Option<String>)]
    timezone: Option<SiteTimezone>,
    date_format: Option<DateFormat>,
    /// A BCP 47 tag such as en or pt-BR.
    #[schema(value_type = Option<String>)]
    language: Option<SiteLanguage>,
    /// 1 to 50.
    #[schema(value_type = Option<u32>)]
    posts_per_page: Option<PostsPerPage>,
    /// `#rrggbb`.
    #[schema(value_type = Option<String>)]
    accent_colour: Option<AccentColour>,
    /// Accounts elsewhere, in order (at most 10; `[]` empties the list).
    social_accounts: Option<Vec<SocialAccount>>,
    /// Trusted HTML added to every public page's head ("" removes it).
    #[schema(value_type = Option<String>)]
    code_head: Option<InjectedCode>,
    /// Trusted HTML added at the end of every public page's body.
    #[schema(value_type = Option<String>)]
    code_foot: Option<InjectedCode>,
    /// A medium's id, shown in the header instead of the title ("" removes it).
    #[schema(value_type = Option<String>)]
    logo: Option<SiteImage>,
    /// A medium's id, the browser tab's icon ("" removes it).
    #[schema(value_type = Option<String>)]
    icon: Option<SiteImage>,
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
    request_id: RequestId,
    body: web::Json<SettingsIn>,
) -> Result<HttpResponse, ApiError> {
    identity.require(Action::ManageSettings)?;
    let SettingsIn {
        title,
        description,
        primary_menu,
        secondary_menu,
        timezone,
        date_format,
        language,
        posts_per_page,
        accent_colour,
        social_accounts,
        code_head,
        code_foot,
        logo,
        icon,
    } = body.into_inner();
    let changes = UpdateSiteSettings(SiteSettings {
        title,
        description,
        primary_menu,
        secondary_menu,
        timezone,
        date_format,
        language,
        posts_per_page,
        accent_colour,
        social_accounts,
        code_head,
        code_foot,
        logo,
        icon,
    });
    let saved = services.posts.call(changes, identity.meta()).await?;
    // This gateway shows them from now on; others follow the event.
    adopt(&services, &saved, &request_id.to_string()).await;
    Ok(HttpResponse::Ok().json(SettingsOut {
        saved,
        applied: services.site.get(),
    }))
}

#[derive(Deserialize)]
struct AccentQuery {
    accent: String,
}

/// The accent colour as a stylesheet, named by the colour itself
/// (`/theme.css?accent=1f4fa8`): pages allow styles from the site only, so
/// no inline style; and a new colour is a new address, so this one is
/// cached for good. The theme's dark scheme keeps its own lighter accent,
/// which a colour chosen on white would not suit.
#[get("/theme.css")]
async fn accent_stylesheet(query: web::Query<AccentQuery>) -> HttpResponse {
    let Ok(colour) = AccentColour::parse(&format!("#{}", query.accent)) else {
        return HttpResponse::NotFound()
            .content_type("text/css; charset=utf-8")
            .body("/* not a colour */\n");
    };
    let colour = colour.as_str();
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .body(format!(
            "@media not (prefers-color-scheme: dark) {{\n  :root {{ --accent: {colour}; --accent-hover: color-mix(in srgb, {colour} 80%, #000); }}\n}}\n"
        ))
}

/// What anyone may know of the site's settings: the admin shows its dates
/// in the site's timezone, as pages do.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PublicSite {
    title: String,
    description: String,
    /// An IANA name.
    timezone: String,
    /// A BCP 47 tag.
    language: String,
    date_format: DateFormat,
    url: String,
    /// No account exists yet: the owner's is made through the one-time setup
    /// link the server printed. Absent when auth could not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    needs_setup: Option<bool>,
}

/// The site's public settings.
#[utoipa::path(
    tag = "settings",
    responses((status = 200, description = "The site", body = PublicSite)),
    security(()),
)]
#[get("/api/v1/site")]
async fn public_site(
    services: web::Data<Services>,
    request: actix_web::HttpRequest,
) -> HttpResponse {
    let request_id = super::site::request_id(&request);
    let info = fresh(&services, &request_id).await;
    let needs_setup = services
        .auth
        .call(
            folio_auth_protocol::messages::Stats,
            CallMeta::new(&request_id, FETCH_DEADLINE),
        )
        .await
        .ok()
        .map(|stats| stats.users == 0);
    HttpResponse::Ok().json(PublicSite {
        needs_setup,
        title: info.title,
        description: info.description,
        timezone: info.timezone,
        language: info.language,
        date_format: info.date_format,
        url: services.public_url.clone(),
    })
}
