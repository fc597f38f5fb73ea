//! Compact result lines and their legend: a compact line expanded with the
//! legend is, byte for byte, the full line `batch` writes for the same
//! case, on thousands of generated cases of the shipped rules and on a
//! small tree that gives every status (a conflict, a union list, repeals,
//! lapses, rule sets not yet in force, reasons joined from several rule
//! sets, facts that would not change an answer). And a verdict read by
//! number (`inforce_engine::verdict`, what the columnar writers read) says
//! what the result says, on the same cases. Not here: the CLI's
//! `--output compact` end to end (cli/tests/batch_output.rs).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

#[path = "../../tools/gen-cases/src/generator.rs"]
mod generator;
mod harness;

use std::collections::BTreeSet;

use inforce_engine::RuleTree;
use inforce_engine::lines::{
    Legend, LineFormat, OutcomeSelection, Shape, evaluate_case_line, evaluate_case_line_codes,
    evaluate_case_line_selected, evaluate_line, evaluate_line_as, read_case_line, write_compact,
};
use inforce_engine::verdict::{reason_codes, rule_keys, verdict_of};

use harness::{shipped_tree as shipped, tree_of};

/// Fails unless each outcome's rules and reasons by number, looked up in
/// `rule_keys` and `reason_codes`, are the rules and reasons it names:
/// what a dictionary-encoded column writes.
fn assert_numbers_name_the_same(tree: &RuleTree, line: &str) -> usize {
    let (keys, codes) = (rule_keys(tree), reason_codes(tree));
    let Ok((case, date)) = read_case_line(tree, None, 1, line.as_bytes()) else {
        return 0;
    };
    let Ok(verdict) = verdict_of(tree, &case, date, None) else {
        return 0;
    };
    let mut named = 0;
    for o in verdict.outcomes() {
        let by: Vec<&str> = o.by_numbers().map(|n| keys[n]).collect();
        assert_eq!(by, o.by().collect::<Vec<_>>(), "{line}");
        let reasons: Vec<&str> = o.reason_numbers().map(|n| codes[n]).collect();
        assert_eq!(reasons, o.reason_codes().collect::<Vec<_>>(), "{line}");
        named += by.len() + reasons.len();
    }
    named
}

/// Line `n` as `batch` writes it in both shapes, then the compact one
/// expanded: fails where the expansion differs from the full line.
fn assert_expands_to_full(
    tree: &RuleTree,
    legend: &Legend,
    n: u64,
    line: &str,
    keep: Option<&OutcomeSelection>,
) -> String {
    let full_format = LineFormat {
        shape: Shape::Full,
        outcomes: keep.cloned(),
    };
    let compact_format = LineFormat {
        shape: Shape::Compact,
        outcomes: keep.cloned(),
    };
    let mut full = Vec::new();
    evaluate_line_as(tree, None, n, line.as_bytes(), &full_format, &mut full).unwrap();
    let mut compact = Vec::new();
    evaluate_line_as(
        tree,
        None,
        n,
        line.as_bytes(),
        &compact_format,
        &mut compact,
    )
    .unwrap();
    // `batch` writes a verdict straight from the tree's prepared texts;
    // building the result and writing it must give the same bytes.
    let mut result = evaluate_case_line(tree, None, n, line.as_bytes()).unwrap();
    let mut codes = evaluate_case_line_codes(tree, None, n, line.as_bytes()).unwrap();
    if let Some(keep) = keep {
        keep.apply(&mut result);
        keep.apply(&mut codes);
    }
    let mut built = Vec::new();
    inforce_engine::write_json(&result, &mut built);
    built.push(b'\n');
    assert_eq!(
        String::from_utf8_lossy(&full),
        String::from_utf8_lossy(&built),
        "line {n}: the full line written from the verdict differs from the result's"
    );
    let mut built = Vec::new();
    write_compact(&codes, &mut built);
    built.push(b'\n');
    assert_eq!(
        String::from_utf8_lossy(&compact),
        String::from_utf8_lossy(&built),
        "line {n}: the compact line written from the verdict differs from the result's"
    );
    let compact = String::from_utf8(compact).unwrap();
    let mut expanded = Vec::new();
    legend.expand(&compact, &mut expanded).unwrap();
    expanded.push(b'\n');
    if expanded != full {
        let at = expanded
            .iter()
            .zip(&full)
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "line {n} expands differently at byte {at}\n  compact:  {compact}\n  expanded: {}\n  full:     {}",
            String::from_utf8_lossy(
                &expanded[at.saturating_sub(80)..(at + 80).min(expanded.len())]
            ),
            String::from_utf8_lossy(&full[at.saturating_sub(80)..(at + 80).min(full.len())]),
        );
    }
    compact
}

