//! Property-based stand-ins for the four fuzz targets (`fuzz/`), run by
//! `cargo test` with a bounded number of cases so they take seconds: rule
//! files (shipped ones mutated, and arbitrary text), cases (example cases
//! mutated, and arbitrary text), structured cases evaluated on arbitrary
//! dates, and rules trees on disk of every shape (links in and out, pipes).
//! They check the invariants of `harness` (no panic, no half-loaded tree,
//! every diagnostic renders, both case readers agree, results are the same
//! every time, nothing outside a rules tree is read). Also the regression inputs found by fuzzing, each kept
//! as its own test. Set `PROPTEST_CASES` to run more cases. Not here: the
//! fuzz entry points.

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

mod harness;

use proptest::prelude::*;
use proptest::test_runner::Config;

/// A bounded number of cases: the whole file runs in seconds.
fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        ..Config::default()
    }
}

/// One edit of a text: remove, duplicate or replace a stretch, or insert
/// a fragment that rule files and cases are made of.
#[derive(Debug, Clone)]
enum Edit {
    Remove(usize, usize),
    Duplicate(usize, usize),
    Insert(usize, String),
}

const FRAGMENTS: &[&str] = &[
    "\n",
    ":",
    " ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "|\n",
    "&a ",
    "*a",
    "#",
    "\t",
    "true",
    "null",
    "1e400",
    "99999999999999999999999",
    "2005-02-30",
    "9999-99-99",
    "0000-01-01",
    "loop {}",
    "&&",
    "||",
    "==",
    "(",
    ")",
    "when: ",
    "then:",
    "expr: ",
    "rule_set: ",
    "version: ",
    "in_force: ",
    "until: ",
    "person.",
    "trip.",
    "ymd(",
    "add_days(",
    "add_months(",
    "age_on(",
    "days_between(",
    "\u{feff}",
    "é",
    "\u{0}",
];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(a, n)| Edit::Remove(a, n)),
        (any::<usize>(), 0usize..80).prop_map(|(a, n)| Edit::Duplicate(a, n)),
        (any::<usize>(), prop::sample::select(FRAGMENTS))
            .prop_map(|(a, s)| Edit::Insert(a, s.to_string())),
        (any::<usize>(), "\\PC{0,12}").prop_map(|(a, s)| Edit::Insert(a, s)),
    ]
}

