//! The ways cases go through the evaluator, remembered for a run: a case
//! that goes a known way is answered by deciding only the conditions and
//! values on that way, not by resolving its outcomes again.
//!
//! The evaluator is deterministic: given the tree and the epoch, what it
//! does next depends only on what it has learnt of the case so far, which
//! is the truth of each condition it decided (with the facts an unknown
//! one needs) and each value it computed from facts. A *way* is that
//! sequence of steps and answers; cases that give the same answers at
//! every step get the same verdict. The memo keeps, per epoch, a tree of
//! ways (a trie: each node a step, each edge an answer, each leaf a
//! verdict) learnt from the cases it evaluated in full.
//!
//! A computed value is answered by its *equality class*, not by itself:
//! equal to which literal the outcome's rules state or which value an
//! earlier rule computed for the same outcome, or to none. Resolution only
//! compares values for equality (agreement, conflict, a harmless unknown)
//! and passes one on, so a leaf holds the verdict with the value a
//! case computed substituted in (a registration deadline is a different
//! date for every entry date, and the same way for all of them). A
//! combined list outcome takes the union of its values' items, which
//! equality does not settle: its computed values are answered exactly.
//!
//! Not here: what a condition or a value is (`bridge`, `native`), the
//! resolution itself (`precedence`), or writing verdicts (`result`). A
//! case whose way fails (a script error) is evaluated in full and gives
//! the full evaluation's error; a memo that is full stops learning and
//! answers new ways in full, with the same results.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use super::*;
use crate::result::lines::OutcomeSelection;

/// How much a memo may hold by default: enough for the ways of the
/// shipped law on archives of millions of cases, small beside a batch
/// run's other buffers.
const DEFAULT_ROOM: usize = 24 << 20;

/// A rule computing an outcome's value (or stating it: only computed
/// values are steps of a way).
#[derive(Clone, Copy)]
pub(crate) struct ValueStep<'a> {
    pub(crate) version: &'a Version,
    pub(crate) rule: &'a Rule,
    pub(crate) def: &'a OutcomeDef,
    pub(crate) then: &'a Then,
    pub(crate) oid: OutcomeId,
}

/// What the evaluator learnt of a case, in order: what a learning
/// evaluator records.
pub(crate) enum Seen<'a> {
    Cond(&'a Condition, Key),
    Value(ValueStep<'a>, Got),
}

/// What computing a value gave.
pub(crate) enum Got {
    /// The computation failed (a rule that might not fire then says
    /// nothing; one that fires fails the case, which no way records).
    Failed,
    /// It reads facts the case lacks.
    Missing(FactSet),
    Value(Value),
}

impl Got {
    pub(crate) fn of(r: &Result<Result<Cow<'_, Value>, FactSet>, Box<EvalError>>) -> Got {
        match r {
            Err(_) => Got::Failed,
            Ok(Err(facts)) => Got::Missing(facts.clone()),
            Ok(Ok(v)) => Got::Value(v.as_ref().clone()),
        }
    }

    fn from(r: Result<Result<Cow<'_, Value>, FactSet>, Box<EvalError>>) -> Got {
        match r {
            Err(_) => Got::Failed,
            Ok(Err(facts)) => Got::Missing(facts),
            Ok(Ok(v)) => Got::Value(v.into_owned()),
        }
    }
}

/// An answer at a step of a way.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Key {
    True,
    False,
    Unknown(FactSet),
    Failed,
    Missing(FactSet),
    /// Equal to the outcome's `n`th known value: its stated literals in
    /// the plan's order, then the values computed for it earlier.
    Same(u32),
    /// Equal to none of them.
    Fresh,
    /// The value itself (combined list outcomes).
    Exact(Value),
}

/// A condition's truth as an answer.
pub(super) fn truth_key(t: Truth, needs: &NeedsArena) -> Key {
    match t {
        Truth::True => Key::True,
        Truth::False => Key::False,
        Truth::Unknown(n) => Key::Unknown(needs.get(n).clone()),
    }
}

