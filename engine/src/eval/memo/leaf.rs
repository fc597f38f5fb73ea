//! Where ways end: an outcome's verdict for a way (with holes for the
//! values a case computes on it), a whole case's versions in force and
//! outcome leaves, their compact bytes made once, and a case's answers
//! as the writers read them. Not here: the trie (`way`), or learning
//! (`memo`).

use std::sync::{Arc, OnceLock};

use super::super::*;
use super::way::ValueStep;

/// Where a way ends: the outcome's verdict for the case it was learnt
/// from (a verdict of that one outcome), and where that case's computed
/// values stand in it.
pub(crate) struct Leaf<'a> {
    /// A number no other leaf of the process has (`Leaf::number`).
    pub(super) number: usize,
    pub(super) verdict: Verdict<'a>,
    pub(super) subs: Vec<Sub>,
    /// The rules that computed a value on the way, in order: the way's
    /// values by number.
    pub(super) value_steps: Vec<ValueStep<'a>>,
    pub(super) compact: OnceLock<Option<Tail>>,
}

/// Where a whole case's way ends: the versions in force and whether the
/// case is about each, then each answered outcome's way, with the
/// numbers (among the case's computed values) of the values computed on
/// it.
pub(crate) struct CaseLeaf<'a> {
    /// A number no other leaf of the process has, of either kind
    /// (`Leaf::next_number`).
    pub(super) number: usize,
    pub(super) rule_sets: Vec<(&'a Version, Option<bool>)>,
    pub(super) outcomes: Vec<(Arc<Leaf<'a>>, Vec<usize>)>,
    pub(super) compact: OnceLock<Option<Tail>>,
}

/// A computed value (by its number among the way's computed values) in
/// the outcome's value or a conflicting rule's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Sub {
    Outcome { value: usize },
    Decider { decider: usize, value: usize },
}

/// A leaf's outcome as a compact line writes it, with holes where its
/// computed value goes: `(byte offset, value number)`.
pub(crate) struct Tail {
    pub(crate) bytes: Vec<u8>,
    pub(crate) holes: Vec<(usize, usize)>,
}

