//! Evaluates a case against the rule-set versions in force on a date.
//!
//! Conditions are evaluated with three-valued (Kleene) logic over their
//! `&&` / `||` / `!` skeleton: a leaf that reads a fact the case lacks is
//! unknown and is never run, so no missing fact is ever read as false.
//! Each outcome is then resolved from the rules that fired, the rules that
//! might have fired, and the declared precedence between them; see
//! `docs/architecture.md`. Not here: loading, rendering.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rhai::{Array, Dynamic, Map, Scope};

use crate::case::Case;
use crate::diagnostics::EvalError;
use crate::format::{Combine, ValueType};
use crate::model::{Condition, OutcomeDef, Rule, RuleSet, Then, Val, Version};
use crate::result::{
    By, EvalResult, Interval, OutcomeResult, RulesInfo, Status, TraceEntry, VersionInForce,
};
use crate::script::analysis::{Cond, DATE_VARIABLE};
use crate::script::native::{self, NativeError};
use crate::tree::{Resolved, RuleTree};

/// A three-valued truth: unknown carries the facts that would settle it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tv {
    True,
    False,
    Unknown(BTreeSet<String>),
}

impl Tv {
    fn and(self, other: Tv) -> Tv {
        match (self, other) {
            (Tv::False, _) | (_, Tv::False) => Tv::False,
            (Tv::True, x) | (x, Tv::True) => x,
            (Tv::Unknown(mut a), Tv::Unknown(b)) => {
                a.extend(b);
                Tv::Unknown(a)
            }
        }
    }
    fn word(&self) -> &'static str {
        match self {
            Tv::True => "held",
            Tv::False => "false",
            Tv::Unknown(_) => "unknown",
        }
    }
    fn needs(&self) -> Vec<String> {
        match self {
            Tv::Unknown(n) => n.iter().cloned().collect(),
            _ => Vec::new(),
        }
    }
}

/// A script failed at run time (limits, type errors): the rules' fault.
struct Fail(String);

/// Evaluates `case` on `date`. `explain` adds the trace of every rule considered.
pub fn evaluate(
    tree: &RuleTree,
    case: &Case,
    date: NaiveDate,
    explain: bool,
) -> Result<EvalResult, Box<EvalError>> {
    let mut ev = Evaluator::new(tree, case, date);
    let resolved: Vec<(&RuleSet, Resolved)> = tree
        .rule_sets
        .iter()
        .filter_map(|s| s.resolve(date).map(|r| (s, r)))
        .collect();
    let in_force: Vec<&Version> = resolved
        .iter()
        .filter_map(|(_, r)| match r {
            Resolved::InForce(v) => Some(*v),
            _ => None,
        })
        .collect();

    let mut outcomes = BTreeMap::new();
    let mut defeated: Vec<(String, String, String, String)> = Vec::new();
    for def in tree.outcomes.values() {
        if let Some(result) = ev.outcome(def, &resolved, &in_force, &mut defeated)? {
            outcomes.insert(def.name.clone(), result);
        }
    }

    let mut explanation = explain_outcomes(&outcomes, &in_force);
    let trace = if explain {
        // Notes of the versions in force that concern the case (a repeal's
        // own notes included): doubts about the text the answer rests on.
        for (set, r) in &resolved {
            let Resolved::InForce(v) = r else { continue };
            let sv = ev.scope_version(set, r);
            if ev.condition(sv.applies_when.as_ref(), sv, "", "applies_when")? == Tv::False {
                continue;
            }
            for note in &v.notes {
                explanation.push(format!("Note ({} {}): {note}", set.id, v.id));
            }
        }
        Some(ev.trace(&resolved, &defeated)?)
    } else {
        None
    };

    Ok(EvalResult {
        case: case.id.clone(),
        date,
        rules: RulesInfo {
            source: tree.source.clone(),
            digest: tree.digest.clone(),
        },
        rule_sets: rule_sets_in_force(&mut ev, &resolved)?,
        outcomes,
        explanation,
        trace,
    })
}

