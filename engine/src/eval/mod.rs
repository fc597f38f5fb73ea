//! Evaluates a case against the rule-set versions in force on a date.
//!
//! Conditions are evaluated with three-valued (Kleene) logic over their
//! `&&` / `||` / `!` skeleton: a leaf that reads a fact the case lacks is
//! unknown and is never run, so no missing fact is ever read as false.
//! Each outcome is then resolved from the rules that fired, the rules that
//! might have fired, and the declared precedence between them; see
//! `docs/architecture.md`. Not here: loading, rendering.

pub(crate) mod fact_set;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rhai::{Array, Dynamic, Map, Scope};

use crate::case::Case;
use crate::diagnostics::{EvalError, FailureKind, ScriptPlace};
use crate::eval::fact_set::FactSet;
use crate::result::{By, EvalResult, OutcomeResult, RulesInfo, Status, TraceEntry, VersionInForce};
use crate::rules::format::{Combine, ValueType};
use crate::rules::model::{CaseCheck, Condition, OutcomeDef, Rule, RuleSet, Then, Val, Version};
use crate::rules::tree::{Resolved, RuleTree};
use crate::script::analysis::{Cond, DATE_VARIABLE};
use crate::script::native::{self, NativeError, Slots};

/// A three-valued truth: unknown carries the facts (by number) that would
/// settle it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tv {
    True,
    False,
    Unknown(FactSet),
}

impl Tv {
    fn and(self, other: Tv) -> Tv {
        match (self, other) {
            (Tv::False, _) | (_, Tv::False) => Tv::False,
            (Tv::True, x) | (x, Tv::True) => x,
            (Tv::Unknown(mut a), Tv::Unknown(b)) => {
                a.extend(&b);
                Tv::Unknown(a)
            }
        }
    }
    /// Equal for `True` and `False`; any two unknowns alike. Cheaper than
    /// `==`, which compares the facts an unknown needs.
    fn same_kind(&self, other: &Tv) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }

    fn word(&self) -> &'static str {
        match self {
            Tv::True => "held",
            Tv::False => "false",
            Tv::Unknown(_) => "unknown",
        }
    }
    fn needs(&self, tree: &RuleTree) -> Vec<String> {
        match self {
            Tv::Unknown(n) => names(tree, n),
            _ => Vec::new(),
        }
    }
}

/// The names of numbered facts, sorted.
fn names(tree: &RuleTree, set: &FactSet) -> Vec<String> {
    set.iter()
        .filter_map(|id| tree.fact_names.get(id).cloned())
        .collect()
}

/// A script failed at run time (limits, type errors): the rules' fault.
struct Fail(String);

/// A declared check a case fails.
pub struct FailedCheck<'t> {
    pub check: &'t CaseCheck,
    /// Set when the check could not be run at all (a fault of the rules).
    pub error: Option<String>,
}

impl FailedCheck<'_> {
    /// What is wrong with the case.
    pub fn message(&self) -> String {
        match &self.error {
            None => self.check.message.clone(),
            Some(e) => format!(
                "the check could not be run ({}), so the case cannot be trusted to it",
                lower_first(e.clone())
            ),
        }
    }
    /// What to do about it.
    pub fn help(&self) -> String {
        match (&self.check.help, &self.error) {
            (Some(h), None) => h.clone(),
            (_, Some(_)) => format!(
                "the check is declared in `{}`; report it to whoever maintains the rules",
                self.check.file
            ),
            (None, None) => format!(
                "correct {}",
                self.check
                    .reads
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        }
    }
}

/// The declared checks across facts that `case` fails. A check whose facts
/// are unknown cannot fail: only what the case says can be wrong.
pub fn failed_checks<'t>(tree: &'t RuleTree, case: &Case) -> Vec<FailedCheck<'t>> {
    if tree.checks.is_empty() {
        return Vec::new();
    }
    checks_on(tree, &case.slots())
}

/// Whether facts laid out by number pass every check.
pub(crate) fn passes_checks(tree: &RuleTree, slots: &[Option<&Val>]) -> bool {
    tree.checks.is_empty() || checks_on(tree, slots).is_empty()
}

