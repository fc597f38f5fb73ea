//! A run's memo of the ways cases went (`inforce_engine::memo`) answers
//! exactly what evaluating each case in full answers: the same full and
//! compact lines byte for byte, the same verdict read by number and the
//! same error, on thousands of generated cases of the shipped rules (each
//! run twice, so the second time every case goes a way already learnt),
//! and on a small tree whose values are computed: values equal to a
//! stated one or not, conflicts between computed values, combined lists
//! computed, computations that fail only where a rule might not fire.
//! Not here: the memo's inner workings (its unit tests), `batch` end to
//! end (cli/tests).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

#[path = "../../tools/gen-cases/src/generator.rs"]
mod generator;
mod harness;

use inforce_engine::lines::{
    LineFormat, OutcomeSelection, Shape, evaluate_line_as, evaluate_line_memo, read_case_line,
};
use inforce_engine::memo::Memo;
use inforce_engine::verdict::{CaseVerdict, verdict_by, verdict_of};

use harness::{shipped_tree as shipped, tree_of};

/// A verdict read by number, as text to compare; its values read
/// without views are checked to be the views' values.
fn described(v: &CaseVerdict<'_>) -> String {
    let viewed: Vec<_> = v.outcomes().map(|o| o.value()).collect();
    assert_eq!(v.values().collect::<Vec<_>>(), viewed, "{}", v.case());
    let mut out = format!("{} {}\n", v.case(), v.date());
    for o in v.outcomes() {
        out.push_str(&format!(
            "{} {:?} {:?} by {:?} needs {:?} reasons {:?}\n",
            o.name(),
            o.status(),
            o.value(),
            o.by().collect::<Vec<_>>(),
            o.needs().collect::<Vec<_>>(),
            o.reason_codes().collect::<Vec<_>>(),
        ));
    }
    out
}

/// Line `n` through `memo` and in full, in both shapes and by number:
/// fails where anything differs. Returns whether the case had a result.
fn assert_same(memo: &Memo<'_>, n: u64, line: &str) -> bool {
    let tree = memo.tree();
    let mut answered = None;
    for shape in [Shape::Full, Shape::Compact] {
        let format = LineFormat {
            shape,
            outcomes: memo.outcomes().cloned(),
        };
        let mut plain = Vec::new();
        let plain_result = evaluate_line_as(tree, None, n, line.as_bytes(), &format, &mut plain);
        let mut by_memo = Vec::new();
        let memo_result = evaluate_line_memo(memo, None, n, line.as_bytes(), shape, &mut by_memo);
        assert_eq!(memo_result, plain_result, "line {n} ({shape:?}): {line}");
        if plain_result.is_ok() {
            assert_eq!(
                String::from_utf8_lossy(&by_memo),
                String::from_utf8_lossy(&plain),
                "line {n} ({shape:?}): {line}"
            );
        }
        answered = Some(plain_result.is_ok());
    }
    if let Ok((case, date)) = read_case_line(tree, None, n, line.as_bytes()) {
        let plain = verdict_of(tree, &case, date, memo.outcomes());
        let by_memo = verdict_by(memo, &case, date);
        match (plain, by_memo) {
            (Ok(p), Ok(m)) => assert_eq!(described(&m), described(&p), "line {n}: {line}"),
            (Err(p), Err(m)) => assert_eq!(m, p, "line {n}: {line}"),
            (p, m) => panic!(
                "line {n}: in full {:?}, by the memo {:?}",
                p.map(|v| described(&v)),
                m.map(|v| described(&v))
            ),
        }
    }
    answered.unwrap_or(false)
}

#[test]
fn every_generated_case_of_the_shipped_rules_is_answered_by_the_memo_as_in_full_twice_over() {
    let tree = shipped();
    let memo = Memo::new(&tree, None);
    let lines = generator::json_lines(4000, 11);
    for pass in 0..2 {
        for (i, line) in lines.iter().enumerate() {
            assert!(
                assert_same(&memo, i as u64 + 1, line),
                "pass {pass}, line {i}"
            );
        }
    }
    // Far fewer ways than cases: that is what the memo is for.
    let ways = memo.ways();
    assert!(ways > 10 && ways < lines.len() / 2, "{ways} ways");
}

