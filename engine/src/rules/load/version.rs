//! One version file compiled (`VersionCtx`): its dates, rule-set id,
//! `applies_when`, `scope`, `silent_on`, precedence and repeal, and every
//! script compiled and checked against the declared facts. Not here: its
//! rules (`rule`) or the checks across versions (`assemble`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use miette::SourceSpan;
use rhai::Engine;
use serde_saphyr::Spanned;

use super::declarations::Numbers;
use super::scripts::{locate, script_help};
use super::{Loader, at};
use crate::diagnostics::{RuleProblem, Src, suggest};
use crate::rules::format::{Key, NullMeans, ValueType, VersionFile};
use crate::rules::model::{
    Condition, MoreSpecificThan, OutcomeDef, RepealInfo, Rule, SourceInfo, Version, VersionOutcome,
    type_words,
};
use crate::script::analysis::{self, Comparison, Compiled, Lit};
use crate::script::dates;

fn parse_date_at(
    d: &Spanned<String>,
    text: &str,
    src: &Src,
    problems: &mut Vec<RuleProblem>,
) -> Option<NaiveDate> {
    match dates::parse_date(&d.value) {
        Some(date) => Some(date),
        None => {
            let well_formed = d.value.len() == 10
                && d.value.chars().enumerate().all(|(i, c)| {
                    if i == 4 || i == 7 {
                        c == '-'
                    } else {
                        c.is_ascii_digit()
                    }
                });
            problems.push(RuleProblem::BadDate {
                value: d.value.clone(),
                reason: if well_formed {
                    "there is no such day in the calendar".to_string()
                } else {
                    "dates are written `YYYY-MM-DD`".to_string()
                },
                src: src.clone(),
                span: at(&d.referenced, text),
            });
            None
        }
    }
}

/// What a version does for each declared outcome (`outcomes`, by number):
/// whether it answers it, its `scope`, and the rules deciding it.
fn outcome_table(
    outcomes: &[String],
    rules: &[Rule],
    scope: &BTreeMap<String, Condition>,
    silent_on: &BTreeMap<String, String>,
) -> Vec<VersionOutcome> {
    outcomes
        .iter()
        .map(|outcome| {
            let deciders: Vec<(usize, usize)> = rules
                .iter()
                .enumerate()
                .flat_map(|(ri, r)| {
                    r.then
                        .iter()
                        .enumerate()
                        .filter(|(_, (o, _))| o == outcome)
                        .map(move |(ti, _)| (ri, ti))
                })
                .collect();
            VersionOutcome {
                answers: !deciders.is_empty()
                    || scope.contains_key(outcome)
                    || silent_on.contains_key(outcome),
                scope: scope.get(outcome).cloned(),
                deciders,
            }
        })
        .collect()
}

/// Everything needed to check and compile one version file.
pub(super) struct VersionCtx<'a> {
    pub(super) l: &'a mut Loader,
    pub(super) engine: &'a Engine,
    pub(super) scope: &'a rhai::Scope<'static>,
    pub(super) functions: &'a analysis::Functions,
    pub(super) groups: &'a [String],
    /// The declared facts' and outcomes' numbers.
    pub(super) numbers: &'a Numbers,
    pub(super) src: Src,
    pub(super) text: &'a str,
}

