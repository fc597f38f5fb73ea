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

/// Whether facts already converted, by number, pass every check. A
/// check is made only on a case giving a value to every fact it reads
/// (`given`): a case giving no check all of its facts, as many do,
/// passes without an evaluator. A check of one leaf with a native form
/// (every shipped one) is decided on the values as they are: an
/// evaluator, and the facts borrowed into slots for it, cost a case that
/// gave both dates some 900 instructions (docs/performance.md, issue 14,
/// twelfth round). Anything else, and any check that does not pass so,
/// goes the evaluator's way (`checks_on`), which words a failure.
pub(crate) fn passes_checks(tree: &RuleTree, values: &[Option<Value>]) -> bool {
    let facts = crate::script::native::OwnedSlots(values);
    let passes_natively = |check: &CaseCheck| match &check.condition.cond {
        // Checks never read `date` (the loader refuses it).
        Cond::Leaf(leaf) => leaf.native.as_ref().is_some_and(|native| {
            matches!(
                crate::script::native::eval(native, &facts, NaiveDate::MIN),
                Ok(Some(true))
            )
        }),
        _ => false,
    };
    let settled = |check: &CaseCheck| {
        !given(check, |id| values.get(id.index()).and_then(Option::as_ref))
            || passes_natively(check)
    };
    tree.checks.iter().all(settled)
        || checks_on(tree, values.iter().map(Option::as_ref).collect()).is_empty()
}

/// Whether a case gives a value to every fact `check` reads (`value` of
/// a fact's number): a check is made only then. One it leaves unknown, or
/// gives as `null` meaning none (no such event), cannot be wrong.
fn given<'v>(
    check: &CaseCheck,
    value: impl Fn(crate::rules::model::FactId) -> Option<&'v Value>,
) -> bool {
    check
        .read_ids
        .iter()
        .all(|&id| value(id).is_some_and(|v| *v != Value::Null))
}

fn checks_on<'t>(tree: &'t RuleTree, slots: Vec<Option<&Value>>) -> Vec<FailedCheck<'t>> {
    // Checks never read `date` (the loader refuses it); any day will do.
    let date = NaiveDate::MIN;
    crate::script::budget::start_case();
    let mut ev = Evaluator::new(tree, slots, date);
    let mut failed = Vec::new();
    for check in &tree.checks {
        if !given(check, |id| ev.slots.get(id.index()).copied().flatten()) {
            continue;
        }
        match ev.cond(&check.condition.cond) {
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