/// The versions in force, each with whether the case is one it is about
/// (`null` when that depends on facts the case lacks). A repeal is judged
/// by the version it repealed.
fn rule_sets_in_force<'a>(
    ev: &mut Evaluator<'a>,
    resolved: &[(&'a RuleSet, Resolved<'a>)],
) -> Result<Vec<VersionInForce>, Box<EvalError>> {
    let mut out = Vec::new();
    for (set, r) in resolved {
        let Resolved::InForce(v) = r else { continue };
        let sv = ev.scope_version(set, r);
        let applies = match ev.condition(sv.applies_when.as_ref(), sv, "", "applies_when")? {
            Tv::True => Some(true),
            Tv::False => Some(false),
            Tv::Unknown(_) => None,
        };
        out.push(VersionInForce {
            id: v.rule_set.clone(),
            version: v.id.clone(),
            title: v.title.clone(),
            in_force: Interval {
                from: v.from,
                until: v.until,
            },
            source: v.source.act.clone(),
            repeal: v.repeal.is_some(),
            applies,
        });
    }
    Ok(out)
}

/// The truth of one condition leaf for a case on a date, as a small code
/// (0 false, 1 true, 2 unknown, 3 failed): `history` compares these from
/// day to day instead of evaluating the whole case.
pub(crate) fn leaf_code(
    tree: &RuleTree,
    case: &Case,
    date: NaiveDate,
    leaf: &crate::script::analysis::Leaf,
) -> u8 {
    let mut ev = Evaluator::new(tree, case, date);
    match ev.leaf(leaf) {
        Ok(Tv::False) => 0,
        Ok(Tv::True) => 1,
        Ok(Tv::Unknown(_)) => 2,
        Err(_) => 3,
    }
}

/// One rule (or a gate standing in for its version) that could decide an outcome.
struct Candidate<'a> {
    version: &'a Version,
    rule: Option<&'a Rule>,
    state: Tv,
    /// For a rule: its value, or the facts its computation needs.
    value: Option<Result<Val, BTreeSet<String>>>,
}

/// A rule set that answers an outcome on this date, whether in force or not.
struct Answering<'a> {
    set: &'a RuleSet,
    resolved: Resolved<'a>,
    decides: bool,
}

struct Evaluator<'a> {
    tree: &'a RuleTree,
    case: &'a Case,
    date: NaiveDate,
    /// The facts as rhai values, built only when a script needs rhai: most
    /// leaves are evaluated natively and never look at it.
    scope: Option<Scope<'static>>,
    /// Condition results by address of the condition: each is evaluated once per case.
    cache: Vec<Option<Tv>>,
}

impl<'a> Evaluator<'a> {
    fn new(tree: &'a RuleTree, case: &'a Case, date: NaiveDate) -> Self {
        Evaluator {
            tree,
            case,
            date,
            scope: None,
            cache: Vec::new(),
        }
    }

