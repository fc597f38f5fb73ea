//! Evaluation end to end on small synthetic rule trees built in memory: three-valued conditions, outcome resolution, precedence, gates, dates in force, errors, trace and digest.

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use chrono::NaiveDate;
use inforce_engine::Case;
use inforce_engine::RuleTree;
use inforce_engine::SourceFile;
use inforce_engine::Value;
use inforce_engine::evaluate;
use inforce_engine::load;
use inforce_engine::{By, EvalResult, OutcomeResult, Status};
use inforce_engine::{EvalError, FailureKind};

/// Facts and outcomes every synthetic tree declares.
const DECLARATIONS: &str = "
facts:
  f.a: {type: bool, description: a}
  f.b: {type: bool, description: b}
  f.c: {type: bool, description: c}
  f.d: {type: date, description: d}
  f.n: {type: int, description: n}
  f.s: {type: string, description: s}
  f.e: {type: date, null_means: none, description: an event date; null says it has not happened}
  f.t: {type: string, null_means: none, description: t}
outcomes:
  ok: {type: bool, description: ok}
  other: {type: bool, description: other}
  grounds: {type: list, values: [x, y, z], combine: union, description: grounds}
  due: {type: date, description: due}
";

/// The date most tests evaluate on: every version below starting on
/// 2000-01-01 is in force.
const DAY: &str = "2010-06-15";

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Removes the indentation common to every non-blank line, so YAML can be
/// written indented inside the tests.
fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// A version file of rule set `set`: the header, then `body` (top-level keys
/// such as `rules:`, `applies_when:`, `scope:`, written at any indentation).
fn version(set: &str, id: &str, from: &str, until: Option<&str>, body: &str) -> String {
    let until = until.map(|u| format!(", until: {u}")).unwrap_or_default();
    format!(
        "rule_set: {set}\nversion: \"{id}\"\ntitle: Title of {set} {id}\n\
         in_force: {{from: {from}{until}}}\n\
         source: {{act: Act of {set} {id}, read_at: the test}}\n{}",
        dedent(body)
    )
}

/// A version of `set` in force from 2000-01-01 with no end.
fn open(set: &str, body: &str) -> String {
    version(set, "2000-01-01", "2000-01-01", None, body)
}

fn files(versions: &[(&str, String)]) -> Vec<SourceFile> {
    let mut out = vec![SourceFile {
        path: "declarations.yaml".to_string(),
        text: DECLARATIONS.to_string(),
    }];
    out.extend(versions.iter().map(|(path, text)| SourceFile {
        path: (*path).to_string(),
        text: text.clone(),
    }));
    out
}

/// Loads the declarations and `versions` (path, text); fails the test on
/// any load error.
fn tree(versions: &[(&str, String)]) -> RuleTree {
    let loaded = load(files(versions), "memory");
    let errors: Vec<String> = loaded
        .problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| format!("{p}: {p:?}"))
        .collect();
    match loaded.tree {
        Some(t) if errors.is_empty() => t,
        _ => panic!("the rules do not load:\n{}", errors.join("\n")),
    }
}