#[test]
fn every_generated_case_of_the_shipped_rules_expands_from_compact_to_its_full_line_byte_for_byte() {
    let tree = shipped();
    let legend = Legend::of(&tree);
    let mut statuses = BTreeSet::new();
    let mut full_bytes = 0;
    let mut compact_bytes = 0;
    for (i, line) in generator::json_lines(3000, 5).iter().enumerate() {
        let compact = assert_expands_to_full(&tree, &legend, i as u64 + 1, line, None);
        let v: serde_json::Value = serde_json::from_str(&compact).unwrap();
        for o in v["outcomes"].as_object().unwrap().values() {
            statuses.insert(o["status"].as_str().unwrap().to_string());
        }
        let mut full = Vec::new();
        evaluate_line(&tree, None, i as u64 + 1, line.as_bytes(), &mut full).unwrap();
        full_bytes += full.len();
        compact_bytes += compact.len() + 1;
    }
    assert_eq!(
        statuses,
        ["decided", "missing_facts", "undetermined"]
            .map(String::from)
            .into(),
        "the shipped rules give no conflict; the synthetic tree covers it"
    );
    // What compact is for: the same answers in a fraction of the bytes.
    assert!(
        compact_bytes * 4 < full_bytes,
        "compact {compact_bytes} bytes against full {full_bytes}"
    );
}

#[test]
fn the_legend_survives_a_round_trip_through_its_json() {
    let legend = Legend::of(&shipped());
    let text = serde_json::to_string_pretty(&legend).unwrap();
    let back: Legend = serde_json::from_str(&text).unwrap();
    assert_eq!(back, legend);
    assert_eq!(legend.legend, inforce_engine::lines::LEGEND_FORMAT);
    // Every version of every rule set, every rule and a reason of each kind.
    assert_eq!(
        legend.rule_sets.len(),
        shipped()
            .rule_sets
            .iter()
            .map(|s| s.versions.len())
            .sum::<usize>()
    );
    for (kind, letter) in [
        ("not_yet", 'n'),
        ("repealed", 'r'),
        ("lapsed", 'l'),
        ("undecided", 'u'),
    ] {
        assert!(
            legend
                .reason
                .iter()
                .any(|(code, r)| r.kind == kind && code.starts_with(letter)),
            "no reason code of kind {kind}"
        );
    }
    // Each code names its version, and an undecided one its outcome, as
    // the legend lists them.
    for (code, r) in &legend.reason {
        assert!(
            legend.rule_sets.iter().any(|v| v.key == r.rule_set),
            "{code}: {}",
            r.rule_set
        );
        assert_eq!(r.kind == "undecided", r.outcome.is_some(), "{code}");
        if let Some(o) = &r.outcome {
            assert!(legend.outcomes.contains_key(o), "{code}: {o}");
        }
        assert!(code.len() <= 8, "{code} is not short");
    }
}

#[test]
fn a_selection_of_outcomes_drops_the_others_with_their_explanation_lines_in_both_shapes() {
    let tree = shipped();
    let legend = Legend::of(&tree);
    let keep = OutcomeSelection::new(&tree, &["exit_permitted", "exit_visa_required"]).unwrap();
    for (i, line) in generator::json_lines(300, 9).iter().enumerate() {
        let compact = assert_expands_to_full(&tree, &legend, i as u64 + 1, line, Some(&keep));
        let v: serde_json::Value = serde_json::from_str(&compact).unwrap();
        for name in v["outcomes"].as_object().unwrap().keys() {
            assert!(keep.keeps(name), "{name} kept in {compact}");
        }
        let mut full = Vec::new();
        let format = LineFormat {
            shape: Shape::Full,
            outcomes: Some(keep.clone()),
        };
        evaluate_line_as(&tree, None, 1, line.as_bytes(), &format, &mut full).unwrap();
        let full: serde_json::Value = serde_json::from_slice(&full).unwrap();
        let outcomes = full["outcomes"].as_object().unwrap().len();
        assert_eq!(full["explanation"].as_array().unwrap().len(), outcomes);
        for line in full["explanation"].as_array().unwrap() {
            let line = line.as_str().unwrap();
            assert!(
                line.starts_with("exit_permitted ") || line.starts_with("exit_visa_required "),
                "{line}"
            );
        }
    }
}

