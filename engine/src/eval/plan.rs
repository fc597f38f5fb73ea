//! What evaluation can know from the date alone, worked out once per
//! stretch of dates in which no rule set changes (an *epoch*) rather than
//! once per case: which version of each rule set is in force, which rule
//! sets answer each outcome and through which version's gate, the rules
//! that may decide it (each with a fixed *slot*), and which of those rules
//! take precedence over which (exceptions within a version,
//! `more_specific_than` between rule sets, followed transitively through
//! the versions in force). A case then only decides its conditions and
//! looks the rest up. Not here: the truth of conditions, the resolution of
//! an outcome from its candidates (`precedence`), which reads these.
//!
//! Plans hold positions (rule set, version, rule), not references: they
//! live in the tree they describe, built on first use of an epoch.

use std::sync::OnceLock;

use chrono::NaiveDate;

use crate::rules::format::Combine;
use crate::rules::model::{RuleSet, Version};
use crate::rules::tree::{Resolved, RuleTree};

use super::precedence::more_specific;

/// The plans of one tree: the boundaries between epochs and, for each
/// epoch, its plan once some case has needed it.
#[derive(Debug)]
pub(crate) struct Plans {
    /// Every date on which some rule set's position changes (a version's
    /// first day, or its first day no longer in force), ascending.
    boundaries: Vec<NaiveDate>,
    /// One per epoch: before the first boundary, between each two, and
    /// from the last on.
    epochs: Vec<OnceLock<EpochPlan>>,
}

/// A version by position: rule set, then version within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VersionAt {
    set: u32,
    version: u32,
}

/// `Resolved` by position.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ResolvedAt {
    InForce(VersionAt),
    NotYet(VersionAt),
    Lapsed {
        ended: VersionAt,
        next: Option<VersionAt>,
    },
}

/// One epoch's plan.
#[derive(Debug, Default)]
pub(crate) struct EpochPlan {
    /// Where the epoch falls for every rule set that has versions, in the
    /// tree's order of rule sets.
    pub(crate) resolved: Vec<(u32, ResolvedAt)>,
    /// By outcome number.
    pub(crate) outcomes: Vec<OutcomePlan>,
}

/// How one outcome is decided in an epoch.
#[derive(Debug, Default)]
pub(crate) struct OutcomePlan {
    /// The rule sets that answer the outcome (if their gates let them),
    /// in the tree's order of rule sets.
    pub(crate) answering: Vec<AnsweringPlan>,
    /// Every rule that may decide the outcome, in order of slot.
    pub(crate) deciders: Vec<DeciderPlan>,
    /// How many slots the outcome's candidates take (rules, and the
    /// stand-ins for unknown gates of list outcomes).
    pub(crate) slots: usize,
    /// For each slot, the slots of the rules that take precedence over it
    /// when they fire, ascending (`defeaters_at` ranges into it).
    defeaters: Vec<u32>,
    defeaters_at: Vec<(u32, u32)>,
}

/// A rule set answering an outcome.
#[derive(Debug)]
pub(crate) struct AnsweringPlan {
    pub(crate) resolved: ResolvedAt,
    /// The version whose `applies_when` and `scope` gate the answer (a
    /// repeal's is the version it repealed).
    pub(crate) gate: VersionAt,
    /// The version in force, if it can decide (not a repeal).
    pub(crate) deciding: Option<VersionAt>,
    /// The slot standing for "its gate may hold and no rule fires" for a
    /// list outcome with rules in that version.
    pub(crate) gate_slot: Option<u32>,
    /// Its rules deciding the outcome: a range of `OutcomePlan::deciders`.
    pub(crate) deciders: std::ops::Range<usize>,
}

/// A rule deciding an outcome: its position in its version's `rules`,
/// the position of the outcome in its `then`, and its slot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeciderPlan {
    pub(crate) rule: usize,
    pub(crate) then: usize,
    pub(crate) slot: u32,
}

impl VersionAt {
    /// The version this position names in `tree`.
    #[inline]
    pub(crate) fn of(self, tree: &RuleTree) -> Option<&Version> {
        tree.rule_sets
            .get(self.set as usize)?
            .versions
            .get(self.version as usize)
    }
}

impl ResolvedAt {
    /// The `Resolved` this names in `tree`.
    #[inline]
    pub(crate) fn of(self, tree: &RuleTree) -> Option<Resolved<'_>> {
        Some(match self {
            ResolvedAt::InForce(v) => Resolved::InForce(v.of(tree)?),
            ResolvedAt::NotYet(v) => Resolved::NotYet(v.of(tree)?),
            ResolvedAt::Lapsed { ended, next } => Resolved::Lapsed {
                ended: ended.of(tree)?,
                next: match next {
                    Some(n) => Some(n.of(tree)?),
                    None => None,
                },
            },
        })
    }
}

