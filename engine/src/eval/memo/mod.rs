//! The ways cases go through the evaluator, remembered for a run: an
//! outcome that a case reaches by a known way is answered by deciding
//! only the conditions and values on that way, not by resolving it again.
//!
//! The evaluator is deterministic: given the tree and the epoch, what it
//! does for an outcome depends only on what it asks of the case, which is
//! the truth of conditions (with the facts an unknown one needs) and the
//! values rules compute from facts. A *way* is that sequence of questions
//! and answers; cases that give the same answers get the same verdict on
//! the outcome. The memo keeps, per epoch and outcome, a tree of ways (a
//! trie: each node a question, each edge an answer, each leaf the
//! outcome's verdict) learnt from the cases it evaluated in full. Ways are
//! kept per outcome, not per case: a case's facts left out in any
//! combination make a new way for the whole case, but seldom for one
//! outcome, which asks about a few facts.
//!
//! Ways of whole cases are kept too, per epoch, and tried first: most
//! cases of an archive go one. Their questions are the leaves of
//! conditions (`Leaf::id`), each asked once however many conditions hold
//! it, rather than the conditions: the walk then skips the `&&`, `||` and
//! `!` between them, and a leaf shared by many conditions is decided once
//! (issue 14, ninth round).
//!
//! A computed value is answered by its *equality class*, not by itself:
//! equal to which literal the outcome's rules state or which value an
//! earlier rule computed for it, or to none. Resolution only compares
//! values for equality (agreement, conflict, a harmless unknown) and
//! passes one on, so a leaf holds the verdict with the value a case
//! computed substituted in (a registration deadline is a different date
//! for every entry date, and the same way for all of them). A combined
//! list outcome takes the union of its values' items, which equality does
//! not settle: its computed values are answered exactly.
//!
//! Not here: what a condition or a value is (`bridge`, `native`), the
//! resolution itself (`precedence`), or writing verdicts (`result`). An
//! outcome whose way fails (a script error) is evaluated in full and gives
//! the full evaluation's error; a memo that is full stops learning and
//! answers new ways in full, with the same results. The trie and its
//! questions are `way`; what its leaves hold, `leaf`; this module learns
//! and answers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

mod leaf;
mod way;

use leaf::Sub;
pub(crate) use leaf::{Answer, CaseAnswer, CaseLeaf, Leaf, Tail};
pub(in crate::eval) use way::truth_key;
pub(crate) use way::{Got, Key, Seen, ValueStep};
use way::{Step, Walked, Ways, leaves, value_key};

use super::*;
use crate::result::lines::OutcomeSelection;

/// How much a memo may hold by default, as estimated (`OVERHEAD`,
/// `NODE`): enough for most ways of the shipped law on archives of
/// millions of cases, and within a batch run's 200 MB. Measured on
/// generated cases to Parquet (docs/performance.md, issue 14, ninth
/// round): the first 10,000 cases spent 24 MB, after which a quarter of
/// the cases missed a way of whole cases; 64 MB answered 300,000 cases in
/// 4.9% fewer instructions than 24 MB, but full lines then peaked at up
/// to 209 MB. 48 MB takes about what 24 MB took when every step of a way
/// was counted as a node.
const DEFAULT_ROOM: usize = 48 << 20;

thread_local! {
    /// The truths of the leaves the last walk of ways of whole cases
    /// decided, kept for a replay (`Ways::replay`): the buffer is reused
    /// from case to case rather than allocated for each.
    static TRAIL: std::cell::Cell<Vec<Option<Truth>>> = const { std::cell::Cell::new(Vec::new()) };
}

/// What a way really takes over what its parts' sizes add up to
/// (allocations, vectors' spare room): kept from when each way counted a
/// node for every step; since ways count only the nodes they add, the
/// estimate is about twice what a run's peak memory shows.
const OVERHEAD: usize = 3;

/// What a node of a way's trie takes, its answers included (roughly).
const NODE: usize = 96;

/// One thread's ways: per epoch and outcome (`epoch * outcomes +
/// outcome`), and per epoch for whole cases.
struct Shard<'a> {
    outcomes: Vec<Ways<'a, Leaf<'a>>>,
    cases: Vec<Ways<'a, CaseLeaf<'a>>>,
}