fn checks_on<'t>(tree: &'t RuleTree, slots: &[Option<&Val>]) -> Vec<FailedCheck<'t>> {
    // Checks never read `date` (the loader refuses it); any day will do.
    let date = NaiveDate::MIN;
    crate::script::budget::start_case();
    let mut ev = Evaluator::new(tree, slots.to_vec(), date);
    tree.checks
        .iter()
        // A check is made only on facts the case gives a value: one it
        // leaves unknown, or gives as `null` meaning none (no such event),
        // cannot be wrong.
        .filter(|check| {
            check.read_ids.iter().all(|&id| {
                slots
                    .get(id)
                    .copied()
                    .flatten()
                    .is_some_and(|v| *v != Val::Null)
            })
        })
        .filter_map(|check| match ev.cond(&check.condition.cond) {
            Ok(Tv::False) => Some(FailedCheck { check, error: None }),
            Ok(_) => None,
            Err(Fail(e)) => Some(FailedCheck {
                check,
                error: Some(e),
            }),
        })
        .collect()
}

/// Evaluates `case` on `date`. `explain` adds the trace of every rule
/// considered. A case read against another tree is refused.
pub fn evaluate(
    tree: &RuleTree,
    case: &Case,
    date: NaiveDate,
    explain: bool,
) -> Result<EvalResult, Box<EvalError>> {
    if !case.is_of(tree) {
        return Err(Box::new(EvalError::other_tree(&case.id)));
    }
    evaluate_slots(tree, &case.id, case.slots(), date, explain)
}

fn evaluate_slots<'a>(
    tree: &'a RuleTree,
    id: &str,
    slots: Vec<Option<&'a Val>>,
    date: NaiveDate,
    explain: bool,
) -> Result<EvalResult, Box<EvalError>> {
    crate::script::budget::start_case();
    let mut ev = Evaluator::new(tree, slots, date);
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

    let mut outcomes = Vec::with_capacity(tree.outcomes.len());
    let mut explanation = Vec::with_capacity(tree.outcomes.len());
    let mut defeated: Vec<(String, String, String, String)> = Vec::new();
    for (oid, def) in tree.outcomes.values().enumerate() {
        if let Some((result, grounds)) =
            ev.outcome(def, oid, &resolved, &in_force, &mut defeated)?
        {
            explanation.push(explain_outcome(&def.name, &result, &grounds));
            outcomes.push((def.name.clone(), result));
        }
    }
    // Already in order of name: the map is built without searching.
    let outcomes: BTreeMap<String, OutcomeResult> = outcomes.into_iter().collect();

    let trace = if explain {
        // Notes of the versions in force that concern the case (a repeal's
        // own notes included): doubts about the text the answer rests on.
        for (set, r) in &resolved {
            let Resolved::InForce(v) = r else { continue };
            let sv = ev.scope_version(set, r);
            if matches!(
                ev.condition(sv.applies_when.as_ref(), sv, "", "applies_when")?,
                Tv::False
            ) {
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
        case: id.to_string(),
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
            applies,
            ..ev.tree.wording.in_force(v)
        });
    }
    Ok(out)
}

/// The truth of one condition leaf for a case on a date, as a small code
/// (0 false, 1 true, 2 unknown, 3 failed): `history` compares these from
/// day to day instead of evaluating the whole case.
pub(crate) fn leaf_code(
    tree: &RuleTree,
    slots: &[Option<&Val>],
    date: NaiveDate,
    leaf: &crate::script::analysis::Leaf,
) -> u8 {
    let mut scope = None;
    match leaf_tv(tree, slots, &mut scope, date, leaf) {
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
    /// The rule's position in its version's `rules`.
    rule_ix: usize,
    state: Tv,
    /// For a rule: its value, or the facts its computation needs.
    value: Option<Result<Val, FactSet>>,
}

/// A rule set that answers an outcome on this date, whether in force or not.
struct Answering<'a> {
    resolved: Resolved<'a>,
    decides: bool,
    /// The facts its unknown gate needs (`applies_when`, `scope`), if it is
    /// unknown whether it answers the outcome for the case.
    gate_needs: Option<FactSet>,
}

struct Evaluator<'a> {
    tree: &'a RuleTree,
    date: NaiveDate,
    /// The case's facts by number.
    slots: Vec<Option<&'a Val>>,
    /// The facts as rhai values, built only when a script needs rhai: most
    /// leaves are evaluated natively and never look at it.
    scope: Option<Scope<'static>>,
    /// Condition results by address of the condition: each is evaluated once per case.
    /// Per condition number: 0 not yet evaluated, 1 true, 2 false, 3
    /// unknown (its facts in `unknown`). Bytes rather than `Option<Tv>`s:
    /// a few hundred conditions are set up and dropped per case.
    cache: Vec<u8>,
    /// The facts each unknown condition needs, by condition number.
    unknown: Vec<(usize, FactSet)>,
    /// Buffers reused from one outcome to the next.
    answering_buf: Vec<Answering<'a>>,
    candidates_buf: Vec<Candidate<'a>>,
}

