//! Hostile rule scripts: endless loops, deep nesting, exponential growth of
//! strings, lists and maps, huge literals, overflow and attempts at
//! recursion. Each is stopped by a limit of the sandbox or the loader, with a
//! diagnostic naming the rule (or gate) and the file, in bounded time and
//! memory; the tests assert the error, not a timing. Not here: the limits
//! themselves (`engine/src/script/sandbox.rs`) or hostile cases
//! (`broken_cases.rs`).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

mod harness;

use chrono::NaiveDate;
use inforce_engine::Case;
use inforce_engine::EvalError;
use inforce_engine::SourceFile;
use inforce_engine::evaluate;
use inforce_engine::{Loaded, load};

const DECLARATIONS: &str = "
facts:
  f.a: {type: bool, description: a}
  f.d: {type: date, description: d}
  f.n: {type: int, description: n}
  f.s: {type: string, description: s}
outcomes:
  ok: {type: bool, description: ok}
  due: {type: date, description: due}
  days: {type: int, description: days}
";

const FILE: &str = "rules/test/hostile/2000-01-01.yaml";
const CASE: &str = "date: 2010-06-15\nf: {a: true, d: 2010-01-01, n: 3, s: x}\n";

/// Indents every line of a script as a block scalar under `when: |`.
fn block(script: &str, indent: usize) -> String {
    script
        .lines()
        .map(|l| format!("{}{l}\n", " ".repeat(indent)))
        .collect()
}

/// A version whose header is followed by `body` (top-level keys).
fn version(body: &str) -> String {
    format!(
        "rule_set: test.hostile\nversion: \"2000-01-01\"\ntitle: Hostile scripts\n\
         in_force: {{from: 2000-01-01}}\n\
         source: {{act: none, read_at: the test}}\n{body}"
    )
}

/// A version with one rule `hostile` whose condition is `script`.
fn with_condition(script: &str) -> String {
    version(&format!(
        "rules:\n  - id: hostile\n    cite: none\n    when: |\n{}    then:\n      ok: true\n",
        block(script, 6)
    ))
}

fn load_version(text: String) -> Loaded {
    load(
        vec![
            SourceFile {
                path: "rules/test/declarations.yaml".to_string(),
                text: DECLARATIONS.to_string(),
            },
            SourceFile {
                path: FILE.to_string(),
                text,
            },
        ],
        "memory",
    )
}

/// The rules are refused at load: exactly one error, naming `needle` (a
/// rule or field) and the file when rendered.
fn refused_at_load(text: String, needle: &str) -> String {
    let loaded = load_version(text);
    assert!(loaded.tree.is_none(), "a hostile script must not load");
    let errors: Vec<String> = loaded
        .problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| harness::render(p))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let rendered = &errors[0];
    assert!(rendered.contains(needle), "{rendered}");
    assert!(rendered.contains(FILE), "{rendered}");
    rendered.clone()
}

/// The rules load, and evaluating the case fails with an error naming the
/// rule (or gate) and the file.
fn stopped_at_evaluation(text: String) -> Box<EvalError> {
    let loaded = load_version(text);
    let problems: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
    let tree = loaded.tree.unwrap_or_else(|| panic!("{problems:#?}"));
    let case = Case::from_yaml(&tree, "case.yaml", CASE).unwrap();
    let date = NaiveDate::from_ymd_opt(2010, 6, 15).unwrap();
    let err = evaluate(&tree, &case, date, false).unwrap_err();
    assert_eq!(err.location().unwrap().2, FILE, "{err:?}");
    assert_eq!(err.location().unwrap().0, "test.hostile", "{err:?}");
    assert_eq!(err.location().unwrap().1, "2000-01-01", "{err:?}");
    let rendered = harness::render(err.as_ref());
    assert!(rendered.contains(FILE), "{rendered}");
    err
}

fn stopped_in_rule(script: &str, says: &str) -> Box<EvalError> {
    let err = stopped_at_evaluation(with_condition(script));
    assert_eq!(err.rule().unwrap_or_default(), "hostile", "{err:?}");
    assert!(
        err.message()
            .unwrap_or_default()
            .to_lowercase()
            .contains(&says.to_lowercase()),
        "{err:?}"
    );
    err
}

// --- stopped at evaluation ------------------------------------------------------

#[test]
fn an_endless_loop_is_stopped_by_the_operations_limit_naming_the_rule_and_file() {
    let err = stopped_in_rule("let n = 0;\nloop { n += 1; }\ntrue", "too many operations");
    assert!(
        err.kind().unwrap().help().contains("operations limit"),
        "{err:?}"
    );
}

