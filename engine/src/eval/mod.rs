//! Evaluates a case against the rule-set versions in force on a date.
//!
//! Conditions are evaluated with three-valued (Kleene) logic over their
//! `&&` / `||` / `!` skeleton: a leaf that reads a fact the case lacks is
//! unknown and is never run, so no missing fact is ever read as false.
//! Each outcome is then resolved from the rules that fired, the rules that
//! might have fired, and the declared precedence between them; see
//! `docs/architecture.md`. Not here: loading, rendering.

mod bridge;
mod checks;
pub(crate) mod fact_set;
pub(crate) mod memo;
pub(crate) mod plan;
mod precedence;
mod trace;
mod truth;
pub(crate) mod verdict;

use crate::explain::compose_reason;
use crate::explain::outcome::explain_outcome;
use bridge::*;
pub(crate) use checks::{FailedCheck, failed_checks, passes_checks};
use truth::*;
pub(crate) use verdict::{Decider, OutcomeVerdict, Verdict};

use std::borrow::Cow;
use std::ops::Range;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use std::sync::Arc;

use rhai::{Array, Dynamic, Map, Scope};

use crate::case::Case;
use crate::diagnostics::{EvalError, FailureKind, ScriptPlace};
use crate::eval::fact_set::FactSet;
use crate::result::{By, EvalResult, OutcomeResult, RulesInfo, Status, TraceEntry, VersionInForce};
use crate::rules::format::{Combine, ValueType};
use crate::rules::model::{
    CaseCheck, Condition, OutcomeDef, OutcomeId, Rule, RuleSet, Then, Value, Version,
};
use crate::rules::tree::{Resolved, RuleTree};
use crate::script::analysis::{Cond, DATE_VARIABLE};
use crate::script::native::{self, NativeError, Slots};

/// A script failed at run time (limits, type errors): the rules' fault.
struct ScriptFailure(String);

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
    evaluate_slots(tree, &case.id, case.slots(), date, explain, true, None)
}

/// [`evaluate`] of only the outcomes `keep` keeps (all without it; the
/// others are not decided at all, so a script failing only for them fails
/// nothing), with the words or without them (then no explanation lines
/// and no reason texts, only the codes, `OutcomeResult::reason_codes`,
/// that compact and columnar output write).
pub(crate) fn evaluate_selected(
    tree: &RuleTree,
    case: &Case,
    date: NaiveDate,
    words: bool,
    keep: Option<&crate::result::lines::OutcomeSelection>,
) -> Result<EvalResult, Box<EvalError>> {
    if !case.is_of(tree) {
        return Err(Box::new(EvalError::other_tree(&case.id)));
    }
    evaluate_slots(tree, &case.id, case.slots(), date, false, words, keep)
}

