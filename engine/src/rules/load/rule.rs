//! The rules of one version compiled: `when`, each `then` value checked
//! against its outcome's type and values or compiled as an expression,
//! `exception_to` targets, their cycles and transitive closure. Not here:
//! the version around them (`version`).

use std::collections::{BTreeMap, BTreeSet};

use miette::SourceSpan;
use serde_saphyr::Spanned;

use super::assemble::find_cycle;
use super::version::VersionCtx;
use super::{at, first_line};
use crate::diagnostics::{RuleProblem, suggest};
use crate::rules::format::{self, Literal, ThenValue, ValueType};
use crate::rules::model::{OutcomeDef, Rule, Then, Value, type_words};
use crate::script::analysis;
use crate::script::dates;

impl VersionCtx<'_> {
    pub(super) fn rules(&mut self, defs: &[format::RuleDef]) -> Vec<Rule> {
        let mut rules: Vec<Rule> = Vec::new();
        let mut spans: BTreeMap<String, SourceSpan> = BTreeMap::new();
        for def in defs {
            let id = def.id.value.clone();
            let span = at(&def.id.referenced, self.text);
            if spans.contains_key(&id) {
                self.push(RuleProblem::Duplicate {
                    what: "rule".to_string(),
                    name: id.clone(),
                    src: self.src.clone(),
                    span,
                    help: "rule ids must be unique within a version; rename one".to_string(),
                });
                continue;
            }
            spans.insert(id.clone(), span);
            let when = def
                .when
                .as_ref()
                .and_then(|w| self.condition(&format!("`when` of rule `{id}`"), w));
            let mut then = Vec::new();
            for (key, value) in &def.then {
                let Some(decl) = self.outcome_declared(key) else {
                    continue;
                };
                if let Some(t) = self.then_value(&id, &decl, value) {
                    then.push((decl.name.clone(), t));
                }
            }
            if def.then.is_empty() {
                self.push(RuleProblem::Invalid {
                    message: format!("rule `{id}` decides nothing"),
                    src: self.src.clone(),
                    span,
                    help: "give it a `then:` with at least one outcome".to_string(),
                });
            }
            rules.push(Rule {
                id,
                cite: def.cite.value.clone(),
                summary: def.summary.clone(),
                note: def.note.clone(),
                when,
                then,
                defeats: Vec::new(),
                exception_to: def.exception_to.iter().map(|e| e.value.clone()).collect(),
                at: rules.len(),
            });
        }
        // Exceptions: targets must exist in this version and must not loop.
        let ids: Vec<String> = rules.iter().map(|r| r.id.clone()).collect();
        let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for def in defs {
            for target in &def.exception_to {
                if !ids.contains(&target.value) {
                    self.push(RuleProblem::UnknownPrecedenceTarget {
                        what: "rule".to_string(),
                        name: target.value.clone(),
                        src: self.src.clone(),
                        span: at(&target.referenced, self.text),
                        help: format!(
                            "{} (`exception_to` names rules of the same version)",
                            suggest(&target.value, ids.iter().map(String::as_str))
                        ),
                    });
                } else {
                    edges
                        .entry(def.id.value.as_str())
                        .or_default()
                        .insert(target.value.as_str());
                }
            }
        }
        if let Some(cycle) = find_cycle(&edges) {
            let first = cycle.first().map(|s| s.to_string()).unwrap_or_default();
            self.push(RuleProblem::PrecedenceCycle {
                cycle: format!("rules {}", cycle.join(" → ")),
                help: "an exception cannot, directly or through others, be an exception to itself: remove one `exception_to` of the cycle".to_string(),
                src: self.src.clone(),
                span: spans
                    .get(&first)
                    .copied()
                    .unwrap_or_else(|| first_line(&self.src)),
            });
            return rules;
        }
        // Transitive closure: an exception to an exception wins over both.
        let closure: Vec<BTreeSet<String>> = rules
            .iter()
            .map(|r| {
                let mut seen = BTreeSet::new();
                let mut todo: Vec<&str> = r.exception_to.iter().map(String::as_str).collect();
                while let Some(n) = todo.pop() {
                    if seen.insert(n.to_string()) {
                        todo.extend(edges.get(n).into_iter().flatten().copied());
                    }
                }
                seen
            })
            .collect();
        let position: BTreeMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let defeats: Vec<Vec<usize>> = closure
            .iter()
            .map(|c| {
                c.iter()
                    .filter_map(|id| position.get(id.as_str()).copied())
                    .collect()
            })
            .collect();
        for (r, d) in rules.iter_mut().zip(defeats) {
            r.defeats = d;
        }
        rules
    }

    pub(super) fn then_value(
        &mut self,
        rule: &str,
        decl: &OutcomeDef,
        value: &Spanned<ThenValue>,
    ) -> Option<Then> {
        let span = at(&value.referenced, self.text);
        match &value.value {
            ThenValue::Expr(e) => {
                let located = Spanned::new(e.expr.clone(), value.referenced, value.defined);
                let compiled =
                    self.compile(&format!("`then.{}` of rule `{rule}`", decl.name), &located)?;
                let numbers = self.numbers;
                let fact_id = |f: &str| numbers.fact(f);
                let native = match compiled.ast.statements() {
                    [rhai::Stmt::Expr(expr)] => {
                        crate::script::native::compile_term(expr, self.groups, &fact_id)
                    }
                    _ => None,
                };
                let reads_date = analysis::leaf_reads(&compiled.ast, self.groups).1;
                let reads: Vec<String> = compiled.reads.iter().map(|r| r.name.clone()).collect();
                Some(Then::Expr {
                    text: e.expr.clone(),
                    read_ids: reads.iter().filter_map(|f| fact_id(f)).collect(),
                    reads,
                    reads_date,
                    ast: compiled.ast,
                    native,
                })
            }
            ThenValue::Literal(lit) => {
                let val = match (decl.ty, lit) {
                    (_, Literal::Null(())) => Some(Value::Null),
                    (ValueType::Bool, Literal::Bool(b)) => Some(Value::Bool(*b)),
                    (ValueType::Int, Literal::Int(i)) => Some(Value::Int(*i)),
                    (ValueType::Date, Literal::Str(s)) => match dates::parse_date(s) {
                        Some(d) => Some(Value::Date(d)),
                        None => {
                            self.push(RuleProblem::BadDate {
                                value: s.clone(),
                                reason: "dates are written `YYYY-MM-DD` and must exist".to_string(),
                                src: self.src.clone(),
                                span,
                            });
                            return None;
                        }
                    },
                    (ValueType::String, Literal::Str(s)) => Some(Value::Str(s.clone())),
                    (ValueType::List, Literal::List(items)) => Some(Value::List(items.clone())),
                    _ => None,
                };
                let Some(val) = val else {
                    let found = match lit {
                        Literal::Bool(_) => "true or false",
                        Literal::Int(_) => "an integer",
                        Literal::Str(_) => "a string",
                        Literal::List(_) => "a list",
                        Literal::Null(()) => "null",
                    };
                    self.push(RuleProblem::OutcomeType {
                        outcome: decl.name.clone(),
                        expected: type_words(decl.ty).to_string(),
                        found: found.to_string(),
                        src: self.src.clone(),
                        span,
                        help: format!("`{}` is declared as {}; give a value of that type, or `{{expr: ...}}` to compute one", decl.name, type_words(decl.ty)),
                    });
                    return None;
                };
                if let Some(allowed) = &decl.values {
                    let items: Vec<&String> = match &val {
                        Value::Str(s) => vec![s],
                        Value::List(items) => items.iter().collect(),
                        _ => vec![],
                    };
                    for item in items {
                        if !allowed.contains(item) {
                            self.push(RuleProblem::ValueNotAllowed {
                                name: decl.name.clone(),
                                value: item.clone(),
                                src: self.src.clone(),
                                span,
                                help: suggest(item, allowed.iter().map(String::as_str)),
                            });
                        }
                    }
                }
                Some(Then::Literal(val))
            }
        }
    }
}