    /// The rhai scope holding the fact groups and `date`.
    fn scope(&mut self) -> &mut Scope<'static> {
        let (tree, case, date) = (self.tree, self.case, self.date);
        self.scope.get_or_insert_with(|| {
            let mut groups: BTreeMap<&str, Map> = tree
                .groups
                .iter()
                .map(|g| (g.as_str(), Map::new()))
                .collect();
            for (name, val) in &case.facts {
                if let Some((g, f)) = name.split_once('.')
                    && let Some(map) = groups.get_mut(g)
                {
                    map.insert(f.into(), to_dynamic(val));
                }
            }
            let mut scope = Scope::new();
            for (g, map) in groups {
                scope.push(g.to_string(), map);
            }
            scope.push(DATE_VARIABLE, date);
            scope
        })
    }

    /// The version whose `applies_when` and `scope` decide what a rule set
    /// answers on this date; a repeal answers what the repealed version did.
    fn scope_version(&self, set: &'a RuleSet, r: &Resolved<'a>) -> &'a Version {
        match r {
            Resolved::InForce(v) if v.repeal.is_some() => set.repealed_by(v).unwrap_or(v),
            other => match *other {
                Resolved::InForce(v) | Resolved::NotYet(v) => v,
                Resolved::Lapsed { ended, .. } => ended,
            },
        }
    }

    /// Evaluates a declared condition once per case; failures name the
    /// version's own rule set and file, and the rule and field.
    fn condition(
        &mut self,
        c: Option<&Condition>,
        v: &Version,
        rule: &str,
        field: &str,
    ) -> Result<Tv, Box<EvalError>> {
        self.condition_named(c, v, rule, || field.to_string())
    }

    /// As `condition`, with the field's name built only if it fails: most
    /// conditions never do, and formatting names per case is measurable.
    fn condition_named(
        &mut self,
        c: Option<&Condition>,
        v: &Version,
        rule: &str,
        field: impl FnOnce() -> String,
    ) -> Result<Tv, Box<EvalError>> {
        let Some(c) = c else { return Ok(Tv::True) };
        if let Some(Some(tv)) = self.cache.get(c.id) {
            return Ok(tv.clone());
        }
        let tv = self
            .cond(&c.cond)
            .map_err(|Fail(message)| eval_error(v, rule, &field(), message))?;
        if self.cache.len() <= c.id {
            self.cache.resize(self.tree.conditions.max(c.id + 1), None);
        }
        if let Some(slot) = self.cache.get_mut(c.id) {
            *slot = Some(tv.clone());
        }
        Ok(tv)
    }

    fn scope_condition(
        &mut self,
        v: &Version,
        outcome: &str,
        c: &Condition,
    ) -> Result<Tv, Box<EvalError>> {
        self.condition_named(Some(c), v, "", || format!("scope.{outcome}"))
    }

    fn leaf(&mut self, leaf: &crate::script::analysis::Leaf) -> Result<Tv, Fail> {
        let missing: BTreeSet<String> = leaf
            .reads
            .iter()
            .filter(|r| !self.case.facts.contains_key(*r))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Ok(Tv::Unknown(missing));
        }
        // The native evaluator first; rhai for what it does not mirror.
        let native = match &leaf.native {
            Some(n) => match native::eval(n, &self.case.facts, self.date) {
                Ok(Some(b)) => return Ok(if b { Tv::True } else { Tv::False }),
                Ok(None) => return Ok(Tv::False),
                Err(NativeError::Fail(m)) => Some(m),
                Err(NativeError::Unsupported) => None,
            },
            None => None,
        };
        let out = match native {
            Some(message) => Err(message),
            None => self
                .tree
                .engine
                .eval_ast_with_scope::<Dynamic>(self.scope(), &leaf.ast)
                .map_err(|e| e.to_string()),
        };
        let out = match out {
            Ok(out) => out,
            // A part that cannot be computed because a fact it reads
            // is null ("no such thing": `age_on(null, date)`) does not
            // hold, as comparisons with null do not.
            Err(_)
                if leaf
                    .reads
                    .iter()
                    .any(|r| self.case.facts.get(r) == Some(&Val::Null)) =>
            {
                return Ok(Tv::False);
            }
            Err(e) => return Err(Fail(e)),
        };
        match out.as_bool() {
            Ok(true) => Ok(Tv::True),
            Ok(false) => Ok(Tv::False),
            // A fact given as null is known to be absent: a yes/no
            // fact that does not exist does not hold.
            Err(_) if out.is_unit() => Ok(Tv::False),
            Err(ty) => Err(Fail(format!(
                "a condition must be true or false, but this part gave {ty}"
            ))),
        }
    }

    fn cond(&mut self, c: &Cond) -> Result<Tv, Fail> {
        match c {
            Cond::Leaf(leaf) => self.leaf(leaf),
            Cond::Not(inner) => Ok(match self.cond(inner)? {
                Tv::True => Tv::False,
                Tv::False => Tv::True,
                u => u,
            }),
            Cond::And(parts) => self.connective(parts, Tv::False),
            Cond::Or(parts) => self.connective(parts, Tv::True),
        }
    }

    /// `&&` (dominant `False`) and `||` (dominant `True`), left to right.
    /// A part that fails after an unknown part is itself unknown: in the
    /// world where the unknown part decides, rhai would never have run it
    /// (`x != () && f(x)` guards `f` that way).
    fn connective(&mut self, parts: &[Cond], dominant: Tv) -> Result<Tv, Fail> {
        let mut unknown: Option<BTreeSet<String>> = None;
        for p in parts {
            match self.cond(p) {
                Ok(tv) if tv == dominant => return Ok(dominant),
                Ok(Tv::Unknown(n)) => unknown.get_or_insert_with(BTreeSet::new).extend(n),
                Ok(_) => {}
                Err(fail) => match &unknown {
                    Some(_) => {}
                    None => return Err(fail),
                },
            }
        }
        Ok(match unknown {
            Some(n) => Tv::Unknown(n),
            None => match dominant {
                Tv::False => Tv::True,
                _ => Tv::False,
            },
        })
    }

    fn gate(&mut self, v: &'a Version, outcome: &str) -> Result<Tv, Box<EvalError>> {
        let applies = self.condition(v.applies_when.as_ref(), v, "", "applies_when")?;
        if applies == Tv::False {
            return Ok(Tv::False);
        }
        let scoped = match v.scope.get(outcome) {
            // The condition inside the version, not a copy: the cache is
            // keyed by its address.
            Some(c) => self.scope_condition(v, outcome, c)?,
            None => Tv::True,
        };
        Ok(applies.and(scoped))
    }

    fn rule_when(&mut self, v: &Version, r: &Rule) -> Result<Tv, Box<EvalError>> {
        self.condition(r.when.as_ref(), v, &r.id, "when")
    }

    fn value(
        &mut self,
        v: &Version,
        r: &Rule,
        def: &OutcomeDef,
        then: &Then,
    ) -> Result<Result<Val, BTreeSet<String>>, Box<EvalError>> {
        match then {
            Then::Literal(val) => Ok(Ok(val.clone())),
            Then::Expr {
                ast, reads, native, ..
            } => {
                let missing: BTreeSet<String> = reads
                    .iter()
                    .filter(|f| !self.case.facts.contains_key(*f))
                    .cloned()
                    .collect();
                if !missing.is_empty() {
                    return Ok(Err(missing));
                }
                let fail = |m: String| eval_error_at(v, r, &format!("then.{}", def.name), m);
                if let Some(t) = native {
                    match native::eval_term(t, &self.case.facts, self.date) {
                        Ok(val) => return check_value(val, def).map(Ok).map_err(fail),
                        Err(NativeError::Fail(m)) => return Err(fail(m)),
                        Err(NativeError::Unsupported) => {}
                    }
                }
                let out = self
                    .tree
                    .engine
                    .eval_ast_with_scope::<Dynamic>(self.scope(), ast)
                    .map_err(|e| fail(e.to_string()))?;
                from_dynamic(out, def).map(Ok).map_err(fail)
            }
        }
    }

    fn outcome(
        &mut self,
        def: &OutcomeDef,
        resolved: &[(&'a RuleSet, Resolved<'a>)],
        in_force: &[&'a Version],
        defeated_log: &mut Vec<(String, String, String, String)>,
    ) -> Result<Option<OutcomeResult>, Box<EvalError>> {
        let name = def.name.as_str();
        let mut answering: Vec<Answering<'a>> = Vec::new();
        let mut candidates: Vec<Candidate<'a>> = Vec::new();
        for (set, r) in resolved {
            let sv = self.scope_version(set, r);
            if !sv.answers.contains(name) {
                continue;
            }
            let gate = self.gate(sv, name)?;
            if gate == Tv::False {
                continue;
            }
            let mut decides = false;
            if let Resolved::InForce(v) = r
                && v.repeal.is_none()
            {
                if let Tv::Unknown(_) = gate {
                    candidates.push(Candidate {
                        version: v,
                        rule: None,
                        state: gate.clone(),
                        value: None,
                    });
                }
                let deciders = v.deciders.get(name).map(Vec::as_slice).unwrap_or_default();
                for &(ri, ti) in deciders {
                    let Some(rule) = v.rules.get(ri) else {
                        continue;
                    };
                    let Some((_, then)) = rule.then.get(ti) else {
                        continue;
                    };
                    decides = true;
                    let state = gate.clone().and(self.rule_when(v, rule)?);
                    let value = match state {
                        Tv::False => None,
                        Tv::True => Some(self.value(v, rule, def, then)?),
                        // A rule that may not fire is only asked what it
                        // would say; if its computation fails it says
                        // nothing, as rhai would never have run it.
                        Tv::Unknown(_) => self.value(v, rule, def, then).ok(),
                    };
                    candidates.push(Candidate {
                        version: v,
                        rule: Some(rule),
                        state,
                        value,
                    });
                }
                decides &= gate == Tv::True;
            }
            answering.push(Answering {
                set,
                resolved: *r,
                decides,
            });
        }
        if answering.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.resolve(
            def,
            &candidates,
            &answering,
            in_force,
            defeated_log,
        )))
    }

    fn resolve(
        &self,
        def: &OutcomeDef,
        candidates: &[Candidate<'a>],
        answering: &[Answering<'a>],
        in_force: &[&'a Version],
        defeated_log: &mut Vec<(String, String, String, String)>,
    ) -> OutcomeResult {
        let fired: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| c.state == Tv::True && c.rule.is_some())
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
            .filter(|c| matches!(c.state, Tv::Unknown(_)) && defeater(c).is_none())
            .collect();

        let mut needs: BTreeSet<String> = BTreeSet::new();
        for w in &winners {
            if let Some(Err(n)) = &w.value {
                needs.extend(n.iter().cloned());
            }
        }
        let values: Vec<&Val> = winners
            .iter()
            .filter_map(|w| w.value.as_ref().and_then(|v| v.as_ref().ok()))
            .collect();
        let by = |cs: &[&Candidate], with_value: bool| -> Vec<By> {
            cs.iter()
                .filter_map(|c| {
                    let r = c.rule?;
                    Some(By {
                        rule: r.id.clone(),
                        rule_set: c.version.rule_set.clone(),
                        version: c.version.id.clone(),
                        cite: r.cite.clone(),
                        value: if with_value {
                            c.value.as_ref().and_then(|v| v.as_ref().ok()).cloned()
                        } else {
                            None
                        },
                    })
                })
                .collect()
        };
        let missing = |needs: BTreeSet<String>| OutcomeResult {
            status: Status::MissingFacts,
            value: None,
            by: Vec::new(),
            needs: needs.into_iter().collect(),
            reason: None,
        };
        if !needs.is_empty() {
            return missing(needs);
        }
        let unknown_needs = || -> BTreeSet<String> {
            unknowns
                .iter()
                .flat_map(|c| match &c.state {
                    Tv::Unknown(n) => {
                        let mut all: Vec<String> = n.iter().cloned().collect();
                        if let Some(Err(value_needs)) = &c.value {
                            all.extend(value_needs.iter().cloned());
                        }
                        all
                    }
                    _ => Vec::new(),
                })
                .collect()
        };

        match def.combine {
            Combine::Union => {
                if !unknowns.is_empty() {
                    return missing(unknown_needs());
                }
                if winners.is_empty() && !answering.iter().any(|a| a.decides) {
                    return self.undetermined(def, answering);
                }
                let mut items: Vec<String> = Vec::new();
                for v in &values {
                    if let Val::List(list) = v {
                        for item in list {
                            if !items.contains(item) {
                                items.push(item.clone());
                            }
                        }
                    }
                }
                OutcomeResult {
                    status: Status::Decided,
                    value: Some(Val::List(items)),
                    by: by(&winners, false),
                    needs: Vec::new(),
                    reason: None,
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
                    return self.undetermined(def, answering);
                }
                if agree {
                    OutcomeResult {
                        status: Status::Decided,
                        value: first.cloned(),
                        by: by(&winners, false),
                        needs: Vec::new(),
                        reason: None,
                    }
                } else {
                    OutcomeResult {
                        status: Status::Conflict,
                        value: None,
                        by: by(&winners, true),
                        needs: Vec::new(),
                        reason: None,
                    }
                }
            }
        }
    }

    fn undetermined(&self, def: &OutcomeDef, answering: &[Answering<'a>]) -> OutcomeResult {
        let reasons: Vec<String> = answering.iter().map(|a| self.reason(def, a)).collect();
        OutcomeResult {
            status: Status::Undetermined,
            value: None,
            by: Vec::new(),
            needs: Vec::new(),
            reason: Some(reasons.join("; ")),
        }
    }

    fn reason(&self, def: &OutcomeDef, a: &Answering<'a>) -> String {
        let id = &a.set.id;
        match a.resolved {
            // Written at load: they depend on the versions, not the case.
            Resolved::InForce(v) if v.repeal.is_some() => v.reasons.repealed.clone(),
            Resolved::NotYet(first) => first.reasons.not_yet.clone(),
            Resolved::Lapsed { ended, .. } => ended.reasons.lapsed.clone(),
            Resolved::InForce(v) => match v.silent_on.get(&def.name) {
                Some(why) => format!(
                    "{} (`{id}` version {}) does not decide it: {why}",
                    v.title, v.id
                ),
                None if v.deciders.contains_key(&def.name) => {
                    format!(
                        "no rule of `{id}` version {} decides it for this case",
                        v.id
                    )
                }
                None => format!("`{id}` version {} does not decide it", v.id),
            },
        }
    }

    /// Every rule considered, and what became of it.
    fn trace(
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
                needs: applies.needs(),
                outcomes: Vec::new(),
                overridden_for: Vec::new(),
                detail: match (&applies, in_force) {
                    (_, None) => format!(
                        "no version of `{}` with rules is in force on {}",
                        set.id, self.date
                    ),
                    (Tv::True, _) => format!("the case is one `{}` is about", set.id),
                    (Tv::False, _) => format!(
                        "the case is not one `{}` is about; its rules are not considered",
                        set.id
                    ),
                    (Tv::Unknown(_), _) => format!(
                        "whether `{}` applies depends on facts the case lacks",
                        set.id
                    ),
                },
            });
            if applies != Tv::False {
                for (outcome, c) in &sv.scope {
                    let tv = self.scope_condition(sv, outcome, c)?;
                    out.push(TraceEntry {
                        rule_set: set.id.clone(),
                        version: sv.id.clone(),
                        rule: format!("scope.{outcome}"),
                        cite: String::new(),
                        condition: tv.word().into(),
                        needs: tv.needs(),
                        outcomes: vec![outcome.clone()],
                        overridden_for: Vec::new(),
                        detail: match &tv {
                            Tv::True => format!("`{outcome}` is answered for this case"),
                            Tv::False => format!("`{outcome}` is not answered for this case"),
                            Tv::Unknown(_) => format!(
                                "whether `{outcome}` is answered depends on facts the case lacks"
                            ),
                        },
                    });
                }
            }
            let Some(v) = in_force else { continue };
            if applies == Tv::False {
                continue;
            }
            for rule in &v.rules {
                let outcomes: Vec<String> = rule.then.iter().map(|(o, _)| o.clone()).collect();
                // A rule whose every outcome is out of scope for this case
                // was not considered: saying it "could not be evaluated"
                // would send the caseworker after facts that do not matter.
                let mut in_scope = false;
                for o in &outcomes {
                    if self.gate(v, o)? != Tv::False {
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
                    Tv::True if beaten.is_empty() => format!(
                        "fired: {}{}",
                        rule.summary.clone().unwrap_or_else(|| rule.cite.clone()),
                        rule.note
                            .as_ref()
                            .map(|n| format!(" Note: {n}"))
                            .unwrap_or_default()
                    ),
                    Tv::True => format!("fired, but was overridden for {}", beaten.join(", ")),
                    Tv::False => "did not fire: its condition is false for this case".to_string(),
                    Tv::Unknown(n) => format!(
                        "could not be evaluated: the case lacks {}",
                        n.iter()
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
                    needs: tv.needs(),
                    outcomes,
                    overridden_for,
                    detail,
                });
            }
        }
        Ok(out)
    }
}

