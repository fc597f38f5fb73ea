//! Runs the golden cases kept beside the rule sets: each case is evaluated
//! on its date and every expected outcome compared with what came out.
//! Returns data; `inforce test` renders it. Not here: loading tests (that is
//! `load`, which checks their shape with the rest of the tree).

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value as Json;

use crate::case::Case;
use crate::eval::evaluate;
use crate::result::{By, EvalResult, OutcomeResult, Status, TraceEntry};
use crate::rules::tree::RuleTree;

/// The outcome of one golden test.
#[derive(Debug, Clone, Serialize)]
pub struct TestRun {
    /// The test file, relative to the rules root.
    pub file: String,
    /// The test's name: a sentence naming what the case shows.
    pub name: String,
    /// The case's id.
    pub case: String,
    /// The date the case was evaluated on, once known.
    pub date: Option<String>,
    /// Whether every expected outcome came out as expected.
    pub passed: bool,
    /// The outcomes that came out otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mismatches: Vec<Mismatch>,
    /// The case could not be read or evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// An outcome that came out otherwise than a golden test expects.
#[derive(Debug, Clone, Serialize)]
pub struct Mismatch {
    /// The outcome's name.
    pub outcome: String,
    /// What the test expects, in words.
    pub expected: String,
    /// What came out, in words.
    pub actual: String,
    /// The rules that decided the actual value (or disagreed, in a conflict).
    pub by: Vec<By>,
    /// Why the outcome came out undetermined, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Runs every golden test whose name, file or case id contains `filter`.
pub fn run(tree: &RuleTree, filter: Option<&str>) -> Vec<TestRun> {
    run_with_coverage(tree, filter).0
}

/// Runs the golden tests of the test file `file` (its path as loaded), in
/// the order written, each with the result it came to (`None`: the case
/// could not be read or evaluated): for editors, which show each test's
/// verdict beside it and go from an expectation to the rules behind it.
pub fn run_file(tree: &RuleTree, file: &str) -> Vec<(TestRun, Option<EvalResult>)> {
    tree.tests
        .iter()
        .filter(|f| f.path == file)
        .flat_map(|f| f.tests.iter().map(|t| run_one(tree, &f.path, t)))
        .collect()
}

/// A rule of a version, as coverage names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RuleRef {
    /// The rule set's id.
    pub rule_set: String,
    /// The version's id.
    pub version: String,
    /// The rule's id.
    pub rule: String,
    /// The version's rule file, relative to the rules root.
    pub file: String,
}

/// Which rules the golden tests exercise both ways.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// How many rules the tree has.
    pub rules: usize,
    /// Rules no golden test fires.
    pub never_fired: Vec<RuleRef>,
    /// Rules no golden test sees not firing: condition false, overridden,
    /// out of scope, or the rule set not applying to the case.
    pub never_seen_not_firing: Vec<RuleRef>,
}

/// Runs the tests and records, from their traces, which rules fired and
/// which were seen not firing.
pub fn run_with_coverage(tree: &RuleTree, filter: Option<&str>) -> (Vec<TestRun>, Coverage) {
    let mut runs = Vec::new();
    let mut fired: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut not_fired: BTreeSet<(String, String, String)> = BTreeSet::new();
    for file in &tree.tests {
        for t in &file.tests {
            let case_id = case_id(t);
            if let Some(f) = filter
                && !(t.name.contains(f) || file.path.contains(f) || case_id.contains(f))
            {
                continue;
            }
            let (run, result) = run_one(tree, &file.path, t);
            if let Some(trace) = result.as_ref().and_then(|r| r.trace.as_ref()) {
                observe(tree, trace, &mut fired, &mut not_fired);
            }
            runs.push(run);
        }
    }
    let mut coverage = Coverage {
        rules: 0,
        never_fired: Vec::new(),
        never_seen_not_firing: Vec::new(),
    };
    for set in &tree.rule_sets {
        for v in &set.versions {
            for r in &v.rules {
                coverage.rules += 1;
                let key = (set.id.clone(), v.id.clone(), r.id.clone());
                let rule = || RuleRef {
                    rule_set: set.id.clone(),
                    version: v.id.clone(),
                    rule: r.id.clone(),
                    file: v.file.clone(),
                };
                if !fired.contains(&key) {
                    coverage.never_fired.push(rule());
                }
                if !not_fired.contains(&key) {
                    coverage.never_seen_not_firing.push(rule());
                }
            }
        }
    }
    (runs, coverage)
}