#[test]
fn an_unknown_outcome_in_a_selection_is_refused_with_the_closest_name() {
    let err = OutcomeSelection::new(&shipped(), &["exit_permited"]).unwrap_err();
    assert_eq!(
        err,
        "no outcome `exit_permited` is declared: did you mean `exit_permitted`?"
    );
    assert!(OutcomeSelection::new(&shipped(), &[" ", ""]).is_err());
}

#[test]
fn an_error_line_is_the_same_in_both_shapes_and_expands_to_itself() {
    let legend = Legend::of(&shipped());
    let line = r#"{"line":3,"error":"the line is empty"}"#;
    let mut out = Vec::new();
    legend.expand(line, &mut out).unwrap();
    assert_eq!(out, line.as_bytes());
}

#[test]
fn a_line_of_other_rules_or_naming_what_the_legend_lacks_does_not_expand() {
    let tree = shipped();
    let legend = Legend::of(&tree);
    let mut compact = Vec::new();
    let format = LineFormat {
        shape: Shape::Compact,
        outcomes: None,
    };
    let case = generator::json_lines(1, 3).remove(0);
    evaluate_line_as(&tree, None, 1, case.as_bytes(), &format, &mut compact).unwrap();
    let compact = String::from_utf8(compact).unwrap();
    let other = compact.replace(&tree.digest, &"0".repeat(64));
    let err = legend.expand(&other, &mut Vec::new()).unwrap_err();
    assert!(
        err.to_string().contains("evaluated against rules `000"),
        "{err}"
    );
    let err = legend.expand("{\"case\":1}", &mut Vec::new()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the line is not a compact result"),
        "{err}"
    );
    let mut unknown = serde_json::from_str::<serde_json::Value>(&compact).unwrap();
    unknown["outcomes"]["no_such_outcome"] =
        serde_json::json!({"status": "decided", "value": true});
    let err = legend
        .expand(&unknown.to_string(), &mut Vec::new())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the legend has no outcome `no_such_outcome`"
    );
}

// --- a small tree that gives every status ---------------------------------------------

const DECLARATIONS: &str = "
facts:
  f.a: {type: bool, description: a}
  f.b: {type: bool, description: b}
  f.c: {type: bool, description: c}
outcomes:
  ok: {type: bool, description: ok}
  other: {type: bool, description: other}
  grounds: {type: list, values: [x, y, z], combine: union, description: grounds}
";

fn version(set: &str, id: &str, from: &str, until: Option<&str>, body: &str) -> String {
    let until = until.map(|u| format!(", until: {u}")).unwrap_or_default();
    format!(
        "rule_set: {set}\nversion: \"{id}\"\ntitle: 'Title \"of\" \\ {set} {id} «ü»'\n\
         in_force: {{from: {from}{until}}}\n\
         source: {{act: 'Act \"of\" {set} {id}\\', read_at: the test}}\n{body}"
    )
}

/// A case of `every_status_tree` on each of `dates` for every way of
/// giving its three facts (true, false, or left out).
fn cases_of_every_fact(dates: &[&str]) -> Vec<String> {
    let facts = [None, Some(true), Some(false)];
    let mut cases = Vec::new();
    for date in dates {
        for a in facts {
            for b in facts {
                for c in facts {
                    let mut f = serde_json::Map::new();
                    for (name, v) in [("a", a), ("b", b), ("c", c)] {
                        if let Some(v) = v {
                            f.insert(name.to_string(), v.into());
                        }
                    }
                    cases.push(serde_json::json!({"date": date, "f": f}).to_string());
                }
            }
        }
    }
    cases
}

