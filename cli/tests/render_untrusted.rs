//! Rule files from a pull request are untrusted (issue 11, points 4, 5, 7
//! and 9b), through the built binary: an error far along a long line is
//! drawn clipped, never a panic; thousands of problems of one kind give a
//! short report; escape sequences, line breaks and bidirectional controls
//! in titles, notes, ids and case ids reach no output raw, and no output
//! line can be a GitHub Actions workflow command; `check` refuses hidden
//! characters in scripts and ids; a second YAML document is named in plain
//! words. Not here: the engine's own tests of the same (`hidden_chars.rs`,
//! `drawable.rs`, `yaml.rs`, `engine/tests/diagnostics.rs`).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

mod workspace_support;
use workspace_support::{copy_dir, workspace};

/// The binary, run in `dir`, without colour.
fn inforce(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_inforce"));
    cmd.current_dir(dir)
        .env_remove("INFORCE_RULES")
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(300));
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !r.stderr.contains("panicked"),
        "panic:\n{}",
        r.stderr.get(..4_000).unwrap_or(&r.stderr)
    );
    r
}

/// A copy of the small fixture tree (`tests/fixtures/base`) at `dir/name`.
fn base_tree(dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    copy_dir(&workspace().join("tests/fixtures/base"), &to);
    to
}

const VERSION: &str = "base-set/2000-01-01.yaml";

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "`{from}` not in {}", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

/// A rule set whose condition reads an undeclared fact 70,000 columns
/// along its line.
const LONG_LINE_VERSION: &str = "rule_set: test.long
version: 2000-01-01
title: Long line
in_force: {from: 2000-01-01}
source:
  act: Test Act
  read_at: here
rules:
  - id: r
    cite: item 1
    when: \"true && SPACES person.nope\"
    then:
      exit_permitted: true
";

const CASE: &str = "date: 2005-06-10\nperson: {married: true}\n";

fn assert_no_raw_control_or_workflow_command(what: &str, text: &str) {
    for c in ['\u{1b}', '\u{7}', '\u{202e}', '\u{200b}', '\r'] {
        assert!(
            !text.contains(c),
            "{what}: U+{:04X} printed raw:\n{text}",
            u32::from(c)
        );
    }
    for line in text.lines() {
        let t = line.trim_start();
        assert!(
            !t.starts_with("::") && !t.starts_with("##["),
            "{what}: a line is a workflow command: `{line}`\n{text}"
        );
    }
}

// --- point 4: long lines --------------------------------------------------------

#[test]
fn an_error_past_column_65535_of_a_rule_file_exits_as_usual_from_every_command_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    base_tree(dir.path(), "old");
    let rules = base_tree(dir.path(), "rules");
    std::fs::write(
        rules.join("long.yaml"),
        LONG_LINE_VERSION.replace("SPACES", &" ".repeat(70_000)),
    )
    .unwrap();
    std::fs::write(dir.path().join("case.yaml"), CASE).unwrap();
    let commands: [(&[&str], i32); 6] = [
        (&["check", "--rules", "rules"], 1),
        (&["eval", "case.yaml", "--rules", "rules"], 2),
        (&["test", "--rules", "rules"], 2),
        (&["history", "case.yaml", "--rules", "rules"], 2),
        (&["timeline", "--rules", "rules"], 2),
        (&["diff", "old", "rules"], 2),
    ];
    for (args, code) in commands {
        let r = run(inforce(dir.path()).args(args));
        assert_eq!(r.code, code, "{args:?}:\n{}", r.stderr);
        assert!(
            r.stderr.contains("rules/long.yaml:11:"),
            "{args:?}:\n{}",
            r.stderr
        );
        assert!(r.stderr.contains("is not a declared fact"), "{}", r.stderr);
        assert!(
            r.stderr.len() < 4_000,
            "{args:?}: the long line is clipped, not drawn whole ({} bytes)",
            r.stderr.len()
        );
    }
}

#[test]
fn an_unknown_field_past_column_65535_of_a_case_exits_2_with_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    base_tree(dir.path(), "rules");
    let case = format!(
        "date: 2005-06-10\nperson: {{married: true,{} nope: true}}\n",
        " ".repeat(70_000)
    );
    std::fs::write(dir.path().join("case.yaml"), &case).unwrap();
    let column = case.find("nope").unwrap() - case.find("person").unwrap() + 1;
    for command in ["eval", "history"] {
        let r = run(inforce(dir.path()).args([command, "case.yaml", "--rules", "rules"]));
        assert_eq!(r.code, 2, "{command}:\n{}", r.stderr);
        assert!(
            r.stderr.contains(&format!("case.yaml:2:{column}]")),
            "{command}:\n{}",
            r.stderr
        );
        assert!(r.stderr.contains("not a declared fact"), "{}", r.stderr);
        assert!(r.stderr.contains('…'), "{}", r.stderr);
        assert!(r.stderr.len() < 4_000, "{} bytes", r.stderr.len());
    }
}

