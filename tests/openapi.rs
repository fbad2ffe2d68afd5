//! The OpenAPI document is served to anyone and describes every API route the
//! gateway has: the expected routes are read from the gateway's own source.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::TestApp;

/// Every `(path, method)` of an actix route attribute under `/api/` in
/// `src/gateway/src/*.rs`, e.g. `("/api/v1/posts/{id}", "patch")`.
fn api_routes_in_source() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gateway/src");
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        for line in source.lines() {
            let line = line.trim();
            for method in ["get", "post", "patch", "delete"] {
                let Some(rest) = line.strip_prefix(&format!("#[{method}(\"")) else {
                    continue;
                };
                let Some(route) = rest.strip_suffix("\")]") else {
                    continue;
                };
                if route.starts_with("/api/") {
                    routes.push((route.to_owned(), method.to_owned()));
                }
            }
        }
    }
    routes.sort();
    routes
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let app = TestApp::spawn().await;

    let response = app
        .anonymous
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let doc: serde_json::Value = response.json().await.unwrap();

    let version = doc["openapi"].as_str().unwrap();
    assert!(version.starts_with("3."), "openapi is {version}");
    assert_eq!(doc["info"]["title"], "Folio API");

    let routes = api_routes_in_source();
    // Sanity: the scan found the gateway's routes (this one among them).
    assert!(
        routes.len() >= 30,
        "only {} routes found in the source",
        routes.len()
    );
    assert!(routes.contains(&("/api/v1/openapi.json".to_owned(), "get".to_owned())));

    let paths = doc["paths"].as_object().unwrap();
    let missing: Vec<_> = routes
        .iter()
        .filter(|(route, method)| {
            // The document does not describe itself.
            route != "/api/v1/openapi.json"
                && paths.get(route).and_then(|p| p.get(method)).is_none()
        })
        .collect();
    assert!(
        missing.is_empty(),
        "routes missing from the OpenAPI document: {missing:?}"
    );

    // Generators name client methods by operationId: each must be unique.
    let mut ids: Vec<_> = paths
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|operation| operation["operationId"].as_str())
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "operationIds repeat: {ids:?}");

    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["type"], "http", "{bearer}");
    assert_eq!(bearer["scheme"], "bearer", "{bearer}");
    let session = &doc["components"]["securitySchemes"]["session"];
    assert_eq!(session["in"], "cookie", "{session}");
    assert_eq!(session["name"], "folio_session", "{session}");
}

#[tokio::test]
async fn public_routes_need_no_credentials_and_others_do() {
    let app = TestApp::spawn().await;

    let (status, doc) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);

    let security = |path: &str, method: &str| doc["paths"][path][method]["security"].clone();
    for (path, method) in [
        ("/api/v1/posts", "get"),
        ("/api/v1/posts/{id}", "get"),
        ("/api/v1/tags", "get"),
        ("/api/v1/authors", "get"),
        ("/api/v1/session", "post"),
    ] {
        let requirements = security(path, method);
        let anonymous = requirements.is_null()
            || requirements
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r.as_object().is_some_and(|r| r.is_empty()));
        assert!(anonymous, "{method} {path} asks for {requirements}");
    }
    let requirements = security("/api/v1/me", "get");
    let names: Vec<_> = requirements
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_object().unwrap().keys().cloned())
        .collect();
    assert_eq!(names, ["bearer", "session"]);
}

#[tokio::test]
async fn typed_ids_are_described_as_uuid_strings_as_before() {
    let app = TestApp::spawn().await;

    let (status, doc) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);

    let schemas = doc["components"]["schemas"].as_object().unwrap();
    // An id field without `#[schema(inline)]` would become a reference to a
    // component of its own: the document would change shape for clients.
    for name in ["PostId", "UserId", "MediumId"] {
        assert!(!schemas.contains_key(name), "{name} became a component");
    }
    for (schema, field) in [
        ("PostView", "id"),
        ("PostView", "author"),
        ("PostSummary", "id"),
        ("PostSummary", "author"),
        ("RevisionView", "saved_by"),
        ("MediumView", "id"),
        ("MediumView", "owner"),
        ("UserView", "id"),
        ("AuthorView", "id"),
    ] {
        let described = &schemas[schema]["properties"][field];
        assert_eq!(described["type"], "string", "{schema}.{field}: {described}");
        assert_eq!(described["format"], "uuid", "{schema}.{field}: {described}");
    }
    for (path, name) in [("/api/v1/posts", "author"), ("/api/v1/media", "owner")] {
        let parameter = doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|parameter| parameter["name"] == name)
            .unwrap();
        assert_eq!(
            parameter["schema"]["format"], "uuid",
            "{path} {name}: {parameter}"
        );
    }
}
