//! End-to-end tests of `inforce serve`'s API through the built binary on a
//! free loopback port: every endpoint's status, media type, digest header
//! and body, each body validated against the OpenAPI document the server
//! serves; answers equal to what the CLI prints for the same cases (eval,
//! history, batch byte for byte); the error statuses; and the reliability
//! and security points of issue 13 (limits, headers, CORS, paths that
//! never reach the file system, shutdown that lets a batch finish). Not
//! here: reloading (`serve_reload.rs`), parsers under generated input
//! (`server/tests/properties.rs`).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

mod serve_support;

#[path = "../../tools/gen-cases/src/generator.rs"]
mod generator;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use serve_support::{Reply, Server, Spec, inforce, poll, raw, workspace};

/// The body limit of the shared server: small, so 413 is cheap to reach.
const MAX_BODY: usize = 65_536;
/// Its line limit for batches.
const MAX_LINE: usize = 8_192;

/// One server for the tests of this file that do not need their own.
fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        Server::shipped(&[
            "--max-body",
            &MAX_BODY.to_string(),
            "--max-line",
            &MAX_LINE.to_string(),
        ])
    })
}

/// The document the shared server serves.
fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| Spec::new(server().get("/openapi.json").expect(200).json()))
}

/// The digest of the shipped rules, as `/v1/health` gives it.
fn digest() -> String {
    server().get("/v1/health").json()["rules"]["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The public examples (`../shared/spec/examples`): name and the text of
/// their `case:` part, as a case file. Falls back on the copies in
/// `tests/fixtures/cases` where `shared/` is not beside the workspace.
fn examples() -> Vec<(String, String)> {
    let shared = workspace().join("../shared/spec/examples");
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&shared) {
        let mut files: Vec<_> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let mut case = String::new();
            let mut inside = false;
            for line in text.lines() {
                if !line.starts_with(' ') && !line.is_empty() {
                    inside = line.trim_end() == "case:";
                    continue;
                }
                if inside {
                    case.push_str(line.strip_prefix("  ").unwrap_or(line));
                    case.push('\n');
                }
            }
            assert!(!case.is_empty(), "no `case:` part in {}", f.display());
            let name = f.file_stem().unwrap().to_string_lossy().into_owned();
            out.push((name, case));
        }
    }
    if out.is_empty() {
        eprintln!("no shared/spec/examples beside the workspace; using tests/fixtures/cases");
        let dir = workspace().join("tests/fixtures/cases");
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            out.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
    out
}

/// A case file in a temporary directory, for the CLI.
fn case_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn stdout_json(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "the CLI failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A well-formed case as JSON text.
const CASE: &str = r#"{"id": "api-test", "date": "2010-08-01", "person": {"citizenship": "KZ", "birth_date": "1984-11-30", "secret_holder": false}, "trip": {"direction": "exit", "purpose": "tourism"}}"#;

/// The security headers every response carries.
fn assert_security_headers(r: &Reply, what: &str) {
    assert_eq!(
        r.header("content-security-policy"),
        Some(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
        ),
        "{what}"
    );
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert!(
        r.header("inforce-rules-digest")
            .is_some_and(|d| d.len() == 64),
        "{what}: digest header {:?}",
        r.header("inforce-rules-digest")
    );
    for (k, _) in &r.headers {
        assert!(
            !k.starts_with("access-control-"),
            "{what}: a CORS header `{k}` without `--cors`"
        );
    }
}

// --- the OpenAPI document ------------------------------------------------------

#[test]
fn the_served_openapi_document_is_a_valid_openapi_3_1_document() {
    let r = server().get("/openapi.json");
    r.expect(200);
    assert_eq!(r.media_type(), "application/json");
    let text = r.text();
    let parsed = oas3::from_json(&text).unwrap_or_else(|e| panic!("not OpenAPI 3.1: {e}"));
    let version = parsed.validate_version().unwrap();
    assert_eq!((version.major, version.minor), (3, 1));
    assert!(parsed.operations().count() >= 12, "too few operations");
    let doc = r.json();
    // Every reference resolves, and every component schema compiles as
    // JSON Schema 2020-12 (the document's dialect).
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("$ref") {
                    out.push(r.clone());
                }
                o.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in &all {
        let p = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("`{r}` is not local"));
        assert!(doc.pointer(p).is_some(), "`{r}` points at nothing");
    }
    let spec = Spec::new(doc.clone());
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        spec.compile(
            &json!({"$ref": format!("#/components/schemas/{name}")}),
            name,
        );
    }
    // Every operation documents a 200 and every response has a description.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("200"), "{method} {path}: no 200");
            for (status, resp) in responses {
                let resp = if let Some(r) = resp.get("$ref") {
                    doc.pointer(r.as_str().unwrap().strip_prefix('#').unwrap())
                        .unwrap()
                } else {
                    resp
                };
                assert!(
                    resp["description"].is_string(),
                    "{method} {path} {status}: no description"
                );
            }
        }
    }
}