impl OutcomePlan {
    /// The slots of the rules that take precedence over slot `slot`.
    #[inline]
    pub(crate) fn defeaters(&self, slot: u32) -> &[u32] {
        self.defeaters_at
            .get(slot as usize)
            .and_then(|&(from, to)| self.defeaters.get(from as usize..to as usize))
            .unwrap_or_default()
    }
}

impl Plans {
    /// The epochs of `tree` (no plan is built yet).
    pub(crate) fn of(tree: &RuleTree) -> Plans {
        let mut boundaries: Vec<NaiveDate> = tree
            .rule_sets
            .iter()
            .flat_map(|s| s.versions.iter())
            .flat_map(|v| std::iter::once(v.from).chain(v.until))
            .collect();
        boundaries.sort_unstable();
        boundaries.dedup();
        let epochs = (0..=boundaries.len()).map(|_| OnceLock::new()).collect();
        Plans { boundaries, epochs }
    }

    /// The number of the epoch holding `date`.
    #[inline]
    pub(crate) fn epoch(&self, date: NaiveDate) -> usize {
        self.boundaries.partition_point(|b| *b <= date)
    }

    /// How many epochs there are.
    pub(crate) fn len(&self) -> usize {
        self.epochs.len()
    }

    /// The plan of the epoch holding `date`, built on first need.
    pub(crate) fn on<'t>(&'t self, tree: &RuleTree, date: NaiveDate) -> Option<&'t EpochPlan> {
        let epoch = self.epoch(date);
        let cell = self.epochs.get(epoch)?;
        Some(cell.get_or_init(|| EpochPlan::of(tree, date)))
    }
}

/// Position of rule set `s` and version `v` of it.
fn at(sets: &[RuleSet], s: usize, v: &Version) -> VersionAt {
    let version = sets
        .get(s)
        .and_then(|set| set.versions.iter().position(|x| std::ptr::eq(x, v)))
        .unwrap_or(0);
    VersionAt {
        set: s as u32,
        version: version as u32,
    }
}

impl EpochPlan {
    /// The plan of the epoch holding `date`.
    fn of(tree: &RuleTree, date: NaiveDate) -> EpochPlan {
        let sets = &tree.rule_sets;
        let resolved: Vec<(usize, &RuleSet, Resolved)> = sets
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.resolve(date).map(|r| (i, s, r)))
            .collect();
        let in_force: Vec<&Version> = resolved
            .iter()
            .filter_map(|(_, _, r)| match r {
                Resolved::InForce(v) => Some(*v),
                _ => None,
            })
            .collect();
        let resolved_at = |i: usize, r: &Resolved| match *r {
            Resolved::InForce(v) => ResolvedAt::InForce(at(sets, i, v)),
            Resolved::NotYet(v) => ResolvedAt::NotYet(at(sets, i, v)),
            Resolved::Lapsed { ended, next } => ResolvedAt::Lapsed {
                ended: at(sets, i, ended),
                next: next.map(|n| at(sets, i, n)),
            },
        };
        let outcomes =
            tree.outcomes
                .values()
                .enumerate()
                .map(|(oid, def)| {
                    let mut plan = OutcomePlan::default();
                    // Per slot: its version and, for a rule, the rule's position.
                    let mut owners: Vec<(&Version, Option<usize>)> = Vec::new();
                    for (i, set, r) in &resolved {
                        let gate = scope_version(set, r);
                        if !gate.by_outcome.get(oid).is_some_and(|s| s.answers) {
                            continue;
                        }
                        let mut answering = AnsweringPlan {
                            resolved: resolved_at(*i, r),
                            gate: at(sets, *i, gate),
                            deciding: None,
                            gate_slot: None,
                            deciders: plan.deciders.len()..plan.deciders.len(),
                        };
                        if let Resolved::InForce(v) = r
                            && v.repeal.is_none()
                        {
                            answering.deciding = Some(at(sets, *i, v));
                            let deciders = v
                                .by_outcome
                                .get(oid)
                                .map(|s| s.deciders.as_slice())
                                .unwrap_or_default();
                            if def.combine == Combine::Union && !deciders.is_empty() {
                                answering.gate_slot = Some(owners.len() as u32);
                                owners.push((v, None));
                            }
                            for &(rule, then) in deciders {
                                plan.deciders.push(DeciderPlan {
                                    rule,
                                    then,
                                    slot: owners.len() as u32,
                                });
                                owners.push((v, Some(rule)));
                            }
                            answering.deciders.end = plan.deciders.len();
                        }
                        plan.answering.push(answering);
                    }
                    plan.slots = owners.len();
                    for (x_version, x_rule) in &owners {
                        let from = plan.defeaters.len() as u32;
                        for (y, (y_version, y_rule)) in owners.iter().enumerate() {
                            // Only a rule fires; a gate's stand-in never does.
                            let Some(y_rule) = y_rule else { continue };
                            let wins = if std::ptr::eq(*y_version, *x_version) {
                                x_rule.is_some()
                                    && y_version.rules.get(*y_rule).is_some_and(|r| {
                                        x_rule.is_some_and(|x| r.defeats.contains(&x))
                                    })
                            } else {
                                more_specific(
                                    &y_version.rule_set,
                                    &x_version.rule_set,
                                    &def.name,
                                    &in_force,
                                )
                            };
                            if wins {
                                plan.defeaters.push(y as u32);
                            }
                        }
                        plan.defeaters_at.push((from, plan.defeaters.len() as u32));
                    }
                    plan
                })
                .collect();
        EpochPlan {
            resolved: resolved
                .iter()
                .map(|(i, _, r)| (*i as u32, resolved_at(*i, r)))
                .collect(),
            outcomes,
        }
    }
}

