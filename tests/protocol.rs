//! Every message and reply crosses a serialisation boundary unchanged: the
//! condition for moving a concern to its own process with only a new transport.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fmt::Debug;
use std::time::Duration;

use chrono::Utc;
use folio::auth::domain::{
    Avatar, DisplayName, Email, Password, Secret, TokenName, TokenScope, Website,
};
use folio::auth::{AuthError, messages as auth};
use folio::media::domain::MediumId;
use folio::media::{BlobKey, MediaError, domain as media_domain, messages as media};
use folio::posts::domain::PostId;
use folio::posts::{PostsError, messages as posts};
use folio::render::messages as render;
use folio::runtime::{
    Answer, AnswerOf, CallMeta, ConcernMessage, ConcernName, Failure, Principal, Protocol, Role,
    SigningKey, UserId, decode, encode,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

fn round_trips<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: T) {
    let json = serde_json::to_string(&value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(back, value, "{json}");
}

/// A message, its metadata and one of its replies, each the way a transport
/// carries it (the seam's own `encode` and `decode`, as the bytes mode and a
/// wire use them): the answer travels whole, with the events of its protocol.
fn message_round_trips<M>(msg: M, reply: M::Reply)
where
    M: ConcernMessage + PartialEq + Clone,
    M::Reply: PartialEq + Debug + Clone,
{
    let concern = <M::Protocol as Protocol>::NAME;
    let body = encode(concern, M::NAME, "the call", &msg).unwrap();
    let back: M = decode(concern, M::NAME, "the call", &body).unwrap();
    assert_eq!(back, msg);

    let meta = CallMeta::new("req-1", Duration::from_millis(1500));
    let bytes = encode(concern, M::NAME, "the metadata", &meta).unwrap();
    let meta: CallMeta = decode(concern, M::NAME, "the metadata", &bytes).unwrap();
    assert_eq!(meta.request_id, "req-1");
    assert_eq!(meta.budget, Duration::from_millis(1500));

    let answer: AnswerOf<M> = Answer::only(Ok(reply.clone()));
    let bytes = encode(concern, M::NAME, "the answer", &answer).unwrap();
    let back: AnswerOf<M> = decode(concern, M::NAME, "the answer", &bytes).unwrap();
    assert!(
        matches!(back.result, Ok(ref got) if *got == reply),
        "{M:?}",
        M = M::NAME
    );
    round_trips(reply);
}

fn user_id() -> UserId {
    UserId::from_uuid(Uuid::new_v4())
}

fn user() -> auth::UserView {
    auth::UserView {
        id: user_id(),
        email: "ada@example.com".into(),
        name: "Ada".into(),
        slug: "ada".into(),
        bio: "Writes.".into(),
        role: Role::Editor,
        disabled: false,
        signed_up: true,
        avatar: Some(Avatar::parse(&Uuid::new_v4().to_string()).unwrap()),
        website: Some(Website::parse("https://ada.example.org/").unwrap()),
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn token() -> auth::TokenView {
    auth::TokenView {
        id: Uuid::new_v4(),
        name: "ci".into(),
        scope: TokenScope::Read,
        created_at: Utc::now(),
        last_used_at: None,
        hint: Some("folio_Ab12Cd…".into()),
    }
}

#[test]
fn every_auth_message_and_reply_round_trips_through_serde() {
    let id = Uuid::new_v4();
    let person = user_id();
    let email = Email::parse("ada@example.com").unwrap();
    let name = DisplayName::parse("Ada Lovelace").unwrap();
    let password = Password::parse("analytical engine").unwrap();
    let secret = Secret::generate("");
    let granted = auth::SessionGranted {
        secret: secret.clone(),
        user: user(),
        expires_at: Utc::now(),
    };
    message_round_trips(
        auth::Stats,
        auth::AuthStats {
            users: 3,
            sessions: 2,
            tokens: 1,
            password_verifications: 7,
        },
    );
    message_round_trips(
        auth::Authenticate {
            credential: auth::Credential::Token(secret.clone()),
        },
        auth::Authenticated {
            principal: Principal::User {
                id: person,
                role: Role::Author,
            },
            user: user(),
            method: auth::Method::Token {
                token_id: id,
                scope: TokenScope::Write,
            },
        },
    );
    message_round_trips(
        auth::SignIn {
            email: "ada@example.com".into(),
            password: "x".into(),
        },
        granted.clone(),
    );
    message_round_trips(
        auth::SignOut {
            secret: secret.clone(),
        },
        (),
    );
    message_round_trips(auth::ListUsers, vec![user()]);
    message_round_trips(auth::GetUser { id: person }, user());
    message_round_trips(
        auth::CreateUser {
            email: email.clone(),
            name: name.clone(),
            role: Role::Author,
            password: Some(password.clone()),
        },
        user(),
    );
    message_round_trips(
        auth::UpdateUser {
            id: person,
            email: None,
            name: Some(name.clone()),
            bio: None,
            role: Some(Role::Editor),
            disabled: None,
            avatar: None,
            website: None,
        },
        user(),
    );
    // "Remove it" must not arrive as "leave it": `Some(None)` survives.
    message_round_trips(
        auth::UpdateUser {
            id: person,
            email: None,
            name: None,
            bio: None,
            role: None,
            disabled: None,
            avatar: Some(None),
            website: Some(Some(Website::parse("https://ada.example.org/").unwrap())),
        },
        user(),
    );
    message_round_trips(
        auth::UpdateUser {
            id: person,
            email: None,
            name: None,
            bio: None,
            role: None,
            disabled: None,
            avatar: Some(Some(Avatar::parse(&id.to_string()).unwrap())),
            website: Some(None),
        },
        user(),
    );
    message_round_trips(auth::DeleteUser { id: person }, ());
    message_round_trips(auth::CanDeleteUser { id: person }, user());
    message_round_trips(
        auth::ChangePassword {
            current: secret.clone(),
            new: password.clone(),
            keep_session: Some(id),
        },
        (),
    );
    message_round_trips(
        auth::ResetPassword {
            id: person,
            new: password.clone(),
        },
        auth::PasswordReset {
            sessions_ended: 2,
            tokens_revoked: 1,
        },
    );
    message_round_trips(auth::RevokeSessions { id: person }, ());
    message_round_trips(
        auth::ListSessions,
        vec![auth::SessionView {
            id,
            created_at: Utc::now(),
            last_seen_at: Utc::now(),
            expires_at: Utc::now(),
        }],
    );
    message_round_trips(auth::RevokeSession { id }, ());
    message_round_trips(auth::TransferOwnership { to: person }, user());
    message_round_trips(auth::ListTokens, vec![token()]);
    message_round_trips(
        auth::CreateToken {
            name: TokenName::parse("ci").unwrap(),
            scope: TokenScope::Read,
            for_email: Some(email.clone()),
        },
        auth::CreatedToken {
            token: secret.clone(),
            view: token(),
        },
    );
    message_round_trips(auth::RevokeToken { id }, ());
    message_round_trips(
        auth::ListAuthors,
        vec![auth::AuthorView {
            id: person,
            name: "Ada".into(),
            slug: "ada".into(),
            bio: String::new(),
            avatar: None,
            website: None,
        }],
    );
    let ada = auth::AuthorView {
        id: person,
        name: "Ada".into(),
        slug: "ada".into(),
        bio: "Wrote the first program.".into(),
        avatar: Some(Avatar::parse(&id.to_string()).unwrap()),
        website: Some(Website::parse("https://ada.example.org/").unwrap()),
    };
    message_round_trips(auth::AuthorBySlug { slug: "ada".into() }, ada.clone());
    message_round_trips(auth::DescribeAuthors { ids: vec![person] }, vec![ada]);
    message_round_trips(auth::OpenSetup, Some(secret.clone()));
    message_round_trips(
        auth::CheckSetup {
            secret: secret.clone(),
        },
        true,
    );
    message_round_trips(
        auth::InviteUser { id: person },
        auth::Invitation {
            secret: secret.clone(),
            expires_at: Utc::now(),
        },
    );
    message_round_trips(
        auth::CheckInvite {
            secret: secret.clone(),
        },
        auth::InviteView {
            name: "Ada".into(),
            email: "ada@example.com".into(),
        },
    );
    message_round_trips(
        auth::AcceptInvite {
            secret: secret.clone(),
            password: password.clone(),
        },
        granted.clone(),
    );
    message_round_trips(
        auth::CompleteSetup {
            secret,
            email,
            name,
            password,
        },
        granted,
    );
}

#[test]
fn an_older_peer_that_knows_no_avatar_or_website_is_still_understood() {
    let id = Uuid::new_v4();
    let now = serde_json::to_value(Utc::now()).unwrap();
    let author: auth::AuthorView = serde_json::from_value(serde_json::json!({
        "id": id, "name": "Ada", "slug": "ada", "bio": "",
    }))
    .unwrap();
    assert_eq!((author.avatar, author.website), (None, None));
    let user: auth::UserView = serde_json::from_value(serde_json::json!({
        "id": id, "email": "ada@example.com", "name": "Ada", "slug": "ada", "bio": "",
        "role": "editor", "disabled": false, "created_at": now, "updated_at": now,
    }))
    .unwrap();
    assert_eq!((user.avatar, user.website), (None, None));
    let update: auth::UpdateUser = serde_json::from_value(serde_json::json!({
        "id": id, "email": null, "name": null, "bio": "Writes.", "role": null, "disabled": null,
    }))
    .unwrap();
    assert_eq!(
        (update.avatar, update.website),
        (None, None),
        "absent leaves them as they are"
    );
}

#[test]
fn an_older_peer_that_knows_no_revision_kinds_or_restore_choice_is_still_understood() {
    let id = Uuid::now_v7();
    let who = Uuid::new_v4();
    let revision: posts::RevisionView = serde_json::from_value(serde_json::json!({
        "revision": 2, "title": "T", "slug": "t", "markdown": "m", "excerpt": "",
        "tags": [], "feature_image": null, "saved_by": who,
        "created_at": "2026-12-01T10:00:00Z",
    }))
    .unwrap();
    assert_eq!(revision.kind, folio::posts::domain::RevisionKind::Saved);
    assert_eq!(revision.first_revision, None);
    let restore: posts::RestoreRevision =
        serde_json::from_value(serde_json::json!({ "id": id, "revision": 1 })).unwrap();
    assert!(
        !restore.publish,
        "an old caller never publishes by surprise"
    );
    let update: posts::UpdatePost =
        serde_json::from_value(serde_json::json!({ "id": id, "revision": 1, "fields": {} }))
            .unwrap();
    assert!(!update.autosave);
    round_trips(PostsError::Live);
}

#[test]
fn a_signed_principal_travels_in_the_envelope_and_verifies_on_the_other_side() {
    let key = SigningKey::random();
    let principal = Principal::User {
        id: user_id(),
        role: Role::Contributor,
    };
    let meta = CallMeta::new("req", Duration::from_secs(1)).with_principal(key.sign(&principal));

    let back: CallMeta = serde_json::from_str(&serde_json::to_string(&meta).unwrap()).unwrap();

    assert_eq!(
        key.verify(back.principal.as_ref().unwrap()),
        Some(principal)
    );
    assert_eq!(
        SigningKey::random().verify(back.principal.as_ref().unwrap()),
        None,
        "another key rejects it"
    );
}

#[test]
fn every_media_and_render_message_round_trips_through_serde() {
    let id = MediumId::from_uuid(Uuid::new_v4());
    let owner = user_id();
    let medium = media::MediumView {
        id,
        owner,
        file_name: "kite.jpg".into(),
        content_type: "image/jpeg".into(),
        byte_size: 1234,
        width: 900,
        height: 600,
        alt: "A kite".into(),
        caption: String::new(),
        version: 2,
        operations: vec![media_domain::Operation::Crop(media_domain::Rect {
            x: 1,
            y: 2,
            width: 30,
            height: 40,
        })],
        previous_versions: 1,
        animated: false,
        original_url: "/media/x/v1/original.jpg".into(),
        variants: vec![media::VariantView {
            width: 320,
            url: "/a".into(),
            webp_url: "/b".into(),
        }],
        srcset: "/a 320w".into(),
        webp_srcset: "/b 320w".into(),
        created_at: Utc::now(),
    };
    let staging = BlobKey::new_staging();
    message_round_trips(
        media::Ingest {
            staging: staging.clone(),
            file_name: "k.jpg".into(),
            alt: "a".into(),
            caption: "c".into(),
            keep_metadata: true,
        },
        medium.clone(),
    );
    message_round_trips(media::GetMedium { id }, medium.clone());
    message_round_trips(
        media::ListMedia {
            owner: Some(owner),
            page: 1,
            per_page: 10,
        },
        media::MediaPage {
            media: vec![medium.clone()],
            total: 1,
            page: 1,
            per_page: 10,
        },
    );
    message_round_trips(
        media::UpdateMedium {
            id,
            alt: Some("b".into()),
            caption: None,
        },
        medium.clone(),
    );
    message_round_trips(media::DeleteMedium { id }, ());
    let operations: Vec<media_domain::Operation> = serde_json::from_value(serde_json::json!([
        {"rotate": 90}, {"flip": "vertical"}, {"crop": {"x": 0, "y": 0, "width": 5, "height": 5}}
    ]))
    .unwrap();
    message_round_trips(media::EditMedium { id, operations }, medium.clone());
    message_round_trips(media::RevertMedium { id }, medium.clone());
    message_round_trips(
        media::Locate {
            id,
            version: 1,
            file: "320.jpg".into(),
        },
        media::LocatedFile {
            blob: BlobKey::parse("x/v1/320.jpg").unwrap(),
            content_type: "image/jpeg".into(),
            len: 1234,
            etag: "\"x-v1-320.jpg\"".into(),
        },
    );
    let source = folio::media::messages::ImageSource {
        src: "/a".into(),
        srcset: "/a 320w".into(),
        sizes: "100vw".into(),
        width: 320,
        height: 200,
        alt: "A kite".into(),
        caption: "Over the hill, <b>May</b>".into(),
    };
    message_round_trips(
        media::DescribeImages {
            ids: vec![id.to_string()],
        },
        vec![(id.to_string(), source)],
    );
    message_round_trips(
        render::Render {
            markdown: "# Hi".into(),
        },
        render::Rendered {
            html: "<h1>Hi</h1>".into(),
            excerpt: String::new(),
            media: vec![],
        },
    );
    message_round_trips(render::Stats, render::RenderStats { pool_load: 0 });
}

#[test]
fn every_message_and_reply_round_trips_through_serde() {
    message_round_trips(
        posts::Stats,
        posts::PostsStats {
            posts: 5,
            published: 2,
        },
    );
    message_round_trips(media::Stats, media::MediaStats { media: 7 });
    message_round_trips(
        posts::ReassignPosts {
            from: user_id(),
            to: user_id(),
        },
        3,
    );
    let redirect = posts::RedirectView {
        id: folio::posts::domain::RedirectId::from_uuid(Uuid::now_v7()),
        from: folio::posts::domain::RedirectFrom::parse("/caf%C3%A9/?p=1").unwrap(),
        to: folio::posts::domain::RedirectTarget::Post(PostId::from_uuid(Uuid::now_v7())),
        location: Some("/cafe/".into()),
        origin: folio::posts::domain::RedirectOrigin::SlugChange,
        created_at: Utc::now(),
    };
    message_round_trips(
        posts::ListRedirects {
            page: 2,
            per_page: 50,
        },
        posts::RedirectPage {
            redirects: vec![redirect.clone()],
            total: 51,
            page: 2,
            per_page: 50,
        },
    );
    message_round_trips(
        posts::AddRedirect {
            from: folio::posts::domain::RedirectFrom::parse("/?p=123").unwrap(),
            to: folio::posts::domain::RedirectTarget::Url(
                folio::posts::domain::RedirectUrl::parse("https://example.org/x").unwrap(),
            ),
        },
        redirect.clone(),
    );
    message_round_trips(posts::RemoveRedirect { id: redirect.id }, ());
    let post_id = PostId::from_uuid(Uuid::now_v7());
    let kept = posts::RevisionView {
        revision: 7,
        title: "Harbour".into(),
        slug: "harbour".into(),
        markdown: "Old words.".into(),
        excerpt: String::new(),
        tags: vec!["Boats".into()],
        feature_image: Some(Uuid::now_v7().to_string()),
        saved_by: user_id(),
        created_at: Utc::now(),
        kind: folio::posts::domain::RevisionKind::Autosave,
        first_revision: Some(3),
        first_saved_at: Some(Utc::now()),
    };
    message_round_trips(posts::ListRevisions { id: post_id }, vec![kept.clone()]);
    message_round_trips(
        posts::GetRevision {
            id: post_id,
            revision: 7,
        },
        kept.clone(),
    );
    for kind in [
        folio::posts::domain::RevisionKind::Saved,
        folio::posts::domain::RevisionKind::Published,
        folio::posts::domain::RevisionKind::Restored,
    ] {
        round_trips(posts::RevisionView {
            kind,
            first_revision: None,
            first_saved_at: None,
            ..kept.clone()
        });
    }
    round_trips(posts::RestoreRevision {
        id: post_id,
        revision: 7,
        publish: true,
    });
    round_trips(posts::UpdatePost {
        id: post_id,
        revision: 8,
        fields: posts::PostFields::default(),
        autosave: true,
        restored: false,
    });
    round_trips(posts::UpdatePost {
        id: post_id,
        revision: 9,
        fields: posts::PostFields::default(),
        autosave: false,
        restored: true,
    });
    round_trips(posts::CreatePost {
        fields: posts::PostFields::default(),
        autosave: true,
    });

    let post = folio::posts::domain::PostId::from_uuid(Uuid::new_v4());
    let token = folio::posts::domain::PreviewToken::parse(&"ab".repeat(32)).unwrap();
    message_round_trips(
        posts::SharePreview { id: post },
        posts::PreviewLink {
            token,
            created_at: chrono::Utc::now(),
        },
    );
    message_round_trips(
        posts::PreviewOf { id: post },
        Some(posts::PreviewState {
            created_at: chrono::Utc::now(),
            created_by: user_id(),
        }),
    );
    message_round_trips(posts::RevokePreview { id: post }, ());
    message_round_trips(
        posts::MediaUsage {
            ids: vec!["0190f0aa-0000-7000-8000-000000000001".into()],
        },
        vec![posts::MediumUse {
            id: "0190f0aa-0000-7000-8000-000000000001".into(),
            posts: 3,
        }],
    );
    message_round_trips(
        posts::PostsShowing {
            medium: "0190f0aa-0000-7000-8000-000000000001".into(),
        },
        posts::ShowingPosts {
            posts: vec![posts::PostRef {
                id: post,
                title: "Kites".into(),
                slug: "kites".into(),
                status: folio::posts::domain::PostStatus::Draft,
                kind: folio::posts::domain::PostKind::Post,
            }],
            others: 2,
        },
    );
    let tag = posts::TagView {
        name: "Harbour life".into(),
        slug: "harbour-life".into(),
        description: "Boats, nets and the people who mend them.".into(),
        posts: 3,
    };
    message_round_trips(
        posts::EditTag {
            slug: "harbour".into(),
            name: Some(folio::posts::domain::TagName::parse("Harbour life").unwrap()),
            description: Some(
                folio::posts::domain::TagDescription::parse(
                    "Boats, nets and the people who mend them.",
                )
                .unwrap(),
            ),
        },
        tag.clone(),
    );
    message_round_trips(
        posts::MergeTags {
            from: "boats".into(),
            into: "harbour-life".into(),
        },
        tag,
    );
    message_round_trips(
        posts::DeleteTag {
            slug: "misc".into(),
        },
        posts::TagChanges { posts: 12 },
    );
    let settings = posts::SiteSettings {
        title: Some(folio::posts::domain::SiteTitle::parse("Harbour Notes").unwrap()),
        description: Some(folio::posts::domain::SiteDescription::parse("").unwrap()),
        primary_menu: Some(vec![posts::MenuItem {
            label: folio::posts::domain::MenuLabel::parse("About").unwrap(),
            url: folio::posts::domain::MenuUrl::parse("/about/").unwrap(),
        }]),
        secondary_menu: None,
        timezone: Some(folio::posts::domain::SiteTimezone::parse("Europe/Paris").unwrap()),
        date_format: Some(folio::posts::domain::DateFormat::Iso),
        language: Some(folio::posts::domain::SiteLanguage::parse("pt-BR").unwrap()),
        posts_per_page: Some(folio::posts::domain::PostsPerPage::try_from(12).unwrap()),
        accent_colour: Some(folio::posts::domain::AccentColour::parse("#1F4FA8").unwrap()),
        social_accounts: Some(vec![posts::SocialAccount {
            network: folio::posts::domain::SocialNetwork::Mastodon,
            url: folio::posts::domain::WebAddress::parse("https://mastodon.social/@x").unwrap(),
        }]),
        code_head: Some(folio::posts::domain::InjectedCode::parse("<meta name=\"x\">").unwrap()),
        code_foot: None,
        logo: Some(
            folio::posts::domain::SiteImage::parse("0190f0aa-0000-7000-8000-000000000001").unwrap(),
        ),
        icon: Some(folio::posts::domain::SiteImage::parse("").unwrap()),
    };
    message_round_trips(posts::GetSiteSettings, settings.clone());
    message_round_trips(
        posts::UpdateSiteSettings(posts::SiteSettings {
            title: settings.title.clone(),
            primary_menu: Some(Vec::new()),
            ..posts::SiteSettings::default()
        }),
        settings,
    );
    message_round_trips(
        posts::ResolveRedirect {
            from: redirect.from.clone(),
        },
        Some("/cafe/".to_owned()),
    );
    message_round_trips(
        posts::ListPublishedUrls { page: 2 },
        posts::PublishedUrls {
            urls: vec![posts::PublishedUrl {
                slug: "about".into(),
                kind: folio::posts::domain::PostKind::Page,
                updated_at: chrono::Utc::now(),
            }],
            total: 10_001,
        },
    );
}

/// A post's review request crosses the wire both ways: asked for in a save,
/// filtered on in a list, shown in the post and its summary; a peer that
/// predates it still reads and writes posts.
#[test]
fn a_review_request_round_trips_and_an_older_peer_is_still_understood() {
    use folio::posts::domain::{PostKind, PostStatus, Title};
    let at = Utc::now();
    let view = posts::PostView {
        id: PostId::from_uuid(Uuid::now_v7()),
        kind: PostKind::Post,
        title: "Field notes".into(),
        slug: "field-notes".into(),
        markdown: "Seen today.".into(),
        html: "<p>Seen today.</p>".into(),
        excerpt: "Seen today.".into(),
        tags: Vec::new(),
        status: PostStatus::Draft,
        publish_at: None,
        published_at: None,
        feature_image: None,
        author: user_id(),
        revision: 2,
        created_at: at,
        updated_at: at,
        words: 2,
        seo: posts::PostSeo::default(),
        review_requested_at: Some(at),
    };
    message_round_trips(
        posts::UpdatePost {
            id: view.id,
            revision: 1,
            fields: posts::PostFields {
                title: Some(Title::parse("Field notes").unwrap()),
                review: Some(true),
                ..posts::PostFields::default()
            },
            autosave: false,
            restored: false,
        },
        view.clone(),
    );
    let summary = posts::PostSummary {
        id: view.id,
        kind: view.kind,
        title: view.title.clone(),
        slug: view.slug.clone(),
        excerpt: view.excerpt.clone(),
        tags: Vec::new(),
        status: view.status,
        publish_at: None,
        published_at: None,
        feature_image: None,
        author: view.author,
        revision: view.revision,
        created_at: at,
        updated_at: at,
        words: 2,
        markdown: None,
        html: None,
        review_requested_at: Some(at),
    };
    message_round_trips(
        posts::ListPosts {
            awaiting_review: true,
            page: 1,
            per_page: 20,
            ..posts::ListPosts::default()
        },
        posts::SummaryPage {
            posts: vec![summary],
            total: 1,
            total_exact: true,
            page: 1,
            per_page: 20,
        },
    );

    // What a peer from before review requests sends and answers.
    let mut old_view = serde_json::to_value(&view).unwrap();
    old_view
        .as_object_mut()
        .unwrap()
        .remove("review_requested_at");
    let read: posts::PostView = serde_json::from_value(old_view).unwrap();
    assert_eq!(read.review_requested_at, None);
    let fields: posts::PostFields = serde_json::from_value(serde_json::json!({
        "kind": null, "title": "Old", "slug": null, "markdown": null, "tags": null, "status": null
    }))
    .unwrap();
    assert_eq!(fields.review, None);
    let list: posts::ListPosts = serde_json::from_value(serde_json::json!({
        "status": null, "kind": null, "tag": null, "author": null, "search": null,
        "page": 1, "per_page": 20
    }))
    .unwrap();
    assert!(!list.awaiting_review);
    let unasked = serde_json::to_value(posts::PostFields::default()).unwrap();
    assert!(
        unasked.get("review").is_none(),
        "a save that does not ask says nothing an older peer would refuse: {unasked}"
    );
}

/// Media's messages name blobs, never files: the keys that cross the wire
/// (an upload's staging blob, a file to serve) refuse anything a host path
/// could be, so a path can't be smuggled in or leak out.
#[test]
fn no_media_message_or_reply_carries_a_filesystem_path() {
    let ingest = |staging: &str| {
        serde_json::json!({
            "staging": staging, "file_name": "k.jpg", "alt": "", "caption": ""
        })
    };
    let located = |blob: &str| {
        serde_json::json!({
            "blob": blob, "content_type": "image/jpeg", "len": 1, "etag": "\"e\""
        })
    };
    for path in [
        "/tmp/x",
        "../x",
        "staging/../../etc/passwd",
        "/data/media/x/v1/320.jpg",
        "C:\\media\\x",
        "a\u{0}b",
        "",
    ] {
        assert!(
            serde_json::from_value::<media::Ingest>(ingest(path)).is_err(),
            "Ingest refuses {path:?}"
        );
        assert!(
            serde_json::from_value::<media::LocatedFile>(located(path)).is_err(),
            "LocatedFile refuses {path:?}"
        );
    }
    let staging = BlobKey::new_staging();
    let msg: media::Ingest = serde_json::from_value(ingest(staging.as_str())).unwrap();
    assert_eq!(msg.staging, staging);
    assert!(!msg.staging.as_str().starts_with('/'));
    let reply: media::LocatedFile = serde_json::from_value(located("x/v1/320.jpg")).unwrap();
    assert_eq!(reply.blob.as_str(), "x/v1/320.jpg");
}

#[test]
fn every_event_round_trips_through_serde() {
    round_trips(auth::AuthEvent::AuthorChanged { id: user_id() });
    round_trips(media::MediaEvent::MediumChanged {
        id: MediumId::from_uuid(Uuid::new_v4()),
    });
    round_trips(posts::PostsEvent::PostsReassigned {
        from: user_id(),
        to: user_id(),
    });
    round_trips(posts::PostsEvent::RedirectsChanged);
    round_trips(posts::PostsEvent::SiteSettingsChanged);
    round_trips(AuthError::TokenNameTaken("ci".into()));
    round_trips(posts::PostsEvent::TagsChanged {
        posts: vec![PostId::from_uuid(Uuid::now_v7())],
    });
    round_trips(posts::PostsEvent::PostChanged(posts::PostChange {
        id: PostId::from_uuid(Uuid::now_v7()),
        before: None,
        after: Some(posts::PostState {
            kind: folio::posts::domain::PostKind::Post,
            slug: "hello".into(),
            tags: vec!["news".into()],
            author: user_id(),
            public: true,
        }),
    }));
}

#[test]
fn every_error_round_trips_through_serde() {
    let failures = ConcernName::ALL.into_iter().flat_map(|concern| {
        [
            Failure::Crashed { concern },
            Failure::Unavailable {
                concern,
                retry_after_secs: 12,
            },
            Failure::Timeout {
                concern,
                timeout_ms: 5000,
            },
            Failure::Busy { concern },
            Failure::Injected { concern },
            Failure::Unauthenticated { concern },
        ]
    });
    for failure in failures {
        round_trips(failure.clone());
        round_trips(AuthError::from(failure.clone()));
        round_trips(PostsError::from(failure.clone()));
        round_trips(MediaError::from(failure));
    }
    round_trips(AuthError::unexpected("disk full"));
    round_trips(AuthError::InvalidCredentials);
    round_trips(AuthError::forbidden("no"));
    round_trips(AuthError::conflict("owner"));
    round_trips(AuthError::EmailTaken);
    round_trips(AuthError::SetupUnavailable);
    round_trips(PostsError::unexpected("disk full"));
    round_trips(PostsError::RedirectExists("/old/".into()));
    round_trips(PostsError::RedirectFromLive("/live/".into()));
    round_trips(PostsError::RedirectLoop("/a/ → /b/ → /a/".into()));
    round_trips(MediaError::unexpected("disk full"));
}

/// The whole app with every call through bytes: what a wire between processes
/// would carry. (CI also runs the entire suite this way.)
#[tokio::test]
async fn through_bytes_every_concern_answers_and_failures_keep_their_meaning() {
    let app =
        common::TestApp::spawn_through_bytes(&["--fault-injection", "--backoff-min", "50ms"]).await;
    assert!(
        app.logs()
            .contains("every call to a concern goes through bytes"),
        "{}",
        app.logs()
    );

    // Media, then posts (which asks render and auth), then the public page
    // (posts, render's image sources from media, auth's authors).
    let medium = common::upload_medium(&app, common::transparent_png(), "A cut-out").await;
    let id = medium["id"].as_str().unwrap();
    let response = app
        .client
        .post(app.url("/api/v1/posts"))
        .json(&serde_json::json!({
            "title": "Over the wire",
            "markdown": format!("Hello *wire*.\n\n![A cut-out](media:{id})"),
            "status": "published",
            "tags": ["Wire"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let page = app.get("/over-the-wire/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<em>wire</em>"), "{html}");
    assert!(html.contains("alt=\"A cut-out\""), "{html}");
    assert!(html.contains("/media/"), "{html}");
    let (status, tag) = app.get_json("/api/v1/posts?tag=wire").await;
    assert_eq!((status, tag["total"].as_u64()), (200, Some(1)), "{tag}");

    // A panic and an injected error come back as they do in process.
    app.inject("posts", "panic", 1).await;
    let (status, body) = app.get_json("/api/v1/admin/stats/posts").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "concern_crashed");
    app.inject("media", "error", 1).await;
    let (status, body) = app.get_json("/api/v1/admin/stats/media").await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"]["code"], "injected_fault");
    let (status, _) = app.get_json("/api/v1/admin/stats/posts").await;
    assert_eq!(status, 200);
}