// --- point 5: output that grows quadratically --------------------------------------

#[test]
fn three_thousand_undeclared_facts_on_one_line_give_a_short_check_report() {
    let dir = tempfile::tempdir().unwrap();
    let rules = base_tree(dir.path(), "rules");
    let reads: Vec<String> = (0..3_000).map(|i| format!("person.nope{i:04}")).collect();
    std::fs::write(
        rules.join("many.yaml"),
        LONG_LINE_VERSION.replace(
            "true && SPACES person.nope",
            &format!("{}; true", reads.join("; ")),
        ),
    )
    .unwrap();
    let r = run(inforce(dir.path()).args(["check", "--rules", "rules"]));
    assert_eq!(r.code, 1, "{}", r.stderr.get(..2_000).unwrap_or(&r.stderr));
    assert!(
        r.stdout.contains("failed: 3000 errors"),
        "every problem is still counted: {}",
        r.stdout
    );
    assert_eq!(r.stderr.matches("is not a declared fact").count(), 20);
    assert!(
        r.stderr.contains(
            "… and 2,980 more like this in `rules/many.yaml` (`inforce::undeclared_fact`), not shown"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.len() < 40_000,
        "check printed {} bytes",
        r.stderr.len()
    );
}

// --- point 7: terminal and CI injection ----------------------------------------------

/// The base tree with a title and a note that carry escape sequences and a
/// line that would be a workflow command, and a citation with a line break
/// (a control character in a citation is refused by `check`; in prose it is
/// only a warning, so the tree loads).
fn injected_tree(dir: &Path, name: &str) -> PathBuf {
    let rules = base_tree(dir, name);
    let file = rules.join(VERSION);
    edit(
        &file,
        "title: Base rule set of the diagnostics fixtures",
        "title: \"Base\\e[2J rule set\\n::error file=x::injected\"\nnotes: [\"first\\n::error file=y::note\\r\\e]0;x\\a\"]",
    );
    edit(
        &file,
        "cite: Test Act, item 1",
        "cite: \"Test Act, item 1\\n##[error]cite\"",
    );
    rules
}

const INJECTED_CASE: &str =
    "id: \"case\\e]0;pwned\\a\\n::warning::id\"\ndate: 2005-06-10\nperson: {married: true}\n";

#[test]
fn escape_sequences_and_line_breaks_in_titles_cites_and_case_ids_are_shown_escaped_by_eval_history_and_timeline()
 {
    let dir = tempfile::tempdir().unwrap();
    injected_tree(dir.path(), "rules");
    std::fs::write(dir.path().join("case.yaml"), INJECTED_CASE).unwrap();
    for args in [
        &["eval", "case.yaml", "--rules", "rules"][..],
        &["eval", "case.yaml", "--rules", "rules", "--explain"],
        &[
            "history",
            "case.yaml",
            "--rules",
            "rules",
            "--to",
            "2012-01-01",
        ],
        &["timeline", "--rules", "rules"],
    ] {
        let r = run(inforce(dir.path()).args(args));
        assert_eq!(r.code, 0, "{args:?}:\n{}", r.stderr);
        assert_no_raw_control_or_workflow_command(&format!("{args:?}"), &r.stdout);
        assert!(
            r.stdout
                .contains("Base\\u{1b}[2J rule set\\n::error file=x::injected"),
            "{args:?}:\n{}",
            r.stdout
        );
        if args[0] != "timeline" {
            assert!(
                r.stdout
                    .contains("case\\u{1b}]0;pwned\\u{7}\\n::warning::id"),
                "{args:?}:\n{}",
                r.stdout
            );
        }
    }
    let r = run(inforce(dir.path()).args(["eval", "case.yaml", "--rules", "rules"]));
    assert!(
        r.stdout.contains("Test Act, item 1\\n##[error]cite"),
        "{}",
        r.stdout
    );
    // JSON is escaped by the JSON writer and left as it is.
    let r = run(inforce(dir.path()).args([
        "eval",
        "case.yaml",
        "--rules",
        "rules",
        "--format",
        "json",
    ]));
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["case"], "case\u{1b}]0;pwned\u{7}\n::warning::id");
}

#[test]
fn a_failing_golden_test_with_control_characters_in_its_name_and_case_is_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let rules = injected_tree(dir.path(), "rules");
    std::fs::create_dir_all(rules.join("tests")).unwrap();
    std::fs::write(
        rules.join("tests/t.yaml"),
        "tests:\n  - name: \"wrong\\e[2K\\r::error::name\"\n    case: {id: \"c\\n::error::id\", date: 2005-06-10, person: {married: true}}\n    expect: {exit_permitted: false}\n",
    )
    .unwrap();
    let r = run(inforce(dir.path()).args(["test", "--rules", "rules"]));
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_no_raw_control_or_workflow_command("test", &r.stdout);
    assert!(
        r.stdout.contains("FAIL wrong\\u{1b}[2K\\r::error::name"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("case c\\n::error::id on"), "{}", r.stdout);
    assert!(
        r.stdout.contains("Test Act, item 1\\n##[error]cite"),
        "{}",
        r.stdout
    );
}

