//! `inforce lsp` end to end: the built binary driven over the Language
//! Server Protocol (initialize, didOpen, didChange, publishDiagnostics,
//! completion, hover, definition, code lens), on the shipped rules and on
//! the broken fixtures of `tests/fixtures/bad`. The latency figures of
//! `docs/performance.md` come from the ignored test at the end.

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

mod lsp_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use lsp_support::{Client, copy_dir, uri, workspace};
use serde_json::{Value, json};

fn rules() -> PathBuf {
    workspace().join("rules")
}

fn departure_2001() -> (PathBuf, String) {
    let path = rules().join("kz/citizens-departure/2001-07-26.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

fn labels(items: &Value) -> Vec<String> {
    let list = items
        .as_array()
        .or_else(|| items["items"].as_array())
        .cloned()
        .unwrap_or_default();
    list.iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

fn messages(d: &[Value]) -> String {
    d.iter()
        .map(|d| d["message"].as_str().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_misspelt_key_typed_into_an_open_rule_file_is_reported_at_the_key_with_its_help_until_fixed() {
    let mut c = Client::start(&rules());
    let (path, text) = departure_2001();
    c.open(&path, &text);
    c.diagnostics(&uri(&path), |d| d.is_empty());
    let broken = text.replacen(
        "    when: person.secret_holder\n",
        "    whne: person.secret_holder\n",
        1,
    );
    assert_ne!(broken, text);
    c.change(&path, 2, &broken);
    let d = c.diagnostics(&uri(&path), |d| !d.is_empty());
    let first = &d[0];
    assert!(
        messages(&d).contains("unknown key `whne` in `rules[0]`"),
        "{d:?}"
    );
    assert!(messages(&d).contains("help: did you mean `when`?"), "{d:?}");
    let (line, col) = lsp_support::position(&broken, "whne");
    assert_eq!(
        first["range"]["start"],
        json!({"line": line, "character": col})
    );
    assert_eq!(
        first["range"]["end"],
        json!({"line": line, "character": col + 4})
    );
    assert_eq!(first["severity"], json!(1));
    assert_eq!(first["code"], json!("inforce::unknown_key"));
    c.change(&path, 3, &text);
    c.diagnostics(&uri(&path), |d| d.is_empty());
    c.shutdown();
}

/// Copies the base fixture tree and every broken fixture beside it, as
/// `broken_input.rs` does for `check`.
fn tree_of_every_defect(dir: &Path) -> Vec<String> {
    copy_dir(&workspace().join("tests/fixtures/base"), &dir.join("base"));
    let mut names = Vec::new();
    for entry in std::fs::read_dir(workspace().join("tests/fixtures/bad"))
        .unwrap()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &dir.join("bad").join(&name));
        } else {
            std::fs::create_dir_all(dir.join("bad")).unwrap();
            std::fs::copy(entry.path(), dir.join("bad").join(&name)).unwrap();
        }
        names.push(name);
    }
    names.sort();
    names
}

#[test]
fn every_broken_fixture_gets_exactly_the_problems_check_reports() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let names = tree_of_every_defect(&root);
    let check = Command::new(env!("CARGO_BIN_EXE_inforce"))
        .args(["check", "--rules"])
        .arg(&root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8(check.stdout).unwrap();
    // `failed: 61 errors, 1 warning`
    let last = stdout.lines().last().unwrap().to_string();
    let numbers: Vec<usize> = last
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let reported: usize = numbers.iter().sum();

    let mut c = Client::start(&root);
    // Nothing is open: the analysis at start publishes every file with
    // problems, before it answers any request.
    c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri(&root.join("none.yaml"))}}),
    );
    let mut published: std::collections::BTreeMap<String, usize> = Default::default();
    for v in &c.backlog {
        if v["method"] == "textDocument/publishDiagnostics" {
            let d = v["params"]["diagnostics"].as_array().unwrap();
            for d in d {
                assert!(d["range"]["start"]["line"].is_u64(), "{d}");
                assert!(d["message"].as_str().unwrap().len() > 10, "{d}");
            }
            published.insert(v["params"]["uri"].as_str().unwrap().to_string(), d.len());
        }
    }
    let mut total = 0;
    for name in &names {
        let prefix = uri(&root.join("bad").join(name));
        let found: usize = published
            .iter()
            .filter(|(u, _)| u.starts_with(&prefix))
            .map(|(_, n)| n)
            .sum();
        assert!(found > 0, "`{name}` has no diagnostics: {published:?}");
        total += found;
    }
    assert_eq!(total, reported, "check said: {last}");
    c.shutdown();
}

