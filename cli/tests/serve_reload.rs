//! Reload tests of `inforce serve` through the built binary: a copy of the
//! shipped rules is served and edited while it runs. An edit is served
//! with its new digest; a broken edit leaves the tree before it live, with
//! `/v1/health` saying `stale` and where the problem is; fixing it serves
//! the fix. Not here: the API itself (`serve_api.rs`).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

mod serve_support;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use serve_support::{Server, Spec, copy_dir, poll, workspace};

/// The file edited, relative to the rules directory.
const FILE: &str = "kz/citizens-departure/2001-07-26.yaml";
/// A citation in it, of the rule that decides [`CASE`]'s exit visa.
const CITE: &str = "Decree No. 1010 of 26 July 2001, Rules, items 2 and 5 (second paragraph)";
/// Decided by that rule: a citizen leaving as a tourist in 2010.
const CASE: &str = r#"{"id": "reload", "date": "2010-08-01", "person": {"citizenship": "KZ", "secret_holder": false}, "trip": {"direction": "exit", "purpose": "tourism"}}"#;

/// Writes `text` to `path` whole: a temporary file renamed over it, as an
/// editor saves, so the server never reads half a file.
fn save(path: &Path, text: &str) {
    let tmp = path.with_extension("yaml.tmp~");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn health(s: &Server) -> Value {
    let r = s.get("/v1/health");
    r.expect(200);
    r.json()
}

/// Polls `/v1/health` up to 5 s until `done` holds.
fn wait_health(s: &Server, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    poll(Duration::from_secs(5), || {
        let h = health(s);
        done(&h).then_some(h)
    })
    .unwrap_or_else(|| {
        panic!(
            "{what}: not seen within 5 s; health: {:#}; stderr: {:?}",
            health(s),
            s.stderr()
        )
    })
}

/// Polls the server's standard error up to 5 s for a line containing
/// `text`: the server may report a reload a moment after serving it, and
/// the reader of its pipe may lag further on a busy machine.
fn wait_stderr(s: &Server, text: &str) {
    if poll(Duration::from_secs(5), || {
        s.stderr().iter().any(|l| l.contains(text)).then_some(())
    })
    .is_none()
    {
        panic!("no `{text}` on stderr within 5 s: {:?}", s.stderr());
    }
}

/// The citation and the digest `/v1/eval` answers [`CASE`] with.
fn eval(s: &Server) -> (String, String) {
    let r = s.post_json("/v1/eval", CASE.as_bytes());
    r.expect(200);
    let v = r.json();
    let o = &v["outcomes"]["exit_visa_required"];
    assert_eq!(o["status"], "decided", "{v:#}");
    let digest = v["rules"]["digest"].as_str().unwrap().to_string();
    assert_eq!(r.header("inforce-rules-digest"), Some(digest.as_str()));
    (o["by"][0]["cite"].as_str().unwrap().to_string(), digest)
}

#[test]
fn an_edit_is_served_a_broken_edit_leaves_the_old_tree_and_a_fix_is_served() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    copy_dir(&workspace().join("rules"), &rules);
    let s = Server::start(tmp.path(), &["--rules", "rules"]);
    let spec = Spec::new(s.get("/openapi.json").json());
    let file = rules.join(FILE);
    let original = std::fs::read_to_string(&file).unwrap();
    assert!(original.contains(CITE));

    let first = health(&s);
    assert_eq!(
        (first["status"].as_str(), first["reload"]["state"].as_str()),
        (Some("ok"), Some("ok"))
    );
    let first_digest = first["rules"]["digest"].as_str().unwrap().to_string();
    assert_eq!(eval(&s), (CITE.to_string(), first_digest.clone()));

    // 1. An edit: a new citation, a new digest.
    let edited = original.replace(CITE, "Decree No. 1010, item 5 as edited");
    save(&file, &edited);
    let h = wait_health(&s, "the edit served", |h| {
        h["rules"]["digest"] != first_digest.as_str()
    });
    assert_eq!(h["status"], "ok");
    let edited_digest = h["rules"]["digest"].as_str().unwrap().to_string();
    assert_eq!(
        eval(&s),
        (
            "Decree No. 1010, item 5 as edited".to_string(),
            edited_digest.clone()
        )
    );
    wait_stderr(&s, "rules reloaded");

    // 2. Broken YAML: stale, with the place; the edited tree still answers.
    save(
        &file,
        &edited.replace(
            "  - id: no-permission-other-purposes\n",
            "  - id: [no-permission\n",
        ),
    );
    let h = wait_health(&s, "bad YAML reported", |h| h["status"] == "stale");
    check_stale(&spec, &s, &h, &edited_digest);
    assert_eq!(
        eval(&s),
        (
            "Decree No. 1010, item 5 as edited".to_string(),
            edited_digest.clone()
        )
    );

    // 3. Fixed, then broken again another way: a fact no one declared.
    save(&file, &edited);
    wait_health(&s, "the fix served", |h| h["status"] == "ok");
    save(
        &file,
        &edited.replace(
            "when: person.secret_holder\n",
            "when: person.shoe_size > 40\n",
        ),
    );
    let h = wait_health(&s, "unknown fact reported", |h| h["status"] == "stale");
    check_stale(&spec, &s, &h, &edited_digest);
    let problem = &h["reload"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["severity"] == "error")
        .unwrap();
    assert!(
        problem["message"].as_str().unwrap().contains("shoe_size"),
        "{problem:#}"
    );
    let line = problem["line"].as_u64().unwrap() as usize;
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.lines().nth(line - 1).unwrap().contains("shoe_size"),
        "line {line} is not the one with the unknown fact"
    );
    assert_eq!(eval(&s).1, edited_digest);

    // 4. Put back as it was: the first tree again, and ok.
    save(&file, &original);
    let h = wait_health(&s, "the original served", |h| {
        h["status"] == "ok" && h["rules"]["digest"] == first_digest.as_str()
    });
    assert_eq!(h["reload"]["state"], "ok");
    assert_eq!(eval(&s), (CITE.to_string(), first_digest));
}