/// Applies the edits at char boundaries (the text stays UTF-8, as the
/// engine only ever sees text).
fn apply(text: &str, edits: &[Edit]) -> String {
    let mut t = text.to_string();
    let at = |t: &str, a: usize| {
        let mut i = if t.is_empty() { 0 } else { a % (t.len() + 1) };
        while !t.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    for e in edits {
        match e {
            Edit::Remove(a, n) | Edit::Duplicate(a, n) => {
                let start = at(&t, *a);
                let end = at(&t, start.saturating_add(*n).min(t.len()));
                let end = end.max(start);
                let piece = t[start..end].to_string();
                if matches!(e, Edit::Remove(..)) {
                    t.replace_range(start..end, "");
                } else {
                    t.insert_str(end, &piece);
                }
            }
            Edit::Insert(a, s) => {
                let i = at(&t, *a);
                t.insert_str(i, s);
            }
        }
    }
    t
}

/// Shipped rule files a mutated file starts from: the versions (not the
/// declarations, which the harness adds itself).
fn shipped_versions() -> Vec<String> {
    harness::shipped_files()
        .into_iter()
        .filter(|f| !f.path.ends_with("facts.yaml") && !f.path.ends_with("outcomes.yaml"))
        .filter(|f| !f.path.contains("/code-lists/"))
        .filter(|f| !f.path.contains("/tests/"))
        .map(|f| f.text)
        .collect()
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn a_mutated_shipped_rule_file_loads_or_is_refused_never_half_used(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let versions = shipped_versions();
        let text = which.get(&versions);
        harness::check_rule_file(&apply(text, &edits));
    }

    #[test]
    fn arbitrary_text_as_a_rule_file_is_refused_without_a_panic(text in "\\PC{0,200}") {
        harness::check_rule_file(&text);
    }
}

proptest! {
    #![proptest_config(config(200))]

    #[test]
    fn a_mutated_example_case_is_read_alike_by_both_readers_or_refused(
        which in any::<prop::sample::Index>(),
        as_json in any::<bool>(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let cases = harness::example_cases();
        let (_, text) = which.get(&cases);
        let text = if as_json {
            harness::with_shipped(|tree| {
                inforce_engine::Case::from_yaml(tree, "case.yaml", text)
                    .ok()
                    .map(|c| case_json_text(tree, &c))
            }).unwrap_or_else(|| text.clone())
        } else {
            text.clone()
        };
        harness::check_case_text(&apply(&text, &edits));
    }

    #[test]
    fn arbitrary_text_as_a_case_is_refused_without_a_panic(text in "\\PC{0,200}") {
        harness::check_case_text(&text);
    }

    #[test]
    fn arbitrary_structured_cases_evaluate_on_arbitrary_dates_the_same_every_time(
        data in prop::collection::vec(any::<u8>(), 0..120),
    ) {
        harness::check_evaluation_of_bytes(&data);
    }
}

proptest! {
    #![proptest_config(config(200))]

    /// Stand-in of the `read_tree` fuzz target: random small trees of
    /// rule files, other files, directories, links in and out, named pipes
    /// and repositories, read with small limits.
    #[test]
    fn a_random_tree_is_read_without_following_links_out_hanging_or_passing_its_limits(
        data in prop::collection::vec(any::<u8>(), 0..160),
    ) {
        harness::check_tree_of_bytes(&data);
    }
}

/// A case written back as one line of JSON, as `batch` reads it.
fn case_json_text(tree: &inforce_engine::RuleTree, case: &inforce_engine::Case) -> String {
    use inforce_engine::Value;
    use serde_json::{Map, Value as Json, json};
    let mut root = Map::new();
    root.insert("id".into(), json!(case.id));
    if let Some(d) = case.date {
        root.insert("date".into(), json!(d.to_string()));
    }
    for (name, val) in case.facts(tree) {
        let Some((group, field)) = name.split_once('.') else {
            continue;
        };
        let v = match val {
            Value::Null => Json::Null,
            Value::Bool(b) => json!(b),
            Value::Int(i) => json!(i),
            Value::Str(s) => json!(s),
            Value::Date(d) => json!(d.to_string()),
            Value::List(l) => json!(l),
        };
        if let Json::Object(m) = root
            .entry(group.to_string())
            .or_insert_with(|| Json::Object(Map::new()))
        {
            m.insert(field.to_string(), v);
        }
    }
    Json::Object(root).to_string()
}

// --- each shipped example case, and each seed of the fuzz corpus ---------------

#[test]
fn every_shipped_example_case_passes_the_case_checks() {
    for (_, text) in harness::example_cases() {
        harness::check_case_text(&text);
    }
}

#[test]
fn every_seed_of_the_fuzz_corpus_passes_its_target_checks() {
    let seeds = harness::workspace().join("fuzz/seeds");
    for (target, check) in [
        ("load_rules", harness::check_rule_file as fn(&str)),
        ("parse_case", harness::check_case_text as fn(&str)),
    ] {
        for entry in std::fs::read_dir(seeds.join(target)).unwrap().flatten() {
            let bytes = std::fs::read(entry.path()).unwrap();
            if let Ok(text) = std::str::from_utf8(&bytes) {
                check(text);
            }
        }
    }
    for (target, check) in [
        ("evaluate", harness::check_evaluation_of_bytes as fn(&[u8])),
        ("read_tree", harness::check_tree_of_bytes as fn(&[u8])),
    ] {
        for entry in std::fs::read_dir(seeds.join(target)).unwrap().flatten() {
            check(&std::fs::read(entry.path()).unwrap());
        }
    }
}

// --- findings of the fuzz runs, each kept as a regression test -----------------

/// A fuzz finding kept under `tests/fixtures/fuzz/`.
fn finding(name: &str) -> String {
    std::fs::read_to_string(harness::workspace().join("tests/fixtures/fuzz").join(name)).unwrap()
}

/// load_rules, first run: a mutation of the endless-loop fixture timed out
/// (10 s) because the check evaluated 112 times, each run stopped only by
/// the operations limit. The limit held; the check now stops at the first
/// script error. The rule loads and each evaluation fails naming the rule.
#[test]
fn a_mutated_endless_loop_rule_file_is_stopped_at_its_first_evaluation() {
    let text = finding("load_rules-timeout-endless-loop.yaml");
    harness::check_rule_file(&text);
    let mut files = harness::shipped_declarations();
    files.push(inforce_engine::SourceFile {
        path: "rules/kz/fuzzed/2001-07-26.yaml".to_string(),
        text,
    });
    let tree = inforce_engine::load(files, "rules").tree.unwrap();
    let (name, case_text) = harness::example_cases().remove(0);
    let case = inforce_engine::Case::from_yaml(&tree, &name, &case_text).unwrap();
    let err = inforce_engine::evaluate(&tree, &case, case.date.unwrap(), false).unwrap_err();
    assert_eq!(err.rule().unwrap_or_default(), "never-ends");
    assert!(
        err.message()
            .unwrap_or_default()
            .to_lowercase()
            .contains("too many operations"),
        "{err:?}"
    );
}

/// Issue 11, point 4 (found in review, not by a fuzzer): an error past
/// column 65,535 of one line, in a rule file or a case, made miette's
/// renderer panic. The harness draws every diagnostic through `Drawable`,
/// as the CLI does, so a fuzzer finding such a line now finds no panic.
#[test]
fn an_error_past_column_65535_of_a_rule_file_or_a_case_renders() {
    let spaces = " ".repeat(70_000);
    harness::check_rule_file(&format!(
        "rule_set: kz.long\nversion: 2001-07-26\ntitle: Long\nin_force: {{from: 2001-07-26}}\nsource: {{act: Act, read_at: here}}\nrules:\n  - id: r\n    cite: item 1\n    when: \"true && {spaces}person.nope\"\n    then: {{exit_permitted: true}}\n"
    ));
    harness::check_case_text(&format!(
        "date: 2005-06-10\nperson: {{citizenship: KZ,{spaces} nope: true}}\n"
    ));
}

/// The tree CI's run drew on 2026-12-05: five plain rule files beside
/// links and pipes; every plain file must still be read.
#[test]
fn the_tree_ci_drew_on_5_december_reads_its_five_plain_files() {
    harness::check_tree_of_bytes(&[
        153, 31, 0, 0, 0, 154, 0, 1, 102, 213, 99, 0, 1, 6, 138, 102, 0, 1, 22, 4, 0, 0, 0, 0, 83,
        0, 0, 0, 0, 66, 0, 1, 42, 149, 15, 0, 0, 0, 0, 11, 0, 9, 74, 42, 121, 0, 17, 38, 54,
    ]);
}