#[test]
fn a_broken_fixture_typed_into_a_new_unsaved_file_is_reported_in_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    copy_dir(&workspace().join("tests/fixtures/base"), &root.join("base"));
    let mut c = Client::start(&root);
    for (name, words) in [
        ("rhai-syntax-error.yaml", "`when`"),
        ("undeclared-fact.yaml", "not a declared fact"),
        ("overlap.yaml", "overlaps"),
        ("exception-cycle.yaml", "cycle"),
    ] {
        let text =
            std::fs::read_to_string(workspace().join("tests/fixtures/bad").join(name)).unwrap();
        let path = root.join("bad").join(name);
        assert!(!path.exists());
        c.open(&path, &text);
        let d = c.diagnostics(&uri(&path), |d| !d.is_empty());
        assert!(messages(&d).contains(words), "{name}: {}", messages(&d));
        c.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri(&path)}}),
        );
        c.diagnostics(&uri(&path), |d| d.is_empty());
    }
    c.shutdown();
}

#[test]
fn completion_offers_facts_and_date_functions_in_when_values_after_eq_and_outcomes_under_then() {
    let mut c = Client::start(&rules());
    let (path, text) = departure_2001();
    let typed = text.replacen(
        "    when: person.secret_holder\n",
        "    when: person.secret_holder && trip.purpose == \"\n",
        1,
    );
    c.open(&path, &typed);
    let items = c.at(
        "textDocument/completion",
        &path,
        &typed,
        "person.secret_holder && ",
        6,
    );
    let l = labels(&items);
    assert!(l.contains(&"person.birth_date".to_string()), "{l:?}");
    assert!(l.contains(&"age_on".to_string()), "{l:?}");
    assert!(l.contains(&"date".to_string()), "{l:?}");
    let items = c.at("textDocument/completion", &path, &typed, "== \"\n", 4);
    let l = labels(&items);
    assert!(l.contains(&"permanent_residence".to_string()), "{l:?}");
    assert!(!l.contains(&"person.birth_date".to_string()), "{l:?}");
    let insert = items.as_array().unwrap()[0]["textEdit"]["newText"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(insert.starts_with('"') && insert.ends_with('"'), "{insert}");

    // Outcome names under `then:`; rule sets in a precedence declaration.
    let typed = text.replacen(
        "    then:\n      exit_visa_required: true\n",
        "    then:\n      exit_visa_required: true\n      exit_\n",
        1,
    );
    c.change(&path, 2, &typed);
    let items = c.at(
        "textDocument/completion",
        &path,
        &typed,
        "      exit_\n",
        11,
    );
    let l = labels(&items);
    assert!(l.contains(&"exit_permitted".to_string()), "{l:?}");
    assert!(!l.contains(&"person.birth_date".to_string()), "{l:?}");
    let typed = text.replacen(
        "scope:\n",
        "precedence:\n  more_specific_than:\n    - rule_set: kz.\n      outcomes: [ex]\nscope:\n",
        1,
    );
    c.change(&path, 3, &typed);
    let items = c.at(
        "textDocument/completion",
        &path,
        &typed,
        "rule_set: kz.\n",
        13,
    );
    let l = labels(&items);
    assert!(l.contains(&"kz.foreigners".to_string()), "{l:?}");
    let items = c.at(
        "textDocument/completion",
        &path,
        &typed,
        "outcomes: [ex]",
        13,
    );
    assert!(labels(&items).contains(&"exit_permitted".to_string()));
    c.shutdown();
}

#[test]
fn completion_offers_rule_ids_in_exception_to() {
    let mut c = Client::start(&rules());
    let path = rules().join("kz/citizens-exit-restrictions/2001-07-26.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let typed = text.replacen(
        "exception_to: [exit-permitted-without-grounds]",
        "exception_to: [exit-permitted-without-grounds, ]",
        1,
    );
    c.open(&path, &typed);
    let items = c.at("textDocument/completion", &path, &typed, "grounds, ]", 8);
    let l = labels(&items);
    assert!(l.contains(&"civil-proceedings".to_string()), "{l:?}");
    c.shutdown();
}

#[test]
fn hover_tells_a_facts_type_values_and_null_an_outcomes_description_a_rules_cite_and_a_versions_interval()
 {
    let mut c = Client::start(&rules());
    let (path, text) = departure_2001();
    c.open(&path, &text);
    let hover = |c: &mut Client, needle: &str, shift: u32| -> String {
        let h = c.at("textDocument/hover", &path, &text, needle, shift);
        h["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let h = hover(&mut c, "trip.direction == \"exit\"", 2);
    assert!(h.contains("fact `trip.direction`"), "{h}");
    assert!(h.contains("Allowed: one of `exit`"), "{h}");
    assert!(h.contains("`null` means unknown"), "{h}");
    let h = hover(&mut c, "exit_visa_required: true", 3);
    assert!(h.contains("outcome `exit_visa_required`"), "{h}");
    let h = hover(&mut c, "id: secret-holder-exit-visa", 6);
    assert!(
        h.contains("Decree No. 1010 of 26 July 2001, Rules, item 4"),
        "{h}"
    );
    assert!(h.contains("A secret-holder needs an exit visa"), "{h}");
    let h = hover(&mut c, "in_force:", 2);
    assert!(h.contains("2001-07-26 to 2012-03-28"), "{h}");
    assert!(h.contains("Act: Government Decree No. 1010"), "{h}");
    c.shutdown();
}

#[test]
fn definition_goes_to_declarations_to_rules_and_from_an_expectation_to_the_rules_behind_it() {
    let mut c = Client::start(&rules());
    let (path, text) = departure_2001();
    c.open(&path, &text);
    let facts = rules().join("kz/facts.yaml");
    let facts_text = std::fs::read_to_string(&facts).unwrap();
    let d = c.at(
        "textDocument/definition",
        &path,
        &text,
        "when: person.secret_holder",
        8,
    );
    assert_eq!(d[0]["uri"], json!(uri(&facts)));
    let (line, _) = lsp_support::position(&facts_text, "  person.secret_holder:");
    assert_eq!(d[0]["range"]["start"]["line"], json!(line));
    let outcomes = rules().join("kz/outcomes.yaml");
    let d = c.at(
        "textDocument/definition",
        &path,
        &text,
        "exit_visa_required: true",
        2,
    );
    assert_eq!(d[0]["uri"], json!(uri(&outcomes)));

    let restrictions = rules().join("kz/citizens-exit-restrictions/2001-07-26.yaml");
    let r_text = std::fs::read_to_string(&restrictions).unwrap();
    c.open(&restrictions, &r_text);
    let d = c.at(
        "textDocument/definition",
        &restrictions,
        &r_text,
        "[exit-permitted-without-grounds]",
        3,
    );
    let (line, _) = lsp_support::position(&r_text, "id: exit-permitted-without-grounds");
    assert_eq!(d[0]["range"]["start"]["line"], json!(line));

    let tests = rules().join("kz/citizens-departure/tests/versions.yaml");
    let t_text = std::fs::read_to_string(&tests).unwrap();
    c.open(&tests, &t_text);
    // `exit_visa_required: true` of the second test: decided in 1992 by
    // the 1992 regulations.
    let second = t_text.find("boundary-1992-from").unwrap();
    let needle_at = second + t_text[second..].find("exit_visa_required: true").unwrap();
    let before = &t_text[..needle_at];
    let line = before.matches('\n').count() as u32;
    let col = (needle_at - before.rfind('\n').map_or(0, |i| i + 1)) as u32;
    let d = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri(&tests)}, "position": {"line": line, "character": col + 2}}),
    );
    let target = d[0]["uri"].as_str().unwrap();
    assert!(
        target.ends_with("citizens-departure/1992-09-29.yaml"),
        "{d}"
    );
    c.shutdown();
}

