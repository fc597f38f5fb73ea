//! End-to-end tests of `inforce diff`: each test builds a throwaway git
//! repository holding the shipped rules, changes them as a rule author would,
//! commits, and runs the built binary inside the repository, checking the
//! structural, timeline and behavioural parts of the report in text,
//! Markdown and JSON, and that reading a revision leaves the working tree
//! and the index alone.

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

mod workspace_support;
use workspace_support::{GIT_VARS, copy_dir, workspace};

// --- helpers -----------------------------------------------------------------

/// The version file of Decree No. 1010, whose `until:` the repeal ends.
const DECREE: &str = "rules/kz/citizens-departure/2001-07-26.yaml";
/// The version file of the repeal by Order No. 361.
const REPEAL: &str = "rules/kz/citizens-departure/2012-03-28.yaml";

const FORMATS: [&str; 3] = ["text", "markdown", "json"];

/// Replaces the one occurrence of `from` in `file` by `to`.
fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` should occur once in {}",
        file.display()
    );
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

/// Moves the repeal of Decree No. 1010 from 28 March to 28 June 2012 in the
/// rules tree at `rules` (a `rules/` directory or a copy of it).
fn move_repeal(rules: &Path) {
    edit(
        &rules.join("kz/citizens-departure/2001-07-26.yaml"),
        "in_force: {from: 2001-07-26, until: 2012-03-28}",
        "in_force: {from: 2001-07-26, until: 2012-06-28}",
    );
    edit(
        &rules.join("kz/citizens-departure/2012-03-28.yaml"),
        "in_force: {from: 2012-03-28}",
        "in_force: {from: 2012-06-28}",
    );
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
        assert!(
            !self.stderr.contains("panicked"),
            "the binary panicked:\n{}",
            self.stderr
        );
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
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

/// A git repository in a fresh temporary directory (`<tmp>/repo`), with
/// git's global and system configuration shut out (`<tmp>/gitconfig` is
/// empty) so that nobody's settings change what the tests see.
struct Repo {
    tmp: tempfile::TempDir,
}

impl Repo {
    /// An empty repository on branch `main`, without commits.
    fn empty() -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("repo")).unwrap();
        std::fs::write(tmp.path().join("gitconfig"), "").unwrap();
        let repo = Repo { tmp };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// A repository whose one commit, on `main`, holds the shipped rules.
    fn with_shipped_rules() -> Repo {
        let repo = Repo::empty();
        copy_dir(&workspace().join("rules"), &repo.root().join("rules"));
        repo.commit("the shipped rules");
        repo
    }

    fn root(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }

    fn file(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    /// Runs git in the repository; it must succeed. Returns its stdout.
    fn git(&self, args: &[&str]) -> String {
        let mut cmd = std::process::Command::new("git");
        cmd.current_dir(self.root())
            .args([
                "-c",
                "user.name=Rule Author",
                "-c",
                "user.email=author@example.org",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "core.autocrlf=false",
            ])
            .args(args);
        for var in GIT_VARS {
            cmd.env_remove(var);
        }
        cmd.env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.tmp.path().join("gitconfig"));
        let out = cmd
            .output()
            .expect("git is installed: these tests build git repositories");
        assert!(
            out.status.success(),
            "git {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Commits everything in the working tree; returns the commit id.
    fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
        self.rev("HEAD")
    }

    fn rev(&self, rev: &str) -> String {
        self.git(&["rev-parse", rev]).trim().to_string()
    }

    /// `inforce diff ARGS…` run inside the repository.
    fn diff(&self, args: &[&str]) -> Run {
        run(inforce_in(&self.root(), &self.tmp.path().join("gitconfig"))
            .arg("diff")
            .args(args))
    }
}

/// The binary run in `dir`, with git's configuration shut out as for
/// `Repo::git` and no `INFORCE_RULES` leaking in.
fn inforce_in(dir: &Path, gitconfig: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_inforce"));
    cmd.current_dir(dir)
        .env_remove("INFORCE_RULES")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", gitconfig)
        .timeout(Duration::from_secs(120));
    for var in GIT_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// A repository whose `main` holds the shipped rules and whose branch
/// `move-repeal` (checked out, one commit ahead) moves the repeal of Decree
/// No. 1010 to 28 June 2012. Returns it with the two commit ids.
fn moved_repeal_repo() -> (Repo, String, String) {
    let repo = Repo::with_shipped_rules();
    let base = repo.rev("HEAD");
    repo.git(&["checkout", "-q", "-b", "move-repeal"]);
    move_repeal(&repo.root().join("rules"));
    let moved = repo.commit("move the repeal of Decree 1010 to 28 June 2012");
    (repo, base, moved)
}

/// The first 10 characters of a commit id: how a report pins a moving name.
fn short(commit: &str) -> &str {
    &commit[..10]
}

/// The line of `text` starting with `prefix`.
fn line_starting<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with `{prefix}` in:\n{text}"))
}

/// The part of `text` from `start` up to the next `end` (or the end).
fn block<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let at = text
        .find(start)
        .unwrap_or_else(|| panic!("no `{start}` in:\n{text}"));
    let rest = &text[at..];
    let stop = rest[start.len()..]
        .find(end)
        .map(|i| i + start.len())
        .unwrap_or(rest.len());
    &rest[..stop]
}

/// Where `what` is in `text`, which must hold it.
fn pos(text: &str, what: &str) -> usize {
    text.find(what)
        .unwrap_or_else(|| panic!("no `{what}` in:\n{text}"))
}

fn is_digest(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 64
            && s.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    })
}

/// The version `version` of rule set `set` in the structural part.
fn version<'a>(d: &'a Value, set: &str, version: &str) -> &'a Value {
    d["structural"]["rule_sets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == set)
        .unwrap_or_else(|| panic!("rule set {set} not in {:#}", d["structural"]))["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == version)
        .unwrap_or_else(|| panic!("version {version} of {set} not in {:#}", d["structural"]))
}

/// The field `name` of a version or rule.
fn field<'a>(thing: &'a Value, name: &str) -> &'a Value {
    thing["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == name)
        .unwrap_or_else(|| panic!("no field {name} in {thing:#}"))
}

/// The changed case `id` in the behavioural part.
fn changed_case<'a>(d: &'a Value, id: &str) -> &'a Value {
    d["behaviour"]["changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == id)
        .unwrap_or_else(|| panic!("case {id} not among the changed ones: {:#}", d["behaviour"]))
}

/// The outcome `name` of a changed case.
fn changed_outcome<'a>(case: &'a Value, name: &str) -> &'a Value {
    case["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["outcome"] == name)
        .unwrap_or_else(|| panic!("outcome {name} not changed in {case:#}"))
}

fn count(d: &Value, key: &str) -> u64 {
    d["summary"][key]
        .as_u64()
        .unwrap_or_else(|| panic!("summary.{key} in {:#}", d["summary"]))
}

/// The counts of the summary a change that means nothing leaves at zero.
const CHANGE_COUNTS: [&str; 14] = [
    "rule_sets_added",
    "rule_sets_removed",
    "rule_sets_changed",
    "versions_added",
    "versions_removed",
    "versions_changed",
    "rules_added",
    "rules_removed",
    "rules_renamed",
    "rules_changed",
    "declarations_changed",
    "timeline_changes",
    "cases_changed",
    "case_errors",
];

// --- what every format says about the moved repeal ----------------------------

/// The lines of version `v` in the structural part of a text report.
fn text_version<'a>(t: &'a str, v: &str) -> &'a str {
    let b = block(t, &format!("    ~ version {v}: "), "\n    ~ ");
    b.split("\n\n").next().unwrap()
}

/// The text report of the moved repeal: the two dates that moved, the
/// interval, and the golden case of 28 March 2012 now decided.
fn assert_moved_repeal_text(t: &str) {
    assert!(!t.contains('\x1b'), "no colour on a pipe:\n{t}");
    let (summary, structural, timeline, behaviour) = (
        pos(t, "\nSummary\n"),
        pos(t, "\nStructural changes\n"),
        pos(t, "\nTimeline changes\n"),
        pos(t, "\nBehavioural changes\n"),
    );
    assert!(
        summary < structural && structural < timeline && timeline < behaviour,
        "{t}"
    );
    assert!(
        line_starting(t, "  rule sets:").ends_with(" 1 changed"),
        "{t}"
    );
    assert!(
        line_starting(t, "  versions:").ends_with(" 2 changed"),
        "{t}"
    );
    assert!(
        line_starting(t, "  timeline:").ends_with(" 1 interval where the law in force differs"),
        "{t}"
    );
    assert!(t.contains("  ~ rule set kz.citizens-departure\n"), "{t}");
    let decree = text_version(t, "2001-07-26");
    assert!(
        decree.contains("\n        in_force.until: 2012-03-28 → 2012-06-28"),
        "{decree}"
    );
    let repeal = text_version(t, "2012-03-28");
    assert!(
        repeal.contains("\n        in_force.from: 2012-03-28 → 2012-06-28"),
        "{repeal}"
    );
    let interval = line_starting(t, "  kz.citizens-departure 2012-03-28 to 2012-06-28: ");
    assert!(
        interval.contains("(version 2001-07-26) now in force, before repealed (version 2012-03-28"),
        "{interval}"
    );
    let case = block(
        &t[behaviour..],
        "  case boundary-2012-from (golden test ",
        "\n  case ",
    );
    assert!(
        case.lines().next().unwrap().ends_with(" on 2012-03-28"),
        "{case}"
    );
    assert!(
        case.contains("\n    exit_visa_required: undetermined → no\n"),
        "{case}"
    );
    assert!(
        case.contains("new: rule no-permission-other-purposes, "),
        "the deciding rule of the new side is named:\n{case}"
    );
}

/// The Markdown report of the moved repeal.
fn assert_moved_repeal_markdown(m: &str) {
    assert!(m.starts_with("## Rule changes: `"), "{m}");
    let table = pos(m, "| change | count |\n|---|---|\n");
    assert!(table < pos(m, "<details>"), "summary first:\n{m}");
    assert!(m.contains("| rule sets | 1 changed |\n"), "{m}");
    assert!(m.contains("| versions | 2 changed |\n"), "{m}");
    assert!(
        m.contains("| timeline | 1 interval where the law in force differs |\n"),
        "{m}"
    );
    let set = block(
        m,
        "<summary>rule set <code>kz.citizens-departure</code> changed: 2 versions changed</summary>",
        "</details>",
    );
    let decree = block(set, "#### Version `2001-07-26` (changed)", "####");
    assert!(
        decree.contains("| `in_force.until` | 2012-03-28 | 2012-06-28 |\n"),
        "{decree}"
    );
    let repeal = block(set, "#### Version `2012-03-28` (changed)", "####");
    assert!(
        repeal.contains("| `in_force.from` | 2012-03-28 | 2012-06-28 |\n"),
        "{repeal}"
    );
    let timeline = block(m, "\n### Timeline\n", "\n### ");
    let row = line_starting(
        timeline,
        "| `kz.citizens-departure` | 2012-03-28 | 2012-06-28 | ",
    );
    assert!(
        row.contains("(version 2001-07-26) now in force, before repealed (version 2012-03-28"),
        "{row}"
    );
    let behaviour = pos(m, "\n### Behaviour\n");
    assert!(pos(m, "\n### Structural changes\n") < pos(m, "\n### Timeline\n"));
    assert!(pos(m, "\n### Timeline\n") < behaviour);
    let case = block(
        &m[behaviour..],
        "<summary>case <code>boundary-2012-from</code> on 2012-03-28: ",
        "</details>",
    );
    assert!(case.contains("From golden test "), "{case}");
    let row = line_starting(case, "| `exit_visa_required` | ");
    assert!(
        row.starts_with("| `exit_visa_required` | undetermined | no | "),
        "{row}"
    );
    assert!(
        row.contains("rule `no-permission-other-purposes` (kz.citizens-departure 2001-07-26)"),
        "{row}"
    );
}

