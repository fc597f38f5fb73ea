//! A case's verdict read by number, for writers outside the engine
//! (Arrow columns, CSV) that name rules, facts and reasons by id: per kept
//! outcome its number, status, value (borrowed), deciding rules as
//! `SET@VERSION#RULE`, needed facts and reason codes, every text a `&str`
//! held once by the tree. The same content as the `EvalResult` of
//! `lines::evaluate_selected` without building it (no map of outcomes, no
//! owned names, no rule ids formatted per case). Not here: the words
//! (reasons, explanation lines: `EvalResult`), the versions in force, a
//! trace, or writing any format.

use chrono::NaiveDate;

use crate::case::Case;
use crate::eval::memo::{Answer, CaseAnswer};
use crate::eval::{Decider, OutcomeVerdict, Verdict};
use crate::result::Status;
use crate::result::lines::OutcomeSelection;
use crate::rules::model::Value;
use crate::rules::tree::Resolved;
use crate::rules::tree::RuleTree;

/// What a case comes to on a date, by number: what
/// [`verdict_of`] gives. It borrows the tree and the case.
pub struct CaseVerdict<'a> {
    tree: &'a RuleTree,
    case: &'a str,
    date: NaiveDate,
    parts: Parts<'a>,
}

/// Where a verdict's outcomes are held.
enum Parts<'a> {
    /// In one verdict, evaluated in full.
    Verdict(Verdict<'a>),
    /// In a memo's answer: each outcome read in place from its way's
    /// leaf, with the values the case computed, rather than copied into
    /// one verdict (which cost a Parquet row some 3,500 instructions).
    Answer(CaseAnswer<'a>),
}

/// One outcome of a [`CaseVerdict`].
#[derive(Clone, Copy)]
pub struct OutcomeView<'v, 'a> {
    tree: &'a RuleTree,
    verdict: &'v Verdict<'a>,
    o: &'v OutcomeVerdict<'a>,
    /// The value the case computed that stands for the one `o` holds
    /// (its way's leaf holds the value of the case it was learnt from).
    computed: Option<&'v Value>,
    /// The number of the way's leaf it was read from, if any.
    way: Option<usize>,
}

/// `case` evaluated on `date` as [`evaluate_selected`] evaluates it (only
/// the outcomes `keep` keeps are decided, the others not at all), with the
/// same error message, as a verdict by number.
///
/// [`evaluate_selected`]: crate::lines::evaluate_selected
pub fn verdict_of<'a>(
    tree: &'a RuleTree,
    case: &'a Case,
    date: NaiveDate,
    keep: Option<&OutcomeSelection>,
) -> Result<CaseVerdict<'a>, String> {
    let verdict =
        crate::eval::evaluate_verdict(tree, case, date, keep).map_err(|e| e.one_line())?;
    Ok(CaseVerdict {
        tree,
        case: &case.id,
        date,
        parts: Parts::Verdict(verdict),
    })
}

/// [`verdict_of`] for a run holding a [`Memo`]: the same verdict, by a
/// way the memo knows when the case goes one (only the outcomes the memo
/// was made for are decided).
///
/// [`Memo`]: crate::memo::Memo
pub fn verdict_by<'t: 'c, 'c>(
    memo: &crate::memo::Memo<'t>,
    case: &'c Case,
    date: NaiveDate,
) -> Result<CaseVerdict<'c>, String> {
    let answer = memo.answer(case, date).map_err(|e| e.one_line())?;
    Ok(CaseVerdict {
        tree: memo.tree(),
        case: &case.id,
        date,
        parts: Parts::Answer(answer),
    })
}

