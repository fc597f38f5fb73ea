//! The routes, and what every request goes through: a permit from the
//! concurrency limit, one snapshot of the tree, a body read within its
//! limit, and the digest of the tree that answered in a header. Not
//! here: streaming batches (`batch`), the law's documents (`law`).

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use inforce_engine::{RuleTree, evaluate, history};
use tokio::sync::Semaphore;

use crate::Limits;
use crate::Options;
use crate::error::ApiError;
use crate::query::Query;
use crate::requests;
use crate::state::{Live, Snapshot};

/// Shared by every handler.
#[derive(Clone)]
pub struct App {
    pub live: Live,
    pub limits: Limits,
    pub permits: Arc<Semaphore>,
    /// Becomes true when the grace period after SIGTERM is over: batches
    /// still streaming end their output, saying where.
    pub cut: tokio::sync::watch::Receiver<bool>,
}

/// The header naming the digest of the tree that answered.
pub const DIGEST: &str = "inforce-rules-digest";

/// Every route, with the security headers and the digest header.
pub fn app(live: Live, options: &Options, cut: tokio::sync::watch::Receiver<bool>) -> Router {
    let state = App {
        live,
        cut,
        limits: options.limits.clone(),
        permits: Arc::new(Semaphore::new(options.limits.concurrent.max(1))),
    };
    let api = Router::new()
        .route("/v1/eval", post(eval))
        .route("/v1/history", post(history_route))
        .route("/v1/batch", post(crate::batch::batch))
        .route("/v1/timeline", get(timeline))
        .route("/v1/rule-sets", get(rule_sets))
        .route("/v1/rule-sets/{id}/{version}", get(rule_set_version))
        .route("/v1/vocabulary", get(vocabulary))
        .route("/v1/schema/case", get(case_schema))
        .route("/v1/health", get(health))
        .route("/openapi.json", get(openapi))
        .merge(crate::assets::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone());
    crate::headers::wrap(api, state, options.cors.as_deref())
}

/// Waits for a permit, at most the request time; 503 past it.
pub async fn permit(app: &App) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    let wait = Arc::clone(&app.permits).acquire_owned();
    match tokio::time::timeout(app.limits.request_time, wait).await {
        Ok(Ok(p)) => Ok(p),
        _ => Err(busy()),
    }
}

fn busy() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "inforce::serve::busy",
        "the server is busy",
        "try again in a moment",
    )
}

/// The body, or 413 past `limit` bytes, or 408 when it has not all come
/// within the request time: a client that sends its body slowly, or never
/// ends it, would otherwise keep its turn for as long as it likes.
pub async fn read_body(body: Body, limits: &Limits) -> Result<Bytes, ApiError> {
    use http_body_util::BodyExt;
    let limit = limits.body_bytes;
    let read = http_body_util::Limited::new(body, limit).collect();
    let Ok(read) = tokio::time::timeout(limits.request_time, read).await else {
        return Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "inforce::serve::slow_body",
            format!(
                "the request body did not arrive within {} seconds",
                limits.request_time.as_secs_f64()
            ),
            "send the whole body at once",
        ));
    };
    match read {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large(limit)),
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "inforce::serve::body",
            format!("the request body could not be read: {e}"),
            "send the whole body",
        )),
    }
}

/// 413 for a body or line past `limit` bytes.
pub fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "inforce::serve::too_large",
        format!(
            "the request body is larger than {}",
            inforce_engine::files::size_words(limit as u64)
        ),
        "a case fits in far less; send many cases as JSON Lines to `/v1/batch`",
    )
}

/// A JSON body from `snapshot`'s tree, with its digest.
pub fn json(snapshot: &Snapshot, body: impl Into<Body>) -> Response {
    json_from(&snapshot.tree, body)
}

fn json_from(tree: &RuleTree, body: impl Into<Body>) -> Response {
    let mut r = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.into(),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&tree.digest) {
        r.headers_mut().insert(DIGEST, v);
    }
    r
}

/// Runs `work` off the async threads, within the request time.
async fn within_time<T: Send + 'static>(
    limit: std::time::Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::time::timeout(limit, tokio::task::spawn_blocking(work)).await {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(_)) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "inforce::serve::internal",
            "internal error while answering this request; please report it",
            "",
        )),
        Err(_) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "inforce::serve::timeout",
            format!(
                "the request took longer than {} seconds",
                limit.as_secs_f64()
            ),
            "ask for a shorter range, or try again when the server is less busy",
        )),
    }
}

/// A failure of the rules on a case: the rules' fault, not the client's.
fn rules_failed(e: &inforce_engine::EvalError) -> ApiError {
    ApiError::of(
        StatusCode::INTERNAL_SERVER_ERROR,
        vec![crate::problem::Problem::of(e)],
    )
}