/// The JSON report of the moved repeal (labels and files aside).
fn assert_moved_repeal_json(d: &Value) {
    assert!(is_digest(&d["old"]["digest"]), "{}", d["old"]);
    assert!(is_digest(&d["new"]["digest"]), "{}", d["new"]);
    assert_ne!(d["old"]["digest"], d["new"]["digest"]);
    for (key, n) in [
        ("rule_sets_changed", 1),
        ("versions_changed", 2),
        ("timeline_changes", 1),
        ("rule_sets_added", 0),
        ("rule_sets_removed", 0),
        ("versions_added", 0),
        ("versions_removed", 0),
        ("rules_added", 0),
        ("rules_removed", 0),
        ("rules_renamed", 0),
        ("rules_changed", 0),
        ("declarations_changed", 0),
        ("case_errors", 0),
    ] {
        assert_eq!(count(d, key), n, "summary.{key}: {:#}", d["summary"]);
    }

    let decree = version(d, "kz.citizens-departure", "2001-07-26");
    assert_eq!(decree["change"], "changed");
    let until = field(decree, "in_force.until");
    assert_eq!(until["old"], "2012-03-28", "{until}");
    assert_eq!(until["new"], "2012-06-28", "{until}");
    assert_eq!(decree["fields"].as_array().unwrap().len(), 1, "{decree:#}");
    assert!(decree["rules"].as_array().unwrap().is_empty(), "{decree:#}");
    let repeal = version(d, "kz.citizens-departure", "2012-03-28");
    let from = field(repeal, "in_force.from");
    assert_eq!(from["old"], "2012-03-28", "{from}");
    assert_eq!(from["new"], "2012-06-28", "{from}");

    let timeline = d["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 1, "{timeline:#?}");
    let t = &timeline[0];
    assert_eq!(t["rule_set"], "kz.citizens-departure");
    assert_eq!(t["from"], "2012-03-28");
    assert_eq!(t["until"], "2012-06-28");
    assert!(
        t["old"]
            .as_str()
            .unwrap()
            .starts_with("repealed (version 2012-03-28"),
        "{t}"
    );
    assert!(
        t["new"].as_str().unwrap().ends_with("(version 2001-07-26)"),
        "{t}"
    );
    assert!(
        t["description"]
            .as_str()
            .unwrap()
            .contains("now in force, before repealed"),
        "{t}"
    );

    let b = &d["behaviour"];
    let changed = b["changed"].as_array().unwrap();
    assert_eq!(count(d, "cases_changed"), changed.len() as u64);
    assert_eq!(count(d, "cases_compared"), b["cases"].as_u64().unwrap());
    assert!(b["errors"].as_array().unwrap().is_empty(), "{b:#}");
    // Only the three months the decree now lasts can decide differently.
    for c in changed {
        let date = c["date"].as_str().unwrap();
        assert!(
            ("2012-03-28".."2012-06-28").contains(&date),
            "{} on {date}",
            c["case"]
        );
    }
    let case = changed_case(d, "boundary-2012-from");
    assert_eq!(case["date"], "2012-03-28");
    let origin = case["origin"].as_str().unwrap();
    assert!(
        origin.starts_with("golden test \"") && origin.ends_with("tests/versions.yaml)"),
        "{origin}"
    );
    let visa = changed_outcome(case, "exit_visa_required");
    assert_eq!(visa["old"]["status"], "undetermined", "{visa:#}");
    assert!(
        visa["old"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("repealed on 2012-03-28")),
        "{visa:#}"
    );
    assert_eq!(visa["new"]["status"], "decided", "{visa:#}");
    assert_eq!(visa["new"]["value"], false, "{visa:#}");
    assert_eq!(
        visa["new"]["by"][0]["rule"], "no-permission-other-purposes",
        "{visa:#}"
    );
    assert_eq!(visa["new"]["by"][0]["version"], "2001-07-26", "{visa:#}");
}

// --- the moved repeal, between two commits -----------------------------------

#[test]
fn moving_the_repeal_in_text_shows_the_new_end_the_interval_and_the_case_now_decided() {
    let (repo, base, moved) = moved_repeal_repo();
    let r = repo.diff(&["HEAD~1", "HEAD"]);
    r.expect_code(0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let t = &r.stdout;
    assert!(
        t.starts_with(&format!(
            "Comparing OLD HEAD~1 at {} (digest ",
            short(&base)
        )),
        "{t}"
    );
    assert!(
        line_starting(t, "Comparing ")
            .contains(&format!(") with NEW HEAD at {} (digest ", short(&moved))),
        "{t}"
    );
    assert_moved_repeal_text(t);
    // The verdict counts what the JSON lists.
    let d = repo.diff(&["HEAD~1", "HEAD", "--format", "json"]).json();
    let verdict = format!(
        " {} of {} compared cases decide differently",
        count(&d, "cases_changed"),
        count(&d, "cases_compared")
    );
    assert!(line_starting(t, "  behaviour:").ends_with(&verdict), "{t}");
    // One place per version: the new side's file.
    assert!(
        t.contains("(HEAD:rules/kz/citizens-departure/2001-07-26.yaml)\n"),
        "{t}"
    );
}

#[test]
fn moving_the_repeal_in_markdown_shows_the_new_end_the_interval_and_the_case_now_decided() {
    let (repo, base, moved) = moved_repeal_repo();
    let r = repo.diff(&["HEAD~1", "HEAD", "--format", "markdown"]);
    r.expect_code(0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let m = &r.stdout;
    assert!(
        m.starts_with(&format!(
            "## Rule changes: `HEAD~1 at {}` → `HEAD at {}`\n",
            short(&base),
            short(&moved)
        )),
        "{m}"
    );
    assert_moved_repeal_markdown(m);
    let d = repo.diff(&["HEAD~1", "HEAD", "--format", "json"]).json();
    assert!(
        m.contains(&format!(
            "| cases compared | {} |\n| cases deciding differently | {} |\n",
            count(&d, "cases_compared"),
            count(&d, "cases_changed")
        )),
        "{m}"
    );
    assert!(
        m.contains("File: `HEAD:rules/kz/citizens-departure/2001-07-26.yaml`"),
        "{m}"
    );
}

#[test]
fn moving_the_repeal_in_json_shows_the_new_end_the_interval_and_the_case_now_decided() {
    let (repo, base, moved) = moved_repeal_repo();
    let r = repo.diff(&["HEAD~1", "HEAD", "--format", "json"]);
    r.expect_code(0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let d = r.json();
    let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
    // serde_json's map is sorted by key; the output's order is checked below.
    assert_eq!(
        keys,
        [
            "behaviour",
            "new",
            "old",
            "structural",
            "summary",
            "timeline"
        ]
    );
    let order: Vec<usize> = [
        "old",
        "new",
        "summary",
        "structural",
        "timeline",
        "behaviour",
    ]
    .iter()
    .map(|k| pos(&r.stdout, &format!("\n  \"{k}\": ")))
    .collect();
    assert!(
        order.is_sorted(),
        "top-level keys out of order:\n{}",
        r.stdout
    );
    assert_eq!(d["old"]["label"], format!("HEAD~1 at {}", short(&base)));
    assert_eq!(d["new"]["label"], format!("HEAD at {}", short(&moved)));
    assert_moved_repeal_json(&d);
    let decree = version(&d, "kz.citizens-departure", "2001-07-26");
    assert_eq!(decree["old_file"], format!("HEAD~1:{DECREE}"));
    assert_eq!(decree["new_file"], format!("HEAD:{DECREE}"));
    assert!(
        d["structural"]["declarations"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_branch_name_a_commit_id_and_head_tilde_one_name_the_same_revisions() {
    let (repo, base, moved) = moved_repeal_repo();
    let reference = repo.diff(&["HEAD~1", "HEAD", "--format", "json"]).json();
    let abbreviated = &moved[..8];
    for (old, new, old_label, new_label) in [
        (
            "main",
            "move-repeal",
            format!("main at {}", short(&base)),
            format!("move-repeal at {}", short(&moved)),
        ),
        (
            base.as_str(),
            abbreviated,
            base.clone(),
            abbreviated.to_string(),
        ),
        (
            "main",
            "HEAD",
            format!("main at {}", short(&base)),
            format!("HEAD at {}", short(&moved)),
        ),
    ] {
        let r = repo.diff(&[old, new, "--format", "json"]);
        r.expect_code(0);
        let d = r.json();
        assert_eq!(d["old"]["label"], old_label.as_str());
        assert_eq!(d["new"]["label"], new_label.as_str());
        assert_moved_repeal_json(&d);
        // Only the labels (and the files named after them) differ.
        for part in ["summary", "timeline", "behaviour"] {
            assert_eq!(d[part], reference[part], "{part} of {old} → {new}");
        }
        assert_eq!(d["old"]["digest"], reference["old"]["digest"]);
        assert_eq!(d["new"]["digest"], reference["new"]["digest"]);
        let decree = version(&d, "kz.citizens-departure", "2001-07-26");
        assert_eq!(decree["old_file"], format!("{old}:{DECREE}"));
        assert_eq!(decree["new_file"], format!("{new}:{DECREE}"));

        let text = repo.diff(&[old, new]);
        text.expect_code(0);
        assert!(
            text.stdout
                .starts_with(&format!("Comparing OLD {old_label} (digest ")),
            "{}",
            text.stdout
        );
        assert_moved_repeal_text(&text.stdout);
        let markdown = repo.diff(&[old, new, "--format", "markdown"]);
        markdown.expect_code(0);
        assert!(
            markdown
                .stdout
                .starts_with(&format!("## Rule changes: `{old_label}` → `{new_label}`\n")),
            "{}",
            markdown.stdout
        );
        assert_moved_repeal_markdown(&markdown.stdout);
    }
}

#[test]
fn an_annotated_tag_names_the_commit_it_tags() {
    let (repo, base, _) = moved_repeal_repo();
    repo.git(&["tag", "-a", "shipped", "-m", "the shipped rules", "main"]);
    let r = repo.diff(&["shipped", "HEAD", "--format", "json"]);
    r.expect_code(0);
    let d = r.json();
    assert_eq!(d["old"]["label"], format!("shipped at {}", short(&base)));
    assert_moved_repeal_json(&d);
}

#[test]
fn the_rules_path_is_from_the_repository_root_even_when_run_in_a_subdirectory() {
    let (repo, _, _) = moved_repeal_repo();
    let sub = repo.root().join("docs/notes");
    std::fs::create_dir_all(&sub).unwrap();
    let r = run(inforce_in(&sub, &repo.tmp.path().join("gitconfig"))
        .args(["diff", "HEAD~1", "HEAD", "--format", "json"]));
    r.expect_code(0);
    assert_moved_repeal_json(&r.json());
    // `./rules/` names the same place as `rules`.
    let r = repo.diff(&[
        "HEAD~1",
        "HEAD",
        "--rules-path",
        "./rules/",
        "--format",
        "json",
    ]);
    r.expect_code(0);
    assert_moved_repeal_json(&r.json());
}

// --- a changed condition -----------------------------------------------------

/// A repository whose last commit raises the age from which a citizen may
/// petition personally from 18 to 21.
fn raised_age_repo() -> Repo {
    let repo = Repo::with_shipped_rules();
    edit(
        &repo.file(DECREE),
        "when: age_on(person.birth_date, date) >= 18 && !person.incapacitated",
        "when: age_on(person.birth_date, date) >= 21 && !person.incapacitated",
    );
    repo.commit("petition personally from 21");
    repo
}

#[test]
fn a_changed_condition_marks_the_words_that_changed_in_text() {
    let repo = raised_age_repo();
    let r = repo.diff(&["HEAD~1", "HEAD"]);
    r.expect_code(0);
    let t = &r.stdout;
    assert!(!t.contains('\x1b'), "no colour on a pipe:\n{t}");
    assert!(line_starting(t, "  rules:").ends_with(" 1 changed"), "{t}");
    let rule = block(
        t,
        "      ~ rule petition-personally-from-18 [Decree No. 1010 of 26 July 2001, Rules, item 7]\n",
        "\n\n",
    );
    assert!(
        rule.contains(
            "\n          when: age_on(person.birth_date, date) >= [-18-]{+21+} && !person.incapacitated"
        ),
        "{rule}"
    );
    // Only the version of the decree reads differently.
    let interval = line_starting(t, "  kz.citizens-departure 2001-07-26 to 2012-03-28: ");
    assert!(interval.contains("now reads differently"), "{interval}");
    // Someone aged 18 to 20 no longer petitions personally.
    let behaviour = &t[pos(t, "\nBehavioural changes\n")..];
    assert!(
        behaviour.contains(
            "    may_petition: yes → undetermined\n      (old: rule petition-personally-from-18, "
        ),
        "{behaviour}"
    );
}

#[test]
fn a_changed_condition_strikes_the_old_words_and_bolds_the_new_in_markdown() {
    let repo = raised_age_repo();
    let r = repo.diff(&["HEAD~1", "HEAD", "--format", "markdown"]);
    r.expect_code(0);
    let m = &r.stdout;
    assert!(m.contains("| rules | 1 changed |\n"), "{m}");
    let rule = block(
        m,
        "**Rule `petition-personally-from-18`** (changed): Decree No. 1010 of 26 July 2001, Rules, item 7",
        "</details>",
    );
    let when = line_starting(rule, "- `when`: ");
    assert!(when.contains("~~18~~**21**"), "{when}");
    assert!(
        !when.contains("~~21~~") && !when.contains("**18**"),
        "{when}"
    );
    // The whole condition, old and new, as code.
    assert!(
        rule.contains("```\nage_on(person.birth_date, date) >= 18 && !person.incapacitated\n```"),
        "{rule}"
    );
    assert!(
        rule.contains("```\nage_on(person.birth_date, date) >= 21 && !person.incapacitated\n```"),
        "{rule}"
    );
    let timeline = block(m, "\n### Timeline\n", "\n### ");
    assert!(
        timeline.contains("| `kz.citizens-departure` | 2001-07-26 | 2012-03-28 | "),
        "{timeline}"
    );
    let behaviour = &m[pos(m, "\n### Behaviour\n")..];
    assert!(
        behaviour.contains(
            "| `may_petition` | yes | undetermined | rule `petition-personally-from-18` "
        ),
        "{behaviour}"
    );
}

#[test]
fn a_changed_condition_comes_word_by_word_in_json() {
    let repo = raised_age_repo();
    let r = repo.diff(&["HEAD~1", "HEAD", "--format", "json"]);
    r.expect_code(0);
    let d = r.json();
    assert_eq!(count(&d, "rules_changed"), 1);
    let decree = version(&d, "kz.citizens-departure", "2001-07-26");
    assert!(
        decree["fields"].as_array().unwrap().is_empty(),
        "{decree:#}"
    );
    let rules = decree["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1, "{decree:#}");
    let rule = &rules[0];
    assert_eq!(rule["id"], "petition-personally-from-18");
    assert_eq!(rule["change"], "changed");
    assert!(rule.get("old_id").is_none(), "{rule:#}");
    let when = field(rule, "when");
    assert_eq!(
        when["old"],
        "age_on(person.birth_date, date) >= 18 && !person.incapacitated"
    );
    assert_eq!(
        when["new"],
        "age_on(person.birth_date, date) >= 21 && !person.incapacitated"
    );
    let words = when["words"].as_array().unwrap();
    let removed: Vec<&Value> = words.iter().filter_map(|w| w.get("removed")).collect();
    let added: Vec<&Value> = words.iter().filter_map(|w| w.get("added")).collect();
    assert_eq!(removed, ["18"], "{words:#?}");
    assert_eq!(added, ["21"], "{words:#?}");
    // The pieces read back as the old and the new condition.
    let side = |skip: &str| -> String {
        words
            .iter()
            .filter(|w| w.get(skip).is_none())
            .map(|w| {
                w.as_object()
                    .unwrap()
                    .values()
                    .next()
                    .unwrap()
                    .as_str()
                    .unwrap()
            })
            .collect()
    };
    assert_eq!(side("added"), when["old"].as_str().unwrap());
    assert_eq!(side("removed"), when["new"].as_str().unwrap());

    let timeline = d["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 1, "{timeline:#?}");
    assert_eq!(timeline[0]["from"], "2001-07-26");
    assert_eq!(timeline[0]["until"], "2012-03-28");
    // Every case that changed lost `may_petition` decided by the old rule.
    let changed = d["behaviour"]["changed"].as_array().unwrap();
    assert!(!changed.is_empty());
    for c in changed {
        let o = changed_outcome(c, "may_petition");
        assert_eq!(o["old"]["value"], true, "{o:#}");
        assert_eq!(
            o["old"]["by"][0]["rule"], "petition-personally-from-18",
            "{o:#}"
        );
        assert_ne!(o["new"]["value"], true, "{o:#}");
    }
}

// --- a renamed rule ------------------------------------------------------------

/// A repository whose last commit renames one rule and changes nothing else.
fn renamed_rule_repo() -> Repo {
    let repo = Repo::with_shipped_rules();
    edit(
        &repo.file(DECREE),
        "- id: decision-term-not-started\n",
        "- id: decision-term-pending\n",
    );
    repo.commit("rename a rule");
    repo
}

#[test]
fn a_renamed_rule_is_reported_as_renamed_with_its_old_id_and_no_behavioural_change() {
    let repo = renamed_rule_repo();

    let t = repo.diff(&["HEAD~1", "HEAD"]);
    t.expect_code(0);
    let t = &t.stdout;
    assert!(line_starting(t, "  rules:").ends_with(" 1 renamed"), "{t}");
    assert!(
        t.contains("      → rule decision-term-pending (was decision-term-not-started) [Decree No. 1010 of 26 July 2001, Rules, item 9]\n"),
        "{t}"
    );
    assert!(
        line_starting(t, "  behaviour:").contains(" no behavioural change: "),
        "{t}"
    );
    assert!(!t.contains("Behavioural changes"), "{t}");
    assert!(
        !t.contains("decision-term-pending\n          "),
        "no field listed:\n{t}"
    );

    let m = repo.diff(&["HEAD~1", "HEAD", "--format", "markdown"]);
    m.expect_code(0);
    let m = &m.stdout;
    assert!(m.contains("| rules | 1 renamed |\n"), "{m}");
    assert!(
        m.contains("**Rule `decision-term-pending`** (renamed, was `decision-term-not-started`): Decree No. 1010 of 26 July 2001, Rules, item 9\n"),
        "{m}"
    );
    assert!(m.contains("| cases deciding differently | 0 |\n"), "{m}");
    assert!(m.contains("**No behavioural change: "), "{m}");
    assert!(!m.contains("<summary>case "), "{m}");

    let d = repo.diff(&["HEAD~1", "HEAD", "--format", "json"]);
    d.expect_code(0);
    let d = d.json();
    assert_eq!(count(&d, "rules_renamed"), 1);
    assert_eq!(count(&d, "rules_added"), 0);
    assert_eq!(count(&d, "rules_removed"), 0);
    assert_eq!(count(&d, "rules_changed"), 0);
    assert_eq!(count(&d, "cases_changed"), 0);
    let decree = version(&d, "kz.citizens-departure", "2001-07-26");
    let rules = decree["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1, "{decree:#}");
    assert_eq!(rules[0]["id"], "decision-term-pending");
    assert_eq!(rules[0]["change"], "renamed");
    assert_eq!(rules[0]["old_id"], "decision-term-not-started");
    assert!(
        rules[0]["fields"].as_array().unwrap().is_empty(),
        "{:#}",
        rules[0]
    );
    assert!(d["behaviour"]["changed"].as_array().unwrap().is_empty());
    assert!(d["behaviour"]["errors"].as_array().unwrap().is_empty());
}

// --- a change of form only ---------------------------------------------------

/// A repository whose last commit reorders keys and adds comments, changing
/// nothing the rules mean.
fn reformatted_repo() -> Repo {
    let repo = Repo::with_shipped_rules();
    // Keys of the repeal in another order, and a comment.
    let text = std::fs::read_to_string(repo.file(REPEAL)).unwrap();
    let title = text
        .lines()
        .find(|l| l.starts_with("title: "))
        .unwrap()
        .to_string();
    let without_title = text.replacen(&format!("{title}\n"), "", 1);
    let (head, repeal) = without_title.split_at(pos(&without_title, "repeal:\n"));
    let (head, notes) = head.split_at(pos(head, "notes:\n"));
    let reordered = format!(
        "# The order of the keys changes nothing.\n{}{title}\n{repeal}{}",
        head.replacen("in_force: {from: 2012-03-28}\n", "", 1)
            + "in_force: {from: 2012-03-28}  # unchanged\n",
        notes
    );
    assert_ne!(reordered, text);
    std::fs::write(repo.file(REPEAL), reordered).unwrap();
    // The decree: a flow mapping reversed, a rule's keys reversed, comments.
    edit(
        &repo.file(DECREE),
        "in_force: {from: 2001-07-26, until: 2012-03-28}",
        "in_force: {until: 2012-03-28, from: 2001-07-26}  # Order No. 361",
    );
    edit(
        &repo.file(DECREE),
        "    when: application.complete_on == ()\n    then:\n      decision_due_by: null\n",
        "    # Nothing is due before the file is complete.\n    then:\n      decision_due_by: null\n    when: application.complete_on == ()\n",
    );
    repo.commit("tidy the citizens-departure files");
    repo
}

#[test]
fn a_change_of_form_only_says_nothing_differs_in_every_format() {
    let repo = reformatted_repo();
    // The files did change.
    assert!(
        !repo
            .git(&["diff", "--stat", "HEAD~1", "HEAD"])
            .trim()
            .is_empty()
    );

    let t = repo.diff(&["HEAD~1", "HEAD"]);
    t.expect_code(0);
    let t = &t.stdout;
    let body = t.split_once("\n\n").unwrap().1;
    assert!(
        body.starts_with("Nothing differs: the rule files differ only in form (layout, order, comments); no structural, timeline or behavioural change; "),
        "{t}"
    );
    assert!(
        body.trim_end()
            .ends_with("cases decide the same under both."),
        "{t}"
    );
    for absent in [
        "Summary",
        "Structural changes",
        "Timeline changes",
        "Behavioural changes",
    ] {
        assert!(!t.contains(absent), "{absent} in:\n{t}");
    }

    let m = repo.diff(&["HEAD~1", "HEAD", "--format", "markdown"]);
    m.expect_code(0);
    let m = &m.stdout;
    assert!(m.contains("\n**Nothing differs: "), "{m}");
    assert!(m.contains("cases decide the same under both.**\n"), "{m}");
    for absent in ["<details>", "### ", "| change | count |"] {
        assert!(!m.contains(absent), "{absent} in:\n{m}");
    }

    let d = repo.diff(&["HEAD~1", "HEAD", "--format", "json"]);
    d.expect_code(0);
    let d = d.json();
    assert_ne!(d["old"]["digest"], d["new"]["digest"], "the files differ");
    for key in CHANGE_COUNTS {
        assert_eq!(count(&d, key), 0, "summary.{key}: {:#}", d["summary"]);
    }
    assert!(count(&d, "cases_compared") > 100, "{:#}", d["summary"]);
    assert!(
        d["structural"]["declarations"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(d["structural"]["rule_sets"].as_array().unwrap().is_empty());
    assert!(d["timeline"].as_array().unwrap().is_empty());
    assert!(d["behaviour"]["changed"].as_array().unwrap().is_empty());
    assert!(d["behaviour"]["errors"].as_array().unwrap().is_empty());
}

#[test]
fn exit_code_is_0_when_nothing_differs_and_1_when_something_does() {
    let repo = reformatted_repo();
    for format in FORMATS {
        repo.diff(&["HEAD~1", "HEAD", "--exit-code", "--format", format])
            .expect_code(0);
    }
    // The same revision on both sides: identical files.
    let same = repo.diff(&["HEAD", "HEAD", "--exit-code"]);
    same.expect_code(0);
    assert!(
        same.stdout
            .contains("Nothing differs: the rule files are identical;"),
        "{}",
        same.stdout
    );

    let (moved, _, _) = moved_repeal_repo();
    for format in FORMATS {
        let r = moved.diff(&["HEAD~1", "HEAD", "--exit-code", "--format", format]);
        r.expect_code(1);
        assert!(!r.stdout.is_empty(), "the report is still printed");
        // Without the flag a difference is no failure.
        moved
            .diff(&["HEAD~1", "HEAD", "--format", format])
            .expect_code(0);
    }
    // A rename alone is a difference too.
    renamed_rule_repo()
        .diff(&["HEAD~1", "HEAD", "--exit-code"])
        .expect_code(1);
}

// --- the working tree and the index ------------------------------------------

/// Makes the working tree of `repo` dirty: an uncommitted edit of the
/// decree, a staged edit of the repeal, and an untracked file that does not
/// load.
fn dirty(repo: &Repo) {
    edit(
        &repo.file(DECREE),
        "summary: A secret-holder needs an exit visa",
        "summary: Uncommitted, a secret-holder needs an exit visa",
    );
    edit(
        &repo.file(REPEAL),
        "title: Repeal of the Rules",
        "title: Staged repeal of the Rules",
    );
    repo.git(&["add", REPEAL]);
    std::fs::write(repo.file("rules/kz/untracked.yaml"), "not: [valid yaml\n").unwrap();
}

/// Everything about the repository's working tree and index a command could
/// change.
#[derive(Debug, PartialEq)]
struct State {
    status: String,
    index: Vec<u8>,
    files: Vec<Vec<u8>>,
    unstaged: String,
    staged: String,
    head: String,
    branch: String,
}

fn state(repo: &Repo) -> State {
    // `git status` may refresh the index: run it before reading the index.
    let status = repo.git(&["status", "--porcelain=v1", "-uall"]);
    State {
        status,
        index: std::fs::read(repo.root().join(".git/index")).unwrap(),
        files: [DECREE, REPEAL, "rules/kz/untracked.yaml"]
            .iter()
            .map(|f| std::fs::read(repo.file(f)).unwrap())
            .collect(),
        unstaged: repo.git(&["diff"]),
        staged: repo.git(&["diff", "--cached"]),
        head: repo.rev("HEAD"),
        branch: repo.git(&["symbolic-ref", "HEAD"]),
    }
}

#[test]
fn reading_revisions_never_touches_the_working_tree_or_the_index() {
    let (repo, _, _) = moved_repeal_repo();
    dirty(&repo);
    let before = state(&repo);
    assert_eq!(
        before.status,
        format!(" M {DECREE}\nM  {REPEAL}\n?? rules/kz/untracked.yaml\n"),
        "the tree is dirty in the three ways"
    );
    let index = before.index.clone();
    for format in FORMATS {
        repo.diff(&["HEAD~1", "HEAD", "--format", format])
            .expect_code(0);
    }
    // Read before `git status` runs again and may refresh it.
    assert_eq!(
        std::fs::read(repo.root().join(".git/index")).unwrap(),
        index,
        "the index is byte for byte what it was"
    );
    assert_eq!(state(&repo), before);
}

#[test]
fn a_dirty_working_tree_still_gives_the_committed_contents_of_each_revision() {
    let (repo, _, _) = moved_repeal_repo();
    let clean: Vec<String> = FORMATS
        .iter()
        .map(|f| {
            let r = repo.diff(&["HEAD~1", "HEAD", "--format", f]);
            r.expect_code(0);
            r.stdout.clone()
        })
        .collect();
    dirty(&repo);
    for (format, clean) in FORMATS.iter().zip(&clean) {
        let r = repo.diff(&["HEAD~1", "HEAD", "--format", format]);
        r.expect_code(0);
        assert_eq!(
            &r.stdout, clean,
            "{format} report changed with the working tree"
        );
        assert!(!r.stdout.contains("Uncommitted"), "{}", r.stdout);
        assert!(!r.stdout.contains("Staged repeal"), "{}", r.stdout);
        assert!(!r.stdout.contains("untracked"), "{}", r.stdout);
    }
    assert_moved_repeal_text(&clean[0]);
    assert_moved_repeal_markdown(&clean[1]);
    assert_moved_repeal_json(&serde_json::from_str(&clean[2]).unwrap());
    // The working tree itself, named as a directory, is what was edited.
    let r = repo.diff(&["HEAD", "rules", "--format", "json"]);
    r.expect_code(2);
    assert!(r.stderr.contains("NEW `rules`"), "{}", r.stderr);
    std::fs::remove_file(repo.file("rules/kz/untracked.yaml")).unwrap();
    let d = repo.diff(&["HEAD", "rules", "--format", "json"]);
    d.expect_code(0);
    let d = d.json();
    let decree = version(&d, "kz.citizens-departure", "2001-07-26");
    let rule = decree["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "secret-holder-exit-visa")
        .unwrap_or_else(|| panic!("{decree:#}"));
    assert!(
        field(rule, "summary")["new"]
            .as_str()
            .unwrap()
            .starts_with("Uncommitted, "),
        "{rule:#}"
    );
    let repeal = version(&d, "kz.citizens-departure", "2012-03-28");
    assert_eq!(
        field(repeal, "title")["new"],
        "Staged repeal of the Rules of departure of citizens (Decree No. 1010) by Government Order No. 361"
    );
}

// --- directories as sides ------------------------------------------------------

/// A copy of the shipped rules with the repeal moved, in a directory of its
/// own (kept alive by the returned guard).
fn moved_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("moved-rules");
    copy_dir(&workspace().join("rules"), &copy);
    move_repeal(&copy);
    (tmp, copy)
}

#[test]
fn two_directories_are_compared_like_two_revisions() {
    let repo = Repo::with_shipped_rules();
    let (_guard, copy) = moved_copy();
    let copy_s = copy.to_str().unwrap();

    let t = repo.diff(&["rules", copy_s]);
    t.expect_code(0);
    assert!(
        t.stdout.starts_with("Comparing OLD rules (digest "),
        "{}",
        t.stdout
    );
    assert!(
        line_starting(&t.stdout, "Comparing ").contains(&format!(" with NEW {copy_s} (digest ")),
        "{}",
        t.stdout
    );
    assert_moved_repeal_text(&t.stdout);

    let m = repo.diff(&["rules", copy_s, "--format", "markdown"]);
    m.expect_code(0);
    assert!(
        m.stdout
            .starts_with(&format!("## Rule changes: `rules` → `{copy_s}`\n")),
        "{}",
        m.stdout
    );
    assert_moved_repeal_markdown(&m.stdout);

    let d = repo.diff(&["rules", copy_s, "--format", "json"]);
    d.expect_code(0);
    let d = d.json();
    assert_eq!(d["old"]["label"], "rules");
    assert_eq!(d["new"]["label"], copy_s);
    assert_moved_repeal_json(&d);
    let decree = version(&d, "kz.citizens-departure", "2001-07-26");
    assert!(
        decree["old_file"]
            .as_str()
            .unwrap()
            .ends_with("kz/citizens-departure/2001-07-26.yaml"),
        "{decree:#}"
    );
    assert_eq!(
        Path::new(decree["new_file"].as_str().unwrap()),
        copy.join("kz/citizens-departure/2001-07-26.yaml")
    );

    // The same change between two commits reads the same.
    let (moved_repo, _, _) = moved_repeal_repo();
    let from_git = moved_repo
        .diff(&["HEAD~1", "HEAD", "--format", "json"])
        .json();
    for part in ["summary", "timeline", "behaviour"] {
        assert_eq!(d[part], from_git[part], "{part}");
    }
    assert_eq!(d["old"]["digest"], from_git["old"]["digest"]);
    assert_eq!(d["new"]["digest"], from_git["new"]["digest"]);
}

#[test]
fn a_checkout_and_its_commit_are_identical() {
    let repo = Repo::with_shipped_rules();
    for (old, new) in [("rules", "HEAD"), ("HEAD", "rules")] {
        let r = repo.diff(&[old, new, "--exit-code"]);
        r.expect_code(0);
        assert!(
            r.stdout
                .contains("Nothing differs: the rule files are identical;"),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn a_directory_and_a_revision_can_be_mixed_either_way() {
    let repo = Repo::with_shipped_rules();
    let head = repo.rev("HEAD");
    let (_guard, copy) = moved_copy();
    let copy_s = copy.to_str().unwrap();

    // Committed rules against a directory.
    let t = repo.diff(&["HEAD", copy_s]);
    t.expect_code(0);
    assert!(
        t.stdout
            .starts_with(&format!("Comparing OLD HEAD at {} (digest ", short(&head))),
        "{}",
        t.stdout
    );
    assert_moved_repeal_text(&t.stdout);
    let m = repo.diff(&["HEAD", copy_s, "--format", "markdown"]);
    m.expect_code(0);
    assert_moved_repeal_markdown(&m.stdout);
    let d = repo.diff(&["HEAD", copy_s, "--format", "json"]);
    d.expect_code(0);
    let d = d.json();
    assert_eq!(d["old"]["label"], format!("HEAD at {}", short(&head)));
    assert_moved_repeal_json(&d);

    // Uncommitted work in the checkout against the last commit.
    move_repeal(&repo.root().join("rules"));
    let w = repo.diff(&["HEAD", "rules", "--format", "json"]);
    w.expect_code(0);
    let w = w.json();
    assert_eq!(w["new"]["label"], "rules");
    assert_moved_repeal_json(&w);
    for part in ["summary", "timeline", "behaviour"] {
        assert_eq!(w[part], d[part], "{part}");
    }

    // A directory as OLD, a revision as NEW: the change read backwards.
    let b = repo.diff(&[copy_s, "HEAD", "--format", "json"]);
    b.expect_code(0);
    let b = b.json();
    let until = field(
        version(&b, "kz.citizens-departure", "2001-07-26"),
        "in_force.until",
    );
    assert_eq!(
        (&until["old"], &until["new"]),
        (&Value::from("2012-06-28"), &Value::from("2012-03-28"))
    );
    let t = &b["timeline"][0];
    assert_eq!(
        (&t["from"], &t["until"]),
        (&Value::from("2012-03-28"), &Value::from("2012-06-28"))
    );
    assert!(
        t["description"]
            .as_str()
            .unwrap()
            .starts_with("repealed (version 2012-03-28"),
        "{t}"
    );
    let visa = changed_outcome(changed_case(&b, "boundary-2012-from"), "exit_visa_required");
    assert_eq!(visa["old"]["value"], false, "{visa:#}");
    assert_eq!(visa["new"]["status"], "undetermined", "{visa:#}");
    let text = repo.diff(&[copy_s, "HEAD"]);
    text.expect_code(0);
    assert!(
        text.stdout
            .contains("        in_force.until: 2012-06-28 → 2012-03-28\n"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("\n    exit_visa_required: no → undetermined\n"),
        "{}",
        text.stdout
    );
}

#[test]
fn two_directories_need_no_git_repository() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&workspace().join("rules"), &tmp.path().join("rules"));
    let (_guard, copy) = moved_copy();
    let r = run(inforce_in(tmp.path(), &tmp.path().join("no-gitconfig"))
        .env("GIT_CEILING_DIRECTORIES", tmp.path().parent().unwrap())
        .args(["diff", "rules", "--format", "json"])
        .arg(&copy));
    r.expect_code(0);
    assert_moved_repeal_json(&r.json());
}

// --- errors ------------------------------------------------------------------------

#[test]
fn a_revision_that_does_not_exist_is_exit_code_2_naming_the_side() {
    let (repo, _, _) = moved_repeal_repo();
    for (args, side, name) in [
        (["no-such-branch", "HEAD"], "OLD", "no-such-branch"),
        (["HEAD", "no-such-branch"], "NEW", "no-such-branch"),
        (["HEAD~5", "HEAD"], "OLD", "HEAD~5"),
        (["HEAD", "0123456789abcdef"], "NEW", "0123456789abcdef"),
    ] {
        for format in FORMATS {
            let r = repo.diff(&[args[0], args[1], "--format", format]);
            r.expect_code(2);
            assert!(r.stdout.is_empty(), "{}", r.stdout);
            assert_eq!(
                r.stderr.trim_end(),
                format!(
                    "{side} `{name}` is not a directory, and the repository has no commit named `{name}`; name a branch, tag, commit id or `HEAD~N`"
                ),
                "{args:?}"
            );
        }
    }
}

#[test]
fn a_repository_without_commits_has_no_head_to_compare() {
    let repo = Repo::empty();
    let r = repo.diff(&["HEAD", "HEAD"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains(
            "OLD `HEAD` is not a directory, and the repository has no commit named `HEAD`"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn a_rules_path_that_is_not_in_the_revision_is_exit_code_2() {
    let (repo, base, _) = moved_repeal_repo();
    for format in FORMATS {
        let r = repo.diff(&["HEAD~1", "HEAD", "--rules-path", "nope", "--format", format]);
        r.expect_code(2);
        assert!(r.stdout.is_empty(), "{}", r.stdout);
        assert_eq!(
            r.stderr.trim_end(),
            format!(
                "OLD `HEAD~1`: commit {} has nothing at `nope`; give the rules' place inside the repository with `--rules-path`",
                &base[..12]
            )
        );
    }
}

#[test]
fn a_side_whose_rules_do_not_load_is_exit_code_2_with_the_diagnostic() {
    let repo = Repo::with_shipped_rules();
    edit(&repo.file(REPEAL), "\ntitle: Repeal", "\ntittle: Repeal");
    repo.commit("a misspelt key");
    for (old, new, side, broken) in [
        ("HEAD~1", "HEAD", "NEW", "HEAD"),
        ("HEAD", "HEAD~1", "OLD", "HEAD"),
    ] {
        for format in FORMATS {
            let r = repo.diff(&[old, new, "--format", format]);
            r.expect_code(2);
            assert!(r.stdout.is_empty(), "{}", r.stdout);
            let e = &r.stderr;
            assert!(e.contains("unknown key `tittle`"), "{e}");
            assert!(e.contains("did you mean `title`?"), "{e}");
            assert!(
                e.contains(&format!("[{broken}:{REPEAL}:3:1]")),
                "the file is named with its side's revision:\n{e}"
            );
            assert!(
                e.contains(&format!("{side} `{broken}`: the rules do not load (")),
                "{e}"
            );
        }
    }
}

#[test]
fn a_rule_file_that_is_not_utf8_in_a_revision_is_exit_code_2() {
    let repo = Repo::with_shipped_rules();
    std::fs::write(repo.file("rules/kz/latin1.yaml"), b"title: caf\xe9\n").unwrap();
    repo.commit("a Latin-1 file");
    let r = repo.diff(&["HEAD~1", "HEAD"]);
    r.expect_code(2);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("cannot read `HEAD:rules/kz/latin1.yaml`: the file is not UTF-8 text"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("NEW `HEAD`: the rules do not load"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_revision_outside_a_git_repository_is_exit_code_2_saying_so() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("not-a-repository");
    std::fs::create_dir_all(&dir).unwrap();
    copy_dir(&workspace().join("rules"), &dir.join("rules"));
    let inforce = |args: &[&str]| {
        run(inforce_in(&dir, &tmp.path().join("gitconfig"))
            // No repository above the temporary directory may be found.
            .env("GIT_CEILING_DIRECTORIES", tmp.path())
            .arg("diff")
            .args(args))
    };
    let r = inforce(&["HEAD~1", "HEAD"]);
    r.expect_code(2);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert_eq!(
        r.stderr.trim_end(),
        "OLD `HEAD~1` is not a directory, and the current directory is not in a git repository; run the command inside the repository, or compare two directories"
    );
    // A directory is fine; the revision on the other side is not.
    let r = inforce(&["rules", "HEAD", "--format", "json"]);
    r.expect_code(2);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr.starts_with(
            "NEW `HEAD` is not a directory, and the current directory is not in a git repository;"
        ),
        "{}",
        r.stderr
    );
}

// --- cases given with --cases ------------------------------------------------

/// A tourist leaving on 1 April 2012: repealed rules before the move, Decree
/// No. 1010 after it.
const TOURIST: &str = r#""person": {"citizenship": "KZ", "birth_date": "1980-12-12", "secret_holder": false}, "trip": {"direction": "exit", "purpose": "tourism"}"#;

/// A directory of case files: a YAML and a JSON case on 1 April 2012, and a
/// JSON Lines file whose first line is a case of 2005 (unchanged), second
/// line blank and third line an id-less case of 1 April 2012.
fn cases_dir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("tourist.yaml"),
        "id: yaml-tourist\ndate: 2012-04-01\nperson: {citizenship: KZ, birth_date: 1980-12-12, secret_holder: false}\ntrip: {direction: exit, purpose: tourism}\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("tourist.json"),
        format!("{{\"id\": \"json-tourist\", \"date\": \"2012-04-01\", {TOURIST}}}\n"),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("lines.jsonl"),
        format!(
            "{{\"id\": \"tourist-2005\", \"date\": \"2005-04-01\", {TOURIST}}}\n\n{{\"date\": \"2012-04-01\", {TOURIST}}}\n"
        ),
    )
    .unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "not a case").unwrap();
    tmp
}

/// Checks a changed case from a `--cases` file in the JSON report.
fn assert_tourist_changed(d: &Value, id: &str, origin: &Path) {
    let case = changed_case(d, id);
    assert_eq!(case["date"], "2012-04-01", "{case:#}");
    assert_eq!(
        Path::new(case["origin"].as_str().unwrap()),
        origin,
        "{case:#}"
    );
    let visa = changed_outcome(case, "exit_visa_required");
    assert_eq!(visa["old"]["status"], "undetermined", "{visa:#}");
    assert_eq!(visa["new"]["value"], false, "{visa:#}");
}

#[test]
fn cases_from_yaml_json_and_json_lines_files_are_evaluated_under_both_sides() {
    let (repo, _, _) = moved_repeal_repo();
    let cases = cases_dir();
    let file = |name: &str| cases.path().join(name);
    // The golden tests alone, as the baseline the given cases add to.
    let alone = repo.diff(&["HEAD~1", "HEAD", "--format", "json"]).json();
    let (golden, golden_changed) = (
        count(&alone, "cases_compared"),
        count(&alone, "cases_changed"),
    );

    let yaml = file("tourist.yaml");
    let json = file("tourist.json");
    let lines = file("lines.jsonl");
    let jsonl_origin = PathBuf::from(format!("{}:3", lines.display()));
    for (given, id, origin, n) in [
        (&yaml, "yaml-tourist", yaml.clone(), 1),
        (&json, "json-tourist", json.clone(), 1),
        (&lines, "lines.jsonl:3", jsonl_origin.clone(), 2),
    ] {
        let r = repo.diff(&[
            "HEAD~1",
            "HEAD",
            "--cases",
            given.to_str().unwrap(),
            "--format",
            "json",
        ]);
        r.expect_code(0);
        let d = r.json();
        assert_eq!(
            count(&d, "cases_compared"),
            golden + n,
            "{}",
            given.display()
        );
        assert_eq!(
            count(&d, "cases_changed"),
            golden_changed + 1,
            "{}",
            given.display()
        );
        assert_tourist_changed(&d, id, &origin);
        assert_moved_repeal_json(&d);
    }

    // Text and Markdown name the line of the JSON Lines file.
    let lines_s = lines.to_str().unwrap();
    let t = repo.diff(&["HEAD~1", "HEAD", "--cases", lines_s]);
    t.expect_code(0);
    let case = block(&t.stdout, "  case lines.jsonl:3 (", "\n  case ");
    assert_eq!(
        case.lines().next().unwrap(),
        format!("  case lines.jsonl:3 ({lines_s}:3) on 2012-04-01"),
    );
    assert!(
        case.contains("\n    exit_visa_required: undetermined → no\n"),
        "{case}"
    );
    assert!(
        !t.stdout.contains("tourist-2005"),
        "unchanged: {}",
        t.stdout
    );
    let m = repo.diff(&["HEAD~1", "HEAD", "--cases", lines_s, "--format", "markdown"]);
    m.expect_code(0);
    let case = block(
        &m.stdout,
        "<summary>case <code>lines.jsonl:3</code> on 2012-04-01: 2 outcomes differ</summary>",
        "</details>",
    );
    assert!(case.contains("\nFrom "), "{case}");
    assert!(case.contains("lines.jsonl:3.\n"), "{case}");
    assert!(
        case.contains("| `exit_visa_required` | undetermined | no | "),
        "{case}"
    );

    // Several files, and a directory of them, in name order.
    let r = repo.diff(&[
        "HEAD~1",
        "HEAD",
        "--cases",
        yaml.to_str().unwrap(),
        "--cases",
        json.to_str().unwrap(),
        "--format",
        "json",
    ]);
    r.expect_code(0);
    assert_eq!(count(&r.json(), "cases_changed"), golden_changed + 2);
    let r = repo.diff(&[
        "HEAD~1",
        "HEAD",
        "--cases",
        cases.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    r.expect_code(0);
    let d = r.json();
    assert_eq!(
        count(&d, "cases_compared"),
        golden + 4,
        "notes.txt is not a case"
    );
    assert_eq!(count(&d, "cases_changed"), golden_changed + 3);
    assert_tourist_changed(&d, "yaml-tourist", &yaml);
    assert_tourist_changed(&d, "json-tourist", &json);
    assert_tourist_changed(&d, "lines.jsonl:3", &jsonl_origin);
    let given: Vec<&str> = d["behaviour"]["changed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["origin"].as_str().unwrap().starts_with("golden test"))
        .map(|c| c["case"].as_str().unwrap())
        .collect();
    assert_eq!(given, ["lines.jsonl:3", "json-tourist", "yaml-tourist"]);
}

#[test]
fn a_cases_path_that_cannot_be_read_is_exit_code_2_before_any_revision_is_read() {
    let (repo, _, _) = moved_repeal_repo();
    let r = repo.diff(&["HEAD~1", "HEAD", "--cases", "missing.yaml"]);
    r.expect_code(2);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr
            .starts_with("--cases `missing.yaml`: cannot read it:"),
        "{}",
        r.stderr
    );
    let empty = tempfile::tempdir().unwrap();
    let r = repo.diff(&[
        "HEAD~1",
        "no-such-revision",
        "--cases",
        empty.path().to_str().unwrap(),
    ]);
    r.expect_code(2);
    assert!(
        r.stderr
            .contains("the directory has no .yaml, .yml, .json or .jsonl case files"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("no-such-revision"), "{}", r.stderr);
}

#[test]
fn a_case_that_cannot_be_read_is_not_counted_as_deciding_the_same() {
    let repo = Repo::with_shipped_rules();
    let golden = count(
        &repo.diff(&["HEAD", "HEAD", "--format", "json"]).json(),
        "cases_compared",
    );
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("misspelt.yaml");
    std::fs::write(
        &bad,
        "id: misspelt\ndate: 2012-04-01\nperson: {citizenship: KZ, birthdate: 1980-12-12}\n",
    )
    .unwrap();
    let bad_s = bad.to_str().unwrap();
    let d = repo.diff(&["HEAD", "HEAD", "--cases", bad_s, "--format", "json"]);
    d.expect_code(0);
    let d = d.json();
    // Both sides refuse it: listed once per side.
    assert_eq!(d["behaviour"]["errors"].as_array().unwrap().len(), 2);
    // `behaviour.cases` is documented as "cases evaluated on both sides".
    assert_eq!(
        d["behaviour"]["cases"].as_u64().unwrap(),
        golden,
        "{:#}",
        d["summary"]
    );
    assert_eq!(count(&d, "case_errors"), 1, "one case, not one per side");
    let t = repo.diff(&["HEAD", "HEAD", "--cases", bad_s]);
    let verdict = line_starting(&t.stdout, "  behaviour:");
    assert!(
        !verdict.contains(&format!("{} cases decide the same", golden + 1)),
        "{verdict}"
    );
    assert!(
        !verdict.contains("2 cases could not be evaluated"),
        "{verdict}"
    );
}

// --- the Markdown report as a whole ----------------------------------------------

/// `text` with commit ids and digests, whole or shortened, replaced by
/// placeholders: they change with every run and every rule file.
fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let hex = word
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
        match word.len() {
            10 | 40 if hex => out.push_str("[commit]"),
            12 | 64 if hex => out.push_str("[digest]"),
            _ => out.push_str(word),
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[test]
fn markdown_report_of_the_moved_repeal() {
    let (repo, base, moved) = moved_repeal_repo();
    let r = repo.diff(&["HEAD~1", "HEAD", "--format", "markdown"]);
    r.expect_code(0);
    let m = &r.stdout;
    // The summary table comes before any collapsed block.
    let table = pos(m, "| change | count |");
    let details = pos(m, "<details>");
    assert!(table < details, "{m}");
    assert!(pos(m, "cases deciding differently") < details, "{m}");

    let d = repo.diff(&["HEAD~1", "HEAD", "--format", "json"]).json();
    let redacted = redact(m);
    for secret in [
        short(&base).to_string(),
        short(&moved).to_string(),
        d["old"]["digest"].as_str().unwrap()[..12].to_string(),
        d["new"]["digest"].as_str().unwrap()[..12].to_string(),
    ] {
        assert!(!redacted.contains(&secret), "{secret} left in:\n{redacted}");
    }
    assert!(
        redacted.starts_with(
            "## Rule changes: `HEAD~1 at [commit]` → `HEAD at [commit]`\n\nOLD `HEAD~1 at [commit]` (digest `[digest]`) · NEW `HEAD at [commit]` (digest `[digest]`)\n"
        ),
        "{redacted}"
    );
    insta::assert_snapshot!("markdown_report_of_the_moved_repeal", redacted);
}

#[test]
fn redaction_replaces_commit_ids_and_digests_but_not_dates_or_words() {
    assert_eq!(
        redact("HEAD~1 at 40e7bcea45 (digest 298a1f40d481) on 2012-03-28, decided 1010"),
        "HEAD~1 at [commit] (digest [digest]) on 2012-03-28, decided 1010"
    );
}
