//! End-to-end tests of the `inforce` binary: each test runs the built binary
//! as a caseworker or an analyst would and checks its exit code, stdout and
//! stderr against `/work/shared/spec/cli.md`.

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

mod workspace_support;
use workspace_support::{copy_dir, workspace};

// --- helpers -----------------------------------------------------------------

fn case_fixture(name: &str) -> PathBuf {
    workspace()
        .join("tests/fixtures/cases")
        .join(format!("{name}.yaml"))
}

/// The binary, run from the workspace root, with no `INFORCE_RULES` leaking
/// in from the environment of whoever runs the tests.
fn inforce() -> Command {
    let mut cmd = Command::cargo_bin("inforce").expect("the inforce binary is built");
    cmd.current_dir(workspace())
        .env_remove("INFORCE_RULES")
        .timeout(Duration::from_secs(60));
    cmd
}

/// What one run of the binary left behind.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "the binary panicked:\n{}",
            self.stderr
        );
        self
    }
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `inforce eval CASE --rules rules --format json` from the workspace root.
fn eval_json(case: &Path, extra: &[&str]) -> Value {
    let r = run(inforce()
        .args(["eval", "--rules", "rules", "--format", "json"])
        .arg(case)
        .args(extra));
    r.expect_code(0);
    r.json()
}

fn outcome<'a>(result: &'a Value, name: &str) -> &'a Value {
    result["outcomes"]
        .get(name)
        .unwrap_or_else(|| panic!("no outcome `{name}` in {result:#}"))
}

fn assert_decided(result: &Value, name: &str, expected: &Value) {
    let o = outcome(result, name);
    assert_eq!(o["status"], "decided", "{name}: {o:#}");
    match (expected, &o["value"]) {
        // Lists are compared as sets (examples/README.md).
        (Value::Array(want), Value::Array(got)) => {
            let want: BTreeSet<String> = want.iter().map(Value::to_string).collect();
            let got: BTreeSet<String> = got.iter().map(Value::to_string).collect();
            assert_eq!(got, want, "{name}: {o:#}");
        }
        (want, got) => assert_eq!(got, want, "{name}: {o:#}"),
    }
}

fn assert_status(result: &Value, name: &str, status: &str) {
    let o = outcome(result, name);
    assert_eq!(o["status"], status, "{name}: {o:#}");
}

fn needs(result: &Value, name: &str) -> Vec<String> {
    outcome(result, name)["needs"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn is_date(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        let b = s.as_bytes();
        b.len() == 10
            && b.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                _ => c.is_ascii_digit(),
            })
    })
}

fn is_digest(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 64
            && s.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    })
}

/// The JSON result of `eval`, as `cli.md` fixes it.
fn assert_result_shape(r: &Value, with_trace: bool) {
    let keys: BTreeSet<&str> = r
        .as_object()
        .expect("the result is an object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut want: BTreeSet<&str> = [
        "case",
        "date",
        "rules",
        "rule_sets",
        "outcomes",
        "explanation",
    ]
    .into();
    if with_trace {
        want.insert("trace");
    }
    assert_eq!(keys, want, "top-level keys of {r:#}");

    assert!(r["case"].as_str().is_some_and(|s| !s.is_empty()), "case");
    assert!(is_date(&r["date"]), "date: {}", r["date"]);
    assert!(
        r["rules"]["source"].as_str().is_some_and(|s| !s.is_empty()),
        "rules.source: {}",
        r["rules"]
    );
    assert!(
        is_digest(&r["rules"]["digest"]),
        "rules.digest: {}",
        r["rules"]
    );

    for v in r["rule_sets"].as_array().expect("rule_sets is a list") {
        assert!(v["id"].as_str().is_some(), "rule_sets[].id: {v}");
        assert!(v["version"].as_str().is_some(), "rule_sets[].version: {v}");
        assert!(is_date(&v["in_force"]["from"]), "in_force.from: {v}");
        if let Some(until) = v["in_force"].get("until") {
            assert!(is_date(until), "in_force.until: {v}");
        }
    }

    let outcomes = r["outcomes"].as_object().expect("outcomes is an object");
    for (name, o) in outcomes {
        let by = o.get("by").and_then(Value::as_array);
        for b in by.into_iter().flatten() {
            for key in ["rule", "rule_set", "version", "cite"] {
                assert!(
                    b[key].as_str().is_some_and(|s| !s.is_empty()),
                    "{name}.by[].{key}: {o:#}"
                );
            }
        }
        match o["status"].as_str() {
            Some("decided") => assert!(o.get("value").is_some(), "{name}: {o:#}"),
            Some("missing_facts") => {
                assert!(o["value"].is_null(), "{name}: {o:#}");
                assert!(!needs(r, name).is_empty(), "{name} needs nothing: {o:#}");
            }
            Some("undetermined") => {
                assert!(o["value"].is_null(), "{name}: {o:#}");
                assert!(
                    o["reason"].as_str().is_some_and(|s| !s.is_empty()),
                    "{name} has no reason: {o:#}"
                );
            }
            Some("conflict") => assert!(by.is_some_and(|b| !b.is_empty()), "{name}: {o:#}"),
            other => panic!("{name}: unknown status {other:?}"),
        }
    }

    let explanation = r["explanation"].as_array().expect("explanation is a list");
    assert!(explanation.iter().all(Value::is_string), "explanation");

    if with_trace {
        let trace = r["trace"].as_array().expect("trace is a list");
        assert!(!trace.is_empty(), "the trace is empty");
        for t in trace {
            for key in ["rule_set", "version", "rule", "detail"] {
                assert!(t[key].as_str().is_some(), "trace[].{key}: {t}");
            }
            assert!(
                ["held", "false", "unknown", "out of scope", "not in force"]
                    .contains(&t["condition"].as_str().unwrap_or_default()),
                "trace[].condition: {t}"
            );
        }
    }
}