#[test]
fn the_served_document_carries_the_case_schema_and_digest_of_the_served_rules() {
    let doc = &spec().doc;
    let schema = server().get("/v1/schema/case").expect(200).json();
    let case = &doc["components"]["schemas"]["Case"];
    assert_eq!(case["properties"], schema["properties"]);
    assert!(case.get("$schema").is_none() && case.get("$id").is_none());
    assert_eq!(doc["info"]["x-rules-digest"], digest());
    // The file in the repository is the document, less what is put in.
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace().join("server/openapi.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(file["paths"], doc["paths"]);
}

/// `(METHOD, path)` of every route in the server's source, as axum
/// writes them: `.route("/path", get(...))`, and the page's files, as
/// `assets.rs` lists them: `index.html` at `/`, every other file under
/// `/{file}`.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let text = std::fs::read_to_string(workspace().join("server/src/routes.rs")).unwrap();
    for part in text.split(".route(").skip(1) {
        let path = part.split('"').nth(1).unwrap().to_string();
        let get = part.find("get(");
        let post = part.find("post(");
        let method = match (get, post) {
            (Some(g), Some(p)) if g < p => "get",
            (Some(_), None) => "get",
            (_, Some(_)) => "post",
            _ => panic!("no method for route `{path}` in routes.rs"),
        };
        out.insert((method.to_string(), path));
    }
    out.insert(("get".to_string(), "/".to_string()));
    out.insert(("get".to_string(), "/{file}".to_string()));
    out
}

/// The page's files other than `index.html`, as `assets.rs` lists them:
/// `("name", KIND, include_str!(...))`.
fn page_files_in_source() -> BTreeSet<String> {
    let text = std::fs::read_to_string(workspace().join("server/src/assets.rs")).unwrap();
    let files: BTreeSet<String> = text
        .split("include_str!(\"../web/")
        .skip(1)
        .map(|part| part.split('"').next().unwrap().to_string())
        .filter(|file| file != "index.html")
        .collect();
    assert!(files.len() >= 3, "page files found in assets.rs: {files:?}");
    files
}

/// The files the document says `GET /{file}` serves.
fn page_files_in_document() -> BTreeSet<String> {
    let parameters = &spec().doc["paths"]["/{file}"]["get"]["parameters"];
    parameters[0]["schema"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn routes_in_document() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in spec().doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.insert((method.clone(), path.clone()));
        }
    }
    out
}

#[test]
fn every_route_the_server_has_is_in_the_document_and_no_other() {
    let source = routes_in_source();
    assert!(source.len() >= 12, "routes found in the source: {source:?}");
    assert_eq!(source, routes_in_document());
    assert_eq!(page_files_in_source(), page_files_in_document());
}

#[test]
fn every_path_in_the_document_is_answered_with_a_documented_response() {
    for (method, path) in routes_in_document() {
        let concrete = path
            .replace("{id}", "kz.citizens-departure")
            .replace("{version}", "2001-07-26")
            .replace("{file}", "app.js");
        let r = match method.as_str() {
            "get" => server().get(&concrete),
            "post" if path == "/v1/batch" => server()
                .request("POST", &concrete)
                .header("content-type", "application/x-ndjson")
                .body(format!("{CASE}\n").as_bytes())
                .send(),
            "post" => server().post_json(&concrete, CASE.as_bytes()),
            m => panic!("unexpected method {m}"),
        };
        assert_eq!(r.status, 200, "{method} {concrete}: {}", r.text());
        spec().check(&method, &path, &r);
        assert_security_headers(&r, &format!("{method} {path}"));
    }
}

// --- each endpoint ---------------------------------------------------------------

#[test]
fn every_get_endpoint_gives_json_of_its_documented_shape_with_the_digest() {
    let digest = digest();
    for path in [
        "/v1/timeline",
        "/v1/rule-sets",
        "/v1/vocabulary",
        "/v1/schema/case",
        "/v1/health",
    ] {
        let r = server().get(path);
        r.expect(200);
        assert_eq!(r.media_type(), "application/json", "{path}");
        assert_eq!(r.header("inforce-rules-digest"), Some(digest.as_str()));
        spec().check("get", path, &r);
        let v = r.json();
        if path != "/v1/schema/case" {
            assert_eq!(v["rules"]["digest"], digest.as_str(), "{path}");
            assert_eq!(v["rules"]["source"], "rules", "{path}");
        }
    }
    let health = server().get("/v1/health").json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["reload"]["state"], "ok");
}

#[test]
fn timeline_and_case_schema_are_what_the_cli_prints() {
    let timeline = stdout_json(&inforce(
        &["timeline", "--rules", "rules", "--format", "json"],
        None,
    ));
    assert_eq!(server().get("/v1/timeline").json(), timeline);
    let schema = stdout_json(&inforce(&["schema", "case", "--rules", "rules"], None));
    assert_eq!(server().get("/v1/schema/case").json(), schema);
}

