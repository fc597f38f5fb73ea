//! The checks across facts a case must pass, run on its facts by number.
//! Not here: what a failed check says (`explain`) or how a reader reports
//! it (`case`).

use super::*;

/// A declared check a case fails (its words: `explain::check`).
pub struct FailedCheck<'t> {
    /// The check.
    pub check: &'t CaseCheck,
    /// Set when the check could not be run at all (a fault of the rules).
    pub error: Option<String>,
}

/// The declared checks across facts that `case` fails. A check whose facts
/// are unknown cannot fail: only what the case says can be wrong.
pub fn failed_checks<'t>(tree: &'t RuleTree, case: &Case) -> Vec<FailedCheck<'t>> {
    if tree.checks.is_empty() {
        return Vec::new();
    }
    checks_on(tree, case.slots())
}

/// Whether facts laid out by number pass every check. Takes the slots
/// themselves: the evaluator of the checks keeps them, and a reader builds
/// them for this call only, so they are not copied once more per case.
pub(crate) fn passes_checks(tree: &RuleTree, slots: Vec<Option<&Value>>) -> bool {
    tree.checks.is_empty() || checks_on(tree, slots).is_empty()
}

fn checks_on<'t>(tree: &'t RuleTree, slots: Vec<Option<&Value>>) -> Vec<FailedCheck<'t>> {
    // Checks never read `date` (the loader refuses it); any day will do.
    let date = NaiveDate::MIN;
    crate::script::budget::start_case();
    let mut ev = Evaluator::new(tree, slots, date);
    let mut failed = Vec::new();
    for check in &tree.checks {
        // A check is made only on facts the case gives a value: one it
        // leaves unknown, or gives as `null` meaning none (no such event),
        // cannot be wrong.
        let given = check.read_ids.iter().all(|&id| {
            ev.slots
                .get(id.index())
                .copied()
                .flatten()
                .is_some_and(|v| *v != Value::Null)
        });
        if !given {
            continue;
        }
        // A check of one leaf (as every shipped check is) is decided
        // without the case's cache: setting it up for one question cost
        // a case that gave both dates some 600 instructions
        // (docs/performance.md, issue 14, twelfth round).
        let truth = match &check.condition.cond {
            Cond::Leaf(leaf) => ev.decide_leaf(leaf),
            cond => ev.cond(cond),
        };
        match truth {
            Ok(Truth::False) => failed.push(FailedCheck { check, error: None }),
            Ok(_) => {}
            Err(ScriptFailure(e)) => failed.push(FailedCheck {
                check,
                error: Some(e),
            }),
        }
    }
    failed
}