/// `/v1/health` when the latest edit failed: stale, every problem with
/// the file, line and column, valid against the document; and the digest
/// served is the one before the edit.
fn check_stale(spec: &Spec, s: &Server, h: &Value, served: &str) {
    let r = s.get("/v1/health");
    spec.check("get", "/v1/health", &r);
    assert_eq!(h["reload"]["state"], "failed", "{h:#}");
    assert_eq!(h["rules"]["digest"], served);
    let problems = h["reload"]["problems"].as_array().unwrap();
    let errors: Vec<&Value> = problems
        .iter()
        .filter(|p| p["severity"] == "error")
        .collect();
    assert!(!errors.is_empty(), "{h:#}");
    for p in errors {
        let file = p["file"]
            .as_str()
            .unwrap_or_else(|| panic!("no file: {p:#}"));
        assert!(file.ends_with("2001-07-26.yaml"), "{p:#}");
        assert!(p["line"].as_u64().is_some_and(|l| l > 1), "{p:#}");
        assert!(p["column"].as_u64().is_some_and(|c| c >= 1), "{p:#}");
    }
    wait_stderr(s, "still served");
}

#[test]
fn a_new_rule_file_is_picked_up_and_a_deleted_one_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    copy_dir(&workspace().join("rules"), &rules);
    let s = Server::start(tmp.path(), &["--rules", "rules"]);
    let before = health(&s)["rules"]["digest"].as_str().unwrap().to_string();
    let versions = |s: &Server| -> usize {
        s.get("/v1/rule-sets").json()["rule_sets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["versions"].as_array().unwrap().len())
            .sum()
    };
    let count = versions(&s);
    // A copy of a rule set under another id: a new rule set of one version.
    let text = std::fs::read_to_string(rules.join("kz/french-nationals/2017-01-01.yaml")).unwrap();
    std::fs::create_dir(rules.join("kz/french-copy")).unwrap();
    let later = rules.join("kz/french-copy/2017-01-01.yaml");
    let copy = text.replace("rule_set: kz.french-nationals", "rule_set: kz.french-copy");
    std::fs::write(&later, &copy).unwrap();
    wait_health(&s, "the new file served", |h| {
        h["status"] == "ok" && h["rules"]["digest"] != before.as_str()
    });
    assert_eq!(versions(&s), count + 1);
    s.get("/v1/rule-sets/kz.french-copy/2017-01-01").expect(200);
    std::fs::remove_file(&later).unwrap();
    wait_health(&s, "the deletion served", |h| {
        h["status"] == "ok" && h["rules"]["digest"] == before.as_str()
    });
    assert_eq!(versions(&s), count);
}