#[test]
fn diff_text_and_markdown_show_injected_titles_notes_and_case_ids_escaped() {
    let dir = tempfile::tempdir().unwrap();
    base_tree(dir.path(), "old");
    let new = injected_tree(dir.path(), "new");
    // A behavioural change too, so that the case is listed by its id.
    edit(
        &new.join(VERSION),
        "      exit_permitted: true",
        "      exit_permitted: false",
    );
    std::fs::write(dir.path().join("case.yaml"), INJECTED_CASE).unwrap();
    for format in ["text", "markdown"] {
        let r = run(inforce(dir.path()).args([
            "diff",
            "old",
            "new",
            "--cases",
            "case.yaml",
            "--format",
            format,
        ]));
        assert_eq!(r.code, 0, "{format}:\n{}", r.stderr);
        let out = &r.stdout;
        assert_no_raw_control_or_workflow_command(format, out);
        // Markdown escapes the `[` too: `\u{1b}\[2J`.
        assert!(
            out.contains("Base\\u{1b}[2J rule set") || out.contains("Base\\\\u{1b}\\[2J rule set"),
            "{format}:\n{out}"
        );
        assert!(
            out.contains("case\\u{1b}]0;pwned\\u{7}\\n::warning::id"),
            "{format}: the case is listed by its id, escaped:\n{out}"
        );
    }
}

#[test]
fn check_refuses_hidden_characters_in_scripts_and_only_warns_in_titles() {
    let dir = tempfile::tempdir().unwrap();
    let rules = base_tree(dir.path(), "rules");
    let file = rules.join(VERSION);
    edit(
        &file,
        "title: Base rule set",
        "title: Base \u{202e}rule set",
    );
    let r = run(inforce(dir.path()).args(["check", "--rules", "rules"]));
    assert_eq!(r.code, 0, "a warning only:\n{}", r.stderr);
    assert!(r.stdout.contains("1 warning"), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("`title` holds a hidden character, U+202E (right-to-left override)"),
        "{}",
        r.stderr
    );
    assert_no_raw_control_or_workflow_command("check", &r.stderr);

    edit(
        &file,
        "when: person.married",
        "when: person.married /* \u{2066}x\u{2069} */",
    );
    let r = run(inforce(dir.path()).args(["check", "--rules", "rules"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("inforce::hidden_character\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("`rules[0].when` holds a hidden character, U+2066"),
        "{}",
        r.stderr
    );
    assert_no_raw_control_or_workflow_command("check", &r.stderr);
}

#[test]
fn a_key_with_a_line_break_cannot_start_a_workflow_command_in_check_output() {
    let dir = tempfile::tempdir().unwrap();
    let rules = base_tree(dir.path(), "rules");
    edit(
        &rules.join(VERSION),
        "in_force:",
        "\"x\\n::error file=a,line=1::injected\\e[2J\": 1\nin_force:",
    );
    let r = run(inforce(dir.path()).args(["check", "--rules", "rules"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("x\\n::error file=a,line=1::injected\\u{1b}[2J"),
        "{}",
        r.stderr
    );
    assert_no_raw_control_or_workflow_command("check", &r.stderr);
}

// --- point 9b: more than one YAML document ------------------------------------------

#[test]
fn a_second_yaml_document_in_a_rule_file_or_a_case_is_named_in_plain_words_at_its_dashes() {
    let dir = tempfile::tempdir().unwrap();
    let rules = base_tree(dir.path(), "rules");
    let file = rules.join(VERSION);
    let text = std::fs::read_to_string(&file).unwrap();
    let lines = text.lines().count();
    std::fs::write(&file, format!("{text}---\nrule_set: test.other\n")).unwrap();
    let r = run(inforce(dir.path()).args(["check", "--rules", "rules"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let says =
        "a file holds one YAML document; this one has more than one (a `---` line starts another)";
    assert!(r.stderr.contains(says), "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("rules/{VERSION}:{}:1]", lines + 1)),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("from_str"), "{}", r.stderr);

    base_tree(dir.path(), "good");
    std::fs::write(
        dir.path().join("case.yaml"),
        "date: 2005-06-10\n---\nperson: {married: true}\n",
    )
    .unwrap();
    let r = run(inforce(dir.path()).args(["eval", "case.yaml", "--rules", "good"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(says), "{}", r.stderr);
    assert!(r.stderr.contains("case.yaml:2:1]"), "{}", r.stderr);
    assert!(!r.stderr.contains("from_str"), "{}", r.stderr);
}
