//! Property tests of the request parsers, in process (the router called
//! without a socket): whatever bytes come as a case, the answer is a
//! result or a JSON error, never a 5xx; whatever the query string, 200 or
//! 400; a batch body cut into chunks of any sizes gives the same output as
//! in one piece; lines past the line limit become error lines and the
//! lines after them are still answered. Not here: the API end to end
//! (`cli/tests/serve_api.rs`).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

#[path = "../../tools/gen-cases/src/generator.rs"]
mod generator;

use std::convert::Infallible;
use std::path::Path;
use std::sync::OnceLock;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::Request;
use http_body_util::BodyExt;
use inforce_engine::{Golden, load_with, read_dir};
use inforce_server::{Limits, Options};
use proptest::prelude::*;
use serde_json::Value;
use tower::ServiceExt;

/// The line limit of the router under test: small, so lines pass it.
const LINE: usize = 1000;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// The router over the shipped rules, with a small line limit.
fn router() -> Router {
    static ROUTER: OnceLock<Router> = OnceLock::new();
    ROUTER
        .get_or_init(|| {
            let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
            let (files, problems) = read_dir(&rules);
            assert!(problems.is_empty(), "{problems:?}");
            let tree = load_with(files, "rules", Golden::Skip)
                .tree
                .expect("the shipped rules load");
            let mut options = Options::new("127.0.0.1:0".parse().unwrap());
            options.limits = Limits {
                body_bytes: 4096,
                line_bytes: LINE,
                ..Limits::default()
            };
            inforce_server::router(tree, &options)
        })
        .clone()
}

/// Status, media type and body of one request.
fn call(request: Request<Body>) -> (u16, String, Vec<u8>) {
    runtime().block_on(async {
        let response = router().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let media = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, media, body.to_vec())
    })
}

fn post(uri: &str, content_type: Option<&str>, body: Body) -> Request<Body> {
    let mut b = Request::builder().method("POST").uri(uri);
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    b.body(body).unwrap()
}

/// A batch body in chunks of the given sizes (cycled), answered whole.
fn batch(input: &[u8], sizes: &[usize]) -> Vec<u8> {
    let mut chunks = Vec::new();
    let mut rest = input;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        let (head, tail) = rest.split_at(n);
        chunks.push(Ok::<Bytes, Infallible>(Bytes::copy_from_slice(head)));
        rest = tail;
        i += 1;
    }
    let body = Body::from_stream(futures_util::stream::iter(chunks));
    let (status, media, out) = call(post("/v1/batch", None, body));
    assert_eq!(status, 200);
    assert_eq!(media, "application/x-ndjson");
    out
}

const CASE: &str = r#"{"id": "p", "date": "2010-08-01", "person": {"citizenship": "KZ", "birth_date": "1984-11-30", "secret_holder": false}, "trip": {"direction": "exit", "purpose": "tourism"}}"#;
const YAML: &str = "id: p\ndate: 2010-08-01\nperson: {citizenship: KZ, secret_holder: false}\ntrip:\n  direction: exit\n  purpose: tourism\n";