/// The ways cases went in a run over one tree, for one choice of
/// outcomes: shared by the run's workers.
pub struct Memo<'a> {
    tree: &'a RuleTree,
    keep: Option<OutcomeSelection>,
    /// One set of ways per shard, each by epoch, then outcome (`epoch *
    /// outcomes + outcome`). A thread keeps to one shard: its leaves'
    /// counts and its lock are touched by no other core, which sharing
    /// them made a bottleneck (each outcome of each case moved a cache
    /// line between the cores). A way is then learnt once per shard.
    shards: Vec<RwLock<Shard<'a>>>,
    /// Bytes it may still take (roughly); it stops learning at none.
    room: AtomicUsize,
    /// How each outcome combines, by number.
    combine: Vec<Combine>,
    /// The outcomes' declarations, by number (the tree keeps them in a
    /// map by name, slower to go through for every case).
    defs: Vec<&'a OutcomeDef>,
}

impl std::fmt::Debug for Memo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo")
            .field("room", &self.room.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<'a> Memo<'a> {
    /// An empty memo for evaluating cases against `tree`, deciding only
    /// the outcomes `keep` keeps (all without it).
    pub fn new(tree: &'a RuleTree, keep: Option<OutcomeSelection>) -> Memo<'a> {
        Memo::with_room(tree, keep, DEFAULT_ROOM)
    }

    /// As [`Memo::new`], holding about `bytes` at most.
    pub fn with_room(tree: &'a RuleTree, keep: Option<OutcomeSelection>, bytes: usize) -> Memo<'a> {
        let count = tree.plans().len().saturating_mul(tree.outcomes.len());
        let shards = std::thread::available_parallelism().map_or(1, |n| n.get());
        let shards = (0..shards)
            .map(|_| {
                RwLock::new(Shard {
                    outcomes: (0..count).map(|_| Ways::default()).collect(),
                    cases: (0..tree.plans().len()).map(|_| Ways::default()).collect(),
                })
            })
            .collect();
        Memo {
            tree,
            keep,
            shards,
            room: AtomicUsize::new(bytes),
            combine: tree.outcomes.values().map(|d| d.combine).collect(),
            defs: tree.outcomes.values().collect(),
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

    /// How many ways to an outcome it knows, over all epochs and outcomes
    /// (of all its shards: a way two threads learnt counts twice).
    pub fn ways(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().map_or(0, |w| leaves(&w.outcomes)))
            .sum()
    }

    /// How many ways of whole cases it knows, as [`Memo::ways`] counts.
    pub fn case_ways(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().map_or(0, |w| leaves(&w.cases)))
            .sum()
    }

    /// The shard of the calling thread.
    fn shard(&self) -> Option<&RwLock<Shard<'a>>> {
        thread_local! {
            /// The calling thread's number, given on its first use of a memo.
            static SLOT: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
        }
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let slot = SLOT.with(|s| match s.get() {
            Some(n) => n,
            None => {
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                s.set(Some(n));
                n
            }
        });
        self.shards.get(slot.checked_rem(self.shards.len())?)
    }

    /// `case`'s answers on `date`: the same as `evaluate_verdict` with the
    /// memo's outcomes, by a known way of whole cases when there is one,
    /// else each outcome by a known way when there is one.
    pub(crate) fn answer(
        &self,
        case: &Case,
        date: NaiveDate,
    ) -> Result<CaseAnswer<'a>, Box<EvalError>> {
        let tree = self.tree;
        if !case.is_of(tree) {
            return Err(Box::new(EvalError::other_tree(&case.id)));
        }
        crate::script::budget::start_case();
        let mut ev = Evaluator::new(tree, case.slots(), date);
        let mut answer = CaseAnswer {
            rule_sets: Vec::new(),
            outcomes: Vec::new(),
            whole: None,
        };
        let plans = tree.plans();
        let Some(plan) = plans.on(tree, date) else {
            return Ok(answer);
        };
        let epoch = plans.epoch(date);
        // Where this epoch's ways per outcome start among the shard's.
        let base = epoch.saturating_mul(tree.outcomes.len());
        let learning = self.room.load(Ordering::Relaxed) > 0;
        let shard = self.shard();
        // Poisoned by a worker's panic: answered in full from then on.
        let known = shard.and_then(|s| s.read().ok());
        let mut case_values = Vec::new();
        let whole_ways = known.as_ref().and_then(|k| k.cases.get(epoch));
        if let Some(ways) = whole_ways {
            let mut trail = TRAIL.with(std::cell::Cell::take);
            trail.clear();
            let walked = ways.walk_keeping(&mut ev, &mut case_values, &mut trail);
            if let Walked::Leaf(leaf) = walked {
                TRAIL.with(|t| t.set(trail));
                let values = case_values.into_iter().map(|(_, v)| v).collect();
                answer.whole = Some((leaf, values));
                return Ok(answer);
            }
            // What the walk asked, as recording it would have, when
            // learning; its leaves kept in the case's cache either way.
            let mut first = learning.then(Vec::new);
            ways.replay(&mut ev, &trail, first.as_mut());
            ev.first = first;
            TRAIL.with(|t| t.set(trail));
        } else if learning {
            ev.first = Some(Vec::new());
        }
        answer.rule_sets.reserve(tree.rule_sets.len());
        answer.outcomes.reserve(tree.outcomes.len());
        // Each answered outcome's leaf, or its place in `learnt` until it
        // is learnt: what a way of whole cases is made of.
        let mut parts: Vec<Result<Arc<Leaf<'a>>, usize>> = Vec::new();
        let mut learnt: Vec<(usize, Vec<Seen<'a>>, Verdict<'a>)> = Vec::new();
        let mut bufs = (Vec::new(), Vec::new());
        for ((oid, &def), op) in self.defs.iter().enumerate().zip(&plan.outcomes) {
            if op.answering.is_empty() || self.keep.as_ref().is_some_and(|k| !k.keeps_number(oid)) {
                continue;
            }
            let at = base.saturating_add(oid);
            if let Some(ways) = known.as_ref().and_then(|k| k.outcomes.get(at)) {
                let mut values = Vec::new();
                if let Walked::Leaf(leaf) = ways.walk(&mut ev, &mut values) {
                    // A way on which no rule set answers the outcome
                    // (every gate shut) gives no answer at all.
                    if !leaf.verdict.outcomes.is_empty() {
                        parts.push(Ok(Arc::clone(&leaf)));
                        let values = values.into_iter().map(|(_, v)| v).collect();
                        answer.outcomes.push(Answer::Known { leaf, values });
                    }
                    continue;
                }
            }
            // A way not yet known: this outcome evaluated in full, and
            // learnt while there is room.
            let mut verdict = Verdict::default();
            if learning {
                ev.seen = Some(Vec::new());
            }
            let oid_n = OutcomeId::new(oid);
            let decided = ev.outcome(def, oid_n, op, &mut bufs, &mut Vec::new(), &mut verdict);
            let seen = ev.seen.take();
            decided?;
            let answered = !verdict.outcomes.is_empty();
            if let Some(seen) = seen {
                if answered {
                    parts.push(Err(learnt.len()));
                }
                learnt.push((at, seen, verdict.clone()));
            }
            if answered {
                answer.outcomes.push(Answer::New(verdict));
            }
        }
        drop(known);
        let resolved = plan
            .resolved
            .iter()
            .filter_map(|&(s, r)| Some((tree.rule_sets.get(s as usize)?, r.of(tree)?)));
        ev.rule_sets_in_force(resolved, &mut answer.rule_sets)?;
        if let (Some(shard), Some(way)) = (shard, ev.first.take()) {
            let leaves: Vec<Option<Arc<Leaf<'a>>>> = learnt
                .into_iter()
                .map(|(at, seen, verdict)| self.learn(shard, at, plan, seen, verdict))
                .collect();
            // A way of whole cases only when every outcome's way is known.
            let outcomes: Option<Vec<Arc<Leaf<'a>>>> = parts
                .into_iter()
                .map(|p| match p {
                    Ok(leaf) => Some(leaf),
                    Err(i) => leaves.get(i).cloned().flatten(),
                })
                .collect();
            if let Some(outcomes) = outcomes {
                self.learn_case(shard, epoch, plan, way, &answer.rule_sets, outcomes);
            }
        }
        Ok(answer)
    }

    /// Takes `bytes` from the room left for learning (none left: the memo
    /// learns no more).
    fn spend(&self, bytes: usize) {
        let _ = self
            .room
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                Some(left.saturating_sub(bytes))
            });
    }

    /// Adds a whole case's way (`way`: its first decisions and computed
    /// values), ending in its versions in force and its outcomes' leaves.
    fn learn_case(
        &self,
        shard: &RwLock<Shard<'a>>,
        epoch: usize,
        plan: &plan::EpochPlan,
        way: Vec<Seen<'a>>,
        rule_sets: &[(&'a Version, Option<bool>)],
        outcomes: Vec<Arc<Leaf<'a>>>,
    ) {
        let (way, values, _) = self.way_of(plan, way);
        // Each outcome's values by their numbers among the case's.
        let mut numbered = Vec::with_capacity(outcomes.len());
        for leaf in outcomes {
            let mut numbers = Vec::with_capacity(leaf.value_steps.len());
            for step in &leaf.value_steps {
                let Some(n) = values.iter().position(|s| s.same(step)) else {
                    return;
                };
                numbers.push(n);
            }
            numbered.push((leaf, numbers));
        }
        let leaf = CaseLeaf {
            number: Leaf::next_number(),
            rule_sets: rule_sets.to_vec(),
            outcomes: numbered,
            compact: OnceLock::new(),
        };
        let size = std::mem::size_of::<CaseLeaf>()
            + leaf.outcomes.len() * 64
            + leaf.rule_sets.len() * 16
            // The compact text it may keep.
            + leaf.outcomes.len() * 80;
        let Ok(mut all) = shard.write() else {
            return;
        };
        let Some(ways) = all.cases.get_mut(epoch) else {
            return;
        };
        if let Some((_, Some(nodes))) = ways.add(way, leaf) {
            self.spend(OVERHEAD * (size + nodes * NODE));
        }
    }

    /// A recorded way as steps and answers, computed values answered by
    /// their class among the values computed for the same outcome; with
    /// the steps that gave a value, in order (the way's values by number).
    fn way_of(
        &self,
        plan: &plan::EpochPlan,
        seen: Vec<Seen<'a>>,
    ) -> (Vec<(Step<'a>, Key)>, Vec<ValueStep<'a>>, Vec<Value>) {
        let mut values: Vec<(OutcomeId, Value)> = Vec::new();
        let mut steps = Vec::new();
        let mut way: Vec<(Step<'a>, Key)> = Vec::with_capacity(seen.len());
        for s in seen {
            match s {
                Seen::Cond(c, key) => way.push((Step::Cond(c), key)),
                Seen::Leaf(leaf, key) => way.push((Step::Leaf(leaf), key)),
                Seen::Value(step, got) => {
                    let literals = literals(self.tree, plan, step.oid);
                    let key = value_key(
                        &step,
                        &literals,
                        &got,
                        values
                            .iter()
                            .filter(|(o, _)| *o == step.oid)
                            .map(|(_, v)| v),
                    );
                    if let Got::Value(v) = got {
                        values.push((step.oid, v));
                        steps.push(step);
                    }
                    way.push((Step::Value(Box::new((step, literals))), key));
                }
            }
        }
        let values = values.into_iter().map(|(_, v)| v).collect();
        (way, steps, values)
    }

    /// Adds the way a case went to an outcome (`seen`), ending in the
    /// outcome's verdict; the way's leaf (new, or learnt before by this
    /// thread), if the way could be kept.
    fn learn(
        &self,
        shard: &RwLock<Shard<'a>>,
        at: usize,
        plan: &plan::EpochPlan,
        seen: Vec<Seen<'a>>,
        verdict: Verdict<'a>,
    ) -> Option<Arc<Leaf<'a>>> {
        let (way, value_steps, computed) = self.way_of(plan, seen);
        // The values the way computed, by number, each with whether it is
        // constant (equal to a literal its outcome's rules state).
        let constant = way.iter().filter_map(|(step, key)| match (step, key) {
            (Step::Value(value), Key::Same(i)) => Some((*i as usize) < value.1.len()),
            (Step::Value(..), Key::Exact(_)) => Some(true),
            (Step::Value(..), Key::Fresh) => Some(false),
            _ => None,
        });
        let values: Vec<(Value, bool)> = computed.into_iter().zip(constant).collect();
        let leaf = Leaf {
            number: Leaf::next_number(),
            subs: self.subs(&verdict, &values),
            verdict,
            value_steps,
            compact: OnceLock::new(),
        };
        let size = leaf.size();
        let mut all = shard.write().ok()?;
        let ways = all.outcomes.get_mut(at)?;
        let (leaf, nodes) = ways.add(way, leaf)?;
        if let Some(nodes) = nodes {
            self.spend(OVERHEAD * (size + nodes * NODE));
        }
        Some(leaf)
    }

    /// Where the computed values stand in an outcome's verdict: its value,
    /// or a conflicting rule's, that equals a value computed on the way
    /// and not constant.
    fn subs(&self, verdict: &Verdict<'a>, values: &[(Value, bool)]) -> Vec<Sub> {
        let number = |x: &Value| values.iter().position(|(v, constant)| !constant && v == x);
        let mut subs = Vec::new();
        let Some(o) = verdict.outcomes.first() else {
            return subs;
        };
        if !matches!(self.combine.get(o.oid.index()), Some(Combine::Single)) {
            return subs;
        }
        if let Some(Cow::Owned(x)) = &o.value
            && let Some(value) = number(x)
        {
            subs.push(Sub::Outcome { value });
        }
        for j in o.by.clone() {
            if let Some(Decider {
                value: Some(Cow::Owned(x)),
                ..
            }) = verdict.by.get(j)
                && let Some(value) = number(x)
            {
                subs.push(Sub::Decider { decider: j, value });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::generator;
    use crate::testing::shipped;

    fn read(tree: &RuleTree, line: &str) -> (Case, NaiveDate) {
        crate::result::lines::read_case_line(tree, None, 1, line.as_bytes()).unwrap()
    }

    /// How many of a case's outcomes went a known way, and how many
    /// were evaluated in full; `None` for a case that went a known way
    /// of whole cases.
    fn known_and_new(memo: &Memo<'_>, line: &str) -> Option<(usize, usize)> {
        let (case, date) = read(memo.tree(), line);
        let answer = memo.answer(&case, date).unwrap();
        if answer.whole.is_some() {
            return None;
        }
        let known = answer
            .outcomes
            .iter()
            .filter(|a| matches!(a, Answer::Known { .. }))
            .count();
        // Outcomes no rule set answers for the case are in neither count.
        Some((known, answer.outcomes.len() - known))
    }

    #[test]
    fn an_outcome_reached_by_a_way_already_learnt_is_answered_from_it_and_a_new_way_is_learnt() {
        let tree = shipped();
        let memo = Memo::new(tree, None);
        let lines = generator::json_lines(1500, 21);
        let (mut known, mut new, mut whole) = (0, 0, 0);
        for line in &lines {
            match known_and_new(&memo, line) {
                Some((k, n)) => {
                    known += k;
                    new += n;
                }
                None => whole += 1,
            }
        }
        let ways = memo.ways();
        // Each outcome not known is learnt (and so are ways on which no
        // rule set answers, which give no answer to count).
        assert!(new > 0 && new <= ways, "{new} learnt, {ways} ways");
        assert!(known > 5 * new, "{known} known, {new} learnt");
        // Cases went ways of whole cases learnt before them, and every
        // case not answered so made a way of whole cases.
        assert!(whole > 0);
        assert_eq!(memo.case_ways() + whole, lines.len());
        // The second time round, every case goes a way learnt the first.
        for line in &lines {
            assert_eq!(known_and_new(&memo, line), None);
        }
        assert_eq!(memo.ways(), ways);
    }

    #[test]
    fn a_memo_stops_learning_when_its_room_is_spent() {
        let tree = shipped();
        let memo = Memo::with_room(tree, None, 1);
        let lines = generator::json_lines(200, 22);
        known_and_new(&memo, &lines[0]);
        let first = memo.ways() + memo.case_ways();
        assert!(first > 0);
        for line in &lines {
            known_and_new(&memo, line);
        }
        assert_eq!(memo.ways() + memo.case_ways(), first);
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