/// The cases of `lines` answered by one memo of the shipped rules twice
/// over (passes 0 and 1), then by a second memo (pass 2): `each(pass,
/// line index, verdict)`; lines that are no case are left out.
fn twice_then_by_another(lines: &[String], mut each: impl FnMut(usize, usize, &CaseVerdict<'_>)) {
    let tree = shipped();
    let memo = Memo::new(&tree, None);
    let other = Memo::new(&tree, None);
    for (memo, pass) in [(&memo, 0), (&memo, 1), (&other, 2)] {
        for (i, line) in lines.iter().enumerate() {
            let Ok((case, date)) = read_case_line(&tree, None, i as u64 + 1, line.as_bytes())
            else {
                continue;
            };
            each(pass, i, &verdict_by(memo, &case, date).unwrap());
        }
    }
}

/// Whether `way` was met before, asserting that it then gave the same
/// `got`; kept for the next time otherwise. `at`: the pass and the line.
fn same_as_before<T: PartialEq + std::fmt::Debug>(
    seen: &mut std::collections::HashMap<usize, T>,
    way: usize,
    got: T,
    (pass, i): (usize, usize),
) -> bool {
    match seen.get(&way) {
        Some(before) => {
            assert_eq!(before, &got, "way {way}, pass {pass}, line {i}");
            true
        }
        None => {
            seen.insert(way, got);
            false
        }
    }
}

#[test]
fn outcomes_answered_by_the_same_way_have_the_same_status_rules_needs_and_reasons() {
    let lines = generator::json_lines(3000, 12);
    let mut shapes: std::collections::HashMap<usize, String> = Default::default();
    let mut numbered: [std::collections::BTreeSet<usize>; 2] = Default::default();
    let (mut repeated, mut without) = (0, 0);
    twice_then_by_another(&lines, |pass, i, v| {
        for o in v.outcomes() {
            let shape = format!(
                "{} {:?} by {:?} needs {:?} reasons {:?}",
                o.name(),
                o.status(),
                o.by().collect::<Vec<_>>(),
                o.needs().collect::<Vec<_>>(),
                o.reason_codes().collect::<Vec<_>>(),
            );
            let Some(way) = o.way() else {
                without += 1;
                continue;
            };
            numbered[pass / 2].insert(way);
            repeated += usize::from(same_as_before(&mut shapes, way, shape, (pass, i)));
        }
    });
    // Ways recur far more often than they are learnt; a second memo's
    // ways are numbered apart from the first's.
    assert!(
        repeated > 10 * shapes.len(),
        "{repeated} repeats of {} ways",
        shapes.len()
    );
    assert!(
        without > 0 && without < repeated / 10,
        "{without} without a way"
    );
    let [first, second] = &numbered;
    assert!(!first.is_empty() && !second.is_empty());
    assert!(first.is_disjoint(second), "two memos' ways share numbers");
}

#[test]
fn cases_answered_by_the_same_way_of_whole_cases_have_the_same_outcomes_each_by_the_same_way() {
    let lines = generator::json_lines(3000, 13);
    let mut rows: std::collections::HashMap<usize, Vec<(usize, Option<usize>)>> =
        Default::default();
    let mut numbered: [std::collections::BTreeSet<usize>; 2] = Default::default();
    let mut outcome_ways = std::collections::BTreeSet::new();
    let (mut repeated, mut whole) = (0, 0);
    twice_then_by_another(&lines, |pass, i, v| {
        let row: Vec<(usize, Option<usize>)> =
            v.outcomes().map(|o| (o.number(), o.way())).collect();
        outcome_ways.extend(row.iter().filter_map(|&(_, w)| w));
        let Some(way) = v.whole_way() else {
            return;
        };
        whole += 1;
        numbered[pass / 2].insert(way);
        repeated += usize::from(same_as_before(&mut rows, way, row, (pass, i)));
    });
    // The second pass goes ways of whole cases learnt in the first.
    assert!(whole > lines.len(), "{whole} cases by ways of whole cases");
    assert!(
        repeated > rows.len(),
        "{repeated} repeats of {}",
        rows.len()
    );
    let [first, second] = &numbered;
    assert!(first.is_disjoint(second), "two memos' ways share numbers");
    assert!(
        first.is_disjoint(&outcome_ways) && second.is_disjoint(&outcome_ways),
        "a way of whole cases shares a number with an outcome's way"
    );
}

#[test]
fn cases_that_walk_off_the_ways_of_whole_cases_after_the_memo_stops_learning_are_answered_as_in_full()
 {
    // Room for a few hundred ways: the memo learns ways of whole cases,
    // then stops, and every case whose way it did not learn walks off the
    // known ones and is answered outcome by outcome from what the walk
    // decided (`Ways::replay` without recording).
    let tree = shipped();
    let memo = Memo::with_room(&tree, None, 3 << 20);
    let lines = generator::json_lines(3000, 14);
    for (i, line) in lines.iter().enumerate() {
        assert!(assert_same(&memo, i as u64 + 1, line), "line {i}");
    }
    let learnt = memo.case_ways();
    assert!(learnt > 0, "no way of whole cases learnt");
    for (i, line) in lines.iter().enumerate() {
        assert!(assert_same(&memo, i as u64 + 1, line), "again, line {i}");
    }
    assert_eq!(
        memo.case_ways(),
        learnt,
        "the memo learnt after its room ran out"
    );
}

#[test]
fn a_memo_of_some_outcomes_answers_them_as_a_run_that_keeps_them() {
    let tree = shipped();
    let keep = OutcomeSelection::new(&tree, &["visa_required", "registration_deadline"]).unwrap();
    let memo = Memo::new(&tree, Some(keep));
    for pass in 0..2 {
        for (i, line) in generator::json_lines(800, 3).iter().enumerate() {
            assert!(assert_same(&memo, i as u64 + 1, line), "pass {pass}");
        }
    }
}

#[test]
fn a_memo_with_no_room_learns_nothing_and_answers_the_same() {
    let tree = shipped();
    let memo = Memo::with_room(&tree, None, 0);
    for (i, line) in generator::json_lines(300, 4).iter().enumerate() {
        assert!(assert_same(&memo, i as u64 + 1, line));
    }
    assert_eq!(memo.ways(), 0);
}

#[test]
fn french_stays_of_every_length_over_thirty_days_go_one_way_whatever_their_dates() {
    // The registration deadline and the days overstayed are computed from
    // the dates, a different value for each case; the way is the same.
    let tree = shipped();
    let memo = Memo::new(&tree, None);
    let mut lines = Vec::new();
    for i in 0..120u32 {
        let entry = chrono::NaiveDate::from_ymd_opt(2019, 1, 1).unwrap()
            + chrono::Days::new(u64::from(i * 3));
        let exit = entry + chrono::Days::new(u64::from(40 + i));
        lines.push(
            serde_json::json!({
                "id": format!("fr-{i}"),
                "date": entry.to_string(),
                "person": {"citizenship": "FR", "birth_date": "1980-05-05", "passport": "ordinary"},
                "trip": {"direction": "entry", "entry_date": entry.to_string(),
                         "exit_date": exit.to_string(), "purpose": "tourism", "visa": "none"},
            })
            .to_string(),
        );
    }
    assert!(assert_same(&memo, 1, &lines[0]));
    let ways = memo.ways();
    for (i, line) in lines.iter().enumerate() {
        assert!(assert_same(&memo, i as u64 + 1, line), "{line}");
    }
    assert_eq!(memo.ways(), ways, "no new way for other dates");
    let mut out = Vec::new();
    evaluate_line_memo(
        &memo,
        None,
        1,
        lines[7].as_bytes(),
        Shape::Compact,
        &mut out,
    )
    .unwrap();
    let line: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(line["outcomes"]["overstay_days"]["value"], 18);
}

// --- a small tree of computed values ----------------------------------------------------

const DECLARATIONS: &str = "
facts:
  f.a: {type: bool, description: a}
  f.b: {type: bool, description: b}
  f.c: {type: bool, description: c}
  f.n: {type: int, description: n}
  f.m: {type: int, description: m}
  f.d: {type: date, description: d}
outcomes:
  count: {type: int, description: count}
  due: {type: date, description: due}
  tags: {type: list, values: [x, y, z], combine: union, description: tags}
";

const RULES: &str = r#"rule_set: t.values
version: "2000-01-01"
title: Values
in_force: {from: 2000-01-01}
source: {act: The Act, read_at: the test}
rules:
  - id: n-counts
    cite: Art. 1
    when: f.a
    then: {count: {expr: f.n}}
  - id: five
    cite: Art. 2
    when: f.b
    then: {count: 5}
  - id: m-counts
    cite: Art. 3
    when: f.a && f.b
    then: {count: {expr: f.m}}
  - id: ratio
    cite: Art. 4
    when: f.c
    then: {count: {expr: f.n / f.m}}
  - id: due-later
    cite: Art. 5
    when: f.b
    then: {due: {expr: "add_days(f.d, f.n)"}}
  - id: due-next-day
    cite: Art. 6
    when: f.c
    then: {due: {expr: "add_days(f.d, 1)"}}
  - id: tags-computed
    cite: Art. 7
    when: f.a
    then: {tags: {expr: 'if f.n > 5 { ["x"] } else { ["y", "z"] }'}}
  - id: tag-y
    cite: Art. 8
    when: f.b
    then: {tags: [y]}
"#;

/// Every combination of the small tree's facts, each left out or given.
fn value_cases() -> Vec<String> {
    let flags = [None, Some(true), Some(false)];
    let ints = [None, Some(0), Some(1), Some(5), Some(6)];
    let dates = [None, Some("2001-01-01"), Some("2001-03-05")];
    let mut out = Vec::new();
    for a in flags {
        for b in flags {
            for c in flags {
                for n in ints {
                    for m in ints {
                        for d in dates {
                            let mut f = serde_json::Map::new();
                            for (k, v) in [("a", a), ("b", b), ("c", c)] {
                                if let Some(v) = v {
                                    f.insert(k.into(), v.into());
                                }
                            }
                            for (k, v) in [("n", n), ("m", m)] {
                                if let Some(v) = v {
                                    f.insert(k.into(), v.into());
                                }
                            }
                            if let Some(d) = d {
                                f.insert("d".into(), d.into());
                            }
                            out.push(serde_json::json!({"date": "2002-02-02", "f": f}).to_string());
                        }
                    }
                }
            }
        }
    }
    out
}

#[test]
fn computed_values_equal_or_not_in_conflict_or_combined_are_answered_by_the_memo_as_in_full() {
    let tree = tree_of(vec![
        ("declarations.yaml", DECLARATIONS.to_string()),
        ("values/2000.yaml", RULES.to_string()),
    ]);
    let memo = Memo::new(&tree, None);
    let cases = value_cases();
    let mut statuses = std::collections::BTreeSet::new();
    let mut errors = 0;
    for pass in 0..2 {
        for (i, line) in cases.iter().enumerate() {
            if !assert_same(&memo, i as u64 + 1, line) {
                errors += 1;
                continue;
            }
            let mut out = Vec::new();
            evaluate_line_memo(&memo, None, 1, line.as_bytes(), Shape::Compact, &mut out).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
            for (name, o) in v["outcomes"].as_object().unwrap() {
                statuses.insert(format!("{name} {}", o["status"].as_str().unwrap()));
            }
        }
        assert!(pass > 0 || memo.ways() > 0);
    }
    // The tree gives what the memo must get right: computed values in
    // conflict, agreeing, combined, missing; and failing cases.
    for want in [
        "count conflict",
        "count decided",
        "count missing_facts",
        "due decided",
        "due missing_facts",
        "tags decided",
    ] {
        assert!(statuses.contains(want), "no case gave {want}: {statuses:?}");
    }
    assert!(
        errors > 0,
        "no case failed (`f.n / f.m` with `f.m` 0 and `f.c` true)"
    );
}
