//! A case through time: evaluates it on every day of a range and returns
//! the maximal intervals over which all outcomes stay the same, with the
//! rule-set versions in force in each. Exact at day resolution.
//!
//! Evaluating the whole case on each of some 12,000 days would be wasteful:
//! a day's answer can only differ from the day before's if a different
//! version came into force, or if a condition part that reads `date` (an
//! 18th birthday, the end of a five-year bar) or a computed value that
//! reads it changed. Everything else reads only the case's facts, which do
//! not move. So each day gets a small key (versions in force, and the truth
//! of every date-reading part of them); the case is evaluated in full only
//! on the days the key changes. Not here: rendering, or deciding the range
//! (the caller says what "today" is: the engine never reads the clock).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::case::Case;
use crate::diagnostics::EvalError;
use crate::eval::{evaluate, leaf_code};
use crate::result::{OutcomeResult, RulesInfo, VersionInForce};
use crate::rules::in_force::Position;
use crate::rules::model::{Then, Value, Version};
use crate::rules::tree::RuleTree;
use crate::script::analysis::Leaf;

/// A case through time: the intervals over which its outcomes stay the same.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    /// The case's id.
    pub case: String,
    /// The first day evaluated.
    pub from: NaiveDate,
    /// Last day evaluated (inclusive).
    pub to: NaiveDate,
    /// The rules tree the case was evaluated against.
    pub rules: RulesInfo,
    /// Maximal intervals, in order, covering `from..=to`.
    pub periods: Vec<Period>,
    /// Days evaluated in full, out of the days in the range: how much the
    /// per-day key saved.
    pub full_evaluations: usize,
    /// How many days the range holds.
    pub days: usize,
}

/// An interval over which every outcome of the case stays the same.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// The first day of the period.
    pub from: NaiveDate,
    /// First day of the next period (exclusive); `to + 1` for the last.
    pub until: NaiveDate,
    /// Versions in force in the period that concern the case (or may: a
    /// version whose `applies_when` hinges on a missing fact is listed).
    pub rule_sets: Vec<VersionInForce>,
    /// Every declared outcome's result over the period, by name.
    pub outcomes: BTreeMap<String, OutcomeResult>,
}

/// The date-reading parts of one version.
struct Probe<'t> {
    leaves: Vec<&'t Leaf>,
    /// A computed value reads `date`: its value may change any day.
    dated_value: bool,
}

fn probe(v: &Version) -> Probe<'_> {
    let mut leaves = Vec::new();
    let conditions = v
        .rules
        .iter()
        .filter_map(|r| r.when.as_ref())
        .chain(v.applies_when.as_ref())
        .chain(v.scope.values());
    for c in conditions {
        leaves.extend(c.cond.leaves().into_iter().filter(|l| l.reads_date));
    }
    let dated_value = v.rules.iter().flat_map(|r| &r.then).any(|(_, t)| {
        matches!(
            t,
            Then::Expr {
                reads_date: true,
                ..
            }
        )
    });
    Probe {
        leaves,
        dated_value,
    }
}

/// Evaluates `case` on every day from `from` to `to`, both included.
pub fn history(
    tree: &RuleTree,
    case: &Case,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<History, Box<EvalError>> {
    // Probes per (rule set, version), built once.
    let probes: Vec<Vec<Probe>> = tree
        .rule_sets
        .iter()
        .map(|s| s.versions.iter().map(probe).collect())
        .collect();
    // The case's facts by number, for the probes, found once.
    let slots = case.slots();
    let mut periods: Vec<Period> = Vec::new();
    let mut last_key: Option<Vec<u32>> = None;
    let mut full = 0;
    let mut days = 0;
    let mut day = from;
    while day <= to {
        days += 1;
        let key = day_key(tree, &slots, day, &probes);
        let unchanged = last_key.as_ref() == Some(&key);
        if !unchanged {
            full += 1;
            let r = evaluate(tree, case, day, false)?;
            // Versions that are not about the case (the foreigners' decree
            // for a citizen) neither split a period nor clutter it.
            let about: Vec<VersionInForce> = r
                .rule_sets
                .into_iter()
                .filter(|v| v.applies != Some(false))
                .collect();
            let same = periods.last().is_some_and(|p| {
                same_outcomes(&p.outcomes, &r.outcomes) && same_versions(&p.rule_sets, &about)
            });
            if !same {
                periods.push(Period {
                    from: day,
                    until: day,
                    rule_sets: about,
                    outcomes: r.outcomes,
                });
            }
            last_key = Some(key);
        }
        let Some(next) = day.succ_opt() else { break };
        if let Some(p) = periods.last_mut() {
            p.until = next;
        }
        day = next;
    }
    Ok(History {
        case: case.id.clone(),
        from,
        to,
        rules: RulesInfo {
            source: tree.source.clone(),
            digest: tree.digest.clone(),
        },
        periods,
        full_evaluations: full,
        days,
    })
}

/// What can make `day` differ from the day before: which version of each
/// rule set is in force, and the truth of the date-reading condition parts
/// of those versions. A version with a date-reading computed value makes
/// every day distinct.
fn day_key(
    tree: &RuleTree,
    slots: &[Option<&Value>],
    day: NaiveDate,
    probes: &[Vec<Probe>],
) -> Vec<u32> {
    // The day's probes share one case budget, as a full evaluation would.
    crate::script::budget::start_case();
    let mut key = Vec::new();
    for (set, set_probes) in tree.rule_sets.iter().zip(probes) {
        match set.index.resolve(day) {
            Position::In(i) => {
                key.push(2 * i as u32 + 1);
                if let Some(p) = set_probes.get(i) {
                    if p.dated_value {
                        key.push(day.num_days_from_ce() as u32);
                    }
                    key.extend(
                        p.leaves
                            .iter()
                            .map(|l| u32::from(leaf_code(tree, slots, day, l))),
                    );
                }
            }
            Position::Before => key.push(0),
            Position::After(i) => key.push(2 * i as u32 + 2),
        }
    }
    key
}

/// Same status, value and missing facts for every outcome (the grounds and
/// reasons may be worded from different versions).
fn same_outcomes(a: &BTreeMap<String, OutcomeResult>, b: &BTreeMap<String, OutcomeResult>) -> bool {
    a.len() == b.len()
        && a.iter().all(|(k, x)| {
            b.get(k).is_some_and(|y| {
                x.status == y.status
                    && x.value == y.value
                    && x.needs == y.needs
                    && x.reason == y.reason
            })
        })
}

fn same_versions(a: &[VersionInForce], b: &[VersionInForce]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.id == y.id && x.version == y.version && x.applies == y.applies)
}