fn every_status_tree() -> RuleTree {
    let rules = "rules:
  - id: yes
    cite: 'Art. \"1\" \\ of the «Act»'
    when: f.a
    then: {ok: true, grounds: [x]}
  - id: no
    cite: Art. 2
    when: f.b
    then: {ok: false, grounds: [y]}
";
    let files = vec![
        ("declarations.yaml", DECLARATIONS.to_string()),
        (
            "s/2000.yaml",
            version(
                "t.s",
                "2000-01-01",
                "2000-01-01",
                Some("2005-01-01"),
                &format!("applies_when: f.c\n{rules}"),
            ),
        ),
        (
            "s/2005.yaml",
            version(
                "t.s",
                "2005-01-01",
                "2005-01-01",
                Some("2008-01-01"),
                &format!("applies_when: f.c\n{rules}"),
            ),
        ),
        (
            "s/2008.yaml",
            version(
                "t.s",
                "2008-01-01",
                "2008-01-01",
                None,
                "repeal:\n  repeals: The Old Act\n  note: Nothing \"replaces\" it.\n",
            ),
        ),
        (
            "lapsing/2000.yaml",
            version(
                "t.lapsing",
                "2000-01-01",
                "2000-01-01",
                Some("2003-01-01"),
                "rules:\n  - id: l\n    cite: Art. 9\n    when: f.b\n    then: {other: true}\n",
            ),
        ),
        (
            "later/2006.yaml",
            version(
                "t.later",
                "2006-01-01",
                "2006-01-01",
                None,
                "rules:\n  - id: o\n    cite: Art. 3\n    when: f.a && f.b\n    then: {other: false, grounds: [z]}\n",
            ),
        ),
    ];
    tree_of(files)
}

#[test]
fn every_status_and_every_kind_of_reason_expands_from_compact_to_its_full_line() {
    let tree = every_status_tree();
    let legend = Legend::of(&tree);
    let dates = [
        "1999-12-31",
        "2000-01-01",
        "2002-12-31",
        "2003-01-01",
        "2004-12-31",
        "2005-01-01",
        "2005-12-31",
        "2006-01-01",
        "2007-12-31",
        "2008-01-01",
        "2012-06-01",
    ];
    let mut seen = BTreeSet::new();
    let mut n = 0;
    for case in cases_of_every_fact(&dates) {
        n += 1;
        let compact = assert_expands_to_full(&tree, &legend, n, &case, None);
        let v: serde_json::Value = serde_json::from_str(&compact).unwrap();
        for o in v["outcomes"].as_object().unwrap().values() {
            seen.insert(o["status"].as_str().unwrap().to_string());
            if let Some(codes) = o["reason"].as_array() {
                if codes.len() > 1 {
                    seen.insert("joined reasons".to_string());
                }
                for code in codes {
                    let kind = &legend.reason[code.as_str().unwrap()].kind;
                    seen.insert(kind.clone());
                }
            }
            if o.get("holds_whatever").is_some() {
                seen.insert("holds_whatever".to_string());
            }
        }
    }
    for want in [
        "decided",
        "undetermined",
        "missing_facts",
        "conflict",
        "not_yet",
        "repealed",
        "lapsed",
        "undecided",
        "joined reasons",
        "holds_whatever",
    ] {
        assert!(seen.contains(want), "no case gave {want}: {seen:?}");
    }
}

#[test]
fn rules_and_reasons_by_number_name_what_they_name_by_text_for_every_status_and_reason() {
    let mut named = 0;
    let tree = every_status_tree();
    for case in cases_of_every_fact(&[
        "1999-12-31",
        "2003-01-01",
        "2005-12-31",
        "2006-01-01",
        "2012-06-01",
    ]) {
        named += assert_numbers_name_the_same(&tree, &case);
    }
    let shipped = shipped();
    for line in generator::json_lines(1000, 9) {
        named += assert_numbers_name_the_same(&shipped, &line);
    }
    assert!(named > 1000, "{named} rules and reasons named");
}

