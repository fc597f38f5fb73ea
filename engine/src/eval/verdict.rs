//! A case's verdict by number: per outcome its status, the value (borrowed
//! from the rules where a rule states it), the deciding rules as references
//! into the tree, the needed facts as a `FactSet`, and the rule sets whose
//! reasons leave it undetermined. No text is built and nothing is cloned
//! from the rules: the result types (`EvalResult`, with its names, citations
//! and sentences) are made from a verdict only for the callers that want
//! them, and `batch`'s writers write a verdict directly from fragments
//! prepared at load (`result::fragments`). Not here: deciding (`eval`),
//! wording (`explain`), writing JSON (`result`).

use std::borrow::Cow;
use std::ops::Range;

use crate::eval::fact_set::FactSet;
use crate::result::Status;
use crate::rules::model::{OutcomeId, Rule, Value, Version};
use crate::rules::tree::Resolved;

/// What a case comes to on a date, by number.
#[derive(Debug, Default, Clone)]
pub(crate) struct Verdict<'a> {
    /// The versions in force, in the tree's order of rule sets, each with
    /// whether the case is one its rule set is about (`None`: unknown).
    pub(crate) rule_sets: Vec<(&'a Version, Option<bool>)>,
    /// Every answered outcome, in the order of the outcomes' names.
    pub(crate) outcomes: Vec<OutcomeVerdict<'a>>,
    /// The deciding (or, in a conflict, disagreeing) rules of every
    /// outcome, each outcome's as a range of this list: one list per case
    /// rather than one per outcome.
    pub(crate) by: Vec<Decider<'a>>,
    /// The rule sets answering every undetermined outcome, as ranges.
    pub(crate) answering: Vec<Resolved<'a>>,
}

/// A rule an outcome rests on: its version, the rule, and in a conflict
/// the value it gave.
#[derive(Debug, Clone)]
pub(crate) struct Decider<'a> {
    pub(crate) version: &'a Version,
    pub(crate) rule: &'a Rule,
    pub(crate) value: Option<Cow<'a, Value>>,
}

/// One outcome's verdict.
#[derive(Debug, Clone)]
pub(crate) struct OutcomeVerdict<'a> {
    pub(crate) oid: OutcomeId,
    pub(crate) status: Status,
    /// Decided: the value.
    pub(crate) value: Option<Cow<'a, Value>>,
    /// Decided: the rules it rests on; conflict: every rule that disagreed
    /// (`Verdict::by`).
    pub(crate) by: Range<usize>,
    /// Missing facts: the facts that would settle it.
    pub(crate) needs: FactSet,
    /// Undetermined: the rule sets answering it (`Verdict::answering`),
    /// whose reasons say why.
    pub(crate) answering: Range<usize>,
    /// Undetermined: facts the case lacks that would not change it.
    pub(crate) whatever: FactSet,
}

impl<'a> OutcomeVerdict<'a> {
    /// An outcome verdict of `status` with nothing else yet.
    pub(crate) fn new(oid: OutcomeId, status: Status) -> Self {
        OutcomeVerdict {
            oid,
            status,
            value: None,
            by: 0..0,
            needs: FactSet::default(),
            answering: 0..0,
            whatever: FactSet::default(),
        }
    }
}

impl<'a> Verdict<'a> {
    /// An empty verdict with room for what a case of `tree` usually
    /// needs, so that its lists do not grow one push at a time.
    pub(crate) fn for_tree(tree: &crate::rules::tree::RuleTree) -> Self {
        let outcomes = tree.outcomes.len();
        Verdict {
            rule_sets: Vec::with_capacity(tree.rule_sets.len()),
            outcomes: Vec::with_capacity(outcomes),
            by: Vec::with_capacity(outcomes * 2),
            answering: Vec::with_capacity(outcomes * 2),
        }
    }

    /// The rules outcome verdict `o` rests on.
    pub(crate) fn by_of(&self, o: &OutcomeVerdict<'a>) -> &[Decider<'a>] {
        self.by.get(o.by.clone()).unwrap_or_default()
    }

    /// The rule sets answering undetermined outcome verdict `o`.
    pub(crate) fn answering_of(&self, o: &OutcomeVerdict<'a>) -> &[Resolved<'a>] {
        self.answering.get(o.answering.clone()).unwrap_or_default()
    }
}