/// Bytes near a case: a valid case (JSON or YAML) with bytes replaced,
/// inserted or cut; or bytes of no form at all.
fn near_case() -> impl Strategy<Value = Vec<u8>> {
    let edits = prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6);
    let edited = (prop_oneof![Just(CASE), Just(YAML)], edits).prop_map(|(base, edits)| {
        let mut b = base.as_bytes().to_vec();
        for (at, byte, kind) in edits {
            let i = at.index(b.len() + 1);
            match kind {
                0 if i < b.len() => b[i] = byte,
                1 => b.insert(i, byte),
                _ if i < b.len() => {
                    b.remove(i);
                }
                _ => b.push(byte),
            }
        }
        b
    });
    prop_oneof![
        3 => edited,
        1 => prop::collection::vec(any::<u8>(), 0..300),
        1 => "[{}\\[\\]\":,a-z0-9 \n-]{0,200}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_as_a_case_give_a_result_or_a_json_error_never_a_5xx(
        body in near_case(),
        ct in prop_oneof![Just(None), Just(Some("application/json")), Just(Some("application/yaml"))],
        path in prop_oneof![Just("/v1/eval"), Just("/v1/eval?explain=true"), Just("/v1/history?from=2009-01-01&to=2011-01-01")],
    ) {
        let (status, media, out) = call(post(path, ct, Body::from(body)));
        prop_assert!(status < 500, "{status}: {}", String::from_utf8_lossy(&out));
        prop_assert_eq!(media, "application/json");
        let v: Value = serde_json::from_slice(&out).unwrap();
        if status == 200 {
            prop_assert!(v["rules"]["digest"].is_string());
        } else {
            prop_assert!(matches!(status, 400 | 413 | 422), "{status}");
            prop_assert_eq!(v["error"]["status"].as_u64(), Some(u64::from(status)));
            prop_assert!(!v["error"]["problems"].as_array().unwrap().is_empty());
        }
    }

    #[test]
    fn any_query_string_gives_200_or_400(
        query in prop_oneof![
            "[a-z=&%0-9._+-]{0,40}",
            (prop_oneof![Just("date"), Just("explain"), Just("from"), Just("to"), Just("dat")],
             "[a-z0-9%.-]{0,12}", prop::bool::ANY)
                .prop_map(|(k, v, twice)| if twice { format!("{k}={v}&{k}={v}") } else { format!("{k}={v}") }),
        ],
        path in prop_oneof![Just("/v1/eval"), Just("/v1/history"), Just("/v1/timeline"), Just("/v1/health")],
    ) {
        let uri = format!("{path}?{query}");
        let request = if path.starts_with("/v1/eval") || path.starts_with("/v1/history") {
            post(&uri, Some("application/json"), Body::from(CASE))
        } else {
            Request::builder().uri(&uri).body(Body::empty()).unwrap()
        };
        let (status, media, out) = call(request);
        prop_assert!(status == 200 || status == 400, "{uri}: {status} {}", String::from_utf8_lossy(&out));
        prop_assert_eq!(media, "application/json");
        serde_json::from_slice::<Value>(&out).unwrap();
    }

    #[test]
    fn a_batch_in_chunks_of_any_sizes_answers_as_in_one_piece(
        seed in 0u64..1000,
        count in 1usize..12,
        sizes in prop::collection::vec(1usize..80, 1..8),
        crlf in prop::bool::ANY,
        final_newline in prop::bool::ANY,
        bad in prop::option::of(0usize..12),
    ) {
        let mut lines: Vec<String> = generator::json_lines(count, seed)
            .into_iter()
            .filter(|l| l.len() <= LINE)
            .collect();
        if let Some(at) = bad {
            lines.insert(at.min(lines.len()), "{\"id\": [not json".to_string());
        }
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut input = lines.join(eol);
        if final_newline && !lines.is_empty() {
            input.push_str(eol);
        }
        let whole = batch(input.as_bytes(), &[input.len().max(1)]);
        let chunked = batch(input.as_bytes(), &sizes);
        prop_assert_eq!(String::from_utf8_lossy(&whole), String::from_utf8_lossy(&chunked));
        let expected = if input.is_empty() { 0 } else { lines.len() };
        prop_assert_eq!(whole.iter().filter(|&&b| b == b'\n').count(), expected);
    }

    #[test]
    fn lines_past_the_limit_are_error_lines_and_the_lines_after_them_are_answered(
        lengths in prop::collection::vec(0usize..(2 * LINE), 1..10),
        sizes in prop::collection::vec(1usize..200, 1..5),
    ) {
        // Each line is a case padded to its length with its id, or for a
        // length too short for that, spaces around `{}`.
        let lines: Vec<String> = lengths.iter().enumerate().map(|(i, &n)| {
            let base = format!(r#"{{"id": "{i}-", "date": "2010-08-01", "person": {{"citizenship": "KZ"}}}}"#);
            if n >= base.len() {
                base.replacen(r#"-""#, &format!(r#"-{}""#, "x".repeat(n - base.len())), 1)
            } else {
                format!("{:<n$}", "")
            }
        }).collect();
        let input = lines.join("\n") + "\n";
        let out = String::from_utf8(batch(input.as_bytes(), &sizes)).unwrap();
        let out: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        prop_assert_eq!(out.len(), lines.len());
        for (i, (line, answer)) in lines.iter().zip(&out).enumerate() {
            if line.len() > LINE {
                prop_assert_eq!(answer["line"].as_u64(), Some(i as u64 + 1));
                prop_assert!(answer["error"].as_str().unwrap().contains("longer than"), "{answer}");
            } else {
                // Answered: a case gets its result, a blank line the
                // blank line's own error, never the limit's.
                let said = answer.get("error").and_then(Value::as_str).unwrap_or("");
                prop_assert!(!said.contains("longer than"), "line {}: {answer}", i + 1);
                if !line.trim().is_empty() {
                    let id = line.split('"').nth(3).unwrap();
                    prop_assert_eq!(answer["case"].as_str(), Some(id), "line {}", i + 1);
                }
            }
        }
    }
}
