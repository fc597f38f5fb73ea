//! The fast JSON writer of results against serde_json on real results: every
//! golden case of the shipped rules and a few thousand generated cases, with
//! and without the trace, and one hand-made result with something to escape
//! in every field. Not here: the escaping of single strings, dates and
//! values (the unit tests of `result_json`).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

#[path = "../../tools/gen-cases/src/generator.rs"]
mod generator;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use inforce_engine::Case;
use inforce_engine::Golden;
use inforce_engine::Value;
use inforce_engine::evaluate;
use inforce_engine::internal::evaluate_test;
use inforce_engine::internal::result_json::{estimated_len, to_json_vec, write_result};
use inforce_engine::{
    By, EvalResult, Interval, OutcomeResult, RulesInfo, Status, TraceEntry, VersionInForce,
};

mod harness;

use harness::shipped_tree_with as shipped_rules;

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
            let case = Case::from_yaml(&tree, &what, &text).unwrap();
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
        let case =
            Case::from_yaml(&tree, "generated", line).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        let date = case.date.unwrap();
        // The trace on every tenth: it is long, and the plain result is what
        // `batch` writes.
        let explain = i % 10 == 0;
        let result = evaluate(&tree, &case, date, explain).unwrap();
        assert_written_as_serde_writes(&result, &what);
    }
}

#[test]
#[allow(
    clippy::useless_conversion,
    reason = "`.into()` builds String and Arc<str> fields alike, whichever a field is"
)]
fn a_result_with_something_to_escape_in_every_field_is_written_as_serde_json_writes_it() {
    let odd = |tag: &str| -> String {
        format!("{tag} \"q\" \\ \n\t\r\u{8}\u{c}\u{1}\u{1f}\u{7f} é ә 😀 end")
    };
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let by = |value| By {
        rule: odd("rule").into(),
        rule_set: odd("set").into(),
        version: odd("version").into(),
        cite: odd("cite").into(),
        value,
    };
    let mut outcomes = BTreeMap::new();
    outcomes.insert(
        odd("decided").into(),
        OutcomeResult {
            status: Status::Decided,
            value: Some(Value::List(vec![odd("a").into(), "".into()])),
            by: vec![by(None)],
            needs: Vec::new(),
            reason: None,
            ..Default::default()
        },
    );
    outcomes.insert(
        "conflict".into(),
        OutcomeResult {
            status: Status::Conflict,
            value: None,
            by: vec![
                by(Some(Value::Int(-42))),
                by(Some(Value::Date(day(-5, 1, 1)))),
            ],
            needs: Vec::new(),
            reason: None,
            ..Default::default()
        },
    );
    outcomes.insert(
        "missing".into(),
        OutcomeResult {
            status: Status::MissingFacts,
            value: None,
            by: Vec::new(),
            needs: vec![odd("fact").into(), "b".into()],
            reason: None,
            ..Default::default()
        },
    );
    outcomes.insert(
        "undetermined".into(),
        OutcomeResult {
            status: Status::Undetermined,
            value: None,
            by: Vec::new(),
            needs: Vec::new(),
            reason: Some(odd("reason").into()),
            ..Default::default()
        },
    );
    let version = |repeal, applies, until| VersionInForce {
        id: odd("id").into(),
        version: odd("v").into(),
        title: odd("title").into(),
        in_force: Interval {
            from: day(1999, 12, 31),
            until,
        },
        source: odd("source").into(),
        repeal,
        applies,
    };
    let entry = |cite: &str, lists: bool| TraceEntry {
        rule_set: odd("set").into(),
        version: odd("v").into(),
        rule: odd("rule").into(),
        cite: cite.into(),
        condition: "held".into(),
        needs: if lists {
            vec![odd("n").into()]
        } else {
            Vec::new()
        },
        outcomes: if lists {
            vec![odd("o").into(), odd("p").into()]
        } else {
            Vec::new()
        },
        overridden_for: if lists {
            vec![odd("x").into()]
        } else {
            Vec::new()
        },
        detail: odd("detail").into(),
    };
    let mut result = EvalResult {
        case: odd("case").into(),
        date: day(12345, 6, 7),
        rules: RulesInfo {
            source: odd("source").into(),
            digest: "0123abcd".into(),
        },
        rule_sets: vec![
            version(false, None, None),
            version(true, Some(true), Some(day(2030, 1, 1))),
            version(false, Some(false), Some(day(1, 1, 1))),
        ],
        outcomes,
        explanation: vec![odd("line").into(), "".into(), "plain".into()],
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
fn the_estimated_length_of_a_result_is_a_little_over_its_real_length() {
    let tree = shipped_rules(Golden::Skip);
    for (i, line) in generator::json_lines(200, 3).iter().enumerate() {
        let case = Case::from_yaml(&tree, "generated", line).unwrap();
        let result = evaluate(&tree, &case, case.date.unwrap(), i % 2 == 0).unwrap();
        let real = serde_json::to_vec(&result).unwrap().len();
        let estimate = estimated_len(&result);
        // Over, so the buffer is not regrown; not by much, as `batch`
        // keeps the buffers of a chunk of results.
        assert!(
            estimate >= real && estimate <= real + real / 4 + 256,
            "estimated {estimate} for {real} bytes"
        );
    }
}

/// `batch` reads cases with `Case::from_json` (its fast path for valid
/// lines); `eval` with `Case::from_yaml`. Both must give the same case and
/// the same bytes for every case, with and without the trace.
#[test]
fn a_case_read_from_json_is_evaluated_to_the_same_bytes_as_one_read_from_yaml() {
    let tree = shipped_rules(Golden::Skip);
    let mut lines = generator::json_lines(3000, 11);
    // Cases only the long way reads: escapes, spacing, a key out of order.
    lines.push(r#"{ "person" : {"citizenship":"KZ", "birth_date":"1990-01-01"}, "id":"a\u0062", "date":"2010-08-01" }"#.to_string());
    lines.push(r#"{"date":"2010-08-01","trip":{"purpose":"tourism","direction":"exit"},"person":{"secret_holder":true,"citizenship":"KZ"}}"#.to_string());
    for (i, line) in lines.iter().enumerate() {
        let case = Case::from_json(&tree, line, "fallback").unwrap();
        let from_yaml = Case::from_yaml(&tree, "fallback", line).unwrap();
        assert_eq!(
            from_yaml.facts(&tree).collect::<Vec<_>>(),
            case.facts(&tree).collect::<Vec<_>>(),
            "{line}"
        );
        let date = case.date.unwrap();
        let explain = i % 7 == 0;
        let a = to_json_vec(&evaluate(&tree, &case, date, explain).unwrap());
        let b = to_json_vec(&evaluate(&tree, &from_yaml, date, explain).unwrap());
        assert_eq!(a, b, "{line}");
    }
}