impl<'a> CaseVerdict<'a> {
    /// The case's id (`line-N` for a case read without one).
    pub fn case(&self) -> &'a str {
        self.case
    }

    /// The date the case was evaluated on.
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// Every answered outcome the run keeps, in the order of their names
    /// (which is the order of their numbers).
    pub fn outcomes(&self) -> impl ExactSizeIterator<Item = OutcomeView<'_, 'a>> + '_ {
        let tree = self.tree;
        // Room for every outcome at once: grown a push at a time, this
        // vector was some 1,000 instructions of a Parquet row.
        let mut views = Vec::with_capacity(tree.outcomes.len());
        match &self.parts {
            Parts::Verdict(verdict) => push_views(&mut views, tree, verdict, None, None),
            Parts::Answer(answer) => match &answer.whole {
                Some((leaf, values)) => {
                    for (l, numbers) in leaf.outcomes() {
                        let (verdict, hole) = l.held();
                        let computed = hole
                            .and_then(|n| numbers.get(n))
                            .and_then(|&i| values.get(i));
                        push_views(&mut views, tree, verdict, computed, Some(l.number()));
                    }
                }
                None => {
                    for a in &answer.outcomes {
                        match a {
                            Answer::Known { leaf, values } => {
                                let (verdict, hole) = leaf.held();
                                let computed = hole.and_then(|n| values.get(n));
                                push_views(
                                    &mut views,
                                    tree,
                                    verdict,
                                    computed,
                                    Some(leaf.number()),
                                );
                            }
                            Answer::New(verdict) => {
                                push_views(&mut views, tree, verdict, None, None)
                            }
                        }
                    }
                }
            },
        }
        views.into_iter()
    }
}

impl CaseVerdict<'_> {
    /// A number for the way of whole cases a memo answered the case by,
    /// unique in the process: two verdicts with the same number have the
    /// same outcomes in the same order, each with the same
    /// [`OutcomeView::way`], so that a writer may lay out a row once per
    /// such way and take only the values ([`CaseVerdict::values`]) from
    /// each case. `None` for a case answered outcome by outcome.
    pub fn whole_way(&self) -> Option<usize> {
        match &self.parts {
            Parts::Answer(CaseAnswer {
                whole: Some((leaf, _)),
                ..
            }) => Some(leaf.number()),
            _ => None,
        }
    }

    /// Each outcome's [`OutcomeView::value`], in the order of
    /// [`CaseVerdict::outcomes`], without making the views (which cost a
    /// Parquet row some 600 instructions).
    pub fn values(&self) -> impl Iterator<Item = Option<&Value>> + '_ {
        let whole = match &self.parts {
            Parts::Answer(CaseAnswer {
                whole: Some((leaf, values)),
                ..
            }) => Some((leaf, values)),
            _ => None,
        };
        let views = match whole {
            Some(_) => None,
            None => Some(self.outcomes()),
        };
        let held = whole.into_iter().flat_map(|(leaf, values)| {
            leaf.outcomes().iter().flat_map(move |(l, numbers)| {
                let (verdict, hole) = l.held();
                let computed = hole
                    .and_then(|n| numbers.get(n))
                    .and_then(|&i| values.get(i));
                verdict.outcomes.iter().map(move |o| value_of(o, computed))
            })
        });
        held.chain(views.into_iter().flatten().map(|o| o.value()))
    }
}

/// An outcome's decided value: the case's `computed` one where its way's
/// leaf holds another case's, else its own; `None` for every other
/// status, and for a decided `null`.
fn value_of<'v>(o: &'v OutcomeVerdict<'_>, computed: Option<&'v Value>) -> Option<&'v Value> {
    match o.status {
        Status::Decided => computed.or(o.value.as_deref()),
        _ => None,
    }
}

/// Views of `verdict`'s outcomes, each with `computed` for its value.
fn push_views<'v, 'a>(
    views: &mut Vec<OutcomeView<'v, 'a>>,
    tree: &'a RuleTree,
    verdict: &'v Verdict<'a>,
    computed: Option<&'v Value>,
    way: Option<usize>,
) {
    for o in &verdict.outcomes {
        views.push(OutcomeView {
            tree,
            verdict,
            o,
            computed,
            way,
        });
    }
}

impl<'v, 'a> OutcomeView<'v, 'a> {
    /// The outcome's number: its place among the declared outcomes in the
    /// order of their names (`RuleTree::outcomes`).
    pub fn number(&self) -> usize {
        self.o.oid.index()
    }