#[test]
fn each_rule_set_version_listed_opens_with_its_rules() {
    let sets = server().get("/v1/rule-sets").json();
    let mut seen = 0;
    for set in sets["rule_sets"].as_array().unwrap() {
        let id = set["id"].as_str().unwrap();
        for v in set["versions"].as_array().unwrap() {
            let version = v["version"].as_str().unwrap();
            let path = format!("/v1/rule-sets/{id}/{version}");
            let r = server().get(&path);
            r.expect(200);
            spec().check("get", "/v1/rule-sets/{id}/{version}", &r);
            let body = r.json();
            assert_eq!(body["id"], id);
            assert_eq!(body["version"], version);
            assert_eq!(body["rule_list"].as_array().unwrap().len(), v["rules"]);
            assert!(
                workspace().join(body["file"].as_str().unwrap()).is_file(),
                "{path}: file {}",
                body["file"]
            );
            seen += 1;
        }
    }
    assert!(seen >= 5, "only {seen} versions");
}

#[test]
fn vocabulary_lists_every_declared_fact_in_the_case_schema() {
    let vocabulary = server().get("/v1/vocabulary").json();
    let schema = server().get("/v1/schema/case").json();
    let groups: Vec<&str> = vocabulary["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap())
        .collect();
    assert!(groups.contains(&"person") && groups.contains(&"trip"));
    for f in vocabulary["facts"].as_array().unwrap() {
        let (group, name) = f["name"].as_str().unwrap().split_once('.').unwrap();
        assert_eq!(f["group"], group);
        assert!(
            schema["properties"][group]["properties"][name].is_object(),
            "{} is not in the case schema",
            f["name"]
        );
    }
}

#[test]
fn static_page_files_have_their_types_and_the_security_headers() {
    let r = server().get("/");
    r.expect(200);
    assert_eq!(r.media_type(), "text/html");
    assert_security_headers(&r, "/");
    spec().check("get", "/", &r);
    for file in page_files_in_document() {
        let path = format!("/{file}");
        let media = if file.ends_with(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        let r = server().get(&path);
        r.expect(200);
        assert_eq!(r.media_type(), media, "{path}");
        assert_security_headers(&r, &path);
        spec().check("get", "/{file}", &r);
    }
    let r = server().get("/index.js");
    r.expect(404);
    spec().check("get", "/{file}", &r);
}

// --- eval and history: what the CLI says -----------------------------------------------

#[test]
fn eval_of_each_public_example_as_yaml_is_what_inforce_eval_prints() {
    let dir = tempfile::tempdir().unwrap();
    for (name, case) in examples() {
        let file = case_file(&dir, &format!("{name}.yaml"), &case);
        for explain in [false, true] {
            let mut args = vec!["eval", "--rules", "rules", "--format", "json", &file];
            if explain {
                args.push("--explain");
            }
            let cli = stdout_json(&inforce(&args, None));
            let path = if explain {
                "/v1/eval?explain=true"
            } else {
                "/v1/eval"
            };
            let r = server()
                .request("POST", path)
                .header("content-type", "application/yaml")
                .body(case.as_bytes())
                .send();
            r.expect(200);
            spec().check("post", "/v1/eval", &r);
            assert_eq!(r.json(), cli, "{name} (explain: {explain})");
        }
    }
}

#[test]
fn eval_of_generated_json_cases_equals_their_lines_of_inforce_batch() {
    let lines = generator::json_lines(40, 7);
    let input = lines.join("\n") + "\n";
    for date in [None, Some("2013-05-02")] {
        let mut args = vec!["batch", "--rules", "rules"];
        if let Some(d) = date {
            args.extend(["--date", d]);
        }
        let cli = inforce(&args, Some(input.as_bytes()));
        let cli: Vec<Value> = String::from_utf8(cli.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(cli.len(), lines.len());
        for (line, want) in lines.iter().zip(&cli) {
            let path = match date {
                Some(d) => format!("/v1/eval?date={d}"),
                None => "/v1/eval".to_string(),
            };
            let r = server().post_json(&path, line.as_bytes());
            if want.get("error").is_some() {
                assert!(r.status >= 400, "{line}: {}", r.text());
                continue;
            }
            r.expect(200);
            spec().check("post", "/v1/eval", &r);
            assert_eq!(&r.json(), want, "{line}");
        }
    }
}

#[test]
fn a_date_in_the_query_overrides_the_cases_date() {
    let r = server().post_json("/v1/eval?date=2014-01-01", CASE.as_bytes());
    r.expect(200);
    assert_eq!(r.json()["date"], "2014-01-01");
    let r = server().post_json("/v1/eval", CASE.as_bytes());
    assert_eq!(r.json()["date"], "2010-08-01");
}

#[test]
fn history_of_each_public_example_is_what_inforce_history_prints() {
    let dir = tempfile::tempdir().unwrap();
    for (name, case) in examples().into_iter().take(4) {
        let file = case_file(&dir, &format!("{name}.yaml"), &case);
        let cli = stdout_json(&inforce(
            &[
                "history",
                "--rules",
                "rules",
                "--format",
                "json",
                "--from",
                "1995-01-01",
                "--to",
                "2024-12-31",
                &file,
            ],
            None,
        ));
        let r = server()
            .request("POST", "/v1/history?from=1995-01-01&to=2024-12-31")
            .header("content-type", "application/yaml")
            .body(case.as_bytes())
            .send();
        r.expect(200);
        spec().check("post", "/v1/history", &r);
        assert_eq!(r.json(), cli, "{name}");
    }
}

#[test]
fn history_with_the_range_reversed_is_a_400_that_names_both_ends() {
    let r = server().post_json("/v1/history?from=2010-01-01&to=2000-01-01", CASE.as_bytes());
    r.expect(400);
    spec().check("post", "/v1/history", &r);
    let e = r.error();
    assert!(
        e["message"].as_str().unwrap().contains("`to` (2000-01-01)"),
        "{e}"
    );
}

// --- batch --------------------------------------------------------------------------------

fn post_batch(path: &str, body: &[u8]) -> Reply {
    server()
        .request("POST", path)
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
}

fn cli_batch(input: &[u8], date: Option<&str>) -> Vec<u8> {
    let mut args = vec!["batch", "--rules", "rules"];
    if let Some(d) = date {
        args.extend(["--date", d]);
    }
    inforce(&args, Some(input)).stdout
}

#[test]
fn batch_output_is_byte_identical_to_inforce_batch_on_generated_cases() {
    let mut lines = generator::json_lines(600, 3);
    // Bad lines among the good: not JSON, a case with an unknown field,
    // a blank line, a case without a date, not UTF-8 is left to the
    // property tests (the CLI reads text).
    lines.insert(5, "{not json".to_string());
    lines.insert(
        50,
        r#"{"id": "x", "date": "2010-01-01", "case": 1}"#.to_string(),
    );
    lines.insert(100, String::new());
    lines.insert(
        200,
        r#"{"id": "no-date", "person": {"citizenship": "KZ"}}"#.to_string(),
    );
    lines.insert(300, "[1, 2]".to_string());
    let lf = lines.join("\n") + "\n";
    let crlf = lines.join("\r\n") + "\r\n";
    let unterminated = lines.join("\n");
    for (what, input) in [
        ("LF", &lf),
        ("CRLF", &crlf),
        ("no final newline", &unterminated),
    ] {
        for date in [None, Some("2005-06-10")] {
            let path = match date {
                Some(d) => format!("/v1/batch?date={d}"),
                None => "/v1/batch".to_string(),
            };
            let r = post_batch(&path, input.as_bytes());
            r.expect(200);
            assert_eq!(r.media_type(), "application/x-ndjson");
            let cli = cli_batch(input.as_bytes(), date);
            assert_eq!(
                r.text().lines().count(),
                lines.len(),
                "{what}: one line out for each line in"
            );
            assert!(
                r.body == cli,
                "{what} (date {date:?}): the server's batch differs from `inforce batch`; first difference at byte {}",
                r.body
                    .iter()
                    .zip(&cli)
                    .position(|(a, b)| a != b)
                    .unwrap_or(r.body.len().min(cli.len()))
            );
        }
    }
    // The document's line schema fits every line, good and bad.
    let r = post_batch("/v1/batch", lf.as_bytes());
    spec().check("post", "/v1/batch", &r);
}

#[test]
fn a_compact_batch_with_chosen_outcomes_is_what_inforce_batch_writes_with_the_same_flags() {
    let mut lines = generator::json_lines(300, 8);
    lines.insert(7, "{not json".to_string());
    let input = lines.join("\n") + "\n";
    let r = post_batch(
        "/v1/batch?output=compact&outcomes=exit_permitted,exit_visa_required",
        input.as_bytes(),
    );
    r.expect(200);
    let cli = inforce(
        &[
            "batch",
            "--rules",
            "rules",
            "--output",
            "compact",
            "--outcomes",
            "exit_permitted,exit_visa_required",
        ],
        Some(input.as_bytes()),
    )
    .stdout;
    assert!(
        r.body == cli,
        "the server's compact batch differs from `inforce batch --output compact`"
    );
    spec().check("post", "/v1/batch", &r);
    // The legend of `GET /v1/timeline` names every rule and reason the
    // lines do.
    let legend = server().get("/v1/timeline").json()["legend"].clone();
    for line in r.text().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let Some(outcomes) = v["outcomes"].as_object() else {
            continue;
        };
        for o in outcomes.values() {
            for id in o["by"].as_array().into_iter().flatten() {
                assert!(legend["by"][id.as_str().unwrap()].is_object(), "{id}");
            }
            for code in o["reason"].as_array().into_iter().flatten() {
                assert!(
                    legend["reason"][code.as_str().unwrap()]["text"].is_string(),
                    "{code}"
                );
            }
        }
    }
    for (query, message) in [
        (
            "output=short",
            "`short` is not an output shape (query parameter `output`)",
        ),
        (
            "outcomes=exit_permited",
            "no outcome `exit_permited` is declared: did you mean `exit_permitted`? (query parameter `outcomes`)",
        ),
    ] {
        // A short body: the server refuses the query before reading the
        // body, and a long one could still be in flight when it closes
        // (the client then sees a broken pipe, not the answer).
        let r = post_batch(&format!("/v1/batch?{query}"), b"{}\n");
        r.expect(400);
        assert_eq!(r.json()["error"]["message"], message);
    }
}

#[test]
fn a_batch_line_past_the_line_limit_is_an_error_line_and_the_lines_after_it_are_answered() {
    let lines = generator::json_lines(20, 11);
    let long = format!(
        r#"{{"id": "{}", "date": "2010-01-01"}}"#,
        "x".repeat(MAX_LINE + 10)
    );
    let mut input = lines[..10].join("\n");
    input.push('\n');
    input.push_str(&long);
    input.push('\n');
    input.push_str(&lines[10..].join("\n"));
    input.push('\n');
    let r = post_batch("/v1/batch", input.as_bytes());
    r.expect(200);
    let text = r.text();
    let out: Vec<&str> = text.lines().collect();
    assert_eq!(out.len(), 21);
    let error: Value = serde_json::from_str(out[10]).unwrap();
    assert_eq!(error["line"], 11);
    assert!(
        error["error"].as_str().unwrap().contains("longer than"),
        "{error}"
    );
    // Every other line is what `inforce batch` gives it (the CLI has no
    // line limit, so its line 11 is the case's own result).
    let cli = String::from_utf8(cli_batch(input.as_bytes(), None)).unwrap();
    for (i, (a, b)) in out.iter().zip(cli.lines()).enumerate() {
        if i != 10 {
            assert_eq!(a, &b, "line {}", i + 1);
        }
    }
}

#[test]
fn an_empty_batch_is_an_empty_answer() {
    let r = post_batch("/v1/batch", b"");
    r.expect(200);
    assert!(r.body.is_empty(), "{}", r.text());
}

// --- errors -------------------------------------------------------------------------------

#[test]
fn a_body_that_is_not_json_is_a_400_with_line_and_column() {
    let r = server().post_json(
        "/v1/eval",
        b"{\n  \"id\": \"x\",\n  \"date\": 2010-01-01\n}",
    );
    r.expect(400);
    spec().check("post", "/v1/eval", &r);
    let e = r.error();
    assert_eq!(e["code"], "inforce::case::syntax");
    let p = &e["problems"][0];
    assert_eq!(
        (p["line"].as_u64(), p["column"].as_u64()),
        (Some(3), Some(15)),
        "{e}"
    );
    assert!(e["message"].as_str().unwrap().contains("not JSON"), "{e}");
}

#[test]
fn a_body_that_is_not_yaml_is_a_400() {
    let r = server()
        .request("POST", "/v1/eval")
        .header("content-type", "application/yaml")
        .body(b"id: [unclosed\ndate: 2010-01-01\n")
        .send();
    r.expect(400);
    spec().check("post", "/v1/eval", &r);
    assert!(r.error()["problems"][0]["line"].is_u64(), "{}", r.text());
}

#[test]
fn bad_query_parameters_are_400s_that_name_them() {
    for (path, words) in [
        ("/v1/eval?date=2010-13-01", "`2010-13-01` is not a date"),
        ("/v1/eval?dat=2010-01-01", "unknown query parameter `dat`"),
        ("/v1/eval?explain=maybe", "`maybe` is not true or false"),
        ("/v1/eval?date=2010-01-01&date=2011-01-01", "given twice"),
        ("/v1/history?from=yesterday", "`yesterday` is not a date"),
        (
            "/v1/batch?explain=true",
            "unknown query parameter `explain`",
        ),
        ("/v1/timeline?x=1", "unknown query parameter `x`"),
        ("/v1/health?verbose", "unknown query parameter `verbose`"),
    ] {
        let r = if path.starts_with("/v1/timeline") || path.starts_with("/v1/health") {
            server().get(path)
        } else {
            server().post_json(path, CASE.as_bytes())
        };
        r.expect(400);
        let e = r.error();
        assert_eq!(e["code"], "inforce::serve::query", "{path}");
        assert!(
            e["message"].as_str().unwrap().contains(words),
            "{path}: {e}"
        );
        let (template, method) = if path.starts_with("/v1/timeline") {
            ("/v1/timeline", "get")
        } else if path.starts_with("/v1/health") {
            ("/v1/health", "get")
        } else {
            (path.split('?').next().unwrap(), "post")
        };
        spec().check(method, template, &r);
    }
}

#[test]
fn a_case_without_a_date_is_a_400_that_says_how_to_give_one() {
    let r = server().post_json(
        "/v1/eval",
        br#"{"id": "x", "person": {"citizenship": "KZ"}}"#,
    );
    r.expect(400);
    spec().check("post", "/v1/eval", &r);
    assert!(
        r.error()["help"].as_str().unwrap().contains("?date="),
        "{}",
        r.text()
    );
}

#[test]
fn a_content_type_that_is_not_json_or_yaml_is_a_415() {
    for (path, ct) in [
        ("/v1/eval", "text/plain"),
        ("/v1/eval", "application/x-www-form-urlencoded"),
        ("/v1/history", "application/xml"),
    ] {
        let r = server()
            .request("POST", path)
            .header("content-type", ct)
            .body(CASE.as_bytes())
            .send();
        r.expect(415);
        spec().check("post", path, &r);
        assert!(r.error()["message"].as_str().unwrap().contains(ct));
    }
}

#[test]
fn a_case_that_does_not_fit_the_facts_is_a_422_with_path_line_and_column() {
    let body = b"{\n  \"id\": \"x\",\n  \"date\": \"2010-01-01\",\n  \"person\": {\"citizenship\": \"KZ\", \"secret_holder\": \"yes\"}\n}";
    let r = server().post_json("/v1/eval", body);
    r.expect(422);
    spec().check("post", "/v1/eval", &r);
    let e = r.error();
    let p = &e["problems"][0];
    assert_eq!(p["path"], "person.secret_holder", "{e}");
    assert_eq!(p["line"], 4, "{e}");
    assert!(p["column"].as_u64().unwrap() > 1, "{e}");
    // The same in YAML.
    let yaml = b"id: x\ndate: 2010-01-01\nperson:\n  citizenship: KZ\n  shoe_size: 44\n";
    let r = server()
        .request("POST", "/v1/eval")
        .header("content-type", "application/yaml")
        .body(yaml)
        .send();
    r.expect(422);
    spec().check("post", "/v1/eval", &r);
    let e = r.error();
    assert_eq!(e["code"], "inforce::case::unknown_field");
    let p = &e["problems"][0];
    assert_eq!(
        (p["path"].as_str(), p["line"].as_u64()),
        (Some("person.shoe_size"), Some(5)),
        "{e}"
    );
}

#[test]
fn unknown_paths_and_rule_sets_are_404s_in_json() {
    for path in [
        "/v2/eval",
        "/v1/rule-sets/kz.citizens-departure",
        "/v1/rule-sets/kz.citizens-departure/1800-01-01",
        "/v1/rule-sets/kz.nothing/2001-07-26",
        "/index.html",
    ] {
        let r = server().get(path);
        r.expect(404);
        assert_security_headers(&r, path);
        spec().validate_value(
            &spec().schema(
                "get",
                "/v1/rule-sets/{id}/{version}",
                404,
                "application/json",
            ),
            &r.json(),
            path,
        );
    }
}

#[test]
fn a_method_a_path_does_not_answer_is_a_405_in_json() {
    for (method, path) in [
        ("GET", "/v1/eval"),
        ("PUT", "/v1/eval"),
        ("DELETE", "/v1/rule-sets"),
        ("POST", "/v1/health"),
        ("POST", "/"),
        ("OPTIONS", "/v1/eval"),
    ] {
        let r = server().request(method, path).send();
        r.expect(405);
        assert_security_headers(&r, &format!("{method} {path}"));
        let schema = json!({"$ref": "#/components/responses/MethodNotAllowed/content/application~1json/schema"});
        spec().validate_value(&schema, &r.json(), &format!("{method} {path}"));
    }
}

#[test]
fn a_body_past_max_body_is_a_413_and_one_just_under_is_read() {
    // Padding inside the JSON: a valid case of exactly the size asked for.
    let sized = |n: usize| {
        let base = r#"{"id": "", "date": "2010-08-01", "person": {"citizenship": "KZ"}}"#;
        let id = "p".repeat(n - base.len());
        base.replace(r#""id": """#, &format!(r#""id": "{id}""#))
    };
    for path in ["/v1/eval", "/v1/history"] {
        let r = server().post_json(path, sized(MAX_BODY + 1).as_bytes());
        r.expect(413);
        spec().check("post", path, &r);
        assert_eq!(r.error()["code"], "inforce::serve::too_large");
        let r = server().post_json(path, sized(MAX_BODY).as_bytes());
        r.expect(200);
    }
}

#[test]
fn nesting_too_deep_for_a_case_is_a_400_and_the_server_lives_on() {
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let r = server()
        .request("POST", "/v1/eval")
        .header("content-type", "application/json")
        .body(&deep_json.as_bytes()[..MAX_BODY - 10])
        .send();
    r.expect(400);
    let deep_yaml = format!("a: {}\n", "[".repeat(MAX_BODY - 100));
    let r = server()
        .request("POST", "/v1/eval")
        .header("content-type", "application/yaml")
        .body(deep_yaml.as_bytes())
        .send();
    assert!(matches!(r.status, 400 | 422), "{}: {}", r.status, r.text());
    let r = server()
        .request("POST", "/v1/batch")
        .body(format!("{}\n{CASE}\n", &deep_json[..MAX_LINE - 10]).as_bytes())
        .send();
    r.expect(200);
    assert_eq!(r.text().lines().count(), 2);
    server().get("/v1/health").expect(200);
}

// --- security -------------------------------------------------------------------------------

#[test]
fn every_kind_of_response_carries_the_security_headers_and_no_cors() {
    let cases: Vec<Reply> = vec![
        server().get("/v1/health"),
        server().get("/nothing"),
        server().request("PATCH", "/v1/eval").send(),
        server().post_json("/v1/eval", b"{"),
        server().post_json("/v1/eval", CASE.as_bytes()),
        server()
            .request("GET", "/v1/health")
            .header("origin", "https://elsewhere.example")
            .send(),
        server()
            .request("OPTIONS", "/v1/eval")
            .header("origin", "https://elsewhere.example")
            .header("access-control-request-method", "POST")
            .send(),
        server().post_json("/v1/eval", &vec![b' '; MAX_BODY + 1]),
    ];
    for r in &cases {
        assert_security_headers(
            r,
            &format!("{} {}", r.status, String::from_utf8_lossy(&r.body)),
        );
    }
}

#[test]
fn paths_that_look_like_files_never_reach_the_file_system() {
    for path in [
        "/v1/rule-sets/..%2F..%2Fetc/passwd",
        "/v1/rule-sets/..%2F..%2F..%2F..%2Fetc%2Fpasswd/x",
        "/v1/rule-sets/kz.citizens-departure/..%2F..%2Ffacts.yaml",
        "/v1/rule-sets/..%2Frules%2Fkz/facts.yaml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/app.js%2F..%2F..%2FCargo.toml",
        "/rules/kz/facts.yaml",
    ] {
        let r = server().get(path);
        r.expect(404);
        assert_eq!(r.media_type(), "application/json", "{path}");
        let text = r.text();
        assert!(
            !text.contains("root:") && !text.contains("[workspace]") && !text.contains("facts:"),
            "{path}: {text}"
        );
    }
    // Dots a client would resolve, sent as they are.
    for target in [
        "/../../etc/passwd",
        "/v1/rule-sets/../../../etc/passwd/x",
        "/app.js/../../Cargo.toml",
    ] {
        let answer = raw(
            &server().addr,
            format!("GET {target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").as_bytes(),
            Duration::from_secs(10),
        );
        assert!(answer.starts_with("HTTP/1.1 404"), "{target}: {answer}");
        assert!(
            !answer.contains("root:") && !answer.contains("[workspace]"),
            "{target}"
        );
    }
}

#[test]
fn cors_headers_are_sent_only_with_cors_and_only_for_that_origin() {
    let s = Server::shipped(&["--cors", "https://desk.example"]);
    let r = s
        .request("GET", "/v1/health")
        .header("origin", "https://desk.example")
        .send();
    r.expect(200);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://desk.example")
    );
    assert!(
        r.header("access-control-expose-headers")
            .is_some_and(|h| h.contains("inforce-rules-digest"))
    );
    let r = s
        .request("GET", "/v1/health")
        .header("origin", "https://other.example")
        .send();
    assert_ne!(
        r.header("access-control-allow-origin"),
        Some("https://other.example")
    );
    assert_ne!(r.header("access-control-allow-origin"), Some("*"));
    let r = s
        .request("OPTIONS", "/v1/eval")
        .header("origin", "https://desk.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send();
    assert!(r.status < 300, "preflight: {}", r.status);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://desk.example")
    );
    assert!(
        r.header("access-control-allow-methods")
            .is_some_and(|m| m.contains("POST"))
    );
}

// --- limits -----------------------------------------------------------------------------------

/// A POST whose body is sent in chunks, by hand, so a test can stop half
/// way and finish later.
struct Chunked {
    stream: TcpStream,
}

impl Chunked {
    fn start(addr: &str, path: &str) -> Chunked {
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-ndjson\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        )
        .unwrap();
        Chunked { stream }
    }

    fn send(&mut self, bytes: &[u8]) {
        write!(self.stream, "{:x}\r\n", bytes.len()).unwrap();
        self.stream.write_all(bytes).unwrap();
        self.stream.write_all(b"\r\n").unwrap();
        self.stream.flush().unwrap();
    }

    /// Ends the body and reads the whole response; the body is de-chunked.
    fn finish(mut self) -> (String, Vec<u8>) {
        self.stream.write_all(b"0\r\n\r\n").unwrap();
        self.stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        let mut all = Vec::new();
        self.stream.read_to_end(&mut all).unwrap();
        let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&all[..split]).into_owned();
        let mut rest = &all[split + 4..];
        let mut body = Vec::new();
        loop {
            let eol = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap(), 16).unwrap();
            rest = &rest[eol + 2..];
            if size == 0 {
                break;
            }
            body.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
        (head, body)
    }
}