#[test]
fn an_outcome_left_out_is_not_decided_so_its_failing_rule_fails_no_line() {
    let declarations = "
facts:
  f.a: {type: bool, description: a}
  f.n: {type: int, description: n}
outcomes:
  ok: {type: bool, description: ok}
  half: {type: int, description: half}
";
    let rules = "rules:
  - id: ok
    cite: Art. 1
    when: f.a
    then: {ok: true}
  - id: broken
    cite: Art. 2
    when: f.a
    then: {half: {expr: f.n / 0}}
";
    let tree = tree_of(vec![
        ("declarations.yaml", declarations.to_string()),
        (
            "s/2000.yaml",
            version("t.s", "2000-01-01", "2000-01-01", None, rules),
        ),
    ]);
    let case = r#"{"date":"2001-01-01","f":{"a":true,"n":4}}"#;
    // Every outcome: the broken rule's script fails, and the line is an error.
    let mut out = Vec::new();
    let all = evaluate_line(&tree, None, 1, case.as_bytes(), &mut out);
    assert!(all.is_err(), "{}", String::from_utf8_lossy(&out));
    // Only `ok`: the broken rule is never run, in either shape.
    let keep = OutcomeSelection::new(&tree, &["ok"]).unwrap();
    for shape in [Shape::Full, Shape::Compact] {
        let format = LineFormat {
            shape,
            outcomes: Some(keep.clone()),
        };
        let mut out = Vec::new();
        evaluate_line_as(&tree, None, 1, case.as_bytes(), &format, &mut out).unwrap();
        let line: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(line["outcomes"]["ok"]["status"], "decided");
        assert!(line["outcomes"].get("half").is_none());
    }
    // Rows for other formats are decided the same way.
    let row =
        evaluate_case_line_selected(&tree, None, 1, case.as_bytes(), false, Some(&keep)).unwrap();
    assert_eq!(row.outcomes.keys().collect::<Vec<_>>(), ["ok"]);
}

// --- a verdict read by number (`inforce_engine::verdict`) ---------------------------------

/// Line `n` read by number and as the `EvalResult` the columnar writers
/// used to build: fails where they say anything different. Returns the
/// statuses and kinds of reason seen.
fn assert_verdict_is_the_result(
    tree: &RuleTree,
    n: u64,
    line: &str,
    keep: Option<&OutcomeSelection>,
) -> BTreeSet<String> {
    let result = evaluate_case_line_selected(tree, None, n, line.as_bytes(), false, keep).unwrap();
    let (case, date) = read_case_line(tree, None, n, line.as_bytes()).unwrap();
    let verdict = verdict_of(tree, &case, date, keep).unwrap();
    let legend = Legend::of(tree);
    assert_eq!(verdict.case(), result.case, "line {n}");
    assert_eq!(verdict.date(), result.date, "line {n}");
    let names: Vec<&str> = tree.outcomes.keys().map(String::as_str).collect();
    let by_number: Vec<&str> = verdict.outcomes().map(|o| o.name()).collect();
    let by_name: Vec<&str> = result.outcomes.keys().map(String::as_str).collect();
    assert_eq!(by_number, by_name, "line {n}: the outcomes differ");
    let mut seen = BTreeSet::new();
    for (o, (name, r)) in verdict.outcomes().zip(&result.outcomes) {
        assert_eq!(names[o.number()], name, "line {n}: {name}'s number");
        assert_eq!(o.status(), r.status, "line {n}: {name}");
        let value = if r.status == inforce_engine::Status::Decided {
            r.value.as_ref()
        } else {
            None
        };
        assert_eq!(o.value(), value, "line {n}: {name}'s value");
        let by: Vec<String> =
            r.by.iter()
                .map(|b| format!("{}@{}#{}", b.rule_set, b.version, b.rule))
                .collect();
        assert_eq!(o.by().collect::<Vec<_>>(), by, "line {n}: {name}'s rules");
        assert_eq!(
            o.needs().collect::<Vec<_>>(),
            r.needs,
            "line {n}: {name}'s needs"
        );
        let numbers: Vec<&str> = o
            .need_numbers()
            .map(|f| tree.facts.keys().nth(f).unwrap().as_str())
            .collect();
        assert_eq!(numbers, r.needs, "line {n}: {name}'s needs by number");
        let codes: Vec<&str> = r.reason_codes.iter().map(|c| &**c).collect();
        assert_eq!(
            o.reason_codes().collect::<Vec<_>>(),
            codes,
            "line {n}: {name}'s reasons"
        );
        seen.insert(r.status.as_str().to_string());
        if codes.len() > 1 {
            seen.insert("joined reasons".to_string());
        }
        for code in codes {
            seen.insert(legend.reason[code].kind.clone());
        }
    }
    seen
}