/// Joins the lines miette wraps at its width back together (a continuation
/// line starts with `│`), so that a long path can be looked for whole.
fn unwrapped(stderr: &str) -> String {
    let mut out = String::new();
    for line in stderr.lines() {
        match line.trim_start().strip_prefix('│') {
            Some(rest) if !out.is_empty() => out.push_str(rest.trim_start()),
            _ => {
                out.push('\n');
                out.push_str(line);
            }
        }
    }
    out
}

/// Evaluates a case file holding `bytes`, named `case.yaml` in a fresh
/// directory the binary runs in, against the shipped rules.
fn eval_bad_case(bytes: &[u8]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("case.yaml"), bytes).unwrap();
    let r = run(inforce()
        .current_dir(dir.path())
        .args(["eval", "case.yaml", "--rules"])
        .arg(workspace().join("rules")));
    r.expect_code(2);
    r
}

// --- check -------------------------------------------------------------------

#[test]
fn check_accepts_the_shipped_rules_and_names_where_they_came_from() {
    let r = run(inforce().args(["check", "--rules", "rules"]));
    r.expect_code(0);
    assert!(r.stdout.contains("ok rules:"), "{}", r.stdout);
}

/// A rules tree with a declarations file and one version whose rule has a
/// misspelt `when`, in `<dir>/rules`.
fn broken_tree(dir: &Path) {
    let root = dir.join("rules/kz/s");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        dir.join("rules/kz/declarations.yaml"),
        "facts:\n  person.citizenship:\n    type: string\n    description: Citizenship.\n\
         outcomes:\n  exit_visa_required:\n    type: bool\n    description: An exit visa is needed.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("2001-07-26.yaml"),
        "rule_set: kz.s\n\
         version: 2001-07-26\n\
         title: A test rule set\n\
         in_force: {from: 2001-07-26}\n\
         source:\n  act: Test act\n  number: \"1\"\n  date: 2001-07-26\n  read_at: nowhere\n\
         rules:\n\
         \x20 - id: r\n\
         \x20   cite: item 1\n\
         \x20   summary: s\n\
         \x20   wehn: person.citizenship == \"KZ\"\n\
         \x20   then:\n\
         \x20     exit_visa_required: true\n",
    )
    .unwrap();
}

