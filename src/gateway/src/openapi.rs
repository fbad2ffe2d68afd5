//! The API's OpenAPI 3 document, generated from the handlers' annotations and
//! served at `/api/v1/openapi.json`.

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::error::{ErrorBody, ErrorDetail};
use super::{
    admin, exports, imports, media, posts, redirects, search, session, settings, tokens, users,
};
use folio_auth_protocol::domain::{
    Avatar, Bio, DisplayName, Email, Password, TokenName, TokenScope, Website,
};
use folio_auth_protocol::messages::{
    AuthorView, Method, PasswordReset, SessionView, TokenView, UserView,
};
use folio_media_protocol::domain::{Axis, Operation, QuarterTurns, Rect};
use folio_media_protocol::messages::{MediaPage, MediumView, VariantView};
use folio_posts_protocol::domain::{
    Excerpt, PostKind, PostStatus, RedirectOrigin, RedirectTarget, RevisionKind, Slug, TagName,
    Title,
};
use folio_posts_protocol::messages::{
    PostPage, PostView, RedirectPage, RedirectView, RevisionView, TagRef, TagView,
};
use folio_runtime::{ConcernName, ConcernState, ConcernStatus, FaultKind, FaultRequest, Role};
use folio_search_protocol::messages::{SearchHit, SearchPage};

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(openapi_json);
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Folio API",
        version = env!("CARGO_PKG_VERSION"),
        description = "Folio's JSON API. Errors answer `{\"error\": {\"code\", \"message\", \"concern\"?}}`.",
    ),
    paths(
        session::sign_in,
        session::sign_out,
        session::me,
        session::change_password,
        session::list_sessions,
        session::revoke_session,
        users::list,
        users::create,
        users::get_one,
        users::update,
        users::remove,
        users::reset_password,
        users::revoke_sessions,
        users::transfer_ownership,
        users::invite,
        users::authors,
        tokens::list,
        tokens::create,
        tokens::revoke,
        posts::list,
        posts::create,
        posts::get_one,
        posts::update,
        posts::remove,
        posts::publish,
        posts::unpublish,
        posts::list_revisions,
        posts::get_revision,
        posts::restore,
        posts::list_tags,
        posts::edit_tag,
        posts::merge_tag,
        posts::delete_tag,
        posts::preview,
        posts::share_preview,
        posts::preview_state,
        posts::revoke_preview,
        redirects::list,
        redirects::add,
        redirects::remove,
        settings::get_settings,
        settings::update_settings,
        settings::public_site,
        imports::start_import,
        imports::list,
        imports::get_one,
        exports::download,
        admin::system_status,
        admin::concern_stats,
        admin::all_stats,
        admin::list_faults,
        admin::inject_fault,
        admin::clear_faults,
        media::upload,
        media::list_media,
        media::get_medium,
        media::medium_posts,
        media::update_medium,
        media::delete_medium,
        media::edit_medium,
        media::revert_medium,
        search::search_api,
    ),
    components(schemas(
        ErrorBody,
        media::UploadForm,
        media::MediumChanges,
        media::EditRequest,
        Operation,
        Rect,
        Axis,
        QuarterTurns,
        MediumView,
        MediaPage,
        VariantView,
        SearchPage,
        SearchHit,
        ErrorDetail,
        session::SignInBody,
        session::SignedIn,
        session::Me,
        session::PasswordChange,
        session::MySession,
        users::NewUser,
        users::UserChanges,
        users::NewPassword,
        users::InvitationOut,
        tokens::NewToken,
        tokens::Created,
        posts::PostOut,
        posts::PageOut,
        posts::PostIn,
        posts::PreviewIn,
        posts::RestoreIn,
        posts::PreviewOut,
        posts::PreviewLinkOut,
        posts::PreviewStateOut,
        redirects::RedirectIn,
        settings::SettingsOut,
        settings::SettingsIn,
        exports::ExportFormat,
        RedirectPage,
        RedirectView,
        RedirectTarget,
        RedirectOrigin,
        imports::ImportForm,
        imports::ImportList,
        imports::ImportView,
        imports::ImportState,
        imports::ImportSource,
        imports::ImportPhase,
        imports::ProgressView,
        imports::ImportReport,
        imports::FileCounts,
        imports::ImportItem,
        admin::Part,
        admin::PendingFaults,
        admin::SystemStatus,
        folio_runtime::ConcernReport,
        folio_runtime::ConcernStatus,
        folio_runtime::ConcernState,
        UserView,
        PasswordReset,
        AuthorView,
        TokenView,
        SessionView,
        Method,
        Email,
        Password,
        DisplayName,
        Bio,
        Avatar,
        Website,
        TokenName,
        TokenScope,
        PostView,
        TagRef,
        TagView,
        folio_posts_protocol::messages::TagChanges,
        posts::TagIn,
        posts::MergeIn,
        settings::PublicSite,
        media::MediumOut,
        media::MediaPageOut,
        folio_posts_protocol::messages::ShowingPosts,
        folio_posts_protocol::messages::PostRef,
        folio_posts_protocol::domain::DateFormat,
        folio_posts_protocol::domain::SocialNetwork,
        folio_posts_protocol::messages::SocialAccount,
        RevisionView,
        PostPage,
        Slug,
        Title,
        TagName,
        Excerpt,
        PostKind,
        PostStatus,
        RevisionKind,
        Role,
        FaultRequest,
        FaultKind,
        ConcernStatus,
        ConcernState,
        ConcernName,
    )),
    modifiers(&SecuritySchemes),
    tags(
        (name = "session", description = "Signing in and out, and the caller's own account"),
        (name = "users", description = "Accounts, and the public list of authors"),
        (name = "tokens", description = "The caller's API tokens"),
        (name = "posts", description = "Posts, pages, revisions, tags and the Markdown preview"),
        (name = "redirects", description = "Old addresses that answer 301, for administrators"),
        (name = "settings", description = "The site's own settings (its title and description), for administrators"),
        (name = "imports", description = "Imports of WordPress and Ghost exports, for administrators"),
        (name = "search", description = "Full-text search of posts and pages"),
        (name = "site", description = "The whole site at once: its export, for administrators"),
        (name = "admin", description = "Statistics and fault injection, for administrators"),
    ),
)]
pub(crate) struct ApiDoc;

/// The two ways to authenticate, named by the paths' `security` requirements.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("folio_…")
                    .description(Some(
                        "An API token `folio_…`, sent as `Authorization: Bearer folio_…`. \
                         A `read` token may only read.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "folio_session",
                "The session cookie set by `POST /api/v1/session` (`__Host-folio_session` \
                 over https). Changes (anything but GET, HEAD and OPTIONS) also need the \
                 `X-CSRF-Token` header with the token that sign-in returned, and this site's \
                 `Origin` (or `Sec-Fetch-Site: same-origin`).",
            ))),
        );
    }
}

#[get("/api/v1/openapi.json")]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
