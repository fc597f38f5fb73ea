//! The trace `--explain` adds: every rule considered, and whether its
//! condition held, was false, or could not be evaluated and why. Not here:
//! the outcome's explanation line (`explain`).

use super::*;

impl<'a, 'c> Evaluator<'a, 'c> {
    /// Every rule considered, and what became of it.
    pub(super) fn trace(
        &mut self,
        resolved: &[(&'a RuleSet, Resolved<'a>)],
        defeated: &[(String, String, String, String)],
    ) -> Result<Vec<TraceEntry>, Box<EvalError>> {
        let mut out = Vec::new();
        for (set, r) in resolved {
            let sv = self.scope_version(set, r);
            let applies = self.condition(sv.applies_when.as_ref(), sv, "", "applies_when")?;
            let in_force = match r {
                Resolved::InForce(v) if v.repeal.is_none() => Some(*v),
                _ => None,
            };
            out.push(TraceEntry {
                rule_set: set.id.clone(),
                version: sv.id.clone(),
                rule: "applies_when".into(),
                cite: String::new(),
                condition: if in_force.is_some() {
                    applies.word()
                } else {
                    "not in force"
                }
                .into(),
                needs: self.needs.names(self.tree, applies),
                outcomes: Vec::new(),
                overridden_for: Vec::new(),
                detail: match (&applies, in_force) {
                    (_, None) => format!(
                        "no version of `{}` with rules is in force on {}",
                        set.id, self.date
                    ),
                    (Truth::True, _) => format!("the case is one `{}` is about", set.id),
                    (Truth::False, _) => format!(
                        "the case is not one `{}` is about; its rules are not considered",
                        set.id
                    ),
                    (Truth::Unknown(_), _) => format!(
                        "whether `{}` applies depends on facts the case lacks",
                        set.id
                    ),
                },
            });
            if !matches!(applies, Truth::False) {
                for (outcome, c) in &sv.scope {
                    let tv = self.scope_condition(sv, outcome, c)?;
                    out.push(TraceEntry {
                        rule_set: set.id.clone(),
                        version: sv.id.clone(),
                        rule: format!("scope.{outcome}"),
                        cite: String::new(),
                        condition: tv.word().into(),
                        needs: self.needs.names(self.tree, tv),
                        outcomes: vec![outcome.clone()],
                        overridden_for: Vec::new(),
                        detail: match &tv {
                            Truth::True => format!("`{outcome}` is answered for this case"),
                            Truth::False => format!("`{outcome}` is not answered for this case"),
                            Truth::Unknown(_) => format!(
                                "whether `{outcome}` is answered depends on facts the case lacks"
                            ),
                        },
                    });
                }
            }
            let Some(v) = in_force else { continue };
            if matches!(applies, Truth::False) {
                continue;
            }
            for rule in &v.rules {
                let outcomes: Vec<String> = rule.then.iter().map(|(o, _)| o.clone()).collect();
                // A rule whose every outcome is out of scope for this case
                // was not considered: saying it "could not be evaluated"
                // would send the caseworker after facts that do not matter.
                let mut in_scope = false;
                for o in &outcomes {
                    let Some(oid) = self.outcome_id(o) else {
                        continue;
                    };
                    if !matches!(self.gate(v, oid)?, Truth::False) {
                        in_scope = true;
                    }
                }
                if !in_scope {
                    out.push(TraceEntry {
                        rule_set: set.id.clone(),
                        version: v.id.clone(),
                        rule: rule.id.clone(),
                        cite: rule.cite.clone(),
                        condition: "out of scope".into(),
                        needs: Vec::new(),
                        overridden_for: Vec::new(),
                        detail: format!(
                            "not considered: {} not answered for this case",
                            outcomes
                                .iter()
                                .map(|o| format!("`{o}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        outcomes,
                    });
                    continue;
                }
                let tv = self.rule_when(v, rule)?;
                let overridden: Vec<&(String, String, String, String)> = defeated
                    .iter()
                    .filter(|(s, id, _, _)| *s == set.id && *id == rule.id)
                    .collect();
                let beaten: Vec<String> = overridden
                    .iter()
                    .map(|(_, _, o, by)| format!("`{o}` by {by}"))
                    .collect();
                let overridden_for: Vec<String> =
                    overridden.iter().map(|(_, _, o, _)| o.clone()).collect();
                let detail = match &tv {
                    // The rule's note (a doubt, a reading) goes with the answer it gave.
                    Truth::True if beaten.is_empty() => format!(
                        "fired: {}{}",
                        rule.summary.clone().unwrap_or_else(|| rule.cite.clone()),
                        rule.note
                            .as_ref()
                            .map(|n| format!(" Note: {n}"))
                            .unwrap_or_default()
                    ),
                    Truth::True => format!("fired, but was overridden for {}", beaten.join(", ")),
                    Truth::False => {
                        "did not fire: its condition is false for this case".to_string()
                    }
                    Truth::Unknown(n) => format!(
                        "could not be evaluated: the case lacks {}",
                        self.names(self.needs.get(*n))
                            .iter()
                            .map(|f| format!("`{f}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                out.push(TraceEntry {
                    rule_set: set.id.clone(),
                    version: v.id.clone(),
                    rule: rule.id.clone(),
                    cite: rule.cite.clone(),
                    condition: tv.word().into(),
                    needs: self.needs.names(self.tree, tv),
                    outcomes,
                    overridden_for,
                    detail,
                });
            }
        }
        Ok(out)
    }
}