#[test]
fn a_while_true_loop_is_stopped_by_the_operations_limit() {
    stopped_in_rule("while true {}\ntrue", "too many operations");
}

#[test]
fn a_loop_over_the_whole_range_of_integers_is_stopped_by_the_operations_limit() {
    stopped_in_rule(
        "let n = 0;\nfor i in 0..9223372036854775807 { n += 1; }\ntrue",
        "too many operations",
    );
}

#[test]
fn nested_loops_are_stopped_by_the_operations_limit() {
    stopped_in_rule(
        "let n = 0;\nfor i in 0..100000 { for j in 0..100000 { n += 1; } }\ntrue",
        "too many operations",
    );
}

#[test]
fn a_string_doubled_in_a_loop_is_stopped_by_the_string_size_limit() {
    stopped_in_rule(
        "let s = \"ab\";\nfor i in 0..100 { s += s; }\ns.len() > 0",
        "string",
    );
}

#[test]
fn a_string_padded_to_a_billion_characters_is_stopped_by_the_string_size_limit() {
    stopped_in_rule("let s = \"x\";\ns.pad(1000000000, \"y\");\ntrue", "string");
}

#[test]
fn a_list_doubled_in_a_loop_is_stopped_by_the_array_size_limit() {
    stopped_in_rule(
        "let a = [1];\nfor i in 0..100 { a += a; }\na.len() > 0",
        "array",
    );
}

#[test]
fn a_list_padded_to_a_billion_items_is_stopped_by_the_array_size_limit() {
    stopped_in_rule("let a = [];\na.pad(1000000000, 0);\ntrue", "array");
}

#[test]
fn a_map_grown_in_a_loop_is_stopped_by_a_limit() {
    let err = stopped_at_evaluation(with_condition(
        "let m = #{};\nfor i in 0..100000 { m[\"k\" + i] = i; }\ntrue",
    ));
    assert_eq!(err.rule().unwrap_or_default(), "hostile");
    let m = err.message().unwrap_or_default().to_lowercase();
    assert!(
        m.contains("too many operations") || m.contains("map"),
        "{err:?}"
    );
}

#[test]
fn more_variables_than_the_limit_are_stopped() {
    let script: String = (0..200).map(|i| format!("let v{i} = {i};\n")).collect();
    stopped_in_rule(&format!("{script}true"), "variables");
}

#[test]
fn integer_overflow_is_an_error_not_a_wrapped_number() {
    stopped_in_rule("9223372036854775807 + 1 > 0", "overflow");
    stopped_in_rule("2 ** 200 > 1", "overflow");
}

#[test]
fn division_by_zero_is_an_error() {
    stopped_in_rule("f.n / 0 > 1", "division by zero");
}

#[test]
fn date_arithmetic_past_the_end_of_the_calendar_is_an_error() {
    let err = stopped_at_evaluation(with_condition("add_days(f.d, 9223372036854775807) > f.d"));
    assert_eq!(err.rule().unwrap_or_default(), "hostile", "{err:?}");
}

#[test]
fn an_endless_loop_in_a_computed_value_is_stopped_naming_the_rule() {
    let text = version(
        "rules:\n  - id: computes\n    cite: none\n    when: f.a\n    then:\n      \
         days: {expr: \"let n = 0; loop { n += 1; } n\"}\n",
    );
    let err = stopped_at_evaluation(text);
    assert_eq!(err.rule().unwrap_or_default(), "computes", "{err:?}");
    assert!(err.place().unwrap().to_string().contains("days"), "{err:?}");
}

#[test]
fn an_endless_loop_in_applies_when_is_stopped_naming_the_gate_and_file() {
    let text = version(
        "applies_when: |\n  loop {}\n  true\nrules:\n  - id: plain\n    cite: none\n    when: f.a\n    then:\n      ok: true\n",
    );
    let err = stopped_at_evaluation(text);
    assert!(
        err.place().unwrap().to_string().contains("applies_when"),
        "{err:?}"
    );
}

#[test]
fn an_endless_loop_in_a_scope_condition_is_stopped_naming_the_outcome_and_file() {
    let text = version(
        "scope:\n  ok: |\n    while true {}\n    true\nrules:\n  - id: plain\n    cite: none\n    when: f.a\n    then:\n      ok: true\n",
    );
    let err = stopped_at_evaluation(text);
    assert!(
        err.place().unwrap().to_string().contains("scope"),
        "{err:?}"
    );
    assert!(err.place().unwrap().to_string().contains("ok"), "{err:?}");
}

