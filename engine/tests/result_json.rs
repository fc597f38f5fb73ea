//! The fast JSON writer of results against serde_json on real results: every
//! golden case of the shipped rules and a few thousand generated cases, with
//! and without the trace, and one hand-made result with something to escape
//! in every field. Not here: the escaping of single strings, dates and
//! values (the unit tests of `result_json`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/gen_cases/generator.rs"]
mod generator;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use inforce_engine::case::parse_case;
use inforce_engine::eval::evaluate;
use inforce_engine::golden::evaluate_test;
use inforce_engine::load::{Golden, load_with};
use inforce_engine::model::Val;
use inforce_engine::result::{
    By, EvalResult, Interval, OutcomeResult, RulesInfo, Status, TraceEntry, VersionInForce,
};
use inforce_engine::result_json::{estimated_len, to_json_vec, write_result};
use inforce_engine::source::read_dir;
use inforce_engine::tree::RuleTree;

fn shipped_rules(golden: Golden) -> RuleTree {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    let (files, problems) = read_dir(&rules);
    assert!(problems.is_empty(), "cannot read {}", rules.display());
    load_with(files, "rules", golden)
        .tree
        .expect("the shipped rules load")
}

/// Fails, showing where the two first differ, unless the fast writer gives
/// serde_json's bytes, both alone and appended after other bytes.
fn assert_written_as_serde_writes(result: &EvalResult, what: &str) {
    let want = serde_json::to_vec(result).unwrap();
    let got = to_json_vec(result);
    if got != want {
        let at = got
            .iter()
            .zip(&want)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(want.len()));
        let around = |b: &[u8]| {
            String::from_utf8_lossy(&b[at.saturating_sub(60)..(at + 60).min(b.len())]).into_owned()
        };
        panic!(
            "{what}: differs from serde_json at byte {at}\n  fast:  {}\n  serde: {}",
            around(&got),
            around(&want)
        );
    }
    let mut appended = b"before\n".to_vec();
    write_result(result, &mut appended);
    assert_eq!(&appended[7..], &want[..], "{what}: appended");
}

#[test]
fn results_of_every_golden_case_are_written_as_serde_json_writes_them() {
    let tree = shipped_rules(Golden::Load);
    let mut checked = 0;
    for file in &tree.tests {
        for t in &file.tests {
            let what = format!("{} ({})", file.path, t.name);
            // With the trace, as `inforce test` evaluates them.
            let explained =
                evaluate_test(&tree, &file.path, t).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(explained.trace.is_some());
            assert_written_as_serde_writes(&explained, &what);
            // Without it, as `batch` does.
            let text = serde_json::to_string(&t.case).unwrap();
            let case = parse_case(&tree, &what, &text).unwrap();
            let date = t.date.or(case.date).unwrap();
            let plain = evaluate(&tree, &case, date, false).unwrap();
            assert!(plain.trace.is_none());
            assert_written_as_serde_writes(&plain, &what);
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} golden cases");
}

#[test]
fn results_of_generated_cases_are_written_as_serde_json_writes_them() {
    let tree = shipped_rules(Golden::Skip);
    for (i, line) in generator::json_lines(3000, 7).iter().enumerate() {
        let what = format!("generated case {i}: {line}");
        let case = parse_case(&tree, "generated", line).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        let date = case.date.unwrap();
        // The trace on every tenth: it is long, and the plain result is what
        // `batch` writes.
        let explain = i % 10 == 0;
        let result = evaluate(&tree, &case, date, explain).unwrap();
        assert_written_as_serde_writes(&result, &what);
    }
}

#[test]
fn a_result_with_something_to_escape_in_every_field_is_written_as_serde_json_writes_it() {
    let odd = |tag: &str| format!("{tag} \"q\" \\ \n\t\r\u{8}\u{c}\u{1}\u{1f}\u{7f} é ә 😀 end");
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let by = |value| By {
        rule: odd("rule"),
        rule_set: odd("set"),
        version: odd("version"),
        cite: odd("cite"),
        value,
    };
    let mut outcomes = BTreeMap::new();
    outcomes.insert(
        odd("decided"),
        OutcomeResult {
            status: Status::Decided,
            value: Some(Val::List(vec![odd("a"), String::new()])),
            by: vec![by(None)],
            needs: Vec::new(),
            reason: None,
        },
    );
    outcomes.insert(
        "conflict".to_string(),
        OutcomeResult {
            status: Status::Conflict,
            value: None,
            by: vec![by(Some(Val::Int(-42))), by(Some(Val::Date(day(-5, 1, 1))))],
            needs: Vec::new(),
            reason: None,
        },
    );
    outcomes.insert(
        "missing".to_string(),
        OutcomeResult {
            status: Status::MissingFacts,
            value: None,
            by: Vec::new(),
            needs: vec![odd("fact"), "b".to_string()],
            reason: None,
        },
    );
    outcomes.insert(
        "undetermined".to_string(),
        OutcomeResult {
            status: Status::Undetermined,
            value: None,
            by: Vec::new(),
            needs: Vec::new(),
            reason: Some(odd("reason")),
        },
    );
    let version = |repeal, applies, until| VersionInForce {
        id: odd("id"),
        version: odd("v"),
        title: odd("title"),
        in_force: Interval {
            from: day(1999, 12, 31),
            until,
        },
        source: odd("source"),
        repeal,
        applies,
    };
    let entry = |cite: &str, lists: bool| TraceEntry {
        rule_set: odd("set"),
        version: odd("v"),
        rule: odd("rule"),
        cite: cite.to_string(),
        condition: "held".to_string(),
        needs: if lists { vec![odd("n")] } else { Vec::new() },
        outcomes: if lists {
            vec![odd("o"), odd("p")]
        } else {
            Vec::new()
        },
        overridden_for: if lists { vec![odd("x")] } else { Vec::new() },
        detail: odd("detail"),
    };
    let mut result = EvalResult {
        case: odd("case"),
        date: day(12345, 6, 7),
        rules: RulesInfo {
            source: odd("source"),
            digest: "0123abcd".to_string(),
        },
        rule_sets: vec![
            version(false, None, None),
            version(true, Some(true), Some(day(2030, 1, 1))),
            version(false, Some(false), Some(day(1, 1, 1))),
        ],
        outcomes,
        explanation: vec![odd("line"), String::new(), "plain".to_string()],
        trace: Some(vec![entry("", false), entry(&odd("cite"), true)]),
    };
    assert_written_as_serde_writes(&result, "with a trace");
    result.trace = Some(Vec::new());
    assert_written_as_serde_writes(&result, "with an empty trace");
    result.trace = None;
    result.rule_sets.clear();
    result.outcomes.clear();
    result.explanation.clear();
    assert_written_as_serde_writes(&result, "empty");
}

#[test]
fn the_estimated_length_of_a_result_is_near_its_real_length() {
    let tree = shipped_rules(Golden::Skip);
    for line in generator::json_lines(50, 3) {
        let case = parse_case(&tree, "generated", &line).unwrap();
        let result = evaluate(&tree, &case, case.date.unwrap(), false).unwrap();
        let real = serde_json::to_vec(&result).unwrap().len();
        let estimate = estimated_len(&result);
        // Enough that the buffer seldom regrows, not so much that it wastes.
        assert!(
            estimate >= real && estimate <= real + real / 2 + 512,
            "estimated {estimate} for {real} bytes"
        );
    }
}
