//! What every response carries whatever route made it: the security
//! headers (a Content-Security-Policy that allows only the page's own
//! script and style, no framing, no sniffing, no referrer), the digest of
//! the tree live when the route did not name its own, CORS only for the
//! one origin given with `--cors`, and a panic turned into a 500 with a
//! JSON body. Not here: the routes.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::CorsLayer;

use crate::error::ApiError;
use crate::routes::{App, DIGEST};

/// The page's policy: its own script and style, `data:` images (none
/// today), calls to its own origin, nothing else.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

pub fn wrap(router: Router, app: App, cors: Option<&str>) -> Router {
    // The panic is caught inside the stamp, so its 500 gets the headers too.
    let router = router
        .layer(CatchPanicLayer::custom(panicked))
        .layer(axum::middleware::from_fn_with_state(app, stamp));
    match cors.and_then(|o| HeaderValue::from_str(o).ok()) {
        Some(origin) => router.layer(
            CorsLayer::new()
                .allow_origin(origin)
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::CONTENT_TYPE])
                .expose_headers([HeaderName::from_static(DIGEST)]),
        ),
        None => router,
    }
}

async fn stamp(State(app): State<App>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if !h.contains_key(DIGEST) {
        if let Ok(v) = HeaderValue::from_str(&app.live.snapshot().tree.digest) {
            h.insert(DIGEST, v);
        }
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "inforce::serve::internal",
        "internal error while answering this request; please report it",
        "",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;
    use crate::state::Live;

    fn shipped() -> inforce_engine::RuleTree {
        let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
        let (files, _) = inforce_engine::read_dir(&rules);
        inforce_engine::load_with(files, "rules", inforce_engine::Golden::Skip)
            .tree
            .unwrap()
    }

    #[tokio::test]
    async fn a_panic_in_a_route_is_a_500_in_json_with_every_header() {
        let limits = crate::Limits::default();
        let app = App {
            live: Live::new(shipped(), false),
            permits: Arc::new(tokio::sync::Semaphore::new(1)),
            limits,
            cut: tokio::sync::watch::channel(false).1,
        };
        let router = Router::new()
            .route(
                "/boom",
                get(|| async {
                    if true {
                        panic!("a bug");
                    }
                    "never"
                }),
            )
            .with_state(app.clone());
        let response = wrap(router, app, None)
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let h = response.headers().clone();
        assert_eq!(h[header::CONTENT_TYPE], "application/json");
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], CSP);
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(h[DIGEST].len(), 64);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["status"], 500);
        assert!(
            !v.to_string().contains("a bug"),
            "the panic's words stay inside: {v}"
        );
    }
}