#[test]
fn past_max_concurrent_a_request_waits_its_turn_then_gets_503() {
    let s = Server::shipped(&["--max-concurrent", "1", "--timeout", "1"]);
    // A batch holds its turn until its body ends.
    let mut held = Chunked::start(&s.addr, "/v1/batch");
    held.send(format!("{CASE}\n").as_bytes());
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let r = s.post_json("/v1/eval", CASE.as_bytes());
    r.expect(503);
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(r.error()["code"], "inforce::serve::busy");
    let (head, body) = held.finish();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(String::from_utf8(body).unwrap().lines().count(), 1);
    s.post_json("/v1/eval", CASE.as_bytes()).expect(200);
}

#[test]
fn a_body_that_never_ends_does_not_keep_its_turn_past_the_request_time() {
    let s = Server::shipped(&["--max-concurrent", "1", "--timeout", "1"]);
    let mut slow = TcpStream::connect(&s.addr).unwrap();
    write!(
        slow,
        "POST /v1/eval HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{{\"id\":"
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    // The slow request has had its time; the next one gets the turn.
    let r = s.post_json("/v1/eval", CASE.as_bytes());
    r.expect(200);
    slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut answer = String::new();
    let _ = slow.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 408") || answer.starts_with("HTTP/1.1 503"),
        "{answer}"
    );
}