#[test]
fn a_code_lens_above_each_golden_test_says_whether_it_passes_and_what_came_out_when_it_fails() {
    let mut c = Client::start(&rules());
    let tests = rules().join("kz/citizens-departure/tests/versions.yaml");
    let text = std::fs::read_to_string(&tests).unwrap();
    c.open(&tests, &text);
    let lenses = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri(&tests)}}),
    );
    let lenses = lenses.as_array().unwrap().clone();
    assert_eq!(lenses.len(), text.matches("  - name:").count());
    assert!(
        lenses.iter().all(|l| l["command"]["title"] == "✓ passes"),
        "{lenses:?}"
    );
    // The second test expects an exit visa in 1992: expect none instead.
    let second = text.find("boundary-1992-from").unwrap();
    let at = second + text[second..].find("exit_visa_required: true").unwrap();
    let broken = format!(
        "{}exit_visa_required: false{}",
        &text[..at],
        &text[at + "exit_visa_required: true".len()..]
    );
    c.change(&tests, 2, &broken);
    let lenses = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri(&tests)}}),
    );
    let titles: Vec<&str> = lenses
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles[1],
        "✗ fails: exit_visa_required: expected decided false, got decided true"
    );
    assert_eq!(titles[0], "✓ passes");

    // An edit of a version (not of a test) is seen by the lenses too.
    let exit_visa = rules().join("kz/citizens-departure/tests/exit-visa.yaml");
    let ev_text = std::fs::read_to_string(&exit_visa).unwrap();
    c.open(&exit_visa, &ev_text);
    let (version, v_text) = departure_2001();
    let changed = v_text.replacen(
        "    when: person.secret_holder\n    then:\n      exit_visa_required: true\n",
        "    when: person.secret_holder\n    then:\n      exit_visa_required: false\n",
        1,
    );
    assert_ne!(changed, v_text);
    c.open(&version, &changed);
    let lenses = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri(&exit_visa)}}),
    );
    let failing = lenses
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| {
            l["command"]["title"]
                .as_str()
                .unwrap()
                .starts_with("✗ fails")
        })
        .count();
    assert!(failing > 0, "{lenses}");
    c.shutdown();
}

