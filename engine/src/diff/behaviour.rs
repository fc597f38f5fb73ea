//! Behavioural comparison: every golden test of either tree, and every case
//! given, is evaluated under both trees; the cases whose outcomes differ
//! (status or value) are listed outcome by outcome with the rules that
//! decided each side.

use std::collections::BTreeSet;

use super::model::{Behaviour, CaseChange, CaseInput, CaseProblem, OutcomeChange};
use crate::case::Case;
use crate::eval::evaluate;
use crate::result::{EvalResult, OutcomeResult};
use crate::rules::model::Value;
use crate::rules::tree::RuleTree;

pub fn compare(old: &RuleTree, new: &RuleTree, extra: &[CaseInput]) -> Behaviour {
    let cases = collect(old, new, extra);
    let mut b = Behaviour::default();
    for input in &cases {
        let o = run(old, input);
        let n = run(new, input);
        for (side, r) in [("old", &o), ("new", &n)] {
            if let Err(error) = r {
                b.errors.push(CaseProblem {
                    case: case_name(input, &o, &n),
                    origin: input.origin.clone(),
                    side,
                    error: error.clone(),
                });
            }
        }
        let (Ok(o), Ok(n)) = (o, n) else { continue };
        b.cases += 1;
        let names: BTreeSet<&String> = o.outcomes.keys().chain(n.outcomes.keys()).collect();
        let mut outcomes = Vec::new();
        for name in names {
            let (x, y) = (o.outcomes.get(name), n.outcomes.get(name));
            if same(x, y) {
                continue;
            }
            outcomes.push(OutcomeChange {
                outcome: name.clone(),
                old: x.cloned(),
                new: y.cloned(),
            });
        }
        if !outcomes.is_empty() {
            b.changed.push(CaseChange {
                case: n.case.clone(),
                origin: input.origin.clone(),
                date: n.date,
                outcomes,
            });
        }
    }
    b
}

/// Golden tests of both sides (each once, by case and date) then the extra cases.
fn collect(old: &RuleTree, new: &RuleTree, extra: &[CaseInput]) -> Vec<CaseInput> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for tree in [old, new] {
        for file in &tree.tests {
            for t in &file.tests {
                let text = serde_json::to_string(&t.case).unwrap_or_default();
                // By case and date, not name: a renamed or repeated test is
                // one case to compare.
                if !seen.insert((text.clone(), t.date)) {
                    continue;
                }
                out.push(CaseInput {
                    origin: format!("golden test \"{}\" ({})", t.name, relative(&file.path)),
                    text,
                    date: t.date,
                });
            }
        }
    }
    out.extend(extra.iter().cloned());
    out
}

/// A golden file's path without the side's prefix (`HEAD:`), for reading.
fn relative(path: &str) -> &str {
    path.split_once(':').map(|(_, p)| p).unwrap_or(path)
}

fn run(tree: &RuleTree, input: &CaseInput) -> Result<EvalResult, String> {
    let case = Case::from_yaml(tree, &input.origin, &input.text).map_err(|errors| {
        errors
            .iter()
            .map(|e| {
                let help = miette::Diagnostic::help(e)
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
                format!("{e}{help}")
            })
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let date = case.date_on(input.date).map_err(|e| e.one_line())?;
    evaluate(tree, &case, date, false).map_err(|e| e.to_string())
}

fn case_name(
    input: &CaseInput,
    o: &Result<EvalResult, String>,
    n: &Result<EvalResult, String>,
) -> String {
    match (n, o) {
        (Ok(r), _) | (_, Ok(r)) => r.case.clone(),
        _ => input.origin.clone(),
    }
}

/// Same status, value (lists as sets) and missing facts. The deciding rules
/// and the reason of an undetermined outcome may differ: moving a repeal
/// date would otherwise flag every later case, whose answer is unchanged.
fn same(a: Option<&OutcomeResult>, b: Option<&OutcomeResult>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => {
            x.status == y.status && normal(&x.value) == normal(&y.value) && x.needs == y.needs
        }
        _ => false,
    }
}

fn normal(v: &Option<Value>) -> Option<Value> {
    match v {
        Some(Value::List(items)) => {
            let set: BTreeSet<&String> = items.iter().collect();
            Some(Value::List(set.into_iter().cloned().collect()))
        }
        other => other.clone(),
    }
}