fn observe(
    tree: &RuleTree,
    trace: &[TraceEntry],
    fired: &mut BTreeSet<(String, String, String)>,
    not_fired: &mut BTreeSet<(String, String, String)>,
) {
    for e in trace {
        let key = (e.rule_set.clone(), e.version.clone(), e.rule.clone());
        if e.rule == "applies_when" {
            // The rule set is in force but the case is not one it is about:
            // none of its rules fire.
            if e.condition == "false" {
                let rules = tree
                    .rule_sets
                    .iter()
                    .filter(|s| s.id == e.rule_set)
                    .flat_map(|s| &s.versions)
                    .filter(|v| v.id == e.version && v.repeal.is_none())
                    .flat_map(|v| &v.rules);
                for r in rules {
                    not_fired.insert((e.rule_set.clone(), e.version.clone(), r.id.clone()));
                }
            }
            continue;
        }
        match e.condition.as_str() {
            "held" => {
                fired.insert(key.clone());
                if !e.overridden_for.is_empty() {
                    not_fired.insert(key);
                }
            }
            "false" | "out of scope" => {
                not_fired.insert(key);
            }
            _ => {}
        }
    }
}

fn case_id(t: &crate::rules::model::GoldenTestDef) -> String {
    t.case
        .get("id")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string()
}