    /// The outcome's name.
    pub fn name(&self) -> &'a str {
        self.tree
            .outcome_names
            .get(self.number())
            .map_or("", String::as_str)
    }

    /// A number for the way a memo answered the outcome by, unique in the
    /// process: two outcomes with the same number have the same status,
    /// rules ([`OutcomeView::by`]), needed facts and reasons, whatever
    /// their values, so a writer may encode those once per way. `None`
    /// for an outcome evaluated in full.
    pub fn way(&self) -> Option<usize> {
        self.way
    }

    /// How far the outcome is settled.
    pub fn status(&self) -> Status {
        self.o.status
    }

    /// The decided value; `None` for every other status, and for a decided
    /// `null`.
    pub fn value(&self) -> Option<&'v Value> {
        value_of(self.o, self.computed)
    }

    /// Decided: the rules it rests on; conflict: every rule that
    /// disagreed; none for the other statuses. Each as `SET@VERSION#RULE`.
    pub fn by(&self) -> impl ExactSizeIterator<Item = &'a str> + 'v {
        let wording = &self.tree.wording;
        self.deciders()
            .iter()
            .map(|d| wording.key(d.version, d.rule))
    }

    /// [`OutcomeView::by`] as the rules' numbers among every rule of the
    /// tree, whose keys [`rule_keys`] gives in that order: for writers
    /// that name rules by a dictionary of them.
    pub fn by_numbers(&self) -> impl ExactSizeIterator<Item = usize> + 'v {
        let wording = &self.tree.wording;
        self.deciders()
            .iter()
            .map(|d| wording.rule_number(d.version, d.rule).unwrap_or(usize::MAX))
    }

    /// Missing facts: the numbers of the facts that would settle it (each
    /// its place among the declared facts in the order of their names,
    /// `RuleTree::facts`), ascending; none for the other statuses.
    pub fn need_numbers(&self) -> impl Iterator<Item = usize> + 'v {
        let missing = self.o.status == Status::MissingFacts;
        self.o.needs.iter().filter(move |_| missing)
    }

    /// [`OutcomeView::need_numbers`] as the facts' names, in the order of
    /// names.
    pub fn needs(&self) -> impl Iterator<Item = &'a str> + 'v {
        let names = &self.tree.fact_names;
        self.need_numbers()
            .filter_map(|f| names.get(f).map(String::as_str))
    }

    /// Undetermined: the codes of the reasons it is, one per rule set that
    /// answers it (`n3`, `u5.12`, ...), whose kinds, versions and texts the
    /// legend gives; none for the other statuses.
    pub fn reason_codes(&self) -> impl Iterator<Item = &'a str> + 'v {
        let (wording, oid) = (&self.tree.wording, self.o.oid);
        self.answering()
            .iter()
            .filter_map(move |r| wording.reason(oid, r).map(|reason| &*reason.code))
    }

    /// [`OutcomeView::reason_codes`] as the reasons' numbers among every
    /// reason of the tree, whose codes [`reason_codes`] gives in that
    /// order.
    pub fn reason_numbers(&self) -> impl Iterator<Item = usize> + 'v {
        let (wording, oid) = (&self.tree.wording, self.o.oid);
        self.answering()
            .iter()
            .filter_map(move |r| wording.reason_number(oid, r))
    }

    /// Undetermined: the rule sets answering it; none for the other
    /// statuses.
    fn answering(&self) -> &'v [Resolved<'a>] {
        match self.o.status {
            Status::Undetermined => self.verdict.answering_of(self.o),
            _ => &[],
        }
    }

    /// Decided: the rules it rests on; conflict: every rule that
    /// disagreed; none for the other statuses.
    fn deciders(&self) -> &'v [Decider<'a>] {
        match self.o.status {
            Status::Decided | Status::Conflict => self.verdict.by_of(self.o),
            Status::Undetermined | Status::MissingFacts => &[],
        }
    }
}

/// Every rule's key (`SET@VERSION#RULE`) in `tree`, by the number
/// [`OutcomeView::by_numbers`] gives it.
pub fn rule_keys(tree: &RuleTree) -> Vec<&str> {
    tree.wording.rule_keys()
}

/// Every reason's code in `tree`, by the number
/// [`OutcomeView::reason_numbers`] gives it; a reason no case is given
/// (the repeal of a version that repeals nothing) has an empty code.
pub fn reason_codes(tree: &RuleTree) -> Vec<&str> {
    tree.wording.reason_codes()
}