fn try_eval(
    tree: &RuleTree,
    case: &str,
    date: &str,
    explain: bool,
) -> Result<EvalResult, Box<EvalError>> {
    let case = Case::from_yaml(tree, "case.yaml", case)
        .map_err(|e| {
            e.iter()
                .map(|e| format!("{e}: {e:?}"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap();
    evaluate(tree, &case, d(date), explain)
}

fn eval(tree: &RuleTree, case: &str, date: &str) -> EvalResult {
    try_eval(tree, case, date, false).unwrap()
}

fn outcome<'a>(r: &'a EvalResult, name: &str) -> &'a OutcomeResult {
    r.outcomes
        .get(name)
        .unwrap_or_else(|| panic!("no outcome `{name}` in {:#?}", r.outcomes))
}

fn rules_of(by: &[By]) -> Vec<&str> {
    by.iter().map(|b| &*b.rule).collect()
}

fn assert_decided(o: &OutcomeResult, value: Value, by: &[&str]) {
    assert_eq!(o.status, Status::Decided, "{o:#?}");
    assert_eq!(o.value, Some(value), "{o:#?}");
    assert_eq!(rules_of(&o.by), by, "{o:#?}");
    assert!(o.needs.is_empty(), "{o:#?}");
    assert_eq!(o.reason, None, "{o:#?}");
}

fn assert_missing(o: &OutcomeResult, needs: &[&str]) {
    assert_eq!(o.status, Status::MissingFacts, "{o:#?}");
    assert_eq!(o.value, None, "{o:#?}");
    assert_eq!(o.needs, needs, "{o:#?}");
    assert!(o.by.is_empty(), "{o:#?}");
}

fn assert_undetermined(o: &OutcomeResult) -> &str {
    assert_eq!(o.status, Status::Undetermined, "{o:#?}");
    assert_eq!(o.value, None, "{o:#?}");
    assert!(o.by.is_empty() && o.needs.is_empty(), "{o:#?}");
    o.reason.as_deref().unwrap()
}

/// A tree whose `ok` is `false` by a default rule and `true` by rule `probe`,
/// an exception to the default that fires when `condition` holds: `ok` is
/// decided false when the condition is false, decided true when it holds,
/// and missing facts when it is unknown.
fn probe_tree(condition: &str) -> RuleTree {
    let body = format!(
        "
        rules:
          - id: default
            cite: Art. 1
            then: {{ok: false}}
          - id: probe
            cite: Art. 2
            when: '{condition}'
            then: {{ok: true}}
            exception_to: [default]
        "
    );
    tree(&[("set/2000-01-01.yaml", open("t.probe", &body))])
}

/// `ok` for `case` under `probe_tree(condition)`, on `DAY`.
fn probe(condition: &str, case: &str) -> OutcomeResult {
    probe_on(condition, case, DAY)
}

fn probe_on(condition: &str, case: &str, date: &str) -> OutcomeResult {
    let t = probe_tree(condition);
    outcome(&eval(&t, case, date), "ok").clone()
}

// --- three-valued conditions ------------------------------------------------

#[test]
fn false_and_unknown_is_false_whichever_side_the_unknown_is_on() {
    let case = "f: {a: false}";
    assert_decided(&probe("f.a && f.b", case), Value::Bool(false), &["default"]);
    assert_decided(&probe("f.b && f.a", case), Value::Bool(false), &["default"]);
}

#[test]
fn true_or_unknown_is_true_whichever_side_the_unknown_is_on() {
    let case = "f: {a: true}";
    assert_decided(&probe("f.a || f.b", case), Value::Bool(true), &["probe"]);
    assert_decided(&probe("f.b || f.a", case), Value::Bool(true), &["probe"]);
}

#[test]
fn not_of_an_unknown_is_unknown_and_not_of_a_known_fact_is_its_negation() {
    assert_missing(&probe("!f.a", "f: {}"), &["f.a"]);
    assert_missing(&probe("!(f.a && f.b)", "f: {a: true}"), &["f.b"]);
    assert_decided(
        &probe("!f.a", "f: {a: false}"),
        Value::Bool(true),
        &["probe"],
    );
    assert_decided(
        &probe("!f.a", "f: {a: true}"),
        Value::Bool(false),
        &["default"],
    );
}

#[test]
fn unknown_and_true_is_missing_facts_naming_exactly_the_missing_fact() {
    let case = "f: {b: true, c: true, n: 3}";
    assert_missing(&probe("f.a && f.b", case), &["f.a"]);
    assert_missing(&probe("f.b && f.a", case), &["f.a"]);
    assert_missing(&probe("f.a || !f.c", case), &["f.a"]);
    assert_missing(
        &probe("f.n > 2 && (f.a || f.s == \"x\")", case),
        &["f.a", "f.s"],
    );
}

#[test]
fn a_null_of_a_fact_declared_null_means_none_is_known_and_equals_unit() {
    assert_decided(
        &probe("f.t == ()", "f: {t: null}"),
        Value::Bool(true),
        &["probe"],
    );
    assert_decided(
        &probe("f.t != ()", "f: {t: null}"),
        Value::Bool(false),
        &["default"],
    );
    assert_decided(
        &probe("f.e == ()", "f: {e: null}"),
        Value::Bool(true),
        &["probe"],
    );
    // A fact given a value is not unit.
    assert_decided(
        &probe("f.t == ()", "f: {t: hello}"),
        Value::Bool(false),
        &["default"],
    );
    // Left out, the same fact is unknown.
    assert_missing(&probe("f.t == ()", "f: {}"), &["f.t"]);
}

#[test]
fn a_null_of_any_other_fact_is_unknown_exactly_like_the_fact_left_out() {
    for (condition, case, fact) in [
        ("f.a", "f: {a: null}", "f.a"),
        ("!f.a", "f: {a: null}", "f.a"),
        ("f.s == \"x\"", "f: {s: null}", "f.s"),
        ("f.s != \"x\"", "f: {s: null}", "f.s"),
        ("date < add_years(f.d, 5)", "f: {d: null}", "f.d"),
        ("f.n > 3", "f: {n: null}", "f.n"),
    ] {
        assert_missing(&probe(condition, case), &[fact]);
        // Exactly as if the case left it out.
        assert_eq!(
            format!("{:?}", probe(condition, case)),
            format!("{:?}", probe(condition, "f: {}"))
        );
    }
}

#[test]
fn comparing_with_unit_a_fact_whose_null_means_unknown_is_refused_at_load() {
    let loaded = load(
        files(&[(
            "s.yaml",
            open(
                "t.s",
                "
                rules:
                  - id: r
                    cite: Art. 1
                    when: f.d != () && f.a
                    then: {ok: true}
                ",
            ),
        )]),
        "memory",
    );
    assert!(loaded.tree.is_none());
    let messages: Vec<String> = loaded.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        messages,
        vec![
            "`f.d` is compared with `()`, but an explicit `null` of it means unknown, so a script never sees it as `()`"
        ]
    );
}

#[test]
fn a_condition_part_that_cannot_be_computed_on_a_null_meaning_none_does_not_hold() {
    // `add_years((), 5)` has no meaning: an event that has not happened has
    // no date, so the comparison does not hold, exactly as `() < date` does not.
    assert_decided(
        &probe("date < add_years(f.e, 5)", "f: {e: null}"),
        Value::Bool(false),
        &["default"],
    );
    assert_decided(
        &probe("!(date < add_years(f.e, 5))", "f: {e: null}"),
        Value::Bool(true),
        &["probe"],
    );
}

#[test]
fn a_null_guarded_date_comparison_is_false_for_null_missing_for_unknown_and_computed_for_a_date() {
    let guard = "f.e != () && date < add_years(f.e, 5)";
    assert_decided(
        &probe(guard, "f: {e: null}"),
        Value::Bool(false),
        &["default"],
    );
    assert_missing(&probe(guard, "f: {}"), &["f.e"]);
    // 2000-02-29 plus five years is 2005-02-28 (clamped): the bar holds
    // the day before and not on that day.
    let leap = "f: {e: 2000-02-29}";
    assert_decided(
        &probe_on(guard, leap, "2005-02-27"),
        Value::Bool(true),
        &["probe"],
    );
    assert_decided(
        &probe_on(guard, leap, "2005-02-28"),
        Value::Bool(false),
        &["default"],
    );
}

// --- resolving an outcome ----------------------------------------------------

#[test]
fn two_firing_rules_that_agree_decide_the_outcome_with_both_in_by() {
    let t = tree(&[(
        "s.yaml",
        open(
            "t.s",
            "
            rules:
              - id: one
                cite: Art. 1
                when: f.a
                then: {ok: true}
              - id: two
                cite: Art. 2
                when: f.b
                then: {ok: true}
            ",
        ),
    )]);
    let r = eval(&t, "f: {a: true, b: true}", DAY);
    assert_decided(outcome(&r, "ok"), Value::Bool(true), &["one", "two"]);
    // Only one firing, the other false: decided by that one alone.
    let r = eval(&t, "f: {a: true, b: false}", DAY);
    assert_decided(outcome(&r, "ok"), Value::Bool(true), &["one"]);
}

#[test]
fn two_firing_rules_that_disagree_are_a_conflict_listing_both_with_their_values() {
    let t = tree(&[(
        "s.yaml",
        open(
            "t.s",
            "
            rules:
              - id: yes
                cite: Art. 1
                when: f.a
                then: {ok: true}
              - id: no
                cite: Art. 2
                when: f.b
                then: {ok: false}
            ",
        ),
    )]);
    let o = outcome(&eval(&t, "f: {a: true, b: true}", DAY), "ok").clone();
    assert_eq!(o.status, Status::Conflict, "{o:#?}");
    assert_eq!(o.value, None);
    assert!(o.needs.is_empty());
    assert_eq!(
        o.by,
        vec![
            By {
                rule: "yes".into(),
                rule_set: "t.s".into(),
                version: "2000-01-01".into(),
                cite: "Art. 1".into(),
                value: Some(Value::Bool(true)),
            },
            By {
                rule: "no".into(),
                rule_set: "t.s".into(),
                version: "2000-01-01".into(),
                cite: "Art. 2".into(),
                value: Some(Value::Bool(false)),
            },
        ]
    );
}

#[test]
fn an_exception_resolves_the_conflict_in_its_favour() {
    let t = tree(&[(
        "s.yaml",
        open(
            "t.s",
            "
            rules:
              - id: general
                cite: Art. 1
                then: {ok: true}
              - id: special
                cite: Art. 2
                when: f.a
                then: {ok: false}
                exception_to: [general]
            ",
        ),
    )]);
    assert_decided(
        outcome(&eval(&t, "f: {a: true}", DAY), "ok"),
        Value::Bool(false),
        &["special"],
    );
    assert_decided(
        outcome(&eval(&t, "f: {a: false}", DAY), "ok"),
        Value::Bool(true),
        &["general"],
    );
}

#[test]
fn exceptions_are_transitive_even_when_the_middle_rule_does_not_fire() {
    let t = tree(&[(
        "s.yaml",
        open(
            "t.s",
            "
            rules:
              - id: base
                cite: Art. 1
                then: {ok: true}
              - id: middle
                cite: Art. 2
                when: f.a
                then: {ok: false}
                exception_to: [base]
              - id: top
                cite: Art. 3
                when: f.b
                then: {ok: true}
                exception_to: [middle]
            ",
        ),
    )]);
    // All three fire: the exception to the exception wins.
    assert_decided(
        outcome(&eval(&t, "f: {a: true, b: true}", DAY), "ok"),
        Value::Bool(true),
        &["top"],
    );
    // Only base and top fire: top still defeats base, through middle.
    let t2 = tree(&[(
        "s.yaml",
        open(
            "t.s",
            "
            rules:
              - id: base
                cite: Art. 1
                then: {ok: true}
              - id: middle
                cite: Art. 2
                when: f.a
                then: {ok: true}
                exception_to: [base]
              - id: top
                cite: Art. 3
                when: f.b
                then: {ok: false}
                exception_to: [middle]
            ",
        ),
    )]);
    assert_decided(
        outcome(&eval(&t2, "f: {a: false, b: true}", DAY), "ok"),
        Value::Bool(false),
        &["top"],
    );
}

fn exception_tree() -> RuleTree {
    tree(&[(
        "s.yaml",
        open(
            "t.s",
            "
            rules:
              - id: general
                cite: Art. 1
                when: f.a
                then: {ok: true}
              - id: special
                cite: Art. 2
                when: f.b
                then: {ok: false}
                exception_to: [general]
            ",
        ),
    )])
}

#[test]
fn an_exception_whose_condition_is_unknown_keeps_the_outcome_missing_facts() {
    let t = exception_tree();
    assert_missing(outcome(&eval(&t, "f: {a: true}", DAY), "ok"), &["f.b"]);
}

#[test]
fn a_defeated_rule_whose_condition_is_unknown_does_not_make_the_outcome_missing() {
    let t = exception_tree();
    assert_decided(
        outcome(&eval(&t, "f: {b: true}", DAY), "ok"),
        Value::Bool(false),
        &["special"],
    );
}

#[test]
fn an_unknown_rule_that_would_give_the_same_value_does_not_block_the_decision() {
    let t = tree(&[(
        "s.yaml",
        open(
            "t.s",
            "
            rules:
              - id: one
                cite: Art. 1
                when: f.a
                then: {ok: true}
              - id: two
                cite: Art. 2
                when: f.b
                then: {ok: true}
              - id: three
                cite: Art. 3
                when: f.c
                then: {ok: false}
            ",
        ),
    )]);
    assert_decided(
        outcome(&eval(&t, "f: {a: true, c: false}", DAY), "ok"),
        Value::Bool(true),
        &["one"],
    );
    // An unknown rule that would disagree does block it.
    assert_missing(
        outcome(&eval(&t, "f: {a: true, b: false}", DAY), "ok"),
        &["f.c"],
    );
}

// --- precedence between rule sets --------------------------------------------

fn general_set() -> String {
    open(
        "t.general",
        "
        rules:
          - id: general-rule
            cite: General Art. 1
            then: {ok: false, other: false}
        ",
    )
}

#[test]
fn a_more_specific_rule_set_overrides_only_the_outcomes_it_lists() {
    let special = open(
        "t.special",
        "
        precedence:
          more_specific_than:
            - rule_set: t.general
              outcomes: [ok]
        rules:
          - id: special-rule
            cite: Special Art. 1
            then: {ok: true, other: true}
        ",
    );
    let t = tree(&[("general.yaml", general_set()), ("special.yaml", special)]);
    let r = eval(&t, "f: {}", DAY);
    assert_decided(outcome(&r, "ok"), Value::Bool(true), &["special-rule"]);
    let other = outcome(&r, "other");
    assert_eq!(other.status, Status::Conflict, "{other:#?}");
    assert_eq!(
        other
            .by
            .iter()
            .map(|b| (&*b.rule_set, &*b.rule, b.value.clone()))
            .collect::<Vec<_>>(),
        vec![
            ("t.general", "general-rule", Some(Value::Bool(false))),
            ("t.special", "special-rule", Some(Value::Bool(true))),
        ]
    );
}

#[test]
fn a_more_specific_rule_set_without_listed_outcomes_overrides_every_outcome() {
    let special = open(
        "t.special",
        "
        precedence:
          more_specific_than:
            - rule_set: t.general
        rules:
          - id: special-rule
            cite: Special Art. 1
            when: f.a
            then: {ok: true, other: true}
        ",
    );
    let t = tree(&[("general.yaml", general_set()), ("special.yaml", special)]);
    let r = eval(&t, "f: {a: true}", DAY);
    assert_decided(outcome(&r, "ok"), Value::Bool(true), &["special-rule"]);
    assert_decided(outcome(&r, "other"), Value::Bool(true), &["special-rule"]);
    // When the specific rule does not fire, the general one decides.
    let r = eval(&t, "f: {a: false}", DAY);
    assert_decided(outcome(&r, "ok"), Value::Bool(false), &["general-rule"]);
    // When it might fire, the answer waits for its fact.
    let r = eval(&t, "f: {}", DAY);
    assert_missing(outcome(&r, "ok"), &["f.a"]);
}

// --- union outcomes ------------------------------------------------------------

fn union_tree() -> RuleTree {
    tree(&[(
        "s.yaml",
        open(
            "t.s",
            "
            rules:
              - id: g1
                cite: Art. 1
                when: f.a
                then: {grounds: [x, y]}
              - id: g2
                cite: Art. 2
                when: f.b
                then: {grounds: [y, z]}
            ",
        ),
    )])
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| (*s).to_string()).collect())
}