#[test]
fn an_open_case_file_gets_the_case_readers_diagnostics() {
    let mut c = Client::start(&rules());
    let path = workspace().join("examples/secret-holder-tourism-2005.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    c.open(&path, &text);
    c.diagnostics(&uri(&path), |d| d.is_empty());
    let broken = text.replace("secret_holder: true", "secret_holdr: true");
    c.change(&path, 2, &broken);
    let d = c.diagnostics(&uri(&path), |d| !d.is_empty());
    assert!(
        messages(&d).contains("unknown field `person.secret_holdr`"),
        "{d:?}"
    );
    assert!(
        messages(&d).contains("did you mean `person.secret_holder`?"),
        "{d:?}"
    );
    let items = c.at(
        "textDocument/completion",
        &path,
        &broken,
        "citizenship: KZ",
        13,
    );
    assert!(labels(&items).contains(&"FR".to_string()));
    c.shutdown();
}

#[test]
fn without_rules_given_the_server_takes_the_rules_folder_of_the_workspace_or_the_editors_option() {
    let (path, text) = departure_2001();
    for options in [json!({}), json!({"rules": "rules"})] {
        let mut c = Client::start_with(None, options);
        c.open(&path, &text);
        c.diagnostics(&uri(&path), |d| d.is_empty());
        let h = c.at(
            "textDocument/hover",
            &path,
            &text,
            "when: person.secret_holder",
            8,
        );
        assert!(
            h["contents"]["value"]
                .as_str()
                .unwrap()
                .contains("fact `person.secret_holder`"),
            "{h}"
        );
        c.shutdown();
    }
}

#[test]
fn parameters_the_server_cannot_read_are_answered_with_an_error_and_the_server_goes_on() {
    let mut c = Client::start(&rules());
    let r = c.request_raw("textDocument/hover", json!({"textDocument": 42}));
    assert_eq!(r["error"]["code"], json!(-32602), "{r}");
    c.notify("textDocument/didOpen", json!({"nonsense": true}));
    let r = c.request_raw("textDocument/formatting", json!({}));
    assert_eq!(r["error"]["code"], json!(-32601), "{r}");
    let (path, text) = departure_2001();
    c.open(&path, &text);
    let h = c.at(
        "textDocument/hover",
        &path,
        &text,
        "when: person.secret_holder",
        8,
    );
    assert!(h["contents"]["value"].is_string(), "{h}");
    c.shutdown();
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// The figures of `docs/performance.md` ("Issue 16"): run with
/// `cargo test --release -p inforce --test lsp -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a test: prints latency figures"]
fn diagnostics_and_completion_latency_on_the_shipped_tree() {
    let mut c = Client::start(&rules());
    let (path, text) = departure_2001();
    c.open(&path, &text);
    c.diagnostics(&uri(&path), |d| d.is_empty());
    let mut diag = Vec::new();
    for i in 0..100 {
        // Every other edit breaks the file and the next one mends it, so
        // each edit changes what is published.
        let t = if i % 2 == 0 {
            text.replacen(
                "    when: person.secret_holder\n",
                "    whne: person.secret_holder\n",
                1,
            )
        } else {
            text.clone()
        };
        let start = Instant::now();
        c.change(&path, i + 2, &t);
        c.diagnostics(&uri(&path), |d| d.is_empty() == (i % 2 == 1));
        diag.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    // An edit of the declarations: the golden tests are read again.
    let facts = rules().join("kz/facts.yaml");
    let facts_text = std::fs::read_to_string(&facts).unwrap();
    c.open(&facts, &facts_text);
    c.diagnostics(&uri(&facts), |d| d.is_empty());
    let mut decl = Vec::new();
    for i in 0..100 {
        let t = if i % 2 == 0 {
            facts_text.replacen("    type: bool\n", "    type: boolean\n", 1)
        } else {
            facts_text.clone()
        };
        let start = Instant::now();
        c.change(&facts, i + 2, &t);
        c.diagnostics(&uri(&facts), |d| d.is_empty() == (i % 2 == 1));
        decl.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    decl.sort_by(f64::total_cmp);
    println!(
        "diagnostics after an edit of facts.yaml: median {:.1} ms, p95 {:.1} ms, max {:.1} ms (100 edits)",
        percentile(&decl, 0.5),
        percentile(&decl, 0.95),
        percentile(&decl, 1.0)
    );
    let typed = text.replacen(
        "    when: person.secret_holder\n",
        "    when: person.secret_holder && trip.purpose == \"\n",
        1,
    );
    c.change(&path, 200, &typed);
    let mut comp = Vec::new();
    for _ in 0..100 {
        let start = Instant::now();
        let items = c.at(
            "textDocument/completion",
            &path,
            &typed,
            "person.secret_holder && ",
            6,
        );
        comp.push(start.elapsed().as_secs_f64() * 1000.0);
        assert!(!labels(&items).is_empty());
    }
    diag.sort_by(f64::total_cmp);
    comp.sort_by(f64::total_cmp);
    println!(
        "diagnostics after an edit: median {:.1} ms, p95 {:.1} ms, max {:.1} ms (100 edits)",
        percentile(&diag, 0.5),
        percentile(&diag, 0.95),
        percentile(&diag, 1.0)
    );
    println!(
        "completion in `when:`: median {:.2} ms, p95 {:.2} ms (100 requests)",
        percentile(&comp, 0.5),
        percentile(&comp, 0.95)
    );
    c.shutdown();
}

#[test]
fn the_vscode_extension_starts_inforce_lsp_for_yaml_files() {
    let dir = workspace().join("editors/vscode");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap()).unwrap();
    assert_eq!(manifest["main"], "./extension.js");
    assert!(manifest["dependencies"]["vscode-languageclient"].is_string());
    let props = &manifest["contributes"]["configuration"]["properties"];
    assert_eq!(props["inforce.path"]["default"], "inforce");
    let js = std::fs::read_to_string(dir.join("extension.js")).unwrap();
    assert!(js.contains("args: [\"lsp\"]"), "{js}");
    assert!(js.contains("language: \"yaml\""), "{js}");
}