/// A computed value's answer, given the literals its outcome's rules
/// state in the epoch and the values computed for it earlier.
fn value_key<'v>(
    step: &ValueStep<'_>,
    literals: &[&'v Value],
    got: &Got,
    earlier: impl Iterator<Item = &'v Value>,
) -> Key {
    match got {
        Got::Failed => Key::Failed,
        Got::Missing(facts) => Key::Missing(facts.clone()),
        Got::Value(x) if matches!(step.def.combine, Combine::Union) => Key::Exact(x.clone()),
        Got::Value(x) => literals
            .iter()
            .copied()
            .chain(earlier)
            .position(|k| k == x)
            .map_or(Key::Fresh, |i| {
                Key::Same(u32::try_from(i).unwrap_or(u32::MAX))
            }),
    }
}

/// A step of a way.
enum Step<'a> {
    Cond(&'a Condition),
    /// With the literals the outcome's rules state in the epoch.
    Value(ValueStep<'a>, Vec<&'a Value>),
}

impl Step<'_> {
    fn same(&self, other: &Step<'_>) -> bool {
        match (self, other) {
            (Step::Cond(a), Step::Cond(b)) => std::ptr::eq(*a, *b),
            (Step::Value(a, _), Step::Value(b, _)) => {
                std::ptr::eq(a.rule, b.rule) && std::ptr::eq(a.then, b.then) && a.oid == b.oid
            }
            _ => false,
        }
    }
}

enum Node<'a> {
    /// Made for a way being learnt, not yet given its step or leaf.
    Open,
    Ask(Step<'a>, Vec<(Key, u32)>),
    Leaf(Arc<Leaf<'a>>),
}

/// The ways of one epoch; the root is node 0.
struct Ways<'a> {
    nodes: Vec<Node<'a>>,
}

/// Where a way ends: the verdict of the case it was learnt from, and
/// where that case's computed values stand in it.
pub(crate) struct Leaf<'a> {
    verdict: Verdict<'a>,
    subs: Vec<Sub>,
    compact: OnceLock<Option<Tail>>,
}

/// A computed value (by its number among the way's computed values) in
/// an outcome's value or a conflicting rule's.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sub {
    Outcome { outcome: usize, value: usize },
    Decider { decider: usize, value: usize },
}

/// A leaf's compact line after its `date`, with holes where its computed
/// values go: `(byte offset, value number)`.
pub(crate) struct Tail {
    pub(crate) bytes: Vec<u8>,
    pub(crate) holes: Vec<(usize, usize)>,
}

/// A case's verdict from a memo: a known way's leaf with the values the
/// case computed, or a verdict evaluated in full.
pub(crate) enum Found<'a> {
    Known {
        leaf: Arc<Leaf<'a>>,
        values: Vec<Value>,
    },
    New(Verdict<'a>),
}

/// The ways cases went in a run over one tree, for one choice of
/// outcomes: shared by the run's workers.
pub struct Memo<'a> {
    tree: &'a RuleTree,
    keep: Option<OutcomeSelection>,
    /// By epoch number.
    ways: RwLock<Vec<Ways<'a>>>,
    /// Bytes it may still take (roughly); it stops learning at none.
    room: AtomicUsize,
    /// How each outcome combines, by number.
    combine: Vec<Combine>,
}