impl VersionCtx<'_> {
    pub(super) fn push(&mut self, p: RuleProblem) {
        self.l.problems.push(p);
    }

    pub(super) fn date(&mut self, d: &Spanned<String>) -> Option<NaiveDate> {
        parse_date_at(d, self.text, &self.src, &mut self.l.problems)
    }

    pub(super) fn version(&mut self, file: &str, v: VersionFile) -> Option<Version> {
        let from = self.date(&v.in_force.from);
        let until = match &v.in_force.until {
            Some(u) => Some(self.date(u)?),
            None => None,
        };
        let from = from?;
        if let (Some(u), Some(until_at)) = (until, &v.in_force.until)
            && u <= from
        {
            self.push(RuleProblem::EmptyInterval {
                from: from.to_string(),
                until: u.to_string(),
                src: self.src.clone(),
                span: at(&until_at.referenced, self.text),
            });
        }
        let source_date = match &v.source.date {
            Some(d) => self.date(d),
            None => None,
        };
        if !v.rule_set.value.split('.').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }) {
            self.push(RuleProblem::Invalid {
                message: format!("rule set id `{}` is not a dotted name", v.rule_set.value),
                src: self.src.clone(),
                span: at(&v.rule_set.referenced, self.text),
                help: format!(
                    "write ids like `{}`: lower-case words joined by `-`, parts joined by `.`",
                    v.rule_set
                        .value
                        .split('.')
                        .map(|part| super::declarations::plain_name(part, '-'))
                        .collect::<Vec<_>>()
                        .join(".")
                ),
            });
        }
        let applies_when = v
            .applies_when
            .as_ref()
            .and_then(|s| self.condition("`applies_when`", s));
        let mut scope = BTreeMap::new();
        for (key, cond) in &v.scope {
            if self.outcome_declared(key).is_some()
                && let Some(c) = self.condition(&format!("`scope.{}`", key.name()), cond)
            {
                scope.insert(key.name().to_string(), c);
            }
        }
        let mut silent_on = BTreeMap::new();
        for (key, why) in &v.silent_on {
            if self.outcome_declared(key).is_some() {
                silent_on.insert(key.name().to_string(), why.value.clone());
            }
        }
        let mut more_specific_than = Vec::new();
        for m in &v.precedence.more_specific_than {
            let outcomes = m.outcomes.as_ref().map(|os| {
                os.iter()
                    .filter(|o| {
                        self.outcome_declared(&Key(Spanned::new(
                            o.value.clone(),
                            o.referenced,
                            o.defined,
                        )))
                        .is_some()
                    })
                    .map(|o| o.value.clone())
                    .collect::<BTreeSet<_>>()
            });
            let span = at(&m.rule_set.referenced, self.text);
            if m.rule_set.value == v.rule_set.value {
                self.push(RuleProblem::PrecedenceCycle {
                    cycle: format!("`{}` is more specific than itself", m.rule_set.value),
                    src: self.src.clone(),
                    span,
                    help: "name the less specific rule set here, not this one".to_string(),
                });
            }
            more_specific_than.push(MoreSpecificThan {
                rule_set: m.rule_set.value.clone(),
                outcomes,
                span,
            });
        }
        if let Some(r) = &v.repeal
            && !v.rules.is_empty()
        {
            self.push(RuleProblem::Invalid {
                message: "a repeal version decides nothing, but this one has rules".to_string(),
                src: self.src.clone(),
                span: at(&r.repeals.referenced, self.text),
                help: "move the rules into a version of their own, or remove `repeal`".to_string(),
            });
        }
        let rules = self.rules(&v.rules);
        let slots = outcome_table(&self.numbers.outcomes, &rules, &scope, &silent_on);
        let number = self.l.versions;
        self.l.versions += 1;
        Some(Version {
            rule_set: v.rule_set.value,
            id: v.version.value,
            title: v.title.value,
            file: file.to_string(),
            from,
            until,
            source: SourceInfo {
                act: v.source.act.value,
                number: v.source.number,
                date: source_date,
                read_at: v.source.read_at.value,
                url: v.source.url,
            },
            notes: v.notes,
            applies_when,
            scope,
            silent_on,
            more_specific_than,
            repeal: v.repeal.map(|r| RepealInfo {
                repeals: r.repeals.value,
                note: r.note,
            }),
            rules,
            id_span: at(&v.version.referenced, self.text),
            in_force_span: at(&v.in_force.from.referenced, self.text),
            by_outcome: slots,
            at: number,
        })
    }

    pub(super) fn outcome_declared(&mut self, key: &Key) -> Option<OutcomeDef> {
        match self.l.outcomes.get(key.name()) {
            Some((d, _)) => Some(d.clone()),
            None => {
                let help = suggest(key.name(), self.l.outcomes.keys().map(String::as_str));
                self.push(RuleProblem::UndeclaredOutcome {
                    name: key.name().to_string(),
                    src: self.src.clone(),
                    span: at(&key.0.referenced, self.text),
                    help: format!("{help} (outcomes are declared in an `outcomes:` file)"),
                });
                None
            }
        }
    }

    pub(super) fn condition(&mut self, field: &str, script: &Spanned<String>) -> Option<Condition> {
        let compiled = self.compile(field, script)?;
        let numbers = self.numbers;
        self.l.conditions += 1;
        let mut cond = analysis::skeleton(&compiled, self.groups, &|f| numbers.fact(f));
        self.l.leaves.number(&mut cond);
        Some(Condition {
            text: script.value.clone(),
            cond,
            id: self.l.conditions - 1,
        })
    }

    /// Compiles a script and checks every fact it reads is declared; errors
    /// point at the exact place inside the YAML scalar.
    pub(super) fn compile(&mut self, field: &str, script: &Spanned<String>) -> Option<Compiled> {
        let region = at(&script.referenced, self.text);
        match analysis::compile(
            self.engine,
            self.scope,
            &script.value,
            self.groups,
            self.functions,
        ) {
            Err(errors) => {
                for e in errors {
                    let span = locate(self.text, region, &script.value, e.line, e.column);
                    let problem = match e.changes {
                        Some(name) => RuleProblem::ChangesConstant {
                            span: SourceSpan::new(
                                span.offset().into(),
                                name.len()
                                    .min(self.text.len().saturating_sub(span.offset())),
                            ),
                            message: e.message,
                            src: self.src.clone(),
                        },
                        None => RuleProblem::ScriptSyntax {
                            field: field.to_string(),
                            help: script_help(&e.message, self.groups),
                            message: e.message,
                            src: self.src.clone(),
                            span,
                        },
                    };
                    self.push(problem);
                }
                None
            }
            Ok(compiled) => {
                let mut ok = true;
                for read in &compiled.reads {
                    if !self.l.facts.contains_key(&read.name) {
                        ok = false;
                        let span = locate(self.text, region, &script.value, read.line, read.column);
                        let span = SourceSpan::new(
                            span.offset().into(),
                            read.name
                                .len()
                                .min(self.text.len().saturating_sub(span.offset())),
                        );
                        let help = suggest(&read.name, self.l.facts.keys().map(String::as_str));
                        self.push(RuleProblem::UndeclaredFact {
                            fact: read.name.clone(),
                            src: self.src.clone(),
                            span,
                            help: format!("{help} (facts are declared in a `facts:` file)"),
                        });
                    }
                }
                for c in &compiled.comparisons {
                    let span = locate(self.text, region, &script.value, c.line, c.column);
                    if let Some(p) = self.comparison_problem(c, span) {
                        ok = false;
                        self.push(p);
                    }
                }
                ok.then_some(compiled)
            }
        }
    }
}

