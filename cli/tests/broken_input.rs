//! Hostile and broken input through the built binary: broken cases exit 2
//! with their line and never panic; a tree with many defects reports all of
//! them in one `check`; a tree that does not load is never half-used by
//! `eval` or `batch`; `batch` keeps one output line per input line whatever
//! the lines hold; the same case and rules give byte-identical output across
//! runs and thread counts. Not here: the engine-level checks of the same
//! inputs (`engine/tests/broken_cases.rs`, `hostile_scripts.rs`).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

mod workspace_support;
use workspace_support::{copy_dir, workspace};

fn inforce() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_inforce"));
    cmd.current_dir(workspace())
        .env_remove("INFORCE_RULES")
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(120));
    cmd
}

struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!r.stderr.contains("panicked"), "panic:\n{}", r.stderr);
    r
}

/// `inforce eval case.yaml` (or `.json`) on `bytes`, in a fresh directory,
/// against the shipped rules.
fn eval_file(name: &str, bytes: &[u8]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), bytes).unwrap();
    run(inforce()
        .current_dir(dir.path())
        .args(["eval", name, "--rules"])
        .arg(workspace().join("rules")))
}

/// The case is refused with exit 2, naming `name:line:` and saying `says`.
fn refused(name: &str, bytes: &[u8], line: usize, says: &str) {
    let r = eval_file(name, bytes);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains(&format!("{name}:{line}:")),
        "line {line}:\n{}",
        r.stderr
    );
    assert!(r.stderr.contains(says), "{says}:\n{}", r.stderr);
}

// --- broken cases ---------------------------------------------------------------