async fn eval(
    State(app): State<App>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref(), &["date", "explain"])?;
    let date = query.date("date")?;
    let explain = query.flag("explain")?;
    let syntax = requests::syntax(&headers)?;
    let _permit = permit(&app).await?;
    let body = read_body(request.into_body(), &app.limits).await?;
    let snapshot = app.live.snapshot();
    let answer = {
        let snapshot = Arc::clone(&snapshot);
        move || -> Result<Vec<u8>, ApiError> {
            let tree = &snapshot.tree;
            let case = requests::case(tree, syntax, &body)?;
            let date = case.date_on(date).map_err(|e| no_date(e.as_ref()))?;
            let result = evaluate(tree, &case, date, explain).map_err(|e| rules_failed(&e))?;
            let mut out = Vec::with_capacity(4096);
            inforce_engine::write_json(&result, &mut out);
            Ok(out)
        }
    };
    // A case is evaluated in microseconds: on this thread, unless the
    // rules' script limits are what stops it (`explain` traces too).
    let out = answer()?;
    Ok(json(&snapshot, out))
}

/// A case without a date, and none in the query: malformed input (400),
/// as the API's contract lists it, not a case that misfits the facts.
fn no_date(e: &inforce_engine::CaseError) -> ApiError {
    let mut error = ApiError::of(
        StatusCode::BAD_REQUEST,
        vec![crate::problem::Problem::of(e)],
    );
    error.help = Some(
        "give the case a `date` field (YYYY-MM-DD), or add `?date=YYYY-MM-DD` to the request"
            .to_string(),
    );
    if let Some(p) = error.problems.first_mut() {
        p.help = error.help.clone();
    }
    error
}

async fn history_route(
    State(app): State<App>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref(), &["from", "to"])?;
    let from = query.date("from")?;
    let to = query.date("to")?;
    let syntax = requests::syntax(&headers)?;
    let _permit = permit(&app).await?;
    let body = read_body(request.into_body(), &app.limits).await?;
    let snapshot = app.live.snapshot();
    let work = {
        let snapshot = Arc::clone(&snapshot);
        move || -> Result<Vec<u8>, ApiError> {
            let tree = &snapshot.tree;
            let case = requests::case(tree, syntax, &body)?;
            let Some(from) = from.or_else(|| tree.earliest()) else {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "inforce::serve::query",
                    "the rules have no version to start from",
                    "give `?from=YYYY-MM-DD`",
                ));
            };
            let to = to.unwrap_or_else(|| chrono::Local::now().date_naive());
            if to < from {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "inforce::serve::query",
                    format!("`to` ({to}) is before `from` ({from}); the range is empty"),
                    "give `from` on or before `to`",
                ));
            }
            let h = history(tree, &case, from, to).map_err(|e| rules_failed(&e))?;
            serde_json::to_vec(&h).map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "inforce::serve::internal",
                    format!("cannot write the history: {e}"),
                    "",
                )
            })
        }
    };
    let out = within_time(app.limits.request_time, work).await??;
    Ok(json(&snapshot, out))
}

fn no_query(raw: Option<&str>) -> Result<(), ApiError> {
    Query::parse(raw, &[]).map(|_| ())
}

async fn timeline(State(app): State<App>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    no_query(raw.as_deref())?;
    let s = app.live.snapshot();
    Ok(json(&s, s.timeline.clone()))
}

async fn rule_sets(State(app): State<App>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    no_query(raw.as_deref())?;
    let s = app.live.snapshot();
    Ok(json(&s, s.rule_sets.clone()))
}

async fn rule_set_version(
    State(app): State<App>,
    Path((id, version)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    no_query(raw.as_deref())?;
    let s = app.live.snapshot();
    match crate::law::version_json(&s.tree, &id, &version) {
        Some(body) => Ok(json(&s, body)),
        None => Err(ApiError::not_found(format!(
            "no version `{version}` of a rule set `{id}`"
        ))),
    }
}

async fn vocabulary(State(app): State<App>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    no_query(raw.as_deref())?;
    let s = app.live.snapshot();
    Ok(json(&s, s.vocabulary.clone()))
}

async fn case_schema(
    State(app): State<App>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    no_query(raw.as_deref())?;
    let s = app.live.snapshot();
    Ok(json(&s, s.case_schema.clone()))
}

async fn health(State(app): State<App>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    no_query(raw.as_deref())?;
    let s = app.live.snapshot();
    let reload = app.live.reload_state();
    let status = if reload.state == "failed" {
        "stale"
    } else {
        "ok"
    };
    let body = serde_json::json!({
        "status": status,
        "rules": crate::law::rules_of(&s.tree),
        "loaded_at": s.loaded_at,
        "reload": *reload,
    });
    Ok(json(&s, serde_json::to_vec(&body).unwrap_or_default()))
}

async fn openapi(State(app): State<App>) -> Response {
    let s = app.live.snapshot();
    json(&s, crate::openapi::document(&s.tree))
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "nothing at `{}`",
        inforce_engine::text::escape_line(request.uri().path())
    ))
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "inforce::serve::method",
        format!(
            "`{}` does not answer `{}`",
            inforce_engine::text::escape_line(request.uri().path()),
            request.method()
        ),
        "see `GET /openapi.json` for each path's method",
    )
}