#[test]
fn a_verdict_read_by_number_says_what_the_result_says_for_every_generated_case() {
    let tree = shipped();
    let mut seen = BTreeSet::new();
    for (i, line) in generator::json_lines(3000, 5).iter().enumerate() {
        seen.extend(assert_verdict_is_the_result(
            &tree,
            i as u64 + 1,
            line,
            None,
        ));
    }
    for want in ["decided", "missing_facts", "undetermined", "undecided"] {
        assert!(seen.contains(want), "no case gave {want}: {seen:?}");
    }
    let keep = OutcomeSelection::new(&tree, &["exit_permitted", "exit_visa_required"]).unwrap();
    for (i, line) in generator::json_lines(300, 9).iter().enumerate() {
        assert_verdict_is_the_result(&tree, i as u64 + 1, line, Some(&keep));
    }
}

#[test]
fn a_verdict_read_by_number_says_what_the_result_says_for_every_status_and_reason() {
    let tree = every_status_tree();
    let mut seen = BTreeSet::new();
    let mut n = 0;
    for case in cases_of_every_fact(&[
        "1999-12-31",
        "2001-06-01",
        "2004-06-01",
        "2006-06-01",
        "2012-06-01",
    ]) {
        n += 1;
        seen.extend(assert_verdict_is_the_result(&tree, n, &case, None));
        let keep = OutcomeSelection::new(&tree, &["grounds", "ok"]).unwrap();
        assert_verdict_is_the_result(&tree, n, &case, Some(&keep));
    }
    for want in [
        "decided",
        "undetermined",
        "missing_facts",
        "conflict",
        "not_yet",
        "repealed",
        "lapsed",
        "undecided",
        "joined reasons",
    ] {
        assert!(seen.contains(want), "no case gave {want}: {seen:?}");
    }
}

#[test]
fn a_line_that_cannot_be_read_gives_the_same_message_whether_read_by_number_or_not() {
    let tree = shipped();
    for (n, line) in [
        (1, ""),
        (2, "{"),
        (3, r#"{"person": {"citizenship": "Kazakh"}}"#),
        (4, r#"{"id": "no date", "person": {"citizenship": "KZ"}}"#),
    ] {
        let by_result =
            evaluate_case_line_selected(&tree, None, n, line.as_bytes(), false, None).unwrap_err();
        let by_number = read_case_line(&tree, None, n, line.as_bytes()).unwrap_err();
        assert_eq!(by_number, by_result, "line {n}");
    }
}

#[test]
fn a_case_whose_rules_fail_gives_the_same_message_whether_read_by_number_or_not() {
    let declarations = "
facts:
  f.a: {type: bool, description: a}
  f.n: {type: int, description: n}
outcomes:
  half: {type: int, description: half}
";
    let rules = "rules:
  - id: broken
    cite: Art. 2
    when: f.a
    then: {half: {expr: f.n / 0}}
";
    let tree = tree_of(vec![
        ("declarations.yaml", declarations.to_string()),
        (
            "s/2000.yaml",
            version("t.s", "2000-01-01", "2000-01-01", None, rules),
        ),
    ]);
    let line = r#"{"date":"2001-01-01","f":{"a":true,"n":4}}"#;
    let by_result =
        evaluate_case_line_selected(&tree, None, 1, line.as_bytes(), false, None).unwrap_err();
    let (case, date) = read_case_line(&tree, None, 1, line.as_bytes()).unwrap();
    let by_number = verdict_of(&tree, &case, date, None).err().unwrap();
    assert_eq!(by_number, by_result);
    assert!(by_number.contains("broken"), "{by_number}");
}