#[test]
fn a_case_with_a_byte_order_mark_is_read() {
    let r = eval_file(
        "case.yaml",
        b"\xef\xbb\xbfid: bom\ndate: 2005-06-10\nperson: {citizenship: KZ}\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = eval_file(
        "case.json",
        b"\xef\xbb\xbf{\"id\": \"bom\", \"date\": \"2005-06-10\", \"person\": {\"citizenship\": \"KZ\"}}",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn impossible_dates_exit_2_with_their_line() {
    refused(
        "case.yaml",
        b"id: x\ndate: 2005-02-30\n",
        2,
        "`2005-02-30` is not a day of the calendar",
    );
    refused(
        "case.yaml",
        b"id: x\ndate: 2005-06-10\nperson:\n  birth_date: 9999-99-99\n",
        4,
        "`9999-99-99` is not a day of the calendar",
    );
    refused(
        "case.json",
        b"{\"id\": \"x\",\n \"date\": \"2005-02-30\"}",
        2,
        "`2005-02-30`",
    );
}

#[test]
fn huge_numbers_exit_2_with_their_line_quoted_as_written() {
    refused(
        "case.yaml",
        b"id: x\ndate: 2005-06-10\nperson: {birth_date: 99999999999999999999999}\n",
        3,
        "`99999999999999999999999`",
    );
    refused(
        "case.yaml",
        b"id: x\ndate: 2005-06-10\nperson: {birth_date: 1e400}\n",
        3,
        "`1e400` is not a finite number",
    );
    refused(
        "case.json",
        b"{\"id\": \"x\",\n\"person\": {\"birth_date\": 1e400}}",
        2,
        "`1e400`",
    );
}

#[test]
fn wrong_types_exit_2_each_with_its_line() {
    let r = eval_file(
        "case.yaml",
        b"id: x\ndate: 2005-06-10\nperson:\n  married: yes\n  birth_date: 1970\n",
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("case.yaml:4:"), "{}", r.stderr);
    assert!(r.stderr.contains("case.yaml:5:"), "{}", r.stderr);
}

#[test]
fn deep_nesting_exits_2_with_its_line_in_plain_words() {
    let mut text = b"id: x\ndate: 2005-06-10\nperson: ".to_vec();
    text.extend("{a: ".repeat(1000).bytes());
    text.extend(b"1");
    text.extend("}".repeat(1000).bytes());
    refused("case.yaml", &text, 3, "nested too deeply");
}

#[test]
fn a_duplicate_key_exits_2_at_its_second_occurrence() {
    refused(
        "case.yaml",
        b"id: x\ndate: 2005-06-10\nperson: {married: true}\nperson: {married: false}\n",
        4,
        "`person` is given twice",
    );
    refused(
        "case.json",
        b"{\"id\": \"x\",\n\"id\": \"y\"}",
        2,
        "`id` is given twice",
    );
}

#[test]
fn non_utf8_bytes_and_utf16_exit_2_saying_utf8() {
    for bytes in [
        &b"id: x\ndate: 2005-06-10\nperson: {citizenship: \"\xff\"}\n"[..],
        &b"\xff\xfei\x00d\x00:\x00 \x00x\x00"[..],
    ] {
        let r = eval_file("case.yaml", bytes);
        assert_eq!(r.code, 2);
        assert!(r.stderr.contains("UTF-8"), "{}", r.stderr);
    }
}

#[test]
fn empty_and_blank_case_files_exit_2_saying_empty() {
    for bytes in [&b""[..], b"\n\n  \n", b"\xef\xbb\xbf"] {
        let r = eval_file("case.yaml", bytes);
        assert_eq!(r.code, 2);
        assert!(r.stderr.contains("empty"), "{}", r.stderr);
    }
}

#[test]
fn a_broken_case_on_standard_input_exits_2_naming_stdin_and_its_line() {
    let r = run(inforce()
        .args(["eval", "-", "--rules", "rules"])
        .write_stdin("id: x\ndate: 9999-99-99\n"));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("stdin:2:"), "{}", r.stderr);
}

// --- broken rule trees ------------------------------------------------------------

/// Copies every broken fixture of `tests/fixtures/bad` (files and
/// directories) into one tree beside the base declarations.
fn tree_of_every_defect(dir: &Path) -> Vec<String> {
    let bad = workspace().join("tests/fixtures/bad");
    let base = workspace().join("tests/fixtures/base");
    copy_dir(&base, &dir.join("base"));
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&bad).unwrap().flatten() {
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
fn a_tree_with_every_defect_reports_each_of_them_in_one_check_run() {
    let dir = tempfile::tempdir().unwrap();
    let names = tree_of_every_defect(dir.path());
    let r = run(inforce().args(["check", "--rules"]).arg(dir.path()));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let stdout = String::from_utf8(r.stdout).unwrap();
    // `gap` is a warning only; every other fixture is at least one error.
    for name in &names {
        assert!(
            r.stderr.contains(&format!("bad/{name}")),
            "`{name}` is not reported:\n{}",
            r.stderr
        );
    }
    let last = stdout.lines().last().unwrap_or_default().to_string();
    let errors: usize = last
        .split_once("failed: ")
        .and_then(|(_, rest)| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no error count in `{last}`"));
    assert!(errors >= names.len() - 1, "{last}");
}

#[test]
fn a_tree_that_fails_to_load_is_never_half_used_by_eval_or_batch() {
    // The shipped rules, good in every file but one.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&workspace().join("rules"), &dir.path().join("rules"));
    std::fs::write(
        dir.path().join("rules/kz/zz-broken.yaml"),
        "rule_set: kz.zz\nversion: 2001-01-01\ntitle: t\nin_force: {from: 2001-01-01}\nsource: {act: a, read_at: b}\nrules:\n  - id: r\n    cite: c\n    when: person.married &&\n    then: {exit_permitted: true}\n",
    )
    .unwrap();
    let rules = dir.path().join("rules");
    let case = workspace().join("tests/fixtures/cases/citizen-tourism-2010.yaml");
    let r = run(inforce()
        .args(["eval", "--format", "json", "--rules"])
        .arg(&rules)
        .arg(&case));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stdout.is_empty(),
        "eval printed a result from half the rules"
    );
    let line = std::fs::read_to_string(
        workspace().join("fuzz/seeds/parse_case/citizen-tourism-2010.json"),
    )
    .unwrap();
    let r = run(inforce()
        .args(["batch", "--rules"])
        .arg(&rules)
        .write_stdin(format!("{line}\n{line}\n")));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stdout.is_empty(),
        "batch wrote results from half the rules"
    );
}

// --- batch integrity ----------------------------------------------------------------

#[test]
fn batch_gives_one_line_per_input_line_in_order_whatever_the_lines_hold() {
    let good = std::fs::read_to_string(
        workspace().join("fuzz/seeds/parse_case/citizen-tourism-2010.json"),
    )
    .unwrap();
    let deep = format!(
        "{{\"person\": {}1{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let lines: Vec<Vec<u8>> = vec![
        good.clone().into_bytes(),
        b"\xef\xbb\xbf{\"id\": \"bom-not-first\"}".to_vec(),
        b"{\"date\": \"2005-02-30\"}".to_vec(),
        b"{\"date\": \"9999-99-99\"}".to_vec(),
        b"{\"person\": {\"birth_date\": 99999999999999999999999}}".to_vec(),
        b"{\"person\": {\"birth_date\": 1e400}}".to_vec(),
        b"{\"id\": \"a\", \"id\": \"b\"}".to_vec(),
        deep.into_bytes(),
        b"\xff\xfe\x00garbage".to_vec(),
        b"".to_vec(),
        b"   ".to_vec(),
        b"[]".to_vec(),
        b"null".to_vec(),
        b"{".to_vec(),
        b"}{".to_vec(),
        b"\"just a string\"".to_vec(),
        b"\x00\x00\x00".to_vec(),
        good.clone().into_bytes(),
        b"{\"person\": {\"married\": \"yes\"}, \"date\": \"2005-06-10\"}\r".to_vec(),
        "x".repeat(100_000).into_bytes(),
        good.into_bytes(),
    ];
    let mut input = Vec::new();
    for l in &lines {
        input.extend_from_slice(l);
        input.push(b'\n');
    }
    for jobs in ["1", "3"] {
        let r = run(inforce()
            .args(["batch", "--rules", "rules", "--jobs", jobs])
            .write_stdin(input.clone()));
        assert_eq!(r.code, 1, "{}", r.stderr);
        let out = String::from_utf8(r.stdout).unwrap();
        let out: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(out.len(), lines.len(), "one output line per input line");
        for (i, v) in out.iter().enumerate() {
            let n = i + 1;
            if [1, 18, 21].contains(&n) {
                assert_eq!(v["case"], "citizen-tourism-2010", "line {n}: {v}");
            } else {
                assert_eq!(v["line"], n, "line {n}: {v}");
                assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
            }
        }
    }
}

// --- determinism ----------------------------------------------------------------------

#[test]
fn the_same_case_and_rules_give_byte_identical_json_on_every_run() {
    for case in std::fs::read_dir(workspace().join("tests/fixtures/cases"))
        .unwrap()
        .flatten()
    {
        let once = || {
            run(inforce()
                .args(["eval", "--rules", "rules", "--format", "json", "--explain"])
                .arg(case.path()))
            .stdout
        };
        let first = once();
        assert!(!first.is_empty());
        for _ in 0..3 {
            assert!(once() == first, "{:?} changed between runs", case.path());
        }
    }
}

#[test]
fn batch_output_is_byte_identical_across_runs_and_thread_counts_and_matches_eval() {
    let mut input = String::new();
    let mut expected = Vec::new();
    for _ in 0..5 {
        for case in std::fs::read_dir(workspace().join("fuzz/seeds/parse_case"))
            .unwrap()
            .flatten()
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.ends_with(".json") && !name.starts_with("broken")
            })
        {
            input.push_str(std::fs::read_to_string(case.path()).unwrap().trim());
            input.push('\n');
            expected.push(case.path());
        }
    }
    let outputs: Vec<Vec<u8>> = ["1", "2", "4", "1", "8"]
        .iter()
        .map(|jobs| {
            let r = run(inforce()
                .args(["batch", "--rules", "rules", "--jobs", jobs])
                .write_stdin(input.clone()));
            assert_eq!(r.code, 0, "{}", r.stderr);
            r.stdout
        })
        .collect();
    for o in &outputs[1..] {
        assert!(
            o == &outputs[0],
            "batch output changed with the thread count"
        );
    }
    let text = String::from_utf8(outputs[0].clone()).unwrap();
    for (line, path) in text.lines().zip(&expected).take(4) {
        let eval = run(inforce()
            .args(["eval", "--rules", "rules", "--format", "json"])
            .arg(path));
        let a: Value = serde_json::from_str(line).unwrap();
        let b: Value = serde_json::from_slice(&eval.stdout).unwrap();
        assert_eq!(a, b, "{path:?}");
    }
}