#[test]
fn a_union_outcome_is_the_union_of_the_lists_of_the_firing_rules() {
    let t = union_tree();
    let r = eval(&t, "f: {a: true, b: true}", DAY);
    assert_decided(
        outcome(&r, "grounds"),
        list(&["x", "y", "z"]),
        &["g1", "g2"],
    );
    let r = eval(&t, "f: {a: false, b: true}", DAY);
    assert_decided(outcome(&r, "grounds"), list(&["y", "z"]), &["g2"]);
}

#[test]
fn a_union_outcome_is_decided_empty_when_every_rule_is_false() {
    let r = eval(&union_tree(), "f: {a: false, b: false}", DAY);
    assert_decided(outcome(&r, "grounds"), list(&[]), &[]);
}

#[test]
fn a_union_outcome_with_an_unknown_rule_is_missing_facts() {
    let t = union_tree();
    assert_missing(outcome(&eval(&t, "f: {a: true}", DAY), "grounds"), &["f.b"]);
    assert_missing(outcome(&eval(&t, "f: {}", DAY), "grounds"), &["f.a", "f.b"]);
}

// --- computed values -----------------------------------------------------------

fn due_tree() -> RuleTree {
    tree(&[(
        "s.yaml",
        open(
            "t.s",
            "
            rules:
              - id: due
                cite: Art. 1
                when: f.a
                then: {due: {expr: 'add_months(f.e, 1)'}}
            ",
        ),
    )])
}