impl VersionCtx<'_> {
    /// A fact compared with a literal it can never equal: a literal of
    /// another type (rhai would answer `false` without complaint), or a
    /// value outside the fact's declared values (a misspelt id).
    fn comparison_problem(&self, c: &Comparison, span: SourceSpan) -> Option<RuleProblem> {
        let def = self.l.facts.get(&c.fact).map(|(d, _)| d)?;
        if c.literal == Lit::Unit {
            if def.null_means == NullMeans::None {
                return None;
            }
            return Some(RuleProblem::NullNeverSeen {
                fact: c.fact.clone(),
                src: self.src.clone(),
                span: SourceSpan::new(span.offset().into(), 2),
            });
        }
        let type_ok = matches!(
            (def.ty, &c.literal, c.op.as_str()),
            (ValueType::Bool, Lit::Bool(_), _)
                | (ValueType::Int, Lit::Int(_), _)
                | (ValueType::String, Lit::Str(_), _)
                | (ValueType::List, Lit::Str(_), "in")
        );
        if !type_ok {
            let help = match def.ty {
                ValueType::Date => "compare dates with dates, e.g. `ymd(2001, 7, 26)` or `parse_date(\"2001-07-26\")`".to_string(),
                ValueType::List => format!("test membership, e.g. `\"x\" in {}`", c.fact),
                _ => format!("write {} here", type_words(def.ty)),
            };
            return Some(RuleProblem::Invalid {
                message: format!(
                    "`{}` is {}, but it is compared with {} (`{}`), which is never true",
                    c.fact,
                    type_words(def.ty),
                    c.literal.kind(),
                    c.op
                ),
                src: self.src.clone(),
                span,
                help,
            });
        }
        if let Lit::Str(v) = &c.literal
            && !def.allows(v)
        {
            return Some(RuleProblem::ValueNotAllowed {
                name: c.fact.clone(),
                value: v.clone(),
                src: self.src.clone(),
                span: SourceSpan::new(span.offset().into(), span.len().max(v.len() + 2)),
                help: def.suggestion(v),
            });
        }
        None
    }
}