/// Does the fired candidate `y` take precedence over `x` for `outcome`?
fn defeats(y: &Candidate, x: &Candidate, outcome: &str, in_force: &[&Version]) -> bool {
    if std::ptr::eq(y.version, x.version) {
        return match (y.rule, x.rule) {
            (Some(yr), Some(xr)) => yr.defeats.contains(&xr.id),
            _ => false,
        };
    }
    more_specific(&y.version.rule_set, &x.version.rule_set, outcome, in_force)
}

/// Is rule set `a` more specific than `b` for `outcome`, directly or through
/// other rule sets, by the declarations of the versions in force?
fn more_specific(a: &str, b: &str, outcome: &str, in_force: &[&Version]) -> bool {
    let mut seen = BTreeSet::new();
    let mut todo = vec![a.to_string()];
    while let Some(set) = todo.pop() {
        if !seen.insert(set.clone()) {
            continue;
        }
        for v in in_force.iter().filter(|v| v.rule_set == set) {
            for m in &v.more_specific_than {
                if m.outcomes.as_ref().is_none_or(|os| os.contains(outcome)) {
                    if m.rule_set == b {
                        return true;
                    }
                    todo.push(m.rule_set.clone());
                }
            }
        }
    }
    false
}

fn explain_outcomes(
    outcomes: &BTreeMap<String, OutcomeResult>,
    in_force: &[&Version],
) -> Vec<String> {
    let mut lines = Vec::new();
    for (name, o) in outcomes {
        lines.push(match o.status {
            Status::Decided => {
                let value = o.value.as_ref().map(|v| v.to_string()).unwrap_or_default();
                // Each rule's grounds were written once, at load.
                let grounds: Vec<&str> =
                    o.by.iter()
                        .filter_map(|b| {
                            in_force
                                .iter()
                                .find(|v| v.rule_set == b.rule_set && v.id == b.version)
                                .and_then(|v| v.rules.iter().find(|r| r.id == b.rule))
                                .map(|r| r.grounds.as_str())
                        })
                        .collect();
                if grounds.is_empty() {
                    format!("{name} is {value}: no requirement arises under the rules in force")
                } else {
                    format!("{name} is {value}, under {}", grounds.join("; and "))
                }
            }
            Status::MissingFacts => format!(
                "{name} cannot be decided without {}",
                o.needs
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Status::Undetermined => format!(
                "{name} is undetermined: {}",
                o.reason.clone().unwrap_or_default()
            ),
            Status::Conflict => format!(
                "{name} is in conflict: {}",
                o.by.iter()
                    .map(|b| format!(
                        "rule `{}` ({}) says {}",
                        b.rule,
                        b.cite,
                        b.value.as_ref().map(|v| v.to_string()).unwrap_or_default()
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    lines
}

fn eval_error(v: &Version, rule: &str, field: &str, message: String) -> Box<EvalError> {
    let place = if rule.is_empty() {
        format!("`{field}`")
    } else {
        format!("`{field}` of rule `{rule}`")
    };
    Box::new(EvalError {
        place,
        rule: rule.to_string(),
        rule_set: v.rule_set.clone(),
        version: v.id.clone(),
        file: v.file.clone(),
        help: help_for(&message),
        message,
    })
}

fn eval_error_at(v: &Version, r: &Rule, field: &str, message: String) -> Box<EvalError> {
    eval_error(v, &r.id, field, message)
}

fn help_for(message: &str) -> String {
    if message.contains("Too many operations") {
        "the script ran past its operations limit (an endless loop?); rewrite it as a plain condition".to_string()
    } else {
        "fix the script in the rule file; `inforce check` catches syntax but not every run-time error".to_string()
    }
}

fn to_dynamic(val: &Val) -> Dynamic {
    match val {
        Val::Null => Dynamic::UNIT,
        Val::Bool(b) => Dynamic::from(*b),
        Val::Int(i) => Dynamic::from(*i),
        Val::Date(d) => Dynamic::from(*d),
        Val::Str(s) => Dynamic::from(s.clone()),
        Val::List(items) => Dynamic::from(
            items
                .iter()
                .map(|s| Dynamic::from(s.clone()))
                .collect::<Array>(),
        ),
    }
}

/// A natively computed value must have the outcome's declared type, as
/// `from_dynamic` requires of rhai's.
fn check_value(val: Val, def: &OutcomeDef) -> Result<Val, String> {
    let fits = matches!(
        (&val, def.ty),
        (Val::Null, _)
            | (Val::Bool(_), ValueType::Bool)
            | (Val::Int(_), ValueType::Int)
            | (Val::Date(_), ValueType::Date)
            | (Val::Str(_), ValueType::String)
            | (Val::List(_), ValueType::List)
    );
    if !fits {
        return Err(format!(
            "`{}` is declared as {}, but the expression gave {}",
            def.name,
            crate::model::type_words(def.ty),
            val.type_name()
        ));
    }
    if let (Some(allowed), Val::List(items)) = (&def.values, &val)
        && let Some(bad) = items.iter().find(|i| !allowed.contains(i))
    {
        return Err(format!("`{bad}` is not an allowed value of `{}`", def.name));
    }
    Ok(val)
}

fn from_dynamic(d: Dynamic, def: &OutcomeDef) -> Result<Val, String> {
    let want = crate::model::type_words(def.ty);
    if d.is_unit() {
        return Ok(Val::Null);
    }
    let val = match def.ty {
        ValueType::Bool => d.as_bool().ok().map(Val::Bool),
        ValueType::Int => d.as_int().ok().map(Val::Int),
        ValueType::Date => d.clone().try_cast::<NaiveDate>().map(Val::Date),
        ValueType::String => d.clone().into_string().ok().map(Val::Str),
        ValueType::List => d.clone().try_cast::<Array>().and_then(|items| {
            items
                .into_iter()
                .map(|i| i.into_string().ok())
                .collect::<Option<Vec<String>>>()
                .map(Val::List)
        }),
    };
    let val = val.ok_or_else(|| {
        format!(
            "`{}` is declared as {want}, but the expression gave {}",
            def.name,
            d.type_name()
        )
    })?;
    if let (Some(allowed), Val::List(items)) = (&def.values, &val)
        && let Some(bad) = items.iter().find(|i| !allowed.contains(i))
    {
        return Err(format!("`{bad}` is not an allowed value of `{}`", def.name));
    }
    Ok(val)
}