#[test]
fn a_computed_date_clamps_to_the_end_of_a_shorter_month() {
    let t = due_tree();
    let due = |case: &str| outcome(&eval(&t, case, DAY), "due").clone();
    assert_decided(
        &due("f: {a: true, e: 2023-01-31}"),
        Value::Date(d("2023-02-28")),
        &["due"],
    );
    assert_decided(
        &due("f: {a: true, e: 2024-01-31}"),
        Value::Date(d("2024-02-29")),
        &["due"],
    );
    assert_decided(
        &due("f: {a: true, e: 2023-05-31}"),
        Value::Date(d("2023-06-30")),
        &["due"],
    );
    assert_decided(
        &due("f: {a: true, e: 2023-06-15}"),
        Value::Date(d("2023-07-15")),
        &["due"],
    );
}

#[test]
fn a_computed_value_reading_a_missing_fact_is_missing_facts_naming_it() {
    let t = due_tree();
    assert_missing(outcome(&eval(&t, "f: {a: true}", DAY), "due"), &["f.e"]);
}

// --- applies_when and scope ------------------------------------------------------

fn gated_tree() -> RuleTree {
    tree(&[(
        "s.yaml",
        open(
            "t.s",
            "
            applies_when: f.a
            rules:
              - id: r
                cite: Art. 1
                then: {ok: true}
            ",
        ),
    )])
}

