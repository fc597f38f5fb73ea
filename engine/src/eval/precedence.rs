//! Outcome resolution: from the rules that fired, those that might have,
//! and the declared precedence between them (exceptions within a version,
//! `more_specific_than` between rule sets), an outcome's status and value.
//! Not here: the truth of conditions (`truth`, `bridge`).

use super::*;

impl<'a> Evaluator<'a> {
    pub(super) fn resolve(
        &self,
        def: &OutcomeDef,
        oid: OutcomeId,
        candidates: &[Candidate<'a>],
        answering: &[Answering<'a>],
        in_force: &[&'a Version],
        defeated_log: &mut Vec<(String, String, String, String)>,
    ) -> (OutcomeResult, Vec<&'a str>) {
        let fired: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| matches!(c.state, Truth::True) && c.rule.is_some())
            .collect();
        let defeater = |x: &Candidate| {
            fired
                .iter()
                .find(|y| defeats(y, x, &def.name, in_force))
                .copied()
        };
        let mut winners = Vec::new();
        for c in &fired {
            match defeater(c) {
                Some(y) => defeated_log.push((
                    c.version.rule_set.clone(),
                    c.rule.map(|r| r.id.clone()).unwrap_or_default(),
                    def.name.clone(),
                    y.rule
                        .map(|r| format!("{} ({})", r.id, y.version.rule_set))
                        .unwrap_or_default(),
                )),
                None => winners.push(*c),
            }
        }
        let unknowns: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| matches!(c.state, Truth::Unknown(_)) && defeater(c).is_none())
            .collect();

        let mut needs = FactSet::default();
        for w in &winners {
            if let Some(Err(n)) = &w.value {
                needs.extend(n);
            }
        }
        let grounds: Vec<&'a str> = winners
            .iter()
            .filter_map(|w| w.rule.map(|r| self.tree.wording.grounds(w.version, r)))
            .collect();
        let values: Vec<&Value> = winners
            .iter()
            .filter_map(|w| w.value.as_ref().and_then(|v| v.as_ref().ok()))
            .collect();
        let by = |cs: &[&Candidate], with_value: bool| -> Vec<By> {
            cs.iter()
                .filter_map(|c| {
                    let r = c.rule?;
                    Some(By {
                        value: if with_value {
                            c.value.as_ref().and_then(|v| v.as_ref().ok()).cloned()
                        } else {
                            None
                        },
                        ..self.tree.wording.by(c.version, r)
                    })
                })
                .collect()
        };
        let missing = |needs: FactSet| {
            (
                OutcomeResult {
                    status: Status::MissingFacts,
                    value: None,
                    by: Vec::new(),
                    needs: self.names(&needs),
                    reason: None,
                    ..OutcomeResult::default()
                },
                Vec::new(),
            )
        };
        if !needs.is_empty() {
            return missing(needs);
        }
        let unknown_needs = || -> FactSet {
            let mut all = FactSet::default();
            for c in &unknowns {
                if let Truth::Unknown(n) = &c.state {
                    all.extend(n);
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
                    return (self.undetermined(oid, answering), Vec::new());
                }
                let mut items: Vec<String> = Vec::new();
                for v in &values {
                    if let Value::List(list) = v {
                        for item in list {
                            if !items.contains(item) {
                                items.push(item.clone());
                            }
                        }
                    }
                }
                (
                    OutcomeResult {
                        status: Status::Decided,
                        value: Some(Value::List(items)),
                        by: by(&winners, false),
                        needs: Vec::new(),
                        reason: None,
                        ..OutcomeResult::default()
                    },
                    grounds,
                )
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
                    return (self.undetermined(oid, answering), Vec::new());
                }
                if agree {
                    (
                        OutcomeResult {
                            status: Status::Decided,
                            value: first.cloned(),
                            by: by(&winners, false),
                            needs: Vec::new(),
                            reason: None,
                            ..OutcomeResult::default()
                        },
                        grounds,
                    )
                } else {
                    (
                        OutcomeResult {
                            status: Status::Conflict,
                            value: None,
                            by: by(&winners, true),
                            needs: Vec::new(),
                            reason: None,
                            ..OutcomeResult::default()
                        },
                        Vec::new(),
                    )
                }
            }
        }
    }

    pub(super) fn undetermined(
        &self,
        oid: OutcomeId,
        answering: &[Answering<'a>],
    ) -> OutcomeResult {
        let mut parts: Vec<&str> = Vec::with_capacity(answering.len());
        let mut codes = Vec::with_capacity(answering.len());
        let mut gate_needs = FactSet::default();
        for a in answering {
            if let Some(r) = self.tree.wording.reason(oid, &a.resolved) {
                parts.push(&r.text);
                codes.push(Arc::clone(&r.code));
            } else {
                parts.push("");
            }
            // Whether a rule set not yet in force would be about the case
            // changes nothing today: its gate's facts are not named.
            if let Some(n) = &a.gate_needs
                && !matches!(a.resolved, Resolved::NotYet(_))
            {
                gate_needs.extend(n);
            }
        }
        let whatever = if gate_needs.is_empty() {
            Vec::new()
        } else {
            self.names(&gate_needs)
        };
        let reason = self.words.then(|| compose_reason(parts, &whatever));
        OutcomeResult {
            status: Status::Undetermined,
            value: None,
            by: Vec::new(),
            needs: Vec::new(),
            reason,
            reason_codes: codes,
            holds_whatever: whatever,
        }
    }
}

/// Does the fired candidate `y` take precedence over `x` for `outcome`?
pub(super) fn defeats(y: &Candidate, x: &Candidate, outcome: &str, in_force: &[&Version]) -> bool {
    if std::ptr::eq(y.version, x.version) {
        return match (y.rule, x.rule) {
            (Some(yr), Some(_)) => yr.defeats.contains(&x.rule_ix),
            _ => false,
        };
    }
    more_specific(&y.version.rule_set, &x.version.rule_set, outcome, in_force)
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