// --- shutdown ---------------------------------------------------------------------------------

#[test]
fn on_sigterm_a_batch_in_flight_finishes_whole_then_the_server_exits() {
    let mut s = Server::shipped(&[]);
    let lines = generator::json_lines(400, 5);
    let input = lines.join("\n") + "\n";
    let (first, second) = input.as_bytes().split_at(input.len() / 2);
    let mut batch = Chunked::start(&s.addr, "/v1/batch");
    batch.send(first);
    std::thread::sleep(Duration::from_millis(500));
    s.signal("TERM");
    assert!(
        poll(Duration::from_secs(5), || s
            .stderr()
            .iter()
            .any(|l| l.contains("stopping"))
            .then_some(()))
        .is_some(),
        "{:?}",
        s.stderr()
    );
    // Soon after, no new connection is taken (the listener closes just
    // after the event is printed, so a connection may slip in before).
    assert!(
        poll(Duration::from_secs(3), || TcpStream::connect(&s.addr)
            .is_err()
            .then_some(()))
        .is_some(),
        "the server still takes connections after SIGTERM"
    );
    batch.send(second);
    let (head, body) = batch.finish();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(
        body,
        cli_batch(input.as_bytes(), None),
        "the batch's answer is whole"
    );
    let status = s
        .wait_exit(Duration::from_secs(10))
        .expect("the server exits");
    assert!(status.success(), "{status:?}");
}