#[test]
fn check_rejects_a_misspelt_key_with_its_file_line_column_and_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    broken_tree(dir.path());
    let r = run(inforce()
        .current_dir(dir.path())
        .args(["check", "--rules", "rules"]));
    r.expect_code(1);
    assert!(
        r.stderr.contains("rules/kz/s/2001-07-26.yaml:14:5"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("wehn"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean `when`"), "{}", r.stderr);
    // The offending line is shown.
    assert!(
        r.stderr.contains("wehn: person.citizenship == \"KZ\""),
        "{}",
        r.stderr
    );
}

#[test]
fn check_reports_every_problem_not_just_the_first() {
    let dir = tempfile::tempdir().unwrap();
    broken_tree(dir.path());
    let file = dir.path().join("rules/kz/s/2001-07-26.yaml");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("title:", "tittle:");
    std::fs::write(&file, text).unwrap();
    let r = run(inforce()
        .current_dir(dir.path())
        .args(["check", "--rules", "rules"]));
    r.expect_code(1);
    assert!(r.stderr.contains("did you mean `when`"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean `title`"), "{}", r.stderr);
    assert!(r.stderr.contains("tittle"), "{}", r.stderr);
    assert!(r.stdout.starts_with("failed:"), "{}", r.stdout);
}

// --- eval: the public examples -----------------------------------------------

/// An example's expected outcomes: name, and the decided value (`None`:
/// undetermined).
type Expected = Vec<(&'static str, Option<Value>)>;

/// The public examples of `/work/shared/spec/examples/` that the shipped rules
/// cover, with their `expect:` part.
fn examples() -> Vec<(&'static str, Expected)> {
    use serde_json::json;
    vec![
        (
            "secret-holder-tourism-2005",
            vec![
                ("exit_visa_required", Some(json!(true))),
                ("exit_visa_issuers", Some(json!(["organization_head"]))),
            ],
        ),
        (
            "citizen-tourism-2010",
            vec![
                ("exit_visa_required", Some(json!(false))),
                ("exit_permitted", Some(json!(true))),
            ],
        ),
        (
            "citizen-after-repeal-2014",
            vec![("exit_visa_required", None)],
        ),
        (
            "emigration-2008-leap-year",
            vec![
                ("exit_visa_required", Some(json!(true))),
                ("exit_visa_issuers", Some(json!(["internal_affairs"]))),
                ("may_petition", Some(json!(true))),
                (
                    "documents_required",
                    Some(json!([
                        "questionnaire",
                        "identity_documents",
                        "military_deregistration"
                    ])),
                ),
                (
                    "documents_missing",
                    Some(json!(["military_deregistration"])),
                ),
                ("decision_due_by", Some(json!("2008-02-29"))),
            ],
        ),
    ]
}

#[test]
fn eval_gives_each_public_example_the_outcomes_it_expects() {
    for (name, expected) in examples() {
        let r = eval_json(&case_fixture(name), &[]);
        assert_eq!(r["case"], name);
        for (outcome_name, value) in expected {
            match value {
                Some(v) => assert_decided(&r, outcome_name, &v),
                None => assert_status(&r, outcome_name, "undetermined"),
            }
        }
    }
}

#[test]
fn eval_json_has_the_shape_cli_md_fixes_for_every_example() {
    for (name, _) in examples() {
        let r = eval_json(&case_fixture(name), &[]);
        assert_result_shape(&r, false);
        assert_eq!(r["rules"]["source"], "rules");
    }
}

#[test]
fn eval_json_names_the_rules_and_versions_each_decision_rests_on() {
    let r = eval_json(&case_fixture("secret-holder-tourism-2005"), &[]);
    assert_eq!(r["date"], "2005-06-10");
    let by = &outcome(&r, "exit_visa_required")["by"][0];
    assert_eq!(by["rule"], "secret-holder-exit-visa");
    assert_eq!(by["rule_set"], "kz.citizens-departure");
    assert_eq!(by["version"], "2001-07-26");
    assert!(by["cite"].as_str().unwrap().contains("item 4"), "{by}");
    let sets = r["rule_sets"].as_array().unwrap();
    let departure = sets
        .iter()
        .find(|v| v["id"] == "kz.citizens-departure")
        .expect("the departure rule set is in force");
    assert_eq!(departure["version"], "2001-07-26");
    assert_eq!(departure["in_force"]["from"], "2001-07-26");
    assert_eq!(departure["in_force"]["until"], "2012-03-28");
}

#[test]
fn eval_with_explain_adds_a_trace_of_every_rule_considered() {
    let r = eval_json(&case_fixture("secret-holder-tourism-2005"), &["--explain"]);
    assert_result_shape(&r, true);
    let trace = r["trace"].as_array().unwrap();
    assert!(
        trace
            .iter()
            .any(|t| t["rule"] == "secret-holder-exit-visa" && t["condition"] == "held"),
        "{trace:#?}"
    );
    assert!(
        trace
            .iter()
            .any(|t| t["rule"] == "secret-holder-visa-from-homeland-security"
                && t["condition"] == "false"),
        "{trace:#?}"
    );
}

#[test]
fn eval_without_explain_has_no_trace() {
    let r = eval_json(&case_fixture("citizen-tourism-2010"), &[]);
    assert!(r.get("trace").is_none(), "{r:#}");
}

#[test]
fn date_overrides_the_case_date_and_a_repealed_decree_decides_nothing() {
    let r = eval_json(
        &case_fixture("secret-holder-tourism-2005"),
        &["--date", "2014-05-05"],
    );
    assert_result_shape(&r, false);
    assert_eq!(r["case"], "secret-holder-tourism-2005");
    assert_eq!(r["date"], "2014-05-05");
    for name in ["exit_visa_required", "exit_visa_issuers"] {
        assert_status(&r, name, "undetermined");
        let reason = outcome(&r, name)["reason"].as_str().unwrap();
        assert!(reason.contains("repealed"), "{name}: {reason}");
        assert!(reason.contains("2012-03-28"), "{name}: {reason}");
    }
    assert!(
        r["rule_sets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["id"] == "kz.citizens-departure" && v["version"] == "2012-03-28"),
        "{:#}",
        r["rule_sets"]
    );
}

#[test]
fn an_impossible_date_flag_is_refused_before_anything_runs() {
    let r = run(inforce()
        .args(["eval", "--rules", "rules", "--date", "2005-02-30"])
        .arg(case_fixture("citizen-tourism-2010")));
    r.expect_code(2);
    assert!(r.stderr.contains("2005-02-30"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}

// --- eval: reading the case --------------------------------------------------

#[test]
fn eval_reads_a_yaml_case_from_stdin_with_a_dash() {
    let path = case_fixture("emigration-2008-leap-year");
    let from_file = eval_json(&path, &[]);
    let r = run(inforce()
        .args(["eval", "-", "--rules", "rules", "--format", "json"])
        .write_stdin(std::fs::read(&path).unwrap()));
    r.expect_code(0);
    let from_stdin = r.json();
    assert_result_shape(&from_stdin, false);
    assert_eq!(from_stdin["case"], "emigration-2008-leap-year");
    assert_eq!(from_stdin["outcomes"], from_file["outcomes"]);
}

#[test]
fn eval_reads_a_json_case_from_stdin_with_a_dash() {
    let from_file = eval_json(&case_fixture("citizen-tourism-2010"), &[]);
    let case = serde_json::json!({
        "id": "citizen-tourism-2010",
        "date": "2010-08-01",
        "person": {"citizenship": "KZ", "birth_date": "1984-11-30", "secret_holder": false},
        "trip": {"direction": "exit", "purpose": "tourism"},
        "restrictions": {"criminal_proceedings": false, "civil_proceedings": false,
                         "sentence_unserved": false, "compulsory_military_service": false,
                         "false_documents": false}
    });
    let r = run(inforce()
        .args(["eval", "-", "--rules", "rules", "--format", "json"])
        .write_stdin(case.to_string()));
    r.expect_code(0);
    let from_stdin = r.json();
    assert_result_shape(&from_stdin, false);
    assert_eq!(from_stdin["outcomes"], from_file["outcomes"]);
    assert_decided(&from_stdin, "exit_permitted", &Value::Bool(true));
}

#[test]
fn a_case_without_an_id_is_named_after_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("walk-in.yaml");
    std::fs::write(&path, "date: 2005-06-10\nperson: {citizenship: KZ}\n").unwrap();
    let r = eval_json(&path, &[]);
    assert_eq!(r["case"], "walk-in");
}

// --- eval: bad input ---------------------------------------------------------

#[test]
fn a_misspelt_case_field_is_refused_with_its_line_and_the_closest_name() {
    let r =
        eval_bad_case(b"id: typo\ndate: 2005-06-10\nperson:\n  citizenship: KZ\n  marrid: true\n");
    assert!(r.stderr.contains("case.yaml:5:3"), "{}", r.stderr);
    assert!(r.stderr.contains("person.marrid"), "{}", r.stderr);
    assert!(
        r.stderr.contains("did you mean `person.married`"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}

#[test]
fn a_fact_of_the_wrong_type_is_refused_saying_what_was_expected() {
    let r = eval_bad_case(
        b"id: wrong-type\ndate: 2005-06-10\nperson:\n  citizenship: KZ\n  married: \"yes\"\n",
    );
    assert!(r.stderr.contains("case.yaml:5:12"), "{}", r.stderr);
    assert!(r.stderr.contains("person.married"), "{}", r.stderr);
    assert!(r.stderr.contains("expected true or false"), "{}", r.stderr);
}

#[test]
fn a_value_outside_the_declared_ones_is_refused_with_the_closest_one() {
    let r = eval_bad_case(
        b"id: passport\ndate: 2005-06-10\nperson: {citizenship: KZ, passport: ordinery}\n",
    );
    assert!(r.stderr.contains("case.yaml:3:37"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean `ordinary`"), "{}", r.stderr);
}

#[test]
fn an_impossible_birth_date_is_refused() {
    let r = eval_bad_case(
        b"id: feb-30\ndate: 2005-06-10\nperson:\n  citizenship: KZ\n  birth_date: 2005-02-30\n",
    );
    assert!(r.stderr.contains("case.yaml:5:15"), "{}", r.stderr);
    assert!(r.stderr.contains("person.birth_date"), "{}", r.stderr);
    assert!(r.stderr.contains("2005-02-30"), "{}", r.stderr);
}

#[test]
fn a_missing_case_file_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(inforce()
        .current_dir(dir.path())
        .args(["eval", "no-such-case.yaml", "--rules"])
        .arg(workspace().join("rules")));
    r.expect_code(2);
    assert!(r.stderr.contains("no-such-case.yaml"), "{}", r.stderr);
}

#[test]
fn a_case_with_no_date_and_no_date_flag_is_refused_saying_how_to_give_one() {
    let r = eval_bad_case(b"id: undated\nperson: {citizenship: KZ}\n");
    assert!(r.stderr.contains("--date"), "{}", r.stderr);
    assert!(r.stderr.contains("date:"), "{}", r.stderr);
}

#[test]
fn a_case_with_no_date_is_evaluated_on_the_date_flag() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("undated.yaml");
    std::fs::write(&path, "id: undated\nperson: {citizenship: KZ}\n").unwrap();
    let r = eval_json(&path, &["--date", "2005-06-10"]);
    assert_eq!(r["date"], "2005-06-10");
}

#[test]
fn a_case_file_that_is_not_utf8_is_refused() {
    let r = eval_bad_case(b"id: latin1\ndate: 2005-06-10\nperson: {citizenship: \"K\xff\xfeZ\"}\n");
    assert!(r.stderr.contains("case.yaml"), "{}", r.stderr);
    assert!(r.stderr.contains("UTF-8"), "{}", r.stderr);
}

#[test]
fn an_empty_case_file_is_refused() {
    let r = eval_bad_case(b"");
    assert!(r.stderr.contains("empty"), "{}", r.stderr);
}

#[test]
fn a_case_that_is_not_a_mapping_is_refused() {
    let r = eval_bad_case(b"- just\n- a list\n");
    assert!(r.stderr.contains("case.yaml:1:1"), "{}", r.stderr);
}

#[test]
fn a_case_with_broken_yaml_is_refused_with_its_position() {
    let r = eval_bad_case(b"id: broken\ndate: 2005-06-10\nperson: {citizenship: KZ\n");
    assert!(r.stderr.contains("case.yaml"), "{}", r.stderr);
}

#[test]
fn a_pathologically_nested_case_is_refused_without_overflowing_the_stack() {
    let mut text = String::from("id: deep\ndate: 2005-06-10\nperson: ");
    text.push_str(&"[".repeat(100_000));
    text.push_str(&"]".repeat(100_000));
    text.push('\n');
    eval_bad_case(text.as_bytes());
}

#[test]
fn unusable_rules_are_refused_by_eval_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    broken_tree(dir.path());
    let r = run(inforce()
        .current_dir(dir.path())
        .args(["eval", "--rules", "rules"])
        .arg(case_fixture("citizen-tourism-2010")));
    r.expect_code(2);
    assert!(r.stderr.contains("inforce check"), "{}", r.stderr);
}

// --- eval: missing and known-absent facts -------------------------------------

#[test]
fn a_citizen_leaving_with_an_unknown_purpose_gets_missing_facts_naming_the_purpose() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-purpose.yaml");
    std::fs::write(
        &path,
        "id: no-purpose\n\
         date: 2008-04-01\n\
         person: {citizenship: KZ, birth_date: 1972-09-09, married: true, incapacitated: false, secret_holder: false, military_registered: false, alimony_dependants: false}\n\
         trip: {direction: exit}\n\
         application: {complete_on: 2008-01-31, documents: [questionnaire, identity_documents]}\n",
    )
    .unwrap();
    let r = eval_json(&path, &[]);
    assert_result_shape(&r, false);
    for name in [
        "may_petition",
        "documents_required",
        "documents_missing",
        "decision_due_by",
    ] {
        assert_status(&r, name, "missing_facts");
        assert!(
            needs(&r, name).contains(&"trip.purpose".to_string()),
            "{name}: {:#}",
            outcome(&r, name)
        );
        assert!(outcome(&r, name)["value"].is_null());
    }
}

/// A secret-holder emigrating in 2008 with every restriction known false;
/// `left_state_service` is the `left_state_service_on` entry, if any.
fn secret_holder_emigrating(left_state_service: &str) -> String {
    format!(
        "id: secret-holder-emigrating\n\
         date: 2008-04-01\n\
         person: {{citizenship: KZ, birth_date: 1972-09-09, married: true, incapacitated: false, secret_holder: true, secret_org_liquidated: false{left_state_service}, military_registered: false, alimony_dependants: false}}\n\
         trip: {{direction: exit, purpose: permanent_residence}}\n\
         restrictions: {{criminal_proceedings: false, civil_proceedings: false, sentence_unserved: false, compulsory_military_service: false, false_documents: false}}\n\
         application: {{complete_on: 2008-01-31, documents: [questionnaire, identity_documents]}}\n"
    )
}

#[test]
fn a_known_null_date_of_leaving_service_is_not_a_missing_fact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("never-left.yaml");
    std::fs::write(
        &path,
        secret_holder_emigrating(", left_state_service_on: null"),
    )
    .unwrap();
    let r = eval_json(&path, &[]);
    for (name, o) in r["outcomes"].as_object().unwrap() {
        assert!(
            !needs(&r, name).contains(&"person.left_state_service_on".to_string()),
            "{name}: {o:#}"
        );
    }
    assert_decided(&r, "exit_permitted", &Value::Bool(true));
    assert_decided(&r, "exit_denial_grounds", &serde_json::json!([]));
}

#[test]
fn a_left_out_date_of_leaving_service_is_a_missing_fact_for_a_secret_holder_emigrating() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unknown-service.yaml");
    std::fs::write(&path, secret_holder_emigrating("")).unwrap();
    let r = eval_json(&path, &[]);
    for name in ["exit_permitted", "exit_denial_grounds"] {
        assert_status(&r, name, "missing_facts");
        assert!(
            needs(&r, name).contains(&"person.left_state_service_on".to_string()),
            "{name}: {:#}",
            outcome(&r, name)
        );
    }
    // What does not depend on it is still decided.
    assert_decided(&r, "exit_visa_required", &Value::Bool(true));
}

// --- eval: an endless script ----------------------------------------------------

#[test]
fn an_endless_rule_script_is_stopped_and_named_with_its_file() {
    let r = run(inforce()
        .args(["eval", "--rules", "tests/fixtures/endless"])
        .arg(case_fixture("secret-holder-tourism-2005"))
        .timeout(Duration::from_secs(10)));
    r.expect_code(2);
    assert!(r.stderr.contains("never-ends"), "{}", r.stderr);
    assert!(r.stderr.contains("test.endless"), "{}", r.stderr);
    assert!(r.stderr.contains("2001-07-26.yaml"), "{}", r.stderr);
    assert!(
        unwrapped(&r.stderr).contains("tests/fixtures/endless/kz/endless/2001-07-26.yaml"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}

#[test]
fn an_endless_rule_script_error_gives_the_file_path_on_one_line() {
    let r = run(inforce()
        .args(["eval", "--rules", "tests/fixtures/endless"])
        .arg(case_fixture("secret-holder-tourism-2005"))
        .timeout(Duration::from_secs(10)));
    r.expect_code(2);
    assert!(
        r.stderr
            .contains("tests/fixtures/endless/kz/endless/2001-07-26.yaml"),
        "{}",
        r.stderr
    );
}

// --- where the rules come from ---------------------------------------------------

#[cfg(feature = "embedded-rules")]
#[test]
fn without_rules_nearby_check_uses_the_embedded_rules() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(inforce().current_dir(dir.path()).arg("check"));
    r.expect_code(0);
    assert!(r.stdout.contains("ok embedded:"), "{}", r.stdout);
}

#[cfg(feature = "embedded-rules")]
#[test]
fn without_rules_nearby_eval_uses_the_embedded_rules() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(inforce()
        .current_dir(dir.path())
        .args(["eval", "--format", "json"])
        .arg(case_fixture("emigration-2008-leap-year")));
    r.expect_code(0);
    let json = r.json();
    assert_result_shape(&json, false);
    assert_eq!(json["rules"]["source"], "embedded");
    assert_decided(
        &json,
        "decision_due_by",
        &Value::String("2008-02-29".into()),
    );

    let text = run(inforce()
        .current_dir(dir.path())
        .arg("eval")
        .arg(case_fixture("emigration-2008-leap-year")));
    text.expect_code(0);
    assert!(text.stdout.contains("Rules: embedded"), "{}", text.stdout);
}

/// Built without the shipped rules (`--no-default-features`), a binary
/// given no rules says where it looked and how to give rules, for every
/// command that reads rules, and never runs on without them.
#[cfg(not(feature = "embedded-rules"))]
#[test]
fn without_rules_nearby_and_none_embedded_every_command_says_where_it_looked_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let case = case_fixture("citizen-tourism-2010");
    let case = case.to_str().unwrap();
    let cases = dir.path().join("cases.jsonl");
    std::fs::write(&cases, "{}\n").unwrap();
    let cases = cases.to_str().unwrap();
    for args in [
        vec!["check"],
        vec!["eval", case],
        vec!["history", case],
        vec!["batch", cases],
        vec!["test"],
        vec!["timeline"],
        vec!["schema", "case"],
    ] {
        let r = run(inforce().current_dir(dir.path()).args(&args));
        r.expect_code(2);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        let where_ = format!("(`{}`)", dir.path().display());
        for needle in [
            "no rules found",
            "`INFORCE_RULES`",
            where_.as_str(),
            "cargo feature `embedded-rules`",
            "give `--rules DIR`",
        ] {
            assert!(
                r.stderr.contains(needle),
                "{args:?}: {needle}: {}",
                r.stderr
            );
        }
    }
    // The rules schema needs no rules.
    run(inforce().current_dir(dir.path()).args(["schema", "rules"])).expect_code(0);
}

#[test]
fn a_rules_directory_in_the_current_directory_is_used_before_the_embedded_rules() {
    let r = run(inforce()
        .args(["eval", "--format", "json"])
        .arg(case_fixture("citizen-tourism-2010")));
    r.expect_code(0);
    assert_eq!(r.json()["rules"]["source"], "rules");
}

#[test]
fn the_inforce_rules_variable_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let rules = workspace().join("rules");
    let r = run(inforce()
        .current_dir(dir.path())
        .env("INFORCE_RULES", &rules)
        .args(["eval", "--format", "json"])
        .arg(case_fixture("citizen-tourism-2010")));
    r.expect_code(0);
    assert_eq!(
        r.json()["rules"]["source"],
        rules.display().to_string().as_str()
    );

    // A variable pointing at nothing usable is an error, not a silent
    // fallback: the input cannot be used, exit code 2.
    let r = run(inforce()
        .current_dir(dir.path())
        .env("INFORCE_RULES", dir.path().join("nowhere"))
        .arg("check"));
    r.expect_code(2);
    assert!(r.stderr.contains("nowhere"), "{}", r.stderr);
}

#[test]
fn the_rules_flag_beats_the_inforce_rules_variable() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(inforce()
        .current_dir(dir.path())
        .env("INFORCE_RULES", dir.path().join("nowhere"))
        .arg("eval")
        .arg("--rules")
        .arg(workspace().join("rules"))
        .args(["--format", "json"])
        .arg(case_fixture("citizen-tourism-2010")));
    r.expect_code(0);
    assert_eq!(
        r.json()["rules"]["source"],
        workspace().join("rules").display().to_string().as_str()
    );
}

#[test]
fn the_digest_depends_on_the_rule_files_not_on_how_their_directory_was_named() {
    let digest = |rules: &Path| -> Value {
        let r = run(inforce()
            .arg("eval")
            .arg("--rules")
            .arg(rules)
            .args(["--format", "json"])
            .arg(case_fixture("citizen-tourism-2010")));
        r.expect_code(0);
        r.json()["rules"]["digest"].clone()
    };
    let relative = digest(Path::new("rules"));
    assert_eq!(digest(Path::new("./rules")), relative);
    assert_eq!(digest(&workspace().join("rules")), relative);
}

// --- timeline and schema -------------------------------------------------------

#[test]
fn timeline_shows_the_three_versions_of_citizens_departure_with_the_repeal() {
    let r = run(inforce().args(["timeline", "--rules", "rules"]));
    r.expect_code(0);
    assert!(r.stdout.contains("Rules: rules"), "{}", r.stdout);
    let lines: Vec<&str> = r.stdout.lines().map(str::trim).collect();
    let start = lines
        .iter()
        .position(|l| *l == "kz.citizens-departure")
        .unwrap_or_else(|| panic!("{}", r.stdout));
    let periods = &lines[start + 1..start + 4];
    assert!(
        periods[0].starts_with("1992-09-29 → 2001-07-26"),
        "{periods:?}"
    );
    assert!(
        periods[1].starts_with("2001-07-26 → 2012-03-28"),
        "{periods:?}"
    );
    assert!(periods[1].contains("Decree No. 1010"), "{periods:?}");
    assert!(periods[2].starts_with("2012-03-28 → …"), "{periods:?}");
    assert!(periods[2].contains("repealed by"), "{periods:?}");
    assert!(periods[2].contains("No. 361"), "{periods:?}");
}

#[test]
fn timeline_as_json_lists_the_versions_and_the_repeal() {
    let r = run(inforce().args(["timeline", "--rules", "rules", "--format", "json"]));
    r.expect_code(0);
    let json = r.json();
    assert_eq!(json["rules"]["source"], "rules");
    assert!(is_digest(&json["rules"]["digest"]), "{}", json["rules"]);
    let set = json["rule_sets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "kz.citizens-departure")
        .expect("kz.citizens-departure is in the timeline");
    let periods = set["periods"].as_array().unwrap();
    let versions: Vec<&str> = periods
        .iter()
        .map(|p| p["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1992-09-29", "2001-07-26", "2012-03-28"]);
    assert_eq!(periods[0]["from"], "1992-09-29");
    assert_eq!(periods[0]["until"], "2001-07-26");
    assert_eq!(periods[1]["until"], "2012-03-28");
    assert_eq!(periods[1]["kind"], "in_force");
    assert_eq!(periods[2]["from"], "2012-03-28");
    assert_eq!(periods[2]["kind"], "repealed");
    assert!(periods[2].get("until").is_none(), "{}", periods[2]);
}

#[test]
fn schema_rules_prints_a_json_schema() {
    let r = run(inforce().args(["schema", "rules"]));
    r.expect_code(0);
    let json = r.json();
    assert!(
        json["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("json-schema.org")),
        "{json:#}"
    );
}

#[test]
fn schema_case_lists_the_declared_facts_under_their_groups() {
    let r = run(inforce().args(["schema", "case", "--rules", "rules"]));
    r.expect_code(0);
    let json = r.json();
    let person = &json["properties"]["person"]["properties"];
    assert!(person.get("birth_date").is_some(), "{json:#}");
    assert!(person.get("married").is_some(), "{json:#}");
    assert!(
        json["properties"]["trip"]["properties"]
            .get("purpose")
            .is_some(),
        "{json:#}"
    );
}

// --- test ------------------------------------------------------------------------

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or_default()
}

/// `N` of a last line `N passed, M failed`.
fn passed_failed(line: &str) -> (usize, usize) {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words.len(), 4, "last line: {line}");
    assert_eq!(words[1], "passed,", "last line: {line}");
    assert_eq!(words[3], "failed", "last line: {line}");
    (words[0].parse().unwrap(), words[2].parse().unwrap())
}

#[test]
fn test_passes_every_golden_case_of_the_shipped_rules() {
    let r = run(inforce().args(["test", "--rules", "rules"]));
    r.expect_code(0);
    let (passed, failed) = passed_failed(last_line(&r.stdout));
    assert!(passed > 0, "{}", r.stdout);
    assert_eq!(failed, 0, "{}", r.stdout);
}

#[test]
fn test_reports_a_wrong_golden_expectation_with_expected_and_actual() {
    let shipped = run(inforce().args(["test", "--rules", "rules"]));
    let (total, _) = passed_failed(last_line(&shipped.stdout));

    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    copy_dir(&workspace().join("rules"), &rules);
    let file = rules.join("kz/citizens-departure/tests/examples.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("decision_due_by: 2008-02-29"), "{text}");
    std::fs::write(
        &file,
        text.replace("decision_due_by: 2008-02-29", "decision_due_by: 2008-03-01"),
    )
    .unwrap();

    let r = run(inforce()
        .current_dir(dir.path())
        .args(["test", "--rules", "rules"]));
    r.expect_code(1);
    assert_eq!(
        last_line(&r.stdout),
        format!("{} passed, 1 failed", total - 1)
    );
    assert!(r.stdout.contains("FAIL"), "{}", r.stdout);
    assert!(
        r.stdout.contains("emigration-2008-leap-year"),
        "{}",
        r.stdout
    );
    let mismatch = r
        .stdout
        .lines()
        .find(|l| l.contains("decision_due_by:"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(mismatch.contains("expected"), "{mismatch}");
    assert!(mismatch.contains("2008-03-01"), "{mismatch}");
    assert!(mismatch.contains("got"), "{mismatch}");
    assert!(mismatch.contains("2008-02-29"), "{mismatch}");
    // And the rule that decided the actual value.
    assert!(r.stdout.contains("decision-term"), "{}", r.stdout);
}

#[test]
fn coverage_of_the_shipped_rules_leaves_no_rule_untested() {
    let r = run(inforce().args(["test", "--coverage", "--rules", "rules"]));
    r.expect_code(0);
    assert!(r.stdout.contains("never fired: none"), "{}", r.stdout);
    assert!(
        r.stdout.contains("never seen not firing: none"),
        "{}",
        r.stdout
    );
}

#[test]
fn coverage_lists_a_rule_no_golden_test_fires_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    copy_dir(&workspace().join("rules"), &rules);
    // Drop the only tests that show the homeland-security visa.
    let file = rules.join("kz/citizens-departure/tests/exit-visa.yaml");
    std::fs::remove_file(&file).unwrap();
    std::fs::remove_file(rules.join("kz/citizens-departure/tests/examples.yaml")).unwrap();
    let r = run(inforce()
        .current_dir(dir.path())
        .args(["test", "--coverage", "--rules", "rules"]));
    r.expect_code(1);
    let (_, failed) = passed_failed(last_line(&r.stdout));
    assert_eq!(failed, 0, "{}", r.stdout);
    assert!(r.stdout.contains("never fired ("), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("kz.citizens-departure 2001-07-26 secret-holder-visa-from-homeland-security"),
        "{}",
        r.stdout
    );
    let json = run(inforce().current_dir(dir.path()).args([
        "test",
        "--coverage",
        "--format",
        "json",
        "--rules",
        "rules",
    ]));
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(
        v["coverage"]["never_fired"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rule"] == "secret-holder-visa-from-homeland-security"),
        "{}",
        json.stdout
    );
}

// --- text output -------------------------------------------------------------------

#[test]
fn eval_text_output_for_the_leap_year_emigration_case() {
    let r = run(inforce()
        .args(["eval", "--rules", "rules"])
        .arg("tests/fixtures/cases/emigration-2008-leap-year.yaml"));
    r.expect_code(0);
    assert!(
        !r.stdout.contains('\x1b'),
        "escape codes on a pipe:\n{}",
        r.stdout
    );
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    // The digest changes whenever a rule file does: keep it out of the snapshot.
    let text: String = r
        .stdout
        .lines()
        .map(|l| match l.find("(digest ") {
            Some(at) if l.starts_with("Rules: ") => format!("{}(digest [digest])", &l[..at]),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("Rules: rules (digest [digest])"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn the_explanation_shows_every_rule_considered_and_why() {
    let r = run(inforce()
        .args(["eval", "--explain", "--rules", "rules"])
        .arg("tests/fixtures/cases/secret-holder-tourism-2005.yaml"));
    r.expect_code(0);
    let text: String = r
        .stdout
        .lines()
        .map(|l| match l.find("(digest ") {
            Some(at) if l.starts_with("Rules: ") => format!("{}(digest [digest])", &l[..at]),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("Explanation:"), "{text}");
    assert!(text.contains("+ secret-holder-exit-visa"), "{text}");
    assert!(text.contains("? criminal-proceedings"), "{text}");
    insta::assert_snapshot!(text);
}

// --- robustness -------------------------------------------------------------------

#[test]
fn eval_into_a_closed_pipe_does_not_panic() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_inforce"))
        .current_dir(workspace())
        .env_remove("INFORCE_RULES")
        .args([
            "eval",
            "-",
            "--rules",
            "rules",
            "--format",
            "json",
            "--explain",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the binary has its case, so that its
    // first write finds the pipe closed.
    drop(child.stdout.take());
    let case = std::fs::read(case_fixture("emigration-2008-leap-year")).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&case).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
