//! `inforce amend` and `inforce repeal` end to end, on a copy of the
//! shipped rules: the new version and its golden-test skeleton are
//! written, the previous version is closed with its comments and layout
//! kept, and then `check`, `test` and `diff` against the untouched rules
//! show exactly the new version. Refusals exit 2 with what to do.

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

use serde_json::Value;

mod workspace_support;
use workspace_support::{copy_dir, workspace};

fn inforce(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_inforce"))
        .args(args)
        .env_remove("INFORCE_RULES")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn copy_of_rules() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    copy_dir(&workspace().join("rules"), &rules);
    (dir, rules)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every line of `old` is in `new` in the same order, except the lines
/// that differ: what `diff` would show as changed.
fn changed_lines(old: &str, new: &str) -> Vec<(String, String)> {
    assert_eq!(old.lines().count(), new.lines().count());
    old.lines()
        .zip(new.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn diff_json(old: &Path, new: &Path) -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_inforce"))
        .args(["diff", "--format", "json"])
        .arg(format!("dir:{}", old.display()))
        .arg(format!("dir:{}", new.display()))
        .output()
        .unwrap();
    serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", text(&o)))
}

#[test]
fn amend_writes_the_next_version_closes_the_previous_and_check_test_and_diff_show_exactly_that() {
    let (_dir, rules) = copy_of_rules();
    let r = rules.to_str().unwrap();
    let previous = rules.join("kz/foreigners/2022-12-06.yaml");
    let before = std::fs::read_to_string(&previous).unwrap();
    let o = inforce(&[
        "amend",
        "kz.foreigners",
        "--from",
        "2024-07-01",
        "--source",
        "Government Decree No. 7 of 20 June 2024",
        "--rules",
        r,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("check: ok; golden tests:"), "{out}");
    assert!(out.contains("fill in `source.read_at`"), "{out}");
    assert!(
        out.contains("correct the expectations of the day of"),
        "{out}"
    );

    // The previous version: only `until` added, comments and layout kept.
    let after = std::fs::read_to_string(&previous).unwrap();
    assert_eq!(
        changed_lines(&before, &after),
        [(
            "in_force: {from: 2022-12-06}".to_string(),
            "in_force: {from: 2022-12-06, until: 2024-07-01}".to_string()
        )]
    );
    // The new version: a copy with its id, start and source changed.
    let new = std::fs::read_to_string(rules.join("kz/foreigners/2024-07-01.yaml")).unwrap();
    assert!(
        new.starts_with("rule_set: kz.foreigners\nversion: 2024-07-01\n"),
        "{new}"
    );
    assert!(new.contains("in_force: {from: 2024-07-01}\n"), "{new}");
    assert!(new.contains(
        "source:\n  act: Government Decree No. 7 of 20 June 2024\n  read_at: \"FILL IN: where the text of the act was read\"\n"
    ));
    assert_eq!(
        new.matches("  - id: ").count(),
        before.matches("  - id: ").count()
    );
    let comments = |t: &str| {
        t.lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count()
    };
    assert_eq!(comments(&new), comments(&before));
    // The skeleton straddles the date.
    let tests =
        std::fs::read_to_string(rules.join("kz/foreigners/tests/amend-2024-07-01.yaml")).unwrap();
    assert!(tests.contains("    date: 2024-06-30\n") && tests.contains("    date: 2024-07-01\n"));

    assert!(inforce(&["check", "--rules", r]).status.success());
    let t = inforce(&["test", "--rules", r]);
    assert!(t.status.success(), "{}", text(&t));
    assert!(text(&t).contains(", 0 failed"));

    let d = diff_json(&workspace().join("rules"), &rules);
    let s = &d["summary"];
    assert_eq!(s["versions_added"], 1, "{s}");
    assert_eq!(s["versions_changed"], 1, "{s}");
    assert_eq!(s["rule_sets_changed"], 1, "{s}");
    assert_eq!(s["declarations_changed"], 0, "{s}");
    assert_eq!(s["rules_changed"], 0, "{s}");
    assert_eq!(s["cases_changed"], 0, "a copy decides as the original: {s}");
    let versions = d["structural"]["rule_sets"][0]["versions"]
        .as_array()
        .unwrap();
    let changed = &versions.iter().find(|v| v["change"] == "changed").unwrap();
    assert_eq!(changed["version"], "2022-12-06");
    assert_eq!(changed["fields"].as_array().unwrap().len(), 1);
    assert_eq!(changed["fields"][0]["field"], "in_force.until");
    let added = &versions.iter().find(|v| v["change"] == "added").unwrap();
    assert_eq!(added["version"], "2024-07-01");
}

#[test]
fn repeal_writes_a_repeal_version_and_the_skeleton_expects_undetermined_from_the_day_of() {
    let (_dir, rules) = copy_of_rules();
    let r = rules.to_str().unwrap();
    let o = inforce(&[
        "repeal",
        "kz.french-nationals",
        "--on",
        "2025-01-01",
        "--by",
        "Government Decree No. 1 of 1 January 2025",
        "--rules",
        r,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let new = std::fs::read_to_string(rules.join("kz/french-nationals/2025-01-01.yaml")).unwrap();
    assert!(new.contains("repeal:\n  repeals: "), "{new}");
    assert!(!new.contains("rules:"), "{new}");
    let tests =
        std::fs::read_to_string(rules.join("kz/french-nationals/tests/repeal-2025-01-01.yaml"))
            .unwrap();
    let day_of = tests.split("    date: 2025-01-01\n").nth(1).unwrap();
    assert!(day_of.contains("overstay_days: undetermined"), "{tests}");
    assert!(inforce(&["check", "--rules", r]).status.success());
    assert!(inforce(&["test", "--rules", r]).status.success());
    let t = inforce(&["timeline", "--rules", r]);
    assert!(text(&t).contains("2025-01-01"), "{}", text(&t));
    let d = diff_json(&workspace().join("rules"), &rules);
    assert_eq!(d["summary"]["versions_added"], 1);
    assert_eq!(d["summary"]["versions_changed"], 1);
}

#[test]
fn a_date_inside_an_earlier_version_or_not_a_date_or_an_unknown_rule_set_is_refused_with_exit_2() {
    let (_dir, rules) = copy_of_rules();
    let r = rules.to_str().unwrap();
    for (args, words) in [
        (
            vec!["amend", "kz.foreigners", "--from", "2010-01-01"],
            "2010-01-01 falls inside version `2000-01-28` of `kz.foreigners`",
        ),
        (
            vec!["amend", "kz.foreigners", "--from", "2022-12-06"],
            "is not after the start of the last version",
        ),
        (
            vec!["amend", "kz.foreigners", "--from", "2024-02-30"],
            "`2024-02-30` is not a date",
        ),
        (
            vec!["amend", "kz.foreigner", "--from", "2030-01-01"],
            "did you mean `kz.foreigners`?",
        ),
        (
            vec!["amend", "kz.citizens-departure", "--from", "2020-01-01"],
            "is repealed from 2012-03-28",
        ),
        (
            vec![
                "repeal",
                "kz.citizens-exit-restrictions",
                "--on",
                "2020-01-01",
                "--by",
                "X",
            ],
            "no version of `kz.citizens-exit-restrictions` is in force on 2020-01-01",
        ),
    ] {
        let mut all = args.clone();
        all.extend(["--rules", r]);
        let o = inforce(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(words), "{args:?}: {}", text(&o));
    }
    // Nothing was written.
    let d = diff_json(&workspace().join("rules"), &rules);
    assert_eq!(d["summary"]["versions_added"], 0);
    assert_eq!(d["summary"]["versions_changed"], 0);
}

#[test]
fn what_amend_prints_names_the_files_the_check_and_the_next_edits() {
    let (_dir, rules) = copy_of_rules();
    let r = rules.to_str().unwrap();
    let o = inforce(&[
        "amend",
        "kz.citizens-exit-restrictions",
        "--from",
        "2010-01-01",
        "--rules",
        r,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let shown = String::from_utf8(o.stdout).unwrap().replace(r, "RULES");
    // The number of golden tests grows with the shipped rules.
    let shown: String = shown
        .lines()
        .map(|l| match l.strip_prefix("check: ok; golden tests: ") {
            Some(rest) => format!(
                "check: ok; golden tests: N passed, {}\n",
                rest.split(", ").nth(1).unwrap_or("")
            ),
            None => format!("{l}\n"),
        })
        .collect();
    insta::assert_snapshot!(shown);
    let o = inforce(&[
        "amend",
        "kz.citizens-exit-restrictions",
        "--from",
        "2005-01-01",
        "--rules",
        r,
    ]);
    let shown = String::from_utf8(o.stderr).unwrap().replace(r, "RULES");
    insta::assert_snapshot!("refused_inside_an_earlier_version", shown);
}