fn evaluate_slots<'a>(
    tree: &'a RuleTree,
    id: &str,
    slots: Vec<Option<&'a Value>>,
    date: NaiveDate,
    explain: bool,
    words: bool,
    keep: Option<&crate::result::lines::OutcomeSelection>,
) -> Result<EvalResult, Box<EvalError>> {
    crate::script::budget::start_case();
    let mut ev = Evaluator::new(tree, slots, date);
    ev.tracing = explain;
    let (resolved, plan) = resolve_all(tree, date);
    let mut defeated: Vec<(String, String, String, String)> = Vec::new();
    let mut verdict = Verdict::for_tree(tree);
    ev.outcomes(plan, &mut defeated, &mut verdict, keep)?;

    let mut explanation = Vec::with_capacity(if words { verdict.outcomes.len() } else { 0 });
    let mut outcomes = Vec::with_capacity(verdict.outcomes.len());
    for o in &verdict.outcomes {
        let name = tree
            .outcome_names
            .get(o.oid.index())
            .cloned()
            .unwrap_or_default();
        let result = outcome_result(tree, &verdict, o, words);
        if words {
            let grounds: Vec<&str> = match o.status {
                Status::Decided => verdict
                    .by_of(o)
                    .iter()
                    .map(|d| tree.wording.grounds(d.version, d.rule))
                    .collect(),
                _ => Vec::new(),
            };
            explanation.push(explain_outcome(&name, &result, &grounds));
        }
        outcomes.push((name, result));
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
                Truth::False
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
    ev.rule_sets_in_force(resolved.iter().copied(), &mut verdict.rule_sets)?;

    Ok(EvalResult {
        case: id.to_string(),
        date,
        rules: RulesInfo {
            source: tree.source.clone(),
            digest: tree.digest.clone(),
        },
        rule_sets: verdict
            .rule_sets
            .iter()
            .map(|&(v, applies)| VersionInForce {
                applies,
                ..tree.wording.in_force(v)
            })
            .collect(),
        outcomes,
        explanation,
        trace,
    })
}

/// `case`'s verdict on `date`, by number: what `batch`'s writers write
/// without building an `EvalResult`. The same decisions as [`evaluate`].
/// With `keep`, only the outcomes it keeps are decided.
pub(crate) fn evaluate_verdict<'a>(
    tree: &'a RuleTree,
    case: &Case,
    date: NaiveDate,
    keep: Option<&crate::result::lines::OutcomeSelection>,
) -> Result<Verdict<'a>, Box<EvalError>> {
    if !case.is_of(tree) {
        return Err(Box::new(EvalError::other_tree(&case.id)));
    }
    crate::script::budget::start_case();
    Evaluator::new(tree, case.slots(), date).verdict(keep)
}