// --- refused at load ----------------------------------------------------------------

#[test]
fn a_ten_megabyte_string_literal_is_refused_at_load_naming_the_rule_and_file() {
    let script = format!("\"{}\".len() > 0", "x".repeat(10 * 1024 * 1024));
    let rendered = refused_at_load(with_condition(&script), "hostile");
    assert!(
        rendered.contains("length of string"),
        "{}",
        &rendered[..300]
    );
}

#[test]
fn a_hundred_thousand_element_array_literal_is_refused_at_load_naming_the_rule_and_file() {
    let items = vec!["1"; 100_000].join(",");
    let rendered = refused_at_load(with_condition(&format!("[{items}].len() > 0")), "hostile");
    assert!(rendered.contains("array literal"), "{}", &rendered[..300]);
}

#[test]
fn a_map_literal_past_the_size_limit_is_refused_at_load() {
    let entries: Vec<String> = (0..1000).map(|i| format!("k{i}: {i}")).collect();
    refused_at_load(
        with_condition(&format!("#{{{}}}.len() > 0", entries.join(", "))),
        "hostile",
    );
}

#[test]
fn an_integer_literal_too_large_for_64_bits_is_refused_at_load() {
    let rendered = refused_at_load(with_condition("99999999999999999999999 > f.n"), "hostile");
    assert!(rendered.contains("99999999999999999999999"), "{rendered}");
}

#[test]
fn deeply_nested_parentheses_are_refused_at_load_without_overflowing_the_stack() {
    let script = format!("{}f.a{}", "(".repeat(100_000), ")".repeat(100_000));
    refused_at_load(with_condition(&script), "hostile");
}

#[test]
fn deeply_nested_lists_blocks_ifs_and_negations_are_refused_at_load() {
    for script in [
        format!("{}{} == []", "[".repeat(100_000), "]".repeat(100_000)),
        format!("{}f.a{}", "{".repeat(100_000), "}".repeat(100_000)),
        format!("{}f.a{}", "if f.a { ".repeat(10_000), " }".repeat(10_000)),
        format!("{}f.a", "!".repeat(100_000)),
    ] {
        refused_at_load(with_condition(&script), "hostile");
    }
}

#[test]
fn a_condition_of_a_hundred_thousand_terms_is_refused_at_load() {
    let script = vec!["f.a"; 100_000].join(" && ");
    refused_at_load(with_condition(&script), "hostile");
}

#[test]
fn a_function_definition_is_refused_so_no_script_can_recurse() {
    refused_at_load(with_condition("fn f(x) { f(x) }\nf(1) > 0"), "hostile");
}

#[test]
fn closures_eval_and_printing_are_refused_at_load() {
    for script in [
        "let f = |x| x;\nf.a",
        "eval(\"true\")",
        "print(1);\nf.a",
        "debug(1);\nf.a",
    ] {
        refused_at_load(with_condition(script), "hostile");
    }
}

#[test]
fn a_huge_literal_in_a_computed_value_is_refused_at_load_naming_the_rule() {
    let text = version(&format!(
        "rules:\n  - id: computes\n    cite: none\n    when: f.a\n    then:\n      \
         days: {{expr: \"[{}].len()\"}}\n",
        vec!["1"; 100_000].join(",")
    ));
    refused_at_load(text, "computes");
}

#[test]
fn every_hostile_script_of_a_tree_is_reported_in_one_load() {
    let scripts = [
        format!("\"{}\".len() > 0", "x".repeat(20_000)),
        format!("[{}].len() > 0", vec!["1"; 5_000].join(",")),
        format!("{}f.a{}", "(".repeat(1_000), ")".repeat(1_000)),
        "fn f(x) { f(x) }\nf(1) > 0".to_string(),
        "99999999999999999999999 > f.n".to_string(),
        "eval(\"true\")".to_string(),
    ];
    let rules: String = scripts
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "  - id: hostile-{i}\n    cite: none\n    when: |\n{}    then:\n      ok: true\n",
                block(s, 6)
            )
        })
        .collect();
    let loaded = load_version(version(&format!("rules:\n{rules}")));
    assert!(loaded.tree.is_none());
    let rendered: Vec<String> = loaded
        .problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| harness::render(p))
        .collect();
    assert_eq!(rendered.len(), scripts.len(), "{rendered:#?}");
    for i in 0..scripts.len() {
        assert!(
            rendered
                .iter()
                .any(|r| r.contains(&format!("hostile-{i}`"))),
            "hostile-{i} not reported: {rendered:#?}"
        );
    }
}