impl<'a> Evaluator<'a> {
    fn new(tree: &'a RuleTree, slots: Vec<Option<&'a Val>>, date: NaiveDate) -> Self {
        Evaluator {
            tree,
            date,
            slots,
            scope: None,
            // Sized on first use: the checks across facts, made on every
            // case read, evaluate conditions without it.
            cache: Vec::new(),
            unknown: Vec::new(),
            answering_buf: Vec::new(),
            candidates_buf: Vec::new(),
        }
    }

    /// The names of numbered facts, sorted.
    fn names(&self, set: &FactSet) -> Vec<String> {
        names(self.tree, set)
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
        match self.cache.get(c.id) {
            Some(1) => return Ok(Tv::True),
            Some(2) => return Ok(Tv::False),
            Some(3) => {
                if let Some((_, needs)) = self.unknown.iter().find(|(id, _)| *id == c.id) {
                    return Ok(Tv::Unknown(needs.clone()));
                }
            }
            _ => {}
        }
        let tv = self
            .cond(&c.cond)
            .map_err(|Fail(message)| eval_error(v, rule, &field(), message))?;
        let code = match &tv {
            Tv::True => 1,
            Tv::False => 2,
            Tv::Unknown(needs) => {
                self.unknown.push((c.id, needs.clone()));
                3
            }
        };
        if self.cache.is_empty() {
            self.cache = vec![0; self.tree.conditions];
        }
        if let Some(slot) = self.cache.get_mut(c.id) {
            *slot = code;
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
        leaf_tv(self.tree, &self.slots, &mut self.scope, self.date, leaf)
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
        let mut unknown: Option<FactSet> = None;
        for p in parts {
            match self.cond(p) {
                Ok(tv) if tv.same_kind(&dominant) => return Ok(dominant),
                Ok(Tv::Unknown(n)) => unknown.get_or_insert_with(FactSet::default).extend(&n),
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

    /// Whether `v` answers outcome number `oid` for this case: its
    /// `applies_when` and the outcome's `scope`.
    fn gate(&mut self, v: &'a Version, oid: usize) -> Result<Tv, Box<EvalError>> {
        let applies = self.condition(v.applies_when.as_ref(), v, "", "applies_when")?;
        if matches!(applies, Tv::False) {
            return Ok(Tv::False);
        }
        let scoped = match v.slots.get(oid).and_then(|s| s.scope.as_ref()) {
            Some(c) => {
                let name = self.tree.outcome_names.get(oid).map_or("", String::as_str);
                self.scope_condition(v, name, c)?
            }
            None => Tv::True,
        };
        Ok(applies.and(scoped))
    }

    /// The number of an outcome named in a rule.
    fn outcome_id(&self, name: &str) -> Option<usize> {
        self.tree
            .outcome_names
            .binary_search_by(|n| n.as_str().cmp(name))
            .ok()
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
    ) -> Result<Result<Val, FactSet>, Box<EvalError>> {
        match then {
            Then::Literal(val) => Ok(Ok(val.clone())),
            Then::Expr {
                ast,
                read_ids,
                native,
                ..
            } => {
                let mut missing = FactSet::default();
                for &id in read_ids {
                    if self.slots.get(id).copied().flatten().is_none() {
                        missing.insert(id);
                    }
                }
                if !missing.is_empty() {
                    return Ok(Err(missing));
                }
                let fail = |m: String| eval_error_at(v, r, &format!("then.{}", def.name), m);
                if let Some(t) = native {
                    match native::eval_term(t, &Slots(&self.slots), self.date) {
                        Ok(val) => return check_value(val, def).map(Ok).map_err(fail),
                        Err(NativeError::Fail(f)) => return Err(fail(f.to_string())),
                        Err(NativeError::Unsupported) => {}
                    }
                }
                let (tree, date, slots) = (self.tree, self.date, &self.slots);
                let scope = self
                    .scope
                    .get_or_insert_with(|| rhai_scope(tree, slots, date));
                let out = run_script(&tree.engine, scope, ast).map_err(fail)?;
                from_dynamic(out, def).map(Ok).map_err(fail)
            }
        }
    }

    /// Outcome number `oid` for the case, with the grounds of the rules it
    /// rests on (for its explanation line); `None` if no rule set answers it.
    fn outcome(
        &mut self,
        def: &OutcomeDef,
        oid: usize,
        resolved: &[(&'a RuleSet, Resolved<'a>)],
        in_force: &[&'a Version],
        defeated_log: &mut Vec<(String, String, String, String)>,
    ) -> Result<Option<(OutcomeResult, Vec<&'a str>)>, Box<EvalError>> {
        let mut answering = std::mem::take(&mut self.answering_buf);
        answering.clear();
        let mut candidates = std::mem::take(&mut self.candidates_buf);
        candidates.clear();
        for (set, r) in resolved {
            let sv = self.scope_version(set, r);
            if !sv.slots.get(oid).is_some_and(|s| s.answers) {
                continue;
            }
            let gate = self.gate(sv, oid)?;
            if matches!(gate, Tv::False) {
                continue;
            }
            let mut decides = false;
            if let Resolved::InForce(v) = r
                && v.repeal.is_none()
            {
                // An unknown gate is explored both ways. Where it holds,
                // the version's rules decide; where it does not, the
                // version says nothing. Its rules' candidates carry the
                // gate's unknown facts already; a list outcome needs one
                // more, standing for "no rule fires, so the list is
                // empty", which only a version with rules for it gives.
                // A version with no rules for the outcome (silent on it,
                // or only scoping it) can decide it for no value of the
                // gate's facts, and adds nothing.
                let has_deciders = v.slots.get(oid).is_some_and(|s| !s.deciders.is_empty());
                if let Tv::Unknown(_) = gate
                    && def.combine == Combine::Union
                    && has_deciders
                {
                    candidates.push(Candidate {
                        version: v,
                        rule: None,
                        rule_ix: 0,
                        state: gate.clone(),
                        value: None,
                    });
                }
                let deciders = v.slots.get(oid).map(|s| s.deciders.as_slice());
                for &(ri, ti) in deciders.unwrap_or_default() {
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
                        rule_ix: ri,
                        state,
                        value,
                    });
                }
                decides &= matches!(gate, Tv::True);
            }
            answering.push(Answering {
                resolved: *r,
                decides,
                gate_needs: match gate {
                    Tv::Unknown(n) => Some(n),
                    _ => None,
                },
            });
        }
        let result = (!answering.is_empty())
            .then(|| self.resolve(def, oid, &candidates, &answering, in_force, defeated_log));
        self.answering_buf = answering;
        self.candidates_buf = candidates;
        Ok(result)
    }

    fn resolve(
        &self,
        def: &OutcomeDef,
        oid: usize,
        candidates: &[Candidate<'a>],
        answering: &[Answering<'a>],
        in_force: &[&'a Version],
        defeated_log: &mut Vec<(String, String, String, String)>,
    ) -> (OutcomeResult, Vec<&'a str>) {
        let fired: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| matches!(c.state, Tv::True) && c.rule.is_some())
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
        let values: Vec<&Val> = winners
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
                if let Tv::Unknown(n) = &c.state {
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
                    if let Val::List(list) = v {
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
                        value: Some(Val::List(items)),
                        by: by(&winners, false),
                        needs: Vec::new(),
                        reason: None,
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
                        },
                        Vec::new(),
                    )
                }
            }
        }
    }

    fn undetermined(&self, oid: usize, answering: &[Answering<'a>]) -> OutcomeResult {
        let mut reason = String::new();
        let mut gate_needs = FactSet::default();
        for (i, a) in answering.iter().enumerate() {
            if i > 0 {
                // Reasons are sentences; joined, only the last keeps its stop.
                while reason.ends_with('.') {
                    reason.pop();
                }
                reason.push_str("; ");
            }
            reason.push_str(self.tree.wording.reason(oid, &a.resolved));
            // Whether a rule set not yet in force would be about the case
            // changes nothing today: its gate's facts are not named.
            if let Some(n) = &a.gate_needs
                && !matches!(a.resolved, Resolved::NotYet(_))
            {
                gate_needs.extend(n);
            }
        }
        // Unknown facts that decide only whether a rule set answers: no
        // value of them would decide the outcome, and the reason says so,
        // so that nobody goes after them.
        if !gate_needs.is_empty() {
            let names = self.names(&gate_needs);
            while reason.ends_with('.') {
                reason.pop();
            }
            reason.push_str(". This holds whatever ");
            for (i, n) in names.iter().enumerate() {
                if i > 0 {
                    reason.push_str(if i + 1 == names.len() { " and " } else { ", " });
                }
                reason.push('`');
                reason.push_str(n);
                reason.push('`');
            }
            reason.push_str(if names.len() == 1 { " is." } else { " are." });
        }
        OutcomeResult {
            status: Status::Undetermined,
            value: None,
            by: Vec::new(),
            needs: Vec::new(),
            reason: Some(reason),
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
                needs: applies.needs(self.tree),
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
            if !matches!(applies, Tv::False) {
                for (outcome, c) in &sv.scope {
                    let tv = self.scope_condition(sv, outcome, c)?;
                    out.push(TraceEntry {
                        rule_set: set.id.clone(),
                        version: sv.id.clone(),
                        rule: format!("scope.{outcome}"),
                        cite: String::new(),
                        condition: tv.word().into(),
                        needs: tv.needs(self.tree),
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
            if matches!(applies, Tv::False) {
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
                    if !matches!(self.gate(v, oid)?, Tv::False) {
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
                        self.names(n)
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
                    needs: tv.needs(self.tree),
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
            (Some(yr), Some(_)) => yr.defeats.contains(&x.rule_ix),
            _ => false,
        };
    }
    more_specific(&y.version.rule_set, &x.version.rule_set, outcome, in_force)
}

/// Is rule set `a` more specific than `b` for `outcome`, directly or through
/// other rule sets, by the declarations of the versions in force?
fn more_specific<'v>(a: &'v str, b: &str, outcome: &str, in_force: &[&'v Version]) -> bool {
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

/// The explanation line of one outcome. Built with `push_str` rather than
/// `format!`: there is one per outcome per case, and `batch` writes millions.
fn explain_outcome(name: &str, o: &OutcomeResult, grounds: &[&str]) -> String {
    let mut line = String::with_capacity(
        name.len()
            + 64
            + grounds.iter().map(|g| g.len() + 6).sum::<usize>()
            + o.reason.as_ref().map_or(0, String::len)
            + o.needs.iter().map(|n| n.len() + 4).sum::<usize>()
            + o.by
                .iter()
                .map(|b| b.rule.len() + b.cite.len() + 24)
                .sum::<usize>(),
    );
    line.push_str(name);
    match o.status {
        Status::Decided => {
            line.push_str(" is ");
            if let Some(v) = &o.value {
                push_val(&mut line, v);
            }
            if grounds.is_empty() {
                line.push_str(": no requirement arises under the rules in force");
            } else {
                line.push_str(", under ");
                for (i, g) in grounds.iter().enumerate() {
                    if i > 0 {
                        line.push_str("; and ");
                    }
                    line.push_str(g);
                }
            }
        }
        Status::MissingFacts => {
            line.push_str(" cannot be decided without ");
            for (i, n) in o.needs.iter().enumerate() {
                if i > 0 {
                    line.push_str(", ");
                }
                line.push('`');
                line.push_str(n);
                line.push('`');
            }
        }
        Status::Undetermined => {
            line.push_str(" is undetermined: ");
            line.push_str(o.reason.as_deref().unwrap_or_default());
        }
        Status::Conflict => {
            line.push_str(" is in conflict: ");
            for (i, b) in o.by.iter().enumerate() {
                if i > 0 {
                    line.push_str(", ");
                }
                line.push_str("rule `");
                line.push_str(&b.rule);
                line.push_str("` (");
                line.push_str(&b.cite);
                line.push_str(") says ");
                if let Some(v) = &b.value {
                    push_val(&mut line, v);
                }
            }
        }
    }
    line
}

/// A value as `Val`'s `Display` writes it, without the formatting machinery.
fn push_val(out: &mut String, v: &Val) {
    use std::fmt::Write;
    match v {
        Val::Null => out.push_str("none"),
        Val::Bool(b) => out.push_str(if *b { "yes" } else { "no" }),
        Val::Str(s) => out.push_str(s),
        Val::List(items) if items.is_empty() => out.push_str("none"),
        Val::List(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(item);
            }
        }
        // Writing to a `String` cannot fail.
        Val::Int(_) | Val::Date(_) => {
            let _ = write!(out, "{v}");
        }
    }
}

/// The truth of one condition leaf. A leaf that reads a fact the case
/// lacks is unknown and is not run; the native evaluator answers first,
/// rhai what it does not mirror (the scope is built on first need).
fn leaf_tv(
    tree: &RuleTree,
    slots: &[Option<&Val>],
    scope: &mut Option<Scope<'static>>,
    date: NaiveDate,
    leaf: &crate::script::analysis::Leaf,
) -> Result<Tv, Fail> {
    let mut missing = FactSet::default();
    for &id in &leaf.read_ids {
        if slots.get(id).copied().flatten().is_none() {
            missing.insert(id);
        }
    }
    if !missing.is_empty() {
        return Ok(Tv::Unknown(missing));
    }
    let native = match &leaf.native {
        Some(n) => match native::eval(n, &Slots(slots), date) {
            Ok(Some(b)) => return Ok(if b { Tv::True } else { Tv::False }),
            Ok(None) => return Ok(Tv::False),
            Err(NativeError::Fail(f)) => Some(f.to_string()),
            Err(NativeError::Unsupported) => None,
        },
        None => None,
    };
    let out = match native {
        Some(message) => Err(message),
        None => {
            let scope = scope.get_or_insert_with(|| rhai_scope(tree, slots, date));
            run_script(&tree.engine, scope, &leaf.ast)
        }
    };
    let out = match out {
        Ok(out) => out,
        // A part that cannot be computed because a fact it reads
        // is null ("no such thing": `age_on(null, date)`) does not
        // hold, as comparisons with null do not.
        Err(_)
            if leaf
                .read_ids
                .iter()
                .any(|&id| slots.get(id).copied().flatten() == Some(&Val::Null)) =>
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

/// The rhai scope holding the fact groups (the facts the case has) and `date`.
fn rhai_scope(tree: &RuleTree, slots: &[Option<&Val>], date: NaiveDate) -> Scope<'static> {
    let mut groups: BTreeMap<&str, Map> = tree
        .groups
        .iter()
        .map(|g| (g.as_str(), Map::new()))
        .collect();
    for (name, val) in tree.fact_names.iter().zip(slots) {
        if let Some(val) = val
            && let Some((g, f)) = name.split_once('.')
            && let Some(map) = groups.get_mut(g)
        {
            map.insert(f.into(), to_dynamic(val));
        }
    }
    let mut scope = Scope::new();
    for (g, map) in groups {
        // Constants: no script may change a fact for another (rhai refuses
        // assignments and in-place methods on constants at run time;
        // `check` refuses assignments before that).
        scope.push_constant(g.to_string(), map);
    }
    scope.push_constant(DATE_VARIABLE, date);
    scope
}

/// Runs a compiled script on the case's scope, then drops whatever it
/// declared: one script's variables are never another's.
fn run_script(
    engine: &rhai::Engine,
    scope: &mut Scope<'static>,
    ast: &rhai::AST,
) -> Result<Dynamic, String> {
    let before = scope.len();
    crate::script::budget::start_script();
    let out = engine
        .eval_ast_with_scope::<Dynamic>(scope, ast)
        .map_err(|e| crate::script::budget::message(&e).unwrap_or_else(|| e.to_string()));
    scope.rewind(before);
    out
}

fn eval_error(v: &Version, rule: &str, field: &str, message: String) -> Box<EvalError> {
    let place = if rule.is_empty() {
        ScriptPlace::Version {
            field: field.to_string(),
        }
    } else {
        ScriptPlace::Rule {
            rule: rule.to_string(),
            field: field.to_string(),
        }
    };
    let kind = if message.starts_with("the case ran past its budget") {
        FailureKind::CaseBudget
    } else if message.contains("Too many operations") {
        FailureKind::OperationsLimit
    } else {
        FailureKind::Script
    };
    Box::new(EvalError::ScriptFailed {
        place,
        rule_set: v.rule_set.clone(),
        version: v.id.clone(),
        file: v.file.clone(),
        kind,
        help: kind.help().to_string(),
        message: lower_first(message),
    })
}

fn eval_error_at(v: &Version, r: &Rule, field: &str, message: String) -> Box<EvalError> {
    eval_error(v, &r.id, field, message)
}

/// rhai's messages start with a capital; ours are lower-case throughout.
fn lower_first(message: String) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(c) if c.is_uppercase() => c.to_lowercase().chain(chars).collect(),
        _ => message,
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
/// `from_dynamic` requires of rhai's, and is named in its words.
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
            crate::rules::model::type_words(def.ty),
            to_dynamic(&val).type_name()
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
    let want = crate::rules::model::type_words(def.ty);
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