#[test]
fn an_outcome_is_absent_when_applies_when_is_false() {
    let r = eval(&gated_tree(), "f: {a: false}", DAY);
    assert!(r.outcomes.is_empty(), "{:#?}", r.outcomes);
    let r = eval(&gated_tree(), "f: {a: true}", DAY);
    assert_decided(outcome(&r, "ok"), Value::Bool(true), &["r"]);
}

#[test]
fn an_unknown_applies_when_makes_the_outcome_missing_naming_the_gate_fact() {
    let r = eval(&gated_tree(), "f: {b: true}", DAY);
    assert_missing(outcome(&r, "ok"), &["f.a"]);
}

#[test]
fn a_scope_condition_gates_only_its_own_outcome() {
    let t = tree(&[(
        "s.yaml",
        open(
            "t.s",
            "
            scope:
              ok: f.a
            rules:
              - id: r
                cite: Art. 1
                then: {ok: true, other: true}
            ",
        ),
    )]);
    let r = eval(&t, "f: {a: false}", DAY);
    assert!(!r.outcomes.contains_key("ok"), "{:#?}", r.outcomes);
    assert_decided(outcome(&r, "other"), Value::Bool(true), &["r"]);
    let r = eval(&t, "f: {a: true}", DAY);
    assert_decided(outcome(&r, "ok"), Value::Bool(true), &["r"]);
    let r = eval(&t, "f: {}", DAY);
    assert_missing(outcome(&r, "ok"), &["f.a"]);
    assert_decided(outcome(&r, "other"), Value::Bool(true), &["r"]);
}

#[test]
fn two_scope_conditions_are_each_evaluated_on_their_own() {
    let t = tree(&[(
        "s.yaml",
        open(
            "t.s",
            "
            scope:
              ok: f.a
              other: f.b
            rules:
              - id: r
                cite: Art. 1
                then: {ok: true, other: true}
            ",
        ),
    )]);
    let r = eval(&t, "f: {a: true, b: false}", DAY);
    assert_decided(outcome(&r, "ok"), Value::Bool(true), &["r"]);
    assert!(!r.outcomes.contains_key("other"), "{:#?}", r.outcomes);
    let r = eval(&t, "f: {a: false, b: true}", DAY);
    assert!(!r.outcomes.contains_key("ok"), "{:#?}", r.outcomes);
    assert_decided(outcome(&r, "other"), Value::Bool(true), &["r"]);
}

// --- undetermined ---------------------------------------------------------------

#[test]
fn silent_on_makes_the_outcome_undetermined_with_the_given_reason() {
    let t = tree(&[(
        "s.yaml",
        open(
            "t.s",
            "
            silent_on:
              other: the act says nothing about it
            rules:
              - id: r
                cite: Art. 1
                then: {ok: true}
            ",
        ),
    )]);
    let r = eval(&t, "f: {}", DAY);
    assert_decided(outcome(&r, "ok"), Value::Bool(true), &["r"]);
    let reason = assert_undetermined(outcome(&r, "other"));
    assert_eq!(
        reason,
        "Title of t.s 2000-01-01 (`t.s` version 2000-01-01) does not decide it: the act says nothing about it"
    );
}

fn dated_tree() -> RuleTree {
    let first = version(
        "t.s",
        "2000-01-01",
        "2000-01-01",
        Some("2005-01-01"),
        "
        rules:
          - id: r
            cite: Art. 1 (old)
            then: {ok: false}
        ",
    );
    let second = version(
        "t.s",
        "2005-01-01",
        "2005-01-01",
        Some("2008-01-01"),
        "
        rules:
          - id: r
            cite: Art. 1 (new)
            then: {ok: true}
        ",
    );
    let repeal = version(
        "t.s",
        "2008-01-01",
        "2008-01-01",
        None,
        "
        repeal:
          repeals: The Old Act
          note: Nothing replaces it.
        ",
    );
    let lapsing = version(
        "t.lapsing",
        "2000-01-01",
        "2000-01-01",
        Some("2003-01-01"),
        "
        rules:
          - id: l
            cite: Art. 9
            then: {other: true}
        ",
    );
    tree(&[
        ("s/2000.yaml", first),
        ("s/2005.yaml", second),
        ("s/2008.yaml", repeal),
        ("lapsing/2000.yaml", lapsing),
    ])
}

#[test]
fn before_the_first_version_the_outcome_is_undetermined_as_not_yet_in_force() {
    let r = eval(&dated_tree(), "f: {}", "1999-12-31");
    assert!(r.rule_sets.is_empty(), "{:#?}", r.rule_sets);
    let reason = assert_undetermined(outcome(&r, "ok"));
    assert_eq!(
        reason,
        "`t.s` is not yet in force: its first version (Title of t.s 2000-01-01) takes effect on 2000-01-01"
    );
}