/// Where `date` falls for every rule set that has versions, with the
/// plan of its epoch (built once per epoch, see `plan`).
fn resolve_all(
    tree: &RuleTree,
    date: NaiveDate,
) -> (Vec<(&RuleSet, Resolved<'_>)>, Option<&plan::EpochPlan>) {
    let Some(plan) = tree.plans().on(tree, date) else {
        let all = tree
            .rule_sets
            .iter()
            .filter_map(|s| s.resolve(date).map(|r| (s, r)))
            .collect();
        return (all, None);
    };
    let all = plan
        .resolved
        .iter()
        .filter_map(|&(s, r)| Some((tree.rule_sets.get(s as usize)?, r.of(tree)?)))
        .collect();
    (all, Some(plan))
}

/// One outcome's verdict as the result type gives it: names, citations
/// and, with `words`, the reason in words.
fn outcome_result(
    tree: &RuleTree,
    verdict: &Verdict,
    o: &OutcomeVerdict,
    words: bool,
) -> OutcomeResult {
    let by = |with_value: bool| -> Vec<By> {
        verdict
            .by_of(o)
            .iter()
            .map(|d| By {
                value: if with_value {
                    d.value.as_deref().cloned()
                } else {
                    None
                },
                ..tree.wording.by(d.version, d.rule)
            })
            .collect()
    };
    match o.status {
        Status::Decided => OutcomeResult {
            status: Status::Decided,
            value: o.value.as_deref().cloned(),
            by: by(false),
            ..OutcomeResult::default()
        },
        Status::Conflict => OutcomeResult {
            status: Status::Conflict,
            by: by(true),
            ..OutcomeResult::default()
        },
        Status::MissingFacts => OutcomeResult {
            status: Status::MissingFacts,
            needs: names(tree, &o.needs),
            ..OutcomeResult::default()
        },
        Status::Undetermined => {
            let answering = verdict.answering_of(o);
            let mut parts: Vec<&str> = Vec::with_capacity(answering.len());
            let mut codes = Vec::with_capacity(answering.len());
            for r in answering {
                if let Some(reason) = tree.wording.reason(o.oid, r) {
                    parts.push(&reason.text);
                    codes.push(Arc::clone(&reason.code));
                } else {
                    parts.push("");
                }
            }
            let whatever = if o.whatever.is_empty() {
                Vec::new()
            } else {
                names(tree, &o.whatever)
            };
            OutcomeResult {
                status: Status::Undetermined,
                reason: words.then(|| compose_reason(parts, &whatever)),
                reason_codes: codes,
                holds_whatever: whatever,
                ..OutcomeResult::default()
            }
        }
    }
}

impl<'a, 'c> Evaluator<'a, 'c> {
    /// The case's verdict: its outcomes (those `keep` keeps), then the
    /// versions in force.
    fn verdict(
        &mut self,
        keep: Option<&crate::result::lines::OutcomeSelection>,
    ) -> Result<Verdict<'a>, Box<EvalError>> {
        let (resolved, plan) = resolve_all(self.tree, self.date);
        let mut verdict = Verdict::for_tree(self.tree);
        self.outcomes(plan, &mut Vec::new(), &mut verdict, keep)?;
        self.rule_sets_in_force(resolved, &mut verdict.rule_sets)?;
        Ok(verdict)
    }

    /// Every answered outcome's verdict, in the order of their names.
    /// Without a plan (a date no epoch holds, which cannot happen for a
    /// tree's own plans) no outcome is answered.
    fn outcomes(
        &mut self,
        plan: Option<&'a plan::EpochPlan>,
        defeated: &mut Vec<(String, String, String, String)>,
        verdict: &mut Verdict<'a>,
        keep: Option<&crate::result::lines::OutcomeSelection>,
    ) -> Result<(), Box<EvalError>> {
        let Some(plan) = plan else { return Ok(()) };
        verdict.outcomes.reserve(self.tree.outcomes.len());
        // Lists reused from one outcome to the next.
        let mut bufs = (Vec::new(), Vec::new());
        for ((oid, def), op) in self.tree.outcomes.values().enumerate().zip(&plan.outcomes) {
            if keep.is_some_and(|k| !k.keeps_number(oid)) {
                continue;
            }
            let oid = OutcomeId::new(oid);
            self.outcome(def, oid, op, &mut bufs, defeated, verdict)?;
        }
        Ok(())
    }

    /// The versions in force, each with whether the case is one it is
    /// about (`None` when that depends on facts the case lacks). A repeal
    /// is judged by the version it repealed.
    fn rule_sets_in_force(
        &mut self,
        resolved: impl IntoIterator<Item = (&'a RuleSet, Resolved<'a>)>,
        rule_sets: &mut Vec<(&'a Version, Option<bool>)>,
    ) -> Result<(), Box<EvalError>> {
        for (set, r) in resolved {
            let Resolved::InForce(v) = r else { continue };
            let sv = self.scope_version(set, &r);
            let applies = match self.condition(sv.applies_when.as_ref(), sv, "", "applies_when")? {
                Truth::True => Some(true),
                Truth::False => Some(false),
                Truth::Unknown(_) => None,
            };
            rule_sets.push((v, applies));
        }
        Ok(())
    }
}

/// The truth of one condition leaf for a case on a date, as a small code
/// (0 false, 1 true, 2 unknown, 3 failed): `history` compares these from
/// day to day instead of evaluating the whole case.
pub(crate) fn leaf_code(
    tree: &RuleTree,
    slots: &[Option<&Value>],
    date: NaiveDate,
    leaf: &crate::script::analysis::Leaf,
) -> u8 {
    let mut scope = None;
    match leaf_truth(
        tree,
        slots,
        &mut scope,
        date,
        leaf,
        &mut NeedsArena::default(),
    ) {
        Ok(Truth::False) => 0,
        Ok(Truth::True) => 1,
        Ok(Truth::Unknown(_)) => 2,
        Err(_) => 3,
    }
}

/// One rule (or a gate standing in for its version) that could decide an outcome.
struct Candidate<'a> {
    version: &'a Version,
    rule: Option<&'a Rule>,
    /// Its place among the outcome's candidates in the epoch's plan, by
    /// which precedence is looked up.
    slot: u32,
    state: Truth,
    /// For a rule: its value (borrowed from the rule when it states one),
    /// or the facts its computation needs.
    value: Option<Result<Cow<'a, Value>, FactSet>>,
}