/// A case's answers by a memo: the versions in force, then each answered
/// outcome, in the order of their names; or a whole case's known way,
/// with the values the case computed on it.
pub(crate) struct CaseAnswer<'a> {
    pub(crate) rule_sets: Vec<(&'a Version, Option<bool>)>,
    pub(crate) outcomes: Vec<Answer<'a>>,
    pub(crate) whole: Option<(Arc<CaseLeaf<'a>>, Vec<Value>)>,
}

/// One outcome's answer: a known way's leaf with the values the case
/// computed on it, or the outcome evaluated in full (a verdict of that
/// one outcome).
pub(crate) enum Answer<'a> {
    Known {
        leaf: Arc<Leaf<'a>>,
        values: Vec<Value>,
    },
    New(Verdict<'a>),
}

impl<'a> Leaf<'a> {
    /// Roughly what it holds, in bytes.
    pub(super) fn size(&self) -> usize {
        let v = &self.verdict;
        std::mem::size_of::<Self>()
            + std::mem::size_of::<OutcomeVerdict>()
            + v.by.len() * std::mem::size_of::<Decider>()
            + v.answering.len() * std::mem::size_of::<Resolved>()
            // The compact text it may keep.
            + 160
    }

    /// The outcome's verdict for a case that went this way and computed
    /// `values`.
    pub(crate) fn verdict(&self, values: &[Value]) -> Verdict<'a> {
        let mut v = Verdict {
            rule_sets: self.verdict.rule_sets.clone(),
            outcomes: Vec::with_capacity(self.verdict.outcomes.len()),
            by: Vec::with_capacity(self.verdict.by.len()),
            answering: Vec::with_capacity(self.verdict.answering.len()),
        };
        self.append_to(&mut v, |n| values.get(n));
        v
    }

    /// Appends the outcome's verdict for a case that went this way to
    /// `all` (as `verdict` gives it, its ranges moved to where its rules
    /// and answering rule sets now stand), with the case's computed value
    /// number `n` as `value(n)` gives it. Copying straight into the whole
    /// case's verdict, not through a verdict of its own, saves three
    /// allocations an outcome: some 4,000 instructions of a Parquet row,
    /// 6,000 of a full line (docs/performance.md, issue 14, sixth round).
    fn append_to<'v>(&self, all: &mut Verdict<'a>, value: impl Fn(usize) -> Option<&'v Value>)
    where
        'a: 'v,
    {
        let (first, by, answering) = (all.outcomes.len(), all.by.len(), all.answering.len());
        for o in &self.verdict.outcomes {
            all.outcomes.push(moved(o.clone(), by, answering));
        }
        all.by.extend_from_slice(&self.verdict.by);
        all.answering.extend_from_slice(&self.verdict.answering);
        for sub in &self.subs {
            match *sub {
                Sub::Outcome { value: n } => {
                    if let (Some(o), Some(x)) = (all.outcomes.get_mut(first), value(n)) {
                        o.value = Some(Cow::Owned(x.clone()));
                    }
                }
                Sub::Decider { decider, value: n } => {
                    if let (Some(d), Some(x)) = (all.by.get_mut(by + decider), value(n)) {
                        d.value = Some(Cow::Owned(x.clone()));
                    }
                }
            }
        }
    }

    /// A number that tells this leaf from every other of the process
    /// (of any memo): outcomes answered by the same leaf have the same
    /// status, rules, needed facts and reasons, whatever their values.
    pub(crate) fn number(&self) -> usize {
        self.number
    }

    /// A new leaf's number: from one count for the whole process, so that
    /// numbers from two memos never meet.
    pub(super) fn next_number() -> usize {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// The outcome's verdict as the leaf holds it, and the number of the
    /// computed value that stands for its value (a case's own, where the
    /// leaf holds the one of the case it was learnt from), if one does:
    /// what `append_to` puts together, for readers that read it in place.
    pub(crate) fn held(&self) -> (&Verdict<'a>, Option<usize>) {
        let hole = self.subs.iter().find_map(|s| match *s {
            Sub::Outcome { value } => Some(value),
            Sub::Decider { .. } => None,
        });
        (&self.verdict, hole)
    }

    /// Its outcome as a compact line writes it, made on first need by
    /// `make` (given the verdict and the number of the value to leave a
    /// hole for); none when a computed value stands in a conflict (the
    /// case's outcome is then written from its verdict).
    pub(crate) fn compact(
        &self,
        make: impl FnOnce(&Verdict<'a>, Option<usize>) -> Tail,
    ) -> Option<&Tail> {
        self.compact
            .get_or_init(|| {
                let mut hole = None;
                for sub in &self.subs {
                    match *sub {
                        Sub::Outcome { value } => hole = Some(value),
                        Sub::Decider { .. } => return None,
                    }
                }
                Some(make(&self.verdict, hole))
            })
            .as_ref()
    }
}

impl<'a> CaseLeaf<'a> {
    /// A number that tells this way of whole cases from every other leaf
    /// of the process: cases that went the same way have the same
    /// outcomes, each answered by the same leaf (`Leaf::number`).
    pub(crate) fn number(&self) -> usize {
        self.number
    }

    /// Each answered outcome's leaf, with the numbers (among the case's
    /// computed values) of the values computed on its way.
    pub(crate) fn outcomes(&self) -> &[(Arc<Leaf<'a>>, Vec<usize>)] {
        &self.outcomes
    }

    /// The versions in force and the answers outcome by outcome, for a
    /// case that went this way and computed `values`.
    #[allow(clippy::type_complexity)]
    pub(crate) fn parts(
        &self,
        values: &[Value],
    ) -> (Vec<(&'a Version, Option<bool>)>, Vec<Answer<'a>>) {
        let outcomes = self
            .outcomes
            .iter()
            .map(|(leaf, numbers)| Answer::Known {
                leaf: Arc::clone(leaf),
                values: numbers
                    .iter()
                    .filter_map(|&n| values.get(n).cloned())
                    .collect(),
            })
            .collect();
        (self.rule_sets.clone(), outcomes)
    }

    /// The case's compact line after its date, made on first need by
    /// `make` (given the versions in force and each outcome's leaf with
    /// its values' numbers among the case's), with holes numbered among
    /// the case's values; none when `make` gives none.
    #[allow(clippy::type_complexity)]
    pub(crate) fn compact(
        &self,
        make: impl FnOnce(
            &[(&'a Version, Option<bool>)],
            &[(Arc<Leaf<'a>>, Vec<usize>)],
        ) -> Option<Tail>,
    ) -> Option<&Tail> {
        self.compact
            .get_or_init(|| make(&self.rule_sets, &self.outcomes))
            .as_ref()
    }
}

impl<'a> CaseAnswer<'a> {
    /// The case's whole verdict, as `evaluate_verdict` gives it.
    pub(crate) fn into_verdict(self) -> Verdict<'a> {
        let answered = match &self.whole {
            Some((leaf, _)) => leaf.outcomes.len(),
            None => self.outcomes.len(),
        };
        let mut all = Verdict {
            rule_sets: Vec::new(),
            outcomes: Vec::with_capacity(answered),
            by: Vec::with_capacity(answered),
            answering: Vec::with_capacity(answered),
        };
        match self.whole {
            Some((leaf, values)) => {
                all.rule_sets.clone_from(&leaf.rule_sets);
                for (l, numbers) in &leaf.outcomes {
                    l.append_to(&mut all, |n| numbers.get(n).and_then(|&i| values.get(i)));
                }
            }
            None => {
                all.rule_sets = self.rule_sets;
                for a in self.outcomes {
                    match a {
                        Answer::Known { leaf, values } => {
                            leaf.append_to(&mut all, |n| values.get(n));
                        }
                        Answer::New(one) => {
                            let (by, answering) = (all.by.len(), all.answering.len());
                            for o in one.outcomes {
                                all.outcomes.push(moved(o, by, answering));
                            }
                            all.by.extend(one.by);
                            all.answering.extend(one.answering);
                        }
                    }
                }
            }
        }
        all
    }
}

/// `o` with its ranges of rules and answering rule sets moved by `by` and
/// `answering`: where its verdict's lists now start in a whole case's.
fn moved(mut o: OutcomeVerdict<'_>, by: usize, answering: usize) -> OutcomeVerdict<'_> {
    o.by = o.by.start + by..o.by.end + by;
    o.answering = o.answering.start + answering..o.answering.end + answering;
    o
}