#[test]
fn after_a_repeal_the_outcome_is_undetermined_naming_the_repealing_act() {
    let r = eval(&dated_tree(), "f: {}", "2008-01-01");
    let reason = assert_undetermined(outcome(&r, "ok"));
    assert_eq!(
        reason,
        "`t.s` (The Old Act) was repealed on 2008-01-01 by Act of t.s 2008-01-01. Nothing replaces it."
    );
    // The day before, the repealed version still decides.
    let r = eval(&dated_tree(), "f: {}", "2007-12-31");
    assert_decided(outcome(&r, "ok"), Value::Bool(true), &["r"]);
}

#[test]
fn a_lapsed_rule_set_without_a_successor_is_undetermined() {
    let r = eval(&dated_tree(), "f: {}", "2003-01-01");
    let reason = assert_undetermined(outcome(&r, "other"));
    assert_eq!(
        reason,
        "`t.lapsing` has no version in force: Title of t.lapsing 2000-01-01 ceased to apply on 2003-01-01"
    );
    let r = eval(&dated_tree(), "f: {}", "2002-12-31");
    assert_decided(outcome(&r, "other"), Value::Bool(true), &["l"]);
}

#[test]
fn rule_sets_lists_only_the_versions_in_force_on_the_date() {
    let listed = |date: &str| {
        eval(&dated_tree(), "f: {}", date)
            .rule_sets
            .iter()
            .map(|v| {
                (
                    v.id.to_string(),
                    v.version.to_string(),
                    v.in_force.from.to_string(),
                    v.in_force.until.map(|u| u.to_string()),
                    v.source.to_string(),
                    v.repeal,
                )
            })
            .collect::<Vec<_>>()
    };
    let s = |x: &str| x.to_string();
    assert_eq!(
        listed("2004-12-31"),
        vec![(
            s("t.s"),
            s("2000-01-01"),
            s("2000-01-01"),
            Some(s("2005-01-01")),
            s("Act of t.s 2000-01-01"),
            false
        )]
    );
    assert_eq!(
        listed("2005-01-01"),
        vec![(
            s("t.s"),
            s("2005-01-01"),
            s("2005-01-01"),
            Some(s("2008-01-01")),
            s("Act of t.s 2005-01-01"),
            false
        )]
    );
    assert_eq!(
        listed("2002-12-31"),
        vec![
            (
                s("t.lapsing"),
                s("2000-01-01"),
                s("2000-01-01"),
                Some(s("2003-01-01")),
                s("Act of t.lapsing 2000-01-01"),
                false
            ),
            (
                s("t.s"),
                s("2000-01-01"),
                s("2000-01-01"),
                Some(s("2005-01-01")),
                s("Act of t.s 2000-01-01"),
                false
            ),
        ]
    );
    assert_eq!(
        listed("2008-01-01"),
        vec![(
            s("t.s"),
            s("2008-01-01"),
            s("2008-01-01"),
            None,
            s("Act of t.s 2008-01-01"),
            true
        )]
    );
}

#[test]
fn the_day_before_and_the_day_of_a_boundary_are_decided_by_the_earlier_and_later_versions() {
    let t = dated_tree();
    let r = eval(&t, "f: {}", "2004-12-31");
    assert_eq!(
        outcome(&r, "ok").by,
        vec![By {
            rule: "r".into(),
            rule_set: "t.s".into(),
            version: "2000-01-01".into(),
            cite: "Art. 1 (old)".into(),
            value: None,
        }]
    );
    assert_eq!(outcome(&r, "ok").value, Some(Value::Bool(false)));
    let r = eval(&t, "f: {}", "2005-01-01");
    assert_eq!(
        outcome(&r, "ok").by,
        vec![By {
            rule: "r".into(),
            rule_set: "t.s".into(),
            version: "2005-01-01".into(),
            cite: "Art. 1 (new)".into(),
            value: None,
        }]
    );
    assert_eq!(outcome(&r, "ok").value, Some(Value::Bool(true)));
}

// --- run-time errors ------------------------------------------------------------

#[test]
fn an_endless_loop_in_a_condition_is_an_error_naming_the_rule_and_its_file() {
    let t = tree(&[(
        "sets/looping.yaml",
        open(
            "t.loop",
            "
            rules:
              - id: spins
                cite: Art. 1
                when: 'f.a && { let i = 0; loop { i += 1; } }'
                then: {ok: true}
            ",
        ),
    )]);
    let err = try_eval(&t, "f: {a: true}", DAY, false).unwrap_err();
    let EvalError::ScriptFailed {
        place,
        rule_set,
        version,
        file,
        kind,
        message,
    } = &*err
    else {
        panic!("a script failure: {err:?}");
    };
    assert_eq!(err.rule(), Some("spins"));
    assert_eq!(rule_set, "t.loop");
    assert_eq!(version, "2000-01-01");
    assert_eq!(file, "sets/looping.yaml");
    assert_eq!(place.to_string(), "`when` of rule `spins`");
    assert_eq!(*kind, FailureKind::OperationsLimit);
    let whole = err.to_string();
    assert!(whole.contains("`spins`"), "{whole}");
    assert!(whole.contains("sets/looping.yaml"), "{whole}");
    assert!(message.contains("too many operations"), "{message}");
    let help = miette::Diagnostic::help(&*err)
        .map(|h| h.to_string())
        .unwrap_or_default();
    assert!(help.contains("operations limit"), "{help}");
    // Left unknown, the loop is never run.
    let r = eval(&t, "f: {}", DAY);
    assert_missing(outcome(&r, "ok"), &["f.a"]);
}