/// The version whose `applies_when` and `scope` decide what a rule set
/// answers: a repeal answers what the repealed version did.
pub(crate) fn scope_version<'a>(set: &'a RuleSet, r: &Resolved<'a>) -> &'a Version {
    match *r {
        Resolved::InForce(v) if v.repeal.is_some() => set.repealed_by(v).unwrap_or(v),
        Resolved::InForce(v) | Resolved::NotYet(v) => v,
        Resolved::Lapsed { ended, .. } => ended,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::precedence::more_specific;
    use proptest::prelude::*;

    use crate::testing::shipped;

    /// What the plan says of each rule set on `date`, as `(set, version
    /// id, kind)`, and the same found directly.
    fn both(tree: &RuleTree, date: NaiveDate) -> (Vec<String>, Vec<String>) {
        let word = |set: &RuleSet, r: Resolved| match r {
            Resolved::InForce(v) => format!("{} in force {}", set.id, v.id),
            Resolved::NotYet(v) => format!("{} not yet {}", set.id, v.id),
            Resolved::Lapsed { ended, next } => format!(
                "{} lapsed {} next {:?}",
                set.id,
                ended.id,
                next.map(|n| &n.id)
            ),
        };
        let plan = tree.plans().on(tree, date).unwrap();
        let planned = plan
            .resolved
            .iter()
            .map(|&(s, r)| {
                let set = &tree.rule_sets[s as usize];
                word(set, r.of(tree).unwrap())
            })
            .collect();
        let direct = tree
            .rule_sets
            .iter()
            .filter_map(|s| s.resolve(date).map(|r| word(s, r)))
            .collect();
        (planned, direct)
    }

    #[test]
    fn the_day_before_and_the_day_of_every_boundary_get_the_plan_of_their_own_epoch() {
        let tree = shipped();
        let mut boundaries: Vec<NaiveDate> = tree
            .rule_sets
            .iter()
            .flat_map(|s| &s.versions)
            .flat_map(|v| std::iter::once(v.from).chain(v.until))
            .collect();
        boundaries.sort();
        assert!(
            boundaries.len() > 3,
            "the shipped rules have several boundaries"
        );
        for b in boundaries {
            for date in [b.pred_opt().unwrap(), b, b.succ_opt().unwrap()] {
                let (planned, direct) = both(tree, date);
                assert_eq!(planned, direct, "on {date}");
            }
        }
    }

    #[test]
    fn a_slot_is_defeated_by_exactly_the_rules_that_take_precedence_over_it() {
        let tree = shipped();
        let date = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let plan = tree.plans().on(tree, date).unwrap();
        let in_force: Vec<&Version> = plan
            .resolved
            .iter()
            .filter_map(|(_, r)| match r.of(tree)? {
                Resolved::InForce(v) => Some(v),
                _ => None,
            })
            .collect();
        let mut checked = 0;
        for (def, op) in tree.outcomes.values().zip(&plan.outcomes) {
            // Every rule slot with its version and rule.
            let mut rules = Vec::new();
            for a in &op.answering {
                let Some(v) = a.deciding.and_then(|v| v.of(tree)) else {
                    continue;
                };
                for d in &op.deciders[a.deciders.clone()] {
                    rules.push((d.slot, v, d.rule));
                }
            }
            for &(x, xv, xr) in &rules {
                let expected: Vec<u32> = rules
                    .iter()
                    .filter(|&&(_, yv, yr)| {
                        if std::ptr::eq(yv, xv) {
                            yv.rules[yr].defeats.contains(&xr)
                        } else {
                            more_specific(&yv.rule_set, &xv.rule_set, &def.name, &in_force)
                        }
                    })
                    .map(|&(y, _, _)| y)
                    .collect();
                assert_eq!(op.defeaters(x), expected.as_slice(), "{}", def.name);
                checked += expected.len();
            }
        }
        assert!(
            checked > 0,
            "some rule takes precedence over another in 2024"
        );
    }

    proptest! {
        #[test]
        fn any_date_gets_the_plan_that_resolves_every_rule_set_as_the_rule_set_does(
            days in -40_000i64..40_000
        ) {
            let tree = shipped();
            let date = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Duration::days(days);
            let (planned, direct) = both(tree, date);
            prop_assert_eq!(planned, direct);
        }
    }
}