#[test]
fn after_sigterm_the_grace_time_bounds_how_long_a_stuck_request_keeps_the_server() {
    let mut s = Server::shipped(&["--grace", "1"]);
    let mut stuck = Chunked::start(&s.addr, "/v1/batch");
    stuck.send(format!("{CASE}\n").as_bytes());
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    s.signal("TERM");
    let status = s.wait_exit(Duration::from_secs(10));
    assert!(
        status.is_some(),
        "the server still runs 10 s after SIGTERM with --grace 1"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(stuck);
}

// --- the rules' fault -------------------------------------------------------------------------

#[test]
fn an_endless_rule_script_is_a_500_in_json_that_names_the_rule_and_later_requests_are_answered() {
    let s = Server::start(&workspace(), &["--rules", "tests/fixtures/endless"]);
    let case =
        std::fs::read(workspace().join("tests/fixtures/cases/secret-holder-tourism-2005.yaml"))
            .unwrap();
    let started = Instant::now();
    let r = s
        .request("POST", "/v1/eval")
        .header("content-type", "application/yaml")
        .body(&case)
        .send();
    r.expect(500);
    assert!(started.elapsed() < Duration::from_secs(10));
    spec().check("post", "/v1/eval", &r);
    let e = r.error();
    let text = e.to_string();
    assert!(text.contains("never-ends"), "{e:#}");
    assert!(text.contains("2001-07-26.yaml"), "{e:#}");
    // A batch says it on the line, and goes on.
    let r = s
        .request("POST", "/v1/batch")
        .body(format!("{}\n{}\n", "{\"id\": \"a\", \"date\": \"2005-06-10\", \"person\": {\"citizenship\": \"KZ\", \"secret_holder\": true}, \"trip\": {\"direction\": \"exit\", \"purpose\": \"tourism\"}}", "{\"id\": \"b\"").as_bytes())
        .send();
    r.expect(200);
    let lines: Vec<Value> = r
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["line"], 2);
    s.get("/v1/health").expect(200);
}