/// A rule set that answers an outcome on this date, whether in force or not.
struct Answering<'a> {
    resolved: Resolved<'a>,
    decides: bool,
    /// The facts its unknown gate needs (`applies_when`, `scope`), if it is
    /// unknown whether it answers the outcome for the case.
    gate_needs: Option<Needs>,
}

struct Evaluator<'a, 'c> {
    tree: &'a RuleTree,
    date: NaiveDate,
    /// The case's facts by number (borrowed from the case, which may not
    /// live as long as the tree: a verdict borrows only the tree).
    slots: Vec<Option<&'c Value>>,
    /// The facts as rhai values, built only when a script needs rhai: most
    /// leaves are evaluated natively and never look at it.
    scope: Option<Scope<'static>>,
    /// Condition results by condition number, then leaf results by the
    /// tree's conditions plus leaf number: each is evaluated once per
    /// case. 0 not yet evaluated, 1 true, 2 false, 3 + n unknown needing
    /// the facts of `Needs(n)`, and for a leaf `FAILED`. Numbers rather
    /// than `Option<Truth>`s: a few hundred are set up per case.
    cache: Vec<u32>,
    /// The facts the case's unknown truths need.
    needs: NeedsArena,
    /// Whether a trace was asked for: only then are overridden rules logged.
    tracing: bool,
    /// When a memo is learning the case's way (`memo`): every condition
    /// decided and every value computed from facts, in order.
    seen: Option<Vec<memo::Seen<'a>>>,
    /// When a memo is learning the case's whole way: every condition
    /// leaf decided for the first time, and every value computed from
    /// facts (once each), in order.
    first: Option<Vec<memo::Seen<'a>>>,
}

/// A leaf's place in the cache when it failed on the case: it is run
/// again for its message whenever asked, but recorded once.
const FAILED: u32 = u32::MAX;

thread_local! {
    /// The last case's condition cache, cleared, for this thread's next,
    /// rather than a fresh one allocated and zeroed for every case (with
    /// the walk that records nothing, some 250 instructions a case;
    /// docs/performance.md, issue 14, eighth round).
    static SPARE_CACHE: std::cell::Cell<Vec<u32>> = const { std::cell::Cell::new(Vec::new()) };
}

/// A truth's code in the cache.
#[inline]
fn code_of(t: Truth) -> u32 {
    match t {
        Truth::True => 1,
        Truth::False => 2,
        Truth::Unknown(needs) => needs.index().saturating_add(3),
    }
}

/// The truth a code in the cache stands for (the one reading of `code_of`
/// for conditions and leaves alike): none for a place not yet decided, or
/// a leaf that failed.
#[inline]
fn truth_of(code: u32) -> Option<Truth> {
    match code {
        0 | FAILED => None,
        1 => Some(Truth::True),
        2 => Some(Truth::False),
        n => Some(Truth::Unknown(Needs::at(n - 3))),
    }
}

/// An empty condition cache, with the room of this thread's last.
fn spare_cache() -> Vec<u32> {
    SPARE_CACHE.with(std::cell::Cell::take)
}

impl Drop for Evaluator<'_, '_> {
    fn drop(&mut self) {
        let mut cache = std::mem::take(&mut self.cache);
        if cache.capacity() > 0 {
            cache.clear();
            SPARE_CACHE.with(|spare| spare.set(cache));
        }
    }
}

impl<'a, 'c> Evaluator<'a, 'c> {
    fn new(tree: &'a RuleTree, slots: Vec<Option<&'c Value>>, date: NaiveDate) -> Self {
        Evaluator {
            tree,
            date,
            slots,
            scope: None,
            // Sized on first use: the checks across facts, made on every
            // case read, evaluate conditions without it.
            cache: Vec::new(),
            needs: NeedsArena::default(),
            tracing: false,
            seen: None,
            first: None,
        }
    }

