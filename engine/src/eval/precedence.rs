//! Outcome resolution: from the rules that fired, those that might have,
//! and the declared precedence between them (exceptions within a version,
//! `more_specific_than` between rule sets), an outcome's status and value.
//! Not here: the truth of conditions (`truth`, `bridge`).

use super::*;

use smallvec::SmallVec;

impl<'a, 'c> Evaluator<'a, 'c> {
    /// Outcome number `oid`'s verdict from its candidates: the deciding
    /// rules go to `verdict.by`, the rule sets answering an undetermined
    /// outcome to `verdict.answering`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn resolve(
        &self,
        def: &OutcomeDef,
        oid: OutcomeId,
        candidates: &[Candidate<'a>],
        answering: &[Answering<'a>],
        plan: &super::plan::OutcomePlan,
        defeated_log: &mut Vec<(String, String, String, String)>,
        verdict: &mut Verdict<'a>,
    ) -> OutcomeVerdict<'a> {
        // Most outcomes of most cases: no rule fired and none might have
        // (the candidates that are false are not kept). A list outcome is
        // then the empty list if a rule set answering it decides it, and
        // any other outcome undetermined, as the general path below finds.
        if candidates.is_empty() {
            return match def.combine {
                Combine::Union if answering.iter().any(|a| a.decides) => OutcomeVerdict {
                    value: Some(Cow::Owned(Value::List(Vec::new()))),
                    by: verdict.by.len()..verdict.by.len(),
                    ..OutcomeVerdict::new(oid, Status::Decided)
                },
                _ => self.undetermined(oid, answering, verdict),
            };
        }
        // Lists of a few candidates each, for every outcome of every
        // case: on the stack, not the heap.
        let fired: SmallVec<[&Candidate<'a>; 8]> = candidates
            .iter()
            .filter(|c| matches!(c.state, Truth::True) && c.rule.is_some())
            .collect();
        // The fired slots as bits, a word per 64 slots.
        let mut fired_slots: SmallVec<[u64; 2]> = smallvec::smallvec![0; plan.slots.div_ceil(64)];
        for c in &fired {
            if let Some(word) = fired_slots.get_mut(c.slot as usize / 64) {
                *word |= 1 << (c.slot % 64);
            }
        }
        let has_fired = |y: u32| {
            fired_slots
                .get(y as usize / 64)
                .is_some_and(|word| word & (1 << (y % 64)) != 0)
        };
        // The first fired rule, in the candidates' order, that takes
        // precedence over `x` (the plan lists them in that order).
        let defeater = |x: &Candidate| {
            plan.defeaters(x.slot)
                .iter()
                .copied()
                .find(|&y| has_fired(y))
        };
        let mut winners: SmallVec<[&Candidate<'a>; 8]> = SmallVec::new();
        for c in &fired {
            match defeater(c) {
                // Only a trace reads the log: building its four strings
                // for every overridden rule of every case cost allocations
                // that batch runs never used.
                Some(y) if self.tracing => {
                    let y = fired.iter().find(|f| f.slot == y);
                    defeated_log.push((
                        c.version.rule_set.clone(),
                        c.rule.map(|r| r.id.clone()).unwrap_or_default(),
                        def.name.clone(),
                        y.and_then(|y| {
                            y.rule.map(|r| format!("{} ({})", r.id, y.version.rule_set))
                        })
                        .unwrap_or_default(),
                    ))
                }
                Some(_) => {}
                None => winners.push(c),
            }
        }
        let unknowns: SmallVec<[&Candidate<'a>; 8]> = candidates
            .iter()
            .filter(|c| matches!(c.state, Truth::Unknown(_)) && defeater(c).is_none())
            .collect();

        let mut needs = FactSet::default();
        for w in &winners {
            if let Some(Err(n)) = &w.value {
                needs.extend(n);
            }
        }
        let values: SmallVec<[&Cow<'a, Value>; 8]> = winners
            .iter()
            .filter_map(|w| w.value.as_ref().and_then(|v| v.as_ref().ok()))
            .collect();
        let missing = |needs: FactSet| OutcomeVerdict {
            needs,
            ..OutcomeVerdict::new(oid, Status::MissingFacts)
        };
        if !needs.is_empty() {
            return missing(needs);
        }
        let unknown_needs = || -> FactSet {
            let mut all = FactSet::default();
            for c in &unknowns {
                if let Truth::Unknown(n) = c.state {
                    all.extend(self.needs.get(n));
                    if let Some(Err(value_needs)) = &c.value {
                        all.extend(value_needs);
                    }
                }
            }
            all
        };

        match def.combine {
            Combine::Union => {
                if !unknowns.is_empty() {
                    return missing(unknown_needs());
                }
                if winners.is_empty() && !answering.iter().any(|a| a.decides) {
                    return self.undetermined(oid, answering, verdict);
                }
                let mut items: Vec<String> = Vec::new();
                for v in &values {
                    if let Value::List(list) = v.as_ref() {
                        for item in list {
                            if !items.contains(item) {
                                items.push(item.clone());
                            }
                        }
                    }
                }
                OutcomeVerdict {
                    value: Some(Cow::Owned(Value::List(items))),
                    by: push_deciders(verdict, &winners, false),
                    ..OutcomeVerdict::new(oid, Status::Decided)
                }
            }
            Combine::Single => {
                let first = values.first().copied();
                let agree = first.is_some_and(|f| values.iter().all(|v| *v == f));
                if !unknowns.is_empty() {
                    // An unknown rule only matters if it could change the answer.
                    let harmless = agree
                        && unknowns.iter().all(|u| match (&u.rule, &u.value) {
                            (Some(_), Some(Ok(v))) => Some(v) == first,
                            _ => false,
                        });
                    if !harmless {
                        return missing(unknown_needs());
                    }
                }
                if winners.is_empty() {
                    return self.undetermined(oid, answering, verdict);
                }
                if agree {
                    OutcomeVerdict {
                        value: first.cloned(),
                        by: push_deciders(verdict, &winners, false),
                        ..OutcomeVerdict::new(oid, Status::Decided)
                    }
                } else {
                    OutcomeVerdict {
                        by: push_deciders(verdict, &winners, true),
                        ..OutcomeVerdict::new(oid, Status::Conflict)
                    }
                }
            }
        }
    }

    pub(super) fn undetermined(
        &self,
        oid: OutcomeId,
        answering: &[Answering<'a>],
        verdict: &mut Verdict<'a>,
    ) -> OutcomeVerdict<'a> {
        let start = verdict.answering.len();
        let mut whatever = FactSet::default();
        for a in answering {
            verdict.answering.push(a.resolved);
            // Whether a rule set not yet in force would be about the case
            // changes nothing today: its gate's facts are not named.
            if let Some(n) = a.gate_needs
                && !matches!(a.resolved, Resolved::NotYet(_))
            {
                whatever.extend(self.needs.get(n));
            }
        }
        OutcomeVerdict {
            answering: start..verdict.answering.len(),
            whatever,
            ..OutcomeVerdict::new(oid, Status::Undetermined)
        }
    }
}

/// The candidates `cs` as a verdict's deciders (with their values in a
/// conflict), as a range of `verdict.by`.
fn push_deciders<'a>(
    verdict: &mut Verdict<'a>,
    cs: &[&Candidate<'a>],
    with_value: bool,
) -> Range<usize> {
    let start = verdict.by.len();
    for c in cs {
        let Some(rule) = c.rule else { continue };
        verdict.by.push(Decider {
            version: c.version,
            rule,
            value: if with_value {
                c.value.as_ref().and_then(|v| v.as_ref().ok()).cloned()
            } else {
                None
            },
        });
    }
    start..verdict.by.len()
}

/// Is rule set `a` more specific than `b` for `outcome`, directly or through
/// other rule sets, by the declarations of the versions in force?
pub(super) fn more_specific<'v>(
    a: &'v str,
    b: &str,
    outcome: &str,
    in_force: &[&'v Version],
) -> bool {
    let mut seen: Vec<&str> = Vec::new();
    let mut todo: Vec<&str> = vec![a];
    while let Some(set) = todo.pop() {
        if seen.contains(&set) {
            continue;
        }
        seen.push(set);
        for v in in_force.iter().filter(|v| v.rule_set == set) {
            for m in &v.more_specific_than {
                if m.outcomes.as_ref().is_none_or(|os| os.contains(outcome)) {
                    if m.rule_set == b {
                        return true;
                    }
                    todo.push(&m.rule_set);
                }
            }
        }
    }
    false
}