// --- many at once ------------------------------------------------------------------------------

#[test]
fn many_clients_at_once_each_get_the_answer_to_their_own_case() {
    let lines = generator::json_lines(64, 21);
    let cli = String::from_utf8(cli_batch((lines.join("\n") + "\n").as_bytes(), None)).unwrap();
    let want: Vec<Value> = cli
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    std::thread::scope(|scope| {
        for t in 0..16 {
            let lines = &lines;
            let want = &want;
            scope.spawn(move || {
                for round in 0..3 {
                    for i in (t..lines.len()).step_by(16) {
                        let r = server().post_json("/v1/eval", lines[i].as_bytes());
                        if want[i].get("error").is_some() {
                            assert!(r.status >= 400);
                        } else {
                            assert_eq!(r.json(), want[i], "case {i}, round {round}");
                        }
                    }
                }
            });
        }
    });
}

#[test]
fn a_request_head_too_long_is_refused_and_the_server_answers_on() {
    // Long but within the HTTP layer's buffer: the router answers, in JSON.
    let r = server().get(&format!("/v1/health?{}", "a".repeat(60_000)));
    r.expect(400);
    assert_security_headers(&r, "a long query");
    // Past it: the HTTP layer refuses the head before any route sees it.
    let answer = raw(
        &server().addr,
        format!(
            "GET /v1/health?{} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
            "a".repeat(1 << 20)
        )
        .as_bytes(),
        Duration::from_secs(10),
    );
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    server().get("/v1/health").expect(200);
}