#[test]
fn an_error_names_the_failing_rule_set_even_when_another_shares_its_version_and_rule_ids() {
    let fine = open(
        "t.a-fine",
        "
        rules:
          - id: r
            cite: Art. 1
            when: f.a
            then: {ok: true}
        ",
    );
    let looping = open(
        "t.b-looping",
        "
        rules:
          - id: r
            cite: Art. 1
            when: 'f.a && { let i = 0; loop { i += 1; } }'
            then: {other: true}
        ",
    );
    let t = tree(&[("a/fine.yaml", fine), ("b/looping.yaml", looping)]);
    let err = try_eval(&t, "f: {a: true}", DAY, false).unwrap_err();
    assert_eq!(
        (err.location().unwrap().0, err.location().unwrap().2),
        ("t.b-looping", "b/looping.yaml"),
        "{err}"
    );
}

#[test]
fn a_failing_applies_when_names_its_own_rule_set_and_file() {
    let fine = open(
        "t.a-fine",
        "
        applies_when: f.a
        rules:
          - id: r
            cite: Art. 1
            then: {ok: true}
        ",
    );
    let looping = open(
        "t.b-looping",
        "
        applies_when: 'f.a && { let i = 0; loop { i += 1; } }'
        rules:
          - id: r
            cite: Art. 1
            then: {other: true}
        ",
    );
    let t = tree(&[("a/fine.yaml", fine), ("b/looping.yaml", looping)]);
    let err = try_eval(&t, "f: {a: true}", DAY, false).unwrap_err();
    assert_eq!(err.place().unwrap().to_string(), "`applies_when`");
    assert_eq!(
        (err.location().unwrap().0, err.location().unwrap().2),
        ("t.b-looping", "b/looping.yaml"),
        "{err}"
    );
}

#[test]
fn a_then_expression_giving_the_wrong_type_is_an_error_naming_the_rule() {
    let t = tree(&[(
        "s.yaml",
        open(
            "t.s",
            "
            rules:
              - id: bad-due
                cite: Art. 1
                then: {due: {expr: 'f.n + 1'}}
            ",
        ),
    )]);
    let err = try_eval(&t, "f: {n: 1}", DAY, false).unwrap_err();
    assert_eq!(err.rule().unwrap_or_default(), "bad-due");
    assert_eq!(err.location().unwrap().0, "t.s");
    assert_eq!(err.location().unwrap().2, "s.yaml");
    assert!(
        err.place().unwrap().to_string().contains("`then.due`"),
        "{}",
        err.place().unwrap().to_string()
    );
    assert!(
        err.message()
            .unwrap_or_default()
            .contains("`due` is declared as a date"),
        "{}",
        err.message().unwrap_or_default()
    );
}

#[test]
fn a_condition_that_is_not_true_or_false_is_an_error() {
    let t = probe_tree("f.n + 1");
    let err = try_eval(&t, "f: {n: 1}", DAY, false).unwrap_err();
    assert_eq!(err.rule().unwrap_or_default(), "probe");
    assert!(
        err.message().unwrap_or_default().contains("true or false"),
        "{}",
        err.message().unwrap_or_default()
    );
}

// --- explanation, trace and digest -------------------------------------------------

