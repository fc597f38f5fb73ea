//! End-to-end tests of rule scripts from an untrusted pull request, as a
//! reviewer meets them in CI (issue 11, points 1, 6 and 9d): `check`
//! refuses a script that assigns to a fact or `date` at the place of the
//! assignment, and a call of a function that does not exist; `test` on a
//! tree whose scripts compare long lists over and over ends promptly with an
//! error naming the rule. Not here: the engine's own tests of the same
//! (`engine/tests/untrusted_scripts.rs`).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;

/// The shipped declarations and code lists, one rule set `kz.aaa` whose one
/// rule has the condition `when`, and one golden test that runs it.
fn tree_with(dir: &Path, when: &str) {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/kz");
    let kz = dir.join("kz");
    std::fs::create_dir_all(kz.join("code-lists")).unwrap();
    std::fs::create_dir_all(kz.join("aaa/tests")).unwrap();
    for f in [
        "facts.yaml",
        "outcomes.yaml",
        "code-lists/iso-3166-1-alpha-2.yaml",
    ] {
        std::fs::copy(shipped.join(f), kz.join(f)).unwrap();
    }
    std::fs::write(
        kz.join("aaa/2000-01-01.yaml"),
        format!(
            "rule_set: kz.aaa\nversion: \"2000-01-01\"\ntitle: An attack\nin_force: {{from: 2000-01-01}}\n\
             source: {{act: none, read_at: a pull request}}\nrules:\n  - id: attack\n    cite: none\n    when: '{when}'\n    then: {{exit_permitted: true}}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        kz.join("aaa/tests/attack.yaml"),
        "tests:\n  - name: The attack runs\n    case: {date: 2010-06-15, person: {citizenship: KZ}}\n    expect: {exit_permitted: true}\n",
    )
    .unwrap();
}

fn inforce(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("inforce")
        .unwrap()
        .env_remove("INFORCE_RULES")
        .env("NO_COLOR", "1")
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_refuses_a_script_that_rewrites_date_and_a_fact_for_the_other_rules() {
    let dir = tempfile::tempdir().unwrap();
    tree_with(
        dir.path(),
        "date = ymd(2099, 1, 1); person.citizenship = \"XX\"; true",
    );
    let rules = dir.path().to_str().unwrap();
    let (code, stdout, stderr) = inforce(&["check", "--rules", rules]);
    let all = format!("{stdout}{stderr}");
    assert_eq!(code, 1, "{all}");
    assert!(
        all.contains("`date` cannot be changed by a script"),
        "{all}"
    );
    assert!(
        all.contains("`person.citizenship` cannot be changed by a script"),
        "{all}"
    );
    assert!(all.contains("kz/aaa/2000-01-01.yaml:9:12"), "{all}");
    assert!(all.contains("kz/aaa/2000-01-01.yaml:9:36"), "{all}");
}

#[test]
fn check_refuses_a_call_of_a_function_that_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    tree_with(dir.path(), "env(\"GITHUB_TOKEN\") != \"\"");
    let rules = dir.path().to_str().unwrap();
    let (code, stdout, stderr) = inforce(&["check", "--rules", rules]);
    let all = format!("{stdout}{stderr}");
    assert_eq!(code, 1, "{all}");
    assert!(all.contains("no function `env` exists"), "{all}");
}

#[test]
fn test_on_a_tree_of_slow_scripts_ends_with_an_error_naming_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    tree_with(
        dir.path(),
        "let a = []; for i in 0..1000 { a.push(i) } let b = a + []; let n = 0; for i in 0..16000 { if a == b { n += 1 } } n > 0",
    );
    let rules = dir.path().to_str().unwrap();
    let (code, stdout, stderr) = inforce(&["test", "--rules", rules]);
    let all = format!("{stdout}{stderr}");
    assert_eq!(code, 1, "{all}");
    assert!(all.contains("rule `attack`"), "{all}");
    assert!(all.contains("the case ran past its budget"), "{all}");
}