    /// The names of numbered facts, sorted.
    fn names(&self, set: &FactSet) -> Vec<String> {
        names(self.tree, set)
    }

    /// The version whose `applies_when` and `scope` decide what a rule set
    /// answers on this date; a repeal answers what the repealed version did.
    fn scope_version(&self, set: &'a RuleSet, r: &Resolved<'a>) -> &'a Version {
        plan::scope_version(set, r)
    }

    /// Evaluates a declared condition once per case; failures name the
    /// version's own rule set and file, and the rule and field.
    #[inline(always)]
    fn condition(
        &mut self,
        c: Option<&'a Condition>,
        v: &Version,
        rule: &str,
        field: &str,
    ) -> Result<Truth, Box<EvalError>> {
        self.condition_named(c, v, rule, || field.to_string())
    }

    /// As `condition`, with the field's name built only if it fails: most
    /// conditions never do, and formatting names per case is measurable.
    /// Inlined: most calls find the condition already decided for the
    /// case (a version's `applies_when` is asked once per outcome).
    #[inline(always)]
    fn condition_named(
        &mut self,
        c: Option<&'a Condition>,
        v: &Version,
        rule: &str,
        field: impl FnOnce() -> String,
    ) -> Result<Truth, Box<EvalError>> {
        let Some(c) = c else { return Ok(Truth::True) };
        let known = self.cache.get(c.id).copied().and_then(truth_of);
        let t = match known {
            Some(t) => t,
            None => self.decide_condition(c, v, rule, field)?,
        };
        if let Some(seen) = &mut self.seen {
            seen.push(memo::Seen::Cond(c, memo::truth_key(t, &self.needs)));
        }
        Ok(t)
    }

    /// A condition's truth for the case, as `condition` gives it but
    /// with a failure unnamed: what a memo's walk asks (a failure sends
    /// the case to the evaluation in full, which names it).
    fn ask(&mut self, c: &'a Condition) -> Result<Truth, ScriptFailure> {
        if let Some(t) = self.cache.get(c.id).copied().and_then(truth_of) {
            return Ok(t);
        }
        let tv = self.cond(&c.cond)?;
        self.keep(c, tv);
        Ok(tv)
    }

    /// Keeps a condition's truth for the rest of the case.
    fn keep(&mut self, c: &'a Condition, tv: Truth) {
        self.keep_at(c.id, code_of(tv));
    }

    /// Keeps a result at its place in the cache, set up on first use.
    /// Inlined, the setting up apart: a call cost more than the store.
    #[inline(always)]
    fn keep_at(&mut self, at: usize, code: u32) {
        if self.cache.is_empty() {
            self.set_up_cache();
        }
        if let Some(slot) = self.cache.get_mut(at) {
            *slot = code;
        }
    }

    /// The cache, empty, with a place for every condition and leaf.
    #[cold]
    #[inline(never)]
    fn set_up_cache(&mut self) {
        self.cache = spare_cache();
        self.cache
            .resize(self.tree.conditions.saturating_add(self.tree.leaves), 0);
    }

    /// A condition not yet decided for the case, decided and kept.
    #[inline(never)]
    fn decide_condition(
        &mut self,
        c: &'a Condition,
        v: &Version,
        rule: &str,
        field: impl FnOnce() -> String,
    ) -> Result<Truth, Box<EvalError>> {
        let tv = self
            .cond(&c.cond)
            .map_err(|ScriptFailure(message)| eval_error(v, rule, &field(), message))?;
        self.keep(c, tv);
        Ok(tv)
    }

    fn scope_condition(
        &mut self,
        v: &Version,
        outcome: &str,
        c: &'a Condition,
    ) -> Result<Truth, Box<EvalError>> {
        self.condition_named(Some(c), v, "", || format!("scope.{outcome}"))
    }

    /// A leaf's truth for the case, decided once: a memo learning the
    /// case's whole way records it then (`first`), failed or not.
    fn leaf(&mut self, leaf: &'a crate::script::analysis::Leaf) -> Result<Truth, ScriptFailure> {
        let at = self.tree.conditions.saturating_add(leaf.id);
        let known = self.cache.get(at).copied().unwrap_or(0);
        if let Some(t) = truth_of(known) {
            return Ok(t);
        }
        let got = self.decide_leaf(leaf);
        if known == FAILED || leaf.id == crate::script::analysis::UNNUMBERED {
            return got;
        }
        if let Some(first) = &mut self.first {
            let key = match &got {
                Ok(t) => memo::truth_key(*t, &self.needs),
                Err(_) => memo::Key::Failed,
            };
            first.push(memo::Seen::Leaf(leaf, key));
        }
        self.keep_at(at, got.as_ref().map_or(FAILED, |t| code_of(*t)));
        got
    }

    /// A leaf's truth as a memo's way asks it: as `leaf` gives it, a
    /// failure answered as such (`None`) rather than explained.
    pub(crate) fn ask_leaf(&mut self, leaf: &'a crate::script::analysis::Leaf) -> Option<Truth> {
        self.leaf(leaf).ok()
    }

    /// A leaf's truth `t` as a walk of the ways of whole cases decided it
    /// (`walk_leaf`), given again on the replay of that walk: kept in the
    /// case's cache as `leaf` keeps what it decides, without deciding it
    /// again.
    pub(crate) fn given_leaf(
        &mut self,
        leaf: &'a crate::script::analysis::Leaf,
        t: Option<Truth>,
    ) -> Option<Truth> {
        if leaf.id != crate::script::analysis::UNNUMBERED {
            let at = self.tree.conditions.saturating_add(leaf.id);
            if self.cache.get(at).copied().unwrap_or(0) == 0 {
                self.keep_at(at, t.map_or(FAILED, code_of));
            }
        }
        t
    }

    /// A leaf's truth as a walk of the ways of whole cases asks it:
    /// decided afresh, neither looked up in the case's cache nor kept
    /// there. Such a walk asks each leaf once (a way records a leaf the
    /// first time it is decided), so the cache would only be written, and
    /// setting it up and keeping each truth cost a case more than deciding
    /// its leaves again on the few walks that end off the known ways,
    /// which the replay (`Ways::replay`) asks through the cache
    /// (docs/performance.md, issue 14, tenth round).
    #[inline]
    pub(crate) fn walk_leaf(&mut self, leaf: &'a crate::script::analysis::Leaf) -> Option<Truth> {
        self.decide_leaf(leaf).ok()
    }

    /// A leaf decided on the case's facts, neither looked up nor kept.
    #[inline(always)]
    fn decide_leaf(
        &mut self,
        leaf: &crate::script::analysis::Leaf,
    ) -> Result<Truth, ScriptFailure> {
        leaf_truth(
            self.tree,
            &self.slots,
            &mut self.scope,
            self.date,
            leaf,
            &mut self.needs,
        )
    }

    fn cond(&mut self, c: &'a Cond) -> Result<Truth, ScriptFailure> {
        match c {
            Cond::Leaf(leaf) => self.leaf(leaf),
            Cond::Not(inner) => Ok(match self.cond(inner)? {
                Truth::True => Truth::False,
                Truth::False => Truth::True,
                u => u,
            }),
            Cond::And(parts) => self.connective(parts, Truth::False),
            Cond::Or(parts) => self.connective(parts, Truth::True),
        }
    }

    /// `&&` (dominant `False`) and `||` (dominant `True`), left to right.
    /// A part that fails after an unknown part is itself unknown: in the
    /// world where the unknown part decides, rhai would never have run it
    /// (`x != () && f(x)` guards `f` that way).
    fn connective(&mut self, parts: &'a [Cond], dominant: Truth) -> Result<Truth, ScriptFailure> {
        let mut unknown: Option<Truth> = None;
        for p in parts {
            match self.cond(p) {
                Ok(tv) if tv.same_kind(&dominant) => return Ok(dominant),
                Ok(tv @ Truth::Unknown(_)) => {
                    // Unknown parts need the facts of them all: `and` of
                    // two unknowns joins their facts.
                    unknown = Some(match unknown {
                        None => tv,
                        Some(u) => self.needs.and(u, tv),
                    });
                }
                Ok(_) => {}
                Err(fail) => match &unknown {
                    Some(_) => {}
                    None => return Err(fail),
                },
            }
        }
        Ok(match unknown {
            Some(u) => u,
            None => match dominant {
                Truth::False => Truth::True,
                _ => Truth::False,
            },
        })
    }

    /// Whether `v` answers outcome number `oid` for this case: its
    /// `applies_when` and the outcome's `scope`.
    fn gate(&mut self, v: &'a Version, oid: OutcomeId) -> Result<Truth, Box<EvalError>> {
        let applies = self.condition(v.applies_when.as_ref(), v, "", "applies_when")?;
        if matches!(applies, Truth::False) {
            return Ok(Truth::False);
        }
        let scoped = match v.by_outcome.get(oid.index()).and_then(|s| s.scope.as_ref()) {
            Some(c) => {
                let name = self
                    .tree
                    .outcome_names
                    .get(oid.index())
                    .map_or("", String::as_str);
                self.scope_condition(v, name, c)?
            }
            None => Truth::True,
        };
        Ok(self.needs.and(applies, scoped))
    }

    /// The number of an outcome named in a rule.
    fn outcome_id(&self, name: &str) -> Option<OutcomeId> {
        self.tree
            .outcome_names
            .binary_search_by(|n| n.as_str().cmp(name))
            .ok()
            .map(OutcomeId::new)
    }

    fn rule_when(&mut self, v: &Version, r: &'a Rule) -> Result<Truth, Box<EvalError>> {
        self.condition(r.when.as_ref(), v, &r.id, "when")
    }

    fn value(
        &mut self,
        step: memo::ValueStep<'a>,
    ) -> Result<Result<Cow<'a, Value>, FactSet>, Box<EvalError>> {
        match step.then {
            Then::Literal(val) => Ok(Ok(Cow::Borrowed(val))),
            Then::Expr { .. } => {
                let got = self.computed(step);
                if let Some(seen) = &mut self.seen {
                    seen.push(memo::Seen::Value(step, memo::Got::of(&got)));
                }
                got
            }
        }
    }

    /// A value a rule computes from the case's facts (`then: {expr: ...}`),
    /// recorded the first time for a memo learning the case's whole way.
    fn computed(
        &mut self,
        step: memo::ValueStep<'a>,
    ) -> Result<Result<Cow<'a, Value>, FactSet>, Box<EvalError>> {
        let got = self.compute(step);
        if let Some(first) = &mut self.first
            && !first.iter().any(|s| s.is_value_of(&step))
        {
            first.push(memo::Seen::Value(step, memo::Got::of(&got)));
        }
        got
    }

    fn compute(
        &mut self,
        memo::ValueStep {
            version: v,
            rule: r,
            def,
            then,
            ..
        }: memo::ValueStep<'a>,
    ) -> Result<Result<Cow<'a, Value>, FactSet>, Box<EvalError>> {
        match then {
            Then::Literal(val) => Ok(Ok(Cow::Borrowed(val))),
            Then::Expr {
                ast,
                read_ids,
                native,
                ..
            } => {
                let mut missing = FactSet::default();
                for &id in read_ids {
                    if self.slots.get(id.index()).copied().flatten().is_none() {
                        missing.insert(id);
                    }
                }
                if !missing.is_empty() {
                    return Ok(Err(missing));
                }
                let fail = |m: String| eval_error_at(v, r, &format!("then.{}", def.name), m);
                if let Some(t) = native {
                    match native::eval_term(t, &Slots(&self.slots), self.date) {
                        Ok(val) => {
                            return check_value(val, def)
                                .map(|v| Ok(Cow::Owned(v)))
                                .map_err(fail);
                        }
                        Err(NativeError::Failed(f)) => return Err(fail(f.to_string())),
                        Err(NativeError::Unsupported) => {}
                    }
                }
                let (tree, date, slots) = (self.tree, self.date, &self.slots);
                let scope = self
                    .scope
                    .get_or_insert_with(|| rhai_scope(tree, slots, date));
                let out = run_script(&tree.engine, scope, ast).map_err(fail)?;
                from_dynamic(out, def)
                    .map(|v| Ok(Cow::Owned(v)))
                    .map_err(fail)
            }
        }
    }

    /// Outcome number `oid`'s verdict for the case, by its plan for the
    /// epoch, pushed to `verdict.outcomes`; nothing if no rule set answers it.
    #[allow(clippy::type_complexity)]
    fn outcome(
        &mut self,
        def: &'a OutcomeDef,
        oid: OutcomeId,
        plan: &'a plan::OutcomePlan,
        (answering, candidates): &mut (Vec<Answering<'a>>, Vec<Candidate<'a>>),
        defeated_log: &mut Vec<(String, String, String, String)>,
        verdict: &mut Verdict<'a>,
    ) -> Result<(), Box<EvalError>> {
        if plan.answering.is_empty() {
            return Ok(());
        }
        let tree = self.tree;
        answering.clear();
        candidates.clear();
        for a in &plan.answering {
            let (Some(sv), Some(resolved)) = (a.gate.of(tree), a.resolved.of(tree)) else {
                continue;
            };
            let gate = self.gate(sv, oid)?;
            if matches!(gate, Truth::False) {
                continue;
            }
            let mut decides = false;
            if let Some(v) = a.deciding.and_then(|v| v.of(tree)) {
                // An unknown gate is explored both ways. Where it holds,
                // the version's rules decide; where it does not, the
                // version says nothing. Its rules' candidates carry the
                // gate's unknown facts already; a list outcome needs one
                // more (the plan's gate slot), standing for "no rule
                // fires, so the list is empty", which only a version with
                // rules for it gives. A version with no rules for the
                // outcome (silent on it, or only scoping it) can decide it
                // for no value of the gate's facts, and adds nothing.
                if let (Truth::Unknown(_), Some(slot)) = (&gate, a.gate_slot) {
                    candidates.push(Candidate {
                        version: v,
                        rule: None,
                        slot,
                        state: gate,
                        value: None,
                    });
                }
                for d in plan.deciders.get(a.deciders.clone()).unwrap_or_default() {
                    let Some(rule) = v.rules.get(d.rule) else {
                        continue;
                    };
                    let Some((_, then)) = rule.then.get(d.then) else {
                        continue;
                    };
                    decides = true;
                    let when = self.rule_when(v, rule)?;
                    let state = self.needs.and(gate, when);
                    let step = memo::ValueStep {
                        version: v,
                        rule,
                        def,
                        then,
                        oid,
                    };
                    let value = match state {
                        Truth::False => None,
                        Truth::True => Some(self.value(step)?),
                        // A rule that may not fire is only asked what it
                        // would say; if its computation fails it says
                        // nothing, as rhai would never have run it.
                        Truth::Unknown(_) => self.value(step).ok(),
                    };
                    // A rule that does not fire plays no part in the
                    // outcome's resolution: it is not kept.
                    if !matches!(state, Truth::False) {
                        candidates.push(Candidate {
                            version: v,
                            rule: Some(rule),
                            slot: d.slot,
                            state,
                            value,
                        });
                    }
                }
                decides &= matches!(gate, Truth::True);
            }
            answering.push(Answering {
                resolved,
                decides,
                gate_needs: match gate {
                    Truth::Unknown(n) => Some(n),
                    _ => None,
                },
            });
        }
        if !answering.is_empty() {
            let o = self.resolve(def, oid, candidates, answering, plan, defeated_log, verdict);
            verdict.outcomes.push(o);
        }
        Ok(())
    }
}