#[test]
fn explain_traces_every_rule_of_the_versions_in_force_as_held_false_or_unknown() {
    let t = tree(&[
        (
            "s.yaml",
            open(
                "t.s",
                "
                rules:
                  - id: held
                    cite: Art. 1
                    when: f.a
                    then: {ok: true}
                  - id: not-held
                    cite: Art. 2
                    when: f.b
                    then: {ok: false}
                  - id: unknown
                    cite: Art. 3
                    when: f.c && f.a
                    then: {other: true}
                ",
            ),
        ),
        (
            "old.yaml",
            version(
                "t.old",
                "1990-01-01",
                "1990-01-01",
                Some("1995-01-01"),
                "
                rules:
                  - id: old-rule
                    cite: Art. 7
                    then: {ok: true}
                ",
            ),
        ),
    ]);
    let r = try_eval(&t, "f: {a: true, b: false}", DAY, true).unwrap();
    let trace = r.trace.as_ref().unwrap();
    let rows: Vec<(&str, &str, &str, Vec<String>)> = trace
        .iter()
        .filter(|e| e.rule_set == "t.s" && e.rule != "applies_when")
        .map(|e| {
            (
                e.rule.as_str(),
                e.cite.as_str(),
                e.condition.as_str(),
                e.needs.clone(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("held", "Art. 1", "held", vec![]),
            ("not-held", "Art. 2", "false", vec![]),
            ("unknown", "Art. 3", "unknown", vec!["f.c".to_string()]),
        ]
    );
    // The lapsed rule set contributes no rule entries.
    assert!(
        trace
            .iter()
            .filter(|e| e.rule_set == "t.old")
            .all(|e| e.rule == "applies_when"),
        "{trace:#?}"
    );
    // Without explain there is no trace.
    let r = try_eval(&t, "f: {a: true, b: false}", DAY, false).unwrap();
    assert!(r.trace.is_none());
}

#[test]
fn the_digest_changes_with_a_file_text_but_not_with_the_order_of_the_files() {
    let a = (
        "a.yaml",
        open("t.a", "rules: [{id: r, cite: Art. 1, then: {ok: true}}]"),
    );
    let b = (
        "b.yaml",
        open("t.b", "rules: [{id: r, cite: Art. 1, then: {other: true}}]"),
    );
    let digest = |fs: Vec<SourceFile>| load(fs, "memory").tree.unwrap().digest;
    let forward = digest(files(&[a.clone(), b.clone()]));
    let mut reversed = files(&[b.clone(), a.clone()]);
    reversed.reverse();
    assert_eq!(forward, digest(reversed));
    assert_eq!(forward.len(), 64, "{forward}");
    let edited = (
        "b.yaml",
        open("t.b", "rules: [{id: r, cite: Art. 2, then: {other: true}}]"),
    );
    assert_ne!(forward, digest(files(&[a.clone(), edited])));
    // The digest reaches the result.
    let t = tree(&[a, b]);
    assert_eq!(eval(&t, "f: {}", DAY).rules.digest, forward);
}

// --- further precedence and gating ---------------------------------------------------

#[test]
fn precedence_between_rule_sets_is_transitive_through_a_set_that_does_not_decide_the_outcome() {
    let middle = open(
        "t.middle",
        "
        precedence:
          more_specific_than: [{rule_set: t.general}]
        rules:
          - id: middle-rule
            cite: Middle Art. 1
            then: {due: 2001-01-01}
        ",
    );
    let top = open(
        "t.top",
        "
        precedence:
          more_specific_than: [{rule_set: t.middle}]
        rules:
          - id: top-rule
            cite: Top Art. 1
            then: {ok: true}
        ",
    );
    let t = tree(&[
        ("general.yaml", general_set()),
        ("middle.yaml", middle),
        ("top.yaml", top),
    ]);
    let r = eval(&t, "f: {}", DAY);
    assert_decided(outcome(&r, "ok"), Value::Bool(true), &["top-rule"]);
    assert_decided(outcome(&r, "other"), Value::Bool(false), &["general-rule"]);
}

#[test]
fn a_precedence_declared_by_a_version_no_longer_in_force_does_not_count() {
    let special_old = version(
        "t.special",
        "2000-01-01",
        "2000-01-01",
        Some("2005-01-01"),
        "
        precedence:
          more_specific_than: [{rule_set: t.general}]
        rules:
          - id: special-rule
            cite: Special Art. 1
            then: {ok: true}
        ",
    );
    let special_new = version(
        "t.special",
        "2005-01-01",
        "2005-01-01",
        None,
        "
        rules:
          - id: special-rule
            cite: Special Art. 1
            then: {ok: true}
        ",
    );
    let t = tree(&[
        ("general.yaml", general_set()),
        ("special/2000.yaml", special_old),
        ("special/2005.yaml", special_new),
    ]);
    let r = eval(&t, "f: {}", "2004-12-31");
    assert_decided(outcome(&r, "ok"), Value::Bool(true), &["special-rule"]);
    let r = eval(&t, "f: {}", "2005-01-01");
    assert_eq!(outcome(&r, "ok").status, Status::Conflict);
    assert_eq!(
        rules_of(&outcome(&r, "ok").by),
        vec!["general-rule", "special-rule"]
    );
}

fn gated_history() -> RuleTree {
    let first = version(
        "t.s",
        "2000-01-01",
        "2000-01-01",
        Some("2005-01-01"),
        "
        applies_when: f.a
        rules:
          - id: r
            cite: Art. 1
            then: {ok: true}
        ",
    );
    let repeal = version(
        "t.s",
        "2006-01-01",
        "2006-01-01",
        None,
        "
        repeal:
          repeals: The Gated Act
        ",
    );
    tree(&[("s/2000.yaml", first), ("s/2006.yaml", repeal)])
}

#[test]
fn before_the_first_version_a_case_outside_its_applies_when_is_absent() {
    let r = eval(&gated_history(), "f: {a: false}", "1999-12-31");
    assert!(r.outcomes.is_empty(), "{:#?}", r.outcomes);
    let r = eval(&gated_history(), "f: {a: true}", "1999-12-31");
    assert_undetermined(outcome(&r, "ok"));
}

#[test]
fn after_a_repeal_only_cases_the_repealed_version_applied_to_are_undetermined() {
    let r = eval(&gated_history(), "f: {a: false}", "2006-01-01");
    assert!(r.outcomes.is_empty(), "{:#?}", r.outcomes);
    let r = eval(&gated_history(), "f: {a: true}", "2006-01-01");
    assert_eq!(
        assert_undetermined(outcome(&r, "ok")),
        "`t.s` (The Gated Act) was repealed on 2006-01-01 by Act of t.s 2006-01-01"
    );
}

#[test]
fn in_a_lapse_before_a_repeal_the_reason_says_when_the_next_version_takes_effect() {
    let r = eval(&gated_history(), "f: {a: true}", "2005-06-01");
    assert!(r.rule_sets.is_empty(), "{:#?}", r.rule_sets);
    assert_eq!(
        assert_undetermined(outcome(&r, "ok")),
        "`t.s` has no version in force: Title of t.s 2000-01-01 ceased to apply \
         on 2005-01-01 and the next version takes effect on 2006-01-01"
    );
}

#[test]
fn a_then_expression_of_a_rule_whose_condition_is_unknown_is_not_run() {
    // `due` fires on f.a; with f.a unknown the rule may never fire, so
    // add_months on a null f.d must not fail the whole evaluation.
    let r = try_eval(&due_tree(), "f: {e: null}", DAY, false);
    assert_missing(outcome(&r.unwrap(), "due"), &["f.a"]);
}