impl std::fmt::Debug for Memo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo")
            .field("room", &self.room.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

enum Walked<'a> {
    Leaf(Arc<Leaf<'a>>),
    /// The way is not known (or a step failed): evaluate in full.
    Off,
}

impl<'a> Memo<'a> {
    /// An empty memo for evaluating cases against `tree`, deciding only
    /// the outcomes `keep` keeps (all without it).
    pub fn new(tree: &'a RuleTree, keep: Option<OutcomeSelection>) -> Memo<'a> {
        Memo::with_room(tree, keep, DEFAULT_ROOM)
    }

    /// As [`Memo::new`], holding about `bytes` at most.
    pub fn with_room(tree: &'a RuleTree, keep: Option<OutcomeSelection>, bytes: usize) -> Memo<'a> {
        let ways = (0..tree.plans().len())
            .map(|_| Ways {
                nodes: vec![Node::Open],
            })
            .collect();
        Memo {
            tree,
            keep,
            ways: RwLock::new(ways),
            room: AtomicUsize::new(bytes),
            combine: tree.outcomes.values().map(|d| d.combine).collect(),
        }
    }

    /// The tree it evaluates against.
    pub fn tree(&self) -> &'a RuleTree {
        self.tree
    }

    /// The outcomes it decides (all without a selection).
    pub fn outcomes(&self) -> Option<&OutcomeSelection> {
        self.keep.as_ref()
    }

    /// How many ways it knows, over all epochs.
    pub fn ways(&self) -> usize {
        self.ways.read().map_or(0, |ways| {
            ways.iter()
                .map(|w| {
                    w.nodes
                        .iter()
                        .filter(|n| matches!(n, Node::Leaf(_)))
                        .count()
                })
                .sum()
        })
    }

    /// `case`'s verdict on `date`: the same as `evaluate_verdict` with the
    /// memo's outcomes, by a known way when there is one.
    pub(crate) fn verdict(
        &self,
        case: &Case,
        date: NaiveDate,
    ) -> Result<Found<'a>, Box<EvalError>> {
        let tree = self.tree;
        if !case.is_of(tree) {
            return Err(Box::new(EvalError::other_tree(&case.id)));
        }
        let epoch = tree.plans().epoch(date);
        let mut values = Vec::new();
        if let Ok(ways) = self.ways.read()
            && let Some(ways) = ways.get(epoch)
        {
            crate::script::budget::start_case();
            let mut ev = Evaluator::new(tree, case.slots(), date);
            if let Walked::Leaf(leaf) = ways.walk(&mut ev, &mut values) {
                return Ok(Found::Known {
                    leaf,
                    values: values.into_iter().map(|(_, v)| v).collect(),
                });
            }
        }
        // A way not yet known, evaluated in full from the start (with a
        // fresh budget), and learnt while there is room.
        crate::script::budget::start_case();
        let mut ev = Evaluator::new(tree, case.slots(), date);
        if self.room.load(Ordering::Relaxed) > 0 {
            ev.seen = Some(Vec::new());
        }
        let verdict = ev.verdict(self.keep.as_ref())?;
        if let Some(seen) = ev.seen.take() {
            self.learn(epoch, date, seen, &verdict);
        }
        Ok(Found::New(verdict))
    }

    /// Adds the way a case went (`seen`) and its verdict.
    fn learn(&self, epoch: usize, date: NaiveDate, seen: Vec<Seen<'a>>, verdict: &Verdict<'a>) {
        let tree = self.tree;
        let plan = tree.plans().on(tree, date);
        // The answers, with the computed values numbered as a walk
        // numbers them; a value equal to a stated literal is constant.
        let mut values: Vec<(OutcomeId, Value, bool)> = Vec::new();
        let mut way: Vec<(Step<'a>, Key)> = Vec::with_capacity(seen.len());
        for s in seen {
            match s {
                Seen::Cond(c, key) => way.push((Step::Cond(c), key)),
                Seen::Value(step, got) => {
                    let literals = plan
                        .map(|p| literals(tree, p, step.oid))
                        .unwrap_or_default();
                    let key = value_key(
                        &step,
                        &literals,
                        &got,
                        values
                            .iter()
                            .filter(|(o, _, _)| *o == step.oid)
                            .map(|(_, v, _)| v),
                    );
                    if let Got::Value(v) = got {
                        let constant = match key {
                            Key::Same(i) => (i as usize) < literals.len(),
                            _ => matches!(key, Key::Exact(_)),
                        };
                        values.push((step.oid, v, constant));
                    }
                    way.push((Step::Value(step, literals), key));
                }
            }
        }
        let leaf = Leaf {
            subs: self.subs(verdict, &values),
            verdict: verdict.clone(),
            compact: OnceLock::new(),
        };
        let size = leaf.size() + way.len() * 96;
        let Ok(mut all) = self.ways.write() else {
            return;
        };
        let Some(ways) = all.get_mut(epoch) else {
            return;
        };
        if ways.add(way, leaf) {
            let left = self.room.load(Ordering::Relaxed).saturating_sub(size);
            self.room.store(left, Ordering::Relaxed);
        }
    }

    /// Where the computed values stand in a verdict: an outcome's value,
    /// or a conflicting rule's, that equals a value computed for that
    /// outcome and not constant.
    fn subs(&self, verdict: &Verdict<'a>, values: &[(OutcomeId, Value, bool)]) -> Vec<Sub> {
        let number = |oid: OutcomeId, x: &Value| {
            values
                .iter()
                .position(|(o, v, constant)| *o == oid && !constant && v == x)
        };
        let mut subs = Vec::new();
        for (i, o) in verdict.outcomes.iter().enumerate() {
            if !matches!(self.combine.get(o.oid.index()), Some(Combine::Single)) {
                continue;
            }
            if let Some(Cow::Owned(x)) = &o.value
                && let Some(value) = number(o.oid, x)
            {
                subs.push(Sub::Outcome { outcome: i, value });
            }
            for j in o.by.clone() {
                if let Some(Decider {
                    value: Some(Cow::Owned(x)),
                    ..
                }) = verdict.by.get(j)
                    && let Some(value) = number(o.oid, x)
                {
                    subs.push(Sub::Decider { decider: j, value });
                }
            }
        }
        subs
    }
}

/// The literals the rules deciding outcome `oid` state in an epoch, in
/// the plan's order.
fn literals<'a>(tree: &'a RuleTree, plan: &plan::EpochPlan, oid: OutcomeId) -> Vec<&'a Value> {
    let Some(op) = plan.outcomes.get(oid.index()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in &op.answering {
        let Some(v) = a.deciding.and_then(|v| v.of(tree)) else {
            continue;
        };
        for d in op.deciders.get(a.deciders.clone()).unwrap_or_default() {
            if let Some((_, Then::Literal(val))) =
                v.rules.get(d.rule).and_then(|r| r.then.get(d.then))
            {
                out.push(val);
            }
        }
    }
    out
}

impl<'a> Ways<'a> {
    /// Follows a case's answers from the root; `values` gets the values
    /// it computes, in order.
    fn walk(&self, ev: &mut Evaluator<'a, '_>, values: &mut Vec<(OutcomeId, Value)>) -> Walked<'a> {
        let mut at = 0usize;
        loop {
            let (step, next) = match self.nodes.get(at) {
                Some(Node::Leaf(leaf)) => return Walked::Leaf(Arc::clone(leaf)),
                Some(Node::Ask(step, next)) => (step, next),
                _ => return Walked::Off,
            };
            let key = match step {
                Step::Cond(c) => match ev.cond(&c.cond) {
                    Ok(t) => truth_key(t, &ev.needs),
                    Err(_) => return Walked::Off,
                },
                Step::Value(step, literals) => {
                    let got = Got::from(ev.computed(*step));
                    let key = value_key(
                        step,
                        literals,
                        &got,
                        values
                            .iter()
                            .filter(|(o, _)| *o == step.oid)
                            .map(|(_, v)| v),
                    );
                    if let Got::Value(v) = got {
                        values.push((step.oid, v));
                    }
                    key
                }
            };
            match next.iter().find(|(k, _)| *k == key) {
                Some((_, n)) => at = *n as usize,
                None => return Walked::Off,
            }
        }
    }

    /// Adds a way ending in `leaf`; false if it was known already (another
    /// worker learnt it first) or disagrees with what is known.
    fn add(&mut self, way: Vec<(Step<'a>, Key)>, leaf: Leaf<'a>) -> bool {
        let mut at = 0usize;
        for (step, key) in way {
            let fresh = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
            let Some(node) = self.nodes.get_mut(at) else {
                return false;
            };
            let next = match node {
                Node::Open => {
                    *node = Node::Ask(step, Vec::new());
                    match node {
                        Node::Ask(_, next) => next,
                        _ => return false,
                    }
                }
                Node::Ask(known, next) if known.same(&step) => next,
                // Determinism says this cannot happen; refuse rather than
                // answer from a disagreeing way.
                _ => return false,
            };
            at = match next.iter().find(|(k, _)| *k == key) {
                Some((_, n)) => *n as usize,
                None => {
                    next.push((key, fresh));
                    self.nodes.push(Node::Open);
                    fresh as usize
                }
            };
        }
        match self.nodes.get_mut(at) {
            Some(node @ Node::Open) => {
                *node = Node::Leaf(Arc::new(leaf));
                true
            }
            _ => false,
        }
    }
}

impl<'a> Leaf<'a> {
    /// Roughly what it holds, in bytes.
    fn size(&self) -> usize {
        let v = &self.verdict;
        std::mem::size_of::<Self>()
            + v.outcomes.len() * std::mem::size_of::<OutcomeVerdict>()
            + v.by.len() * std::mem::size_of::<Decider>()
            + v.answering.len() * std::mem::size_of::<Resolved>()
            + v.rule_sets.len() * 16
            // The compact line it may keep.
            + v.outcomes.len() * 64
    }

    /// The verdict of a case that went this way and computed `values`.
    pub(crate) fn verdict(&self, values: &[Value]) -> Verdict<'a> {
        let mut v = self.verdict.clone();
        for sub in &self.subs {
            match *sub {
                Sub::Outcome { outcome, value } => {
                    if let (Some(o), Some(x)) = (v.outcomes.get_mut(outcome), values.get(value)) {
                        o.value = Some(Cow::Owned(x.clone()));
                    }
                }
                Sub::Decider { decider, value } => {
                    if let (Some(d), Some(x)) = (v.by.get_mut(decider), values.get(value)) {
                        d.value = Some(Cow::Owned(x.clone()));
                    }
                }
            }
        }
        v
    }

    /// Its compact line after the date, made on first need, with holes
    /// for the computed values of decided outcomes; none when a computed
    /// value stands in a conflict (such a case's line is written from its
    /// verdict).
    pub(crate) fn compact_tail(
        &self,
        make: impl FnOnce(&Verdict<'a>, &[(usize, usize)]) -> Tail,
    ) -> Option<&Tail> {
        self.compact
            .get_or_init(|| {
                let mut outcomes = Vec::with_capacity(self.subs.len());
                for sub in &self.subs {
                    match *sub {
                        Sub::Outcome { outcome, value } => outcomes.push((outcome, value)),
                        Sub::Decider { .. } => return None,
                    }
                }
                Some(make(&self.verdict, &outcomes))
            })
            .as_ref()
    }
}

impl<'a> Found<'a> {
    /// The verdict itself.
    pub(crate) fn into_verdict(self) -> Verdict<'a> {
        match self {
            Found::Known { leaf, values } => leaf.verdict(&values),
            Found::New(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::generator;
    use crate::testing::shipped;

    fn read(tree: &RuleTree, line: &str) -> (Case, NaiveDate) {
        crate::result::lines::read_case_line(tree, None, 1, line.as_bytes()).unwrap()
    }

    #[test]
    fn a_case_going_a_way_already_learnt_is_answered_from_it_and_a_new_way_is_learnt() {
        let tree = shipped();
        let memo = Memo::new(tree, None);
        let lines = generator::json_lines(1500, 21);
        let mut known = 0;
        for line in &lines {
            let (case, date) = read(tree, line);
            if let Found::Known { .. } = memo.verdict(&case, date).unwrap() {
                known += 1;
            }
        }
        let ways = memo.ways();
        assert_eq!(known + ways, lines.len(), "each case is known or learnt");
        // The second time round, every case goes a way learnt the first.
        for line in &lines {
            let (case, date) = read(tree, line);
            assert!(matches!(
                memo.verdict(&case, date).unwrap(),
                Found::Known { .. }
            ));
        }
        assert_eq!(memo.ways(), ways);
    }

    #[test]
    fn a_memo_stops_learning_when_its_room_is_spent() {
        let tree = shipped();
        let memo = Memo::with_room(tree, None, 1);
        for line in generator::json_lines(200, 22) {
            let (case, date) = read(tree, &line);
            memo.verdict(&case, date).unwrap();
        }
        assert_eq!(memo.ways(), 1);
    }

    #[test]
    fn a_value_equal_to_a_stated_literal_or_an_earlier_value_is_answered_by_its_class() {
        let a = Value::Int(30);
        let b = Value::Int(7);
        let tree = shipped();
        let def = tree
            .outcomes
            .values()
            .find(|d| matches!(d.combine, Combine::Single))
            .unwrap();
        let union = tree
            .outcomes
            .values()
            .find(|d| matches!(d.combine, Combine::Union))
            .unwrap();
        let (set, version) = (&tree.rule_sets[0], &tree.rule_sets[0].versions[0]);
        let _ = set;
        let rule = &version.rules[0];
        let then = &rule.then[0].1;
        let step = |def| ValueStep {
            version,
            rule,
            def,
            then,
            oid: OutcomeId::new(0),
        };
        let literals = [&a];
        let earlier = [b.clone()];
        let key = |def, got: Got| value_key(&step(def), &literals, &got, earlier.iter());
        assert_eq!(key(def, Got::Value(Value::Int(30))), Key::Same(0));
        assert_eq!(key(def, Got::Value(Value::Int(7))), Key::Same(1));
        assert_eq!(key(def, Got::Value(Value::Int(8))), Key::Fresh);
        assert_eq!(key(def, Got::Failed), Key::Failed);
        assert_eq!(
            key(union, Got::Value(Value::Int(8))),
            Key::Exact(Value::Int(8))
        );
    }
}