/// Evaluates one golden test and compares its expectations.
pub fn evaluate_test(
    tree: &RuleTree,
    file: &str,
    t: &crate::rules::model::GoldenTestDef,
) -> Result<EvalResult, String> {
    let text = serde_json::to_string_pretty(&t.case).map_err(|e| e.to_string())?;
    let label = format!("{file} ({})", t.name);
    let case = Case::from_yaml(tree, &label, &text).map_err(|errors| {
        errors
            .iter()
            .map(|e| format!("{e}{}", help_of(e)))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let date = case.date_on(t.date).map_err(|e| e.one_line())?;
    evaluate(tree, &case, date, true).map_err(|e| e.to_string())
}

fn help_of(e: &dyn miette::Diagnostic) -> String {
    e.help().map(|h| format!(" ({h})")).unwrap_or_default()
}

fn run_one(
    tree: &RuleTree,
    file: &str,
    t: &crate::rules::model::GoldenTestDef,
) -> (TestRun, Option<EvalResult>) {
    let mut run = TestRun {
        file: file.to_string(),
        name: t.name.clone(),
        case: case_id(t),
        date: None,
        passed: false,
        mismatches: Vec::new(),
        error: None,
    };
    let result = match evaluate_test(tree, file, t) {
        Ok(r) => r,
        Err(e) => {
            // The date the test meant, even though the case could not be read.
            run.date = t.date.map(|d| d.to_string()).or_else(|| {
                t.case
                    .get("date")
                    .and_then(|d| d.as_str())
                    .map(str::to_string)
            });
            run.error = Some(e);
            return (run, None);
        }
    };
    run.date = Some(result.date.to_string());
    for (name, want) in &t.expect {
        let got = result.outcomes.get(name);
        if let Some(m) = compare(name, want, got) {
            run.mismatches.push(m);
        }
    }
    run.passed = run.mismatches.is_empty();
    (run, Some(result))
}

/// Compares one expectation; `None` when it holds.
pub fn compare(name: &str, want: &Json, got: Option<&OutcomeResult>) -> Option<Mismatch> {
    let actual = describe(got);
    let mismatch = |expected: String| {
        Some(Mismatch {
            outcome: name.to_string(),
            expected,
            actual: actual.clone(),
            by: got.map(|g| g.by.clone()).unwrap_or_default(),
            reason: got.and_then(|g| g.reason.clone()),
        })
    };
    match want {
        Json::String(s) if s == "absent" => {
            if got.is_some() {
                mismatch("absent (not answered)".into())
            } else {
                None
            }
        }
        Json::String(s) if ["undetermined", "missing_facts", "conflict"].contains(&s.as_str()) => {
            if got.map(|g| g.status.as_str()) == Some(s.as_str()) {
                None
            } else {
                mismatch(s.clone())
            }
        }
        Json::Object(map) if map.contains_key("status") => {
            let status = map.get("status").and_then(Json::as_str).unwrap_or("");
            let mut ok = got.map(|g| g.status.as_str()) == Some(status);
            if let Some(needs) = map.get("needs").and_then(Json::as_array) {
                let mut want_needs: Vec<&str> = needs.iter().filter_map(Json::as_str).collect();
                want_needs.sort_unstable();
                let got_needs: Vec<&str> = got
                    .map(|g| g.needs.iter().map(String::as_str).collect())
                    .unwrap_or_default();
                ok &= want_needs == got_needs;
            }
            if let Some(value) = map.get("value") {
                ok &= got
                    .and_then(|g| g.value.as_ref())
                    .map(|v| normalise(&serde_json::to_value(v).unwrap_or(Json::Null)))
                    == Some(normalise(value));
            }
            if ok {
                None
            } else {
                mismatch(Json::Object(map.clone()).to_string())
            }
        }
        value => {
            let ok = got.is_some_and(|g| {
                g.status == Status::Decided
                    && normalise(&serde_json::to_value(&g.value).unwrap_or(Json::Null))
                        == normalise(value)
            });
            if ok {
                None
            } else {
                mismatch(format!("decided {}", value))
            }
        }
    }
}

/// Lists compare as sets.
fn normalise(v: &Json) -> Json {
    match v {
        Json::Array(items) => {
            let mut items: Vec<Json> = items.iter().map(normalise).collect();
            items.sort_by_key(|i| i.to_string());
            items.dedup();
            Json::Array(items)
        }
        other => other.clone(),
    }
}

fn describe(got: Option<&OutcomeResult>) -> String {
    match got {
        None => "absent (not answered)".to_string(),
        Some(g) => match g.status {
            Status::Decided => format!(
                "decided {}",
                serde_json::to_value(&g.value).unwrap_or(Json::Null)
            ),
            Status::MissingFacts => format!("missing_facts (needs {})", g.needs.join(", ")),
            Status::Undetermined => "undetermined".to_string(),
            Status::Conflict => "conflict".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::model::Value;
    use serde_json::json;

    fn decided(v: Value) -> OutcomeResult {
        OutcomeResult {
            status: Status::Decided,
            value: Some(v),
            by: vec![],
            needs: vec![],
            reason: None,
            ..Default::default()
        }
    }

    #[test]
    fn lists_are_compared_as_sets() {
        let got = decided(Value::List(vec!["b".into(), "a".into()]));
        assert!(compare("x", &json!(["a", "b"]), Some(&got)).is_none());
        assert!(compare("x", &json!(["a"]), Some(&got)).is_some());
    }

    #[test]
    fn dates_compare_with_their_written_form() {
        let got = decided(Value::Date("2008-02-29".parse().unwrap()));
        assert!(compare("x", &json!("2008-02-29"), Some(&got)).is_none());
        assert!(compare("x", &json!("2008-03-01"), Some(&got)).is_some());
    }

    #[test]
    fn a_status_word_must_match_the_status_exactly() {
        let missing = OutcomeResult {
            status: Status::MissingFacts,
            value: None,
            by: vec![],
            needs: vec!["trip.purpose".into()],
            reason: None,
            ..Default::default()
        };
        assert!(compare("x", &json!("missing_facts"), Some(&missing)).is_none());
        assert!(compare("x", &json!("undetermined"), Some(&missing)).is_some());
        assert!(
            compare("x", &json!("undetermined"), None).is_some(),
            "absent is not undetermined"
        );
    }

    #[test]
    fn needs_are_checked_when_the_expectation_names_them() {
        let missing = OutcomeResult {
            status: Status::MissingFacts,
            value: None,
            by: vec![],
            needs: vec!["a.b".into(), "c.d".into()],
            reason: None,
            ..Default::default()
        };
        assert!(
            compare(
                "x",
                &json!({"status": "missing_facts", "needs": ["c.d", "a.b"]}),
                Some(&missing)
            )
            .is_none()
        );
        assert!(
            compare(
                "x",
                &json!({"status": "missing_facts", "needs": ["a.b"]}),
                Some(&missing)
            )
            .is_some()
        );
    }

    #[test]
    fn absent_means_the_outcome_is_not_answered_at_all() {
        assert!(compare("x", &json!("absent"), None).is_none());
        assert!(compare("x", &json!("absent"), Some(&decided(Value::Bool(true)))).is_some());
    }

    #[test]
    fn a_decided_value_never_matches_another_status() {
        let conflict = OutcomeResult {
            status: Status::Conflict,
            value: None,
            by: vec![],
            needs: vec![],
            reason: None,
            ..Default::default()
        };
        assert!(compare("x", &json!(null), Some(&conflict)).is_some());
    }
}
