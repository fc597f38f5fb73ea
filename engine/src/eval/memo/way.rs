//! A way: the questions the evaluator asks of a case (a condition's
//! truth, a rule's computed value) with their answers, and the trie the
//! ways of an epoch make, walked by a case and added to by learning. Not
//! here: what the leaves hold (`leaf`), or when a way is learnt (`memo`).

use std::sync::Arc;

use super::super::*;
use crate::script::analysis::Leaf;

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
/// evaluator records. The way to an outcome is made of the conditions
/// asked; the way of a whole case, of the leaves of conditions decided
/// (each once, whichever conditions hold it).
pub(crate) enum Seen<'a> {
    Cond(&'a Condition, Key),
    Leaf(&'a Leaf, Key),
    Value(ValueStep<'a>, Got),
}

impl Seen<'_> {
    /// Whether this is the value `step` computes.
    pub(crate) fn is_value_of(&self, step: &ValueStep<'_>) -> bool {
        matches!(self, Seen::Value(s, _) if s.same(step))
    }
}

impl ValueStep<'_> {
    pub(super) fn same(&self, other: &ValueStep<'_>) -> bool {
        std::ptr::eq(self.rule, other.rule)
            && std::ptr::eq(self.then, other.then)
            && self.oid == other.oid
    }
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

    pub(super) fn from(r: Result<Result<Cow<'_, Value>, FactSet>, Box<EvalError>>) -> Got {
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

impl Key {
    /// Whether this answer is the truth `t` (without making the answer).
    #[inline]
    pub(super) fn is(&self, t: Truth, needs: &NeedsArena) -> bool {
        match (self, t) {
            (Key::True, Truth::True) | (Key::False, Truth::False) => true,
            (Key::Unknown(facts), Truth::Unknown(n)) => needs.get(n) == facts,
            _ => false,
        }
    }
}

/// A condition's truth as an answer.
pub(in crate::eval) fn truth_key(t: Truth, needs: &NeedsArena) -> Key {
    match t {
        Truth::True => Key::True,
        Truth::False => Key::False,
        Truth::Unknown(n) => Key::Unknown(needs.get(n).clone()),
    }
}

/// A computed value's answer, given the literals its outcome's rules
/// state in the epoch and the values computed for it earlier.
pub(super) fn value_key<'v>(
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
pub(super) enum Step<'a> {
    Cond(&'a Condition),
    /// A leaf of conditions, by its number (`Leaf::id`).
    Leaf(&'a Leaf),
    /// With the literals the outcome's rules state in the epoch. Boxed:
    /// the rare computed value would make every node of a trie twice the
    /// size, and a walk reads a node a question.
    Value(Box<(ValueStep<'a>, Vec<&'a Value>)>),
}

impl Step<'_> {
    pub(super) fn same(&self, other: &Step<'_>) -> bool {
        match (self, other) {
            (Step::Cond(a), Step::Cond(b)) => std::ptr::eq(*a, *b),
            (Step::Leaf(a), Step::Leaf(b)) => a.id == b.id,
            (Step::Value(a), Step::Value(b)) => a.0.same(&b.0),
            _ => false,
        }
    }
}

pub(super) enum Node<'a, L> {
    /// Made for a way being learnt, not yet given its step or leaf.
    Open,
    Ask(Step<'a>, Edges),
    Leaf(Arc<L>),
}

/// A question's answers, each with the node it leads to. `true` and
/// `false`, what nearly every question of a walk is answered, are held in
/// place and found without a search or a second allocation to follow:
/// looking each answer up in a list cost a case some 600 instructions
/// (docs/performance.md, issue 14, twelfth round). The other answers are
/// listed.
#[derive(Default)]
pub(super) struct Edges {
    /// The node answer `true` leads to; 0 for none (the root, node 0, is
    /// no node's child).
    yes: u32,
    /// The node answer `false` leads to; 0 for none.
    no: u32,
    other: Vec<(Key, u32)>,
}

impl Edges {
    /// The node truth `t` leads to, if any.
    #[inline]
    fn by_truth(&self, t: Truth, needs: &NeedsArena) -> Option<u32> {
        let n = match t {
            Truth::True => self.yes,
            Truth::False => self.no,
            Truth::Unknown(_) => return self.listed(|k| k.is(t, needs)),
        };
        (n != 0).then_some(n)
    }

    /// The node answer `key` leads to, if any.
    #[inline]
    fn by_key(&self, key: &Key) -> Option<u32> {
        let n = match key {
            Key::True => self.yes,
            Key::False => self.no,
            key => return self.listed(|k| k == key),
        };
        (n != 0).then_some(n)
    }

    fn listed(&self, is: impl Fn(&Key) -> bool) -> Option<u32> {
        self.other.iter().find(|(k, _)| is(k)).map(|&(_, n)| n)
    }

    /// Adds answer `key`, leading to node `n` (not the root).
    fn add(&mut self, key: Key, n: u32) {
        match key {
            Key::True => self.yes = n,
            Key::False => self.no = n,
            key => {
                // Most listed answers are one or two: room for four (what
                // a first push gives) was most of what a way of a whole
                // case took.
                self.other.reserve_exact(1);
                self.other.push((key, n));
            }
        }
    }
}

/// The ways of one epoch (for one outcome, or for whole cases), ending
/// in leaves `L`; the root is node 0.
pub(super) struct Ways<'a, L> {
    nodes: Vec<Node<'a, L>>,
}

impl<L> Default for Ways<'_, L> {
    fn default() -> Self {
        Ways {
            nodes: vec![Node::Open],
        }
    }
}

/// Where a walk finds the truths of leaves.
enum Leaves<'t> {
    /// Decided on the case's facts.
    Decide,
    /// Decided, and kept in order.
    Keep(&'t mut Vec<Option<Truth>>),
    /// Given by an earlier walk's trail, from the place it holds.
    Given(&'t [Option<Truth>], usize),
}

pub(super) enum Walked<L> {
    Leaf(Arc<L>),
    /// The way is not known (or a question failed): evaluate in full.
    Off,
}

impl<'a, L> Ways<'a, L> {
    /// Follows a case's answers from the root; `values` gets the values
    /// it computes, in order, each with its outcome. Conditions are asked
    /// through the case's cache, as the evaluation in full asks them;
    /// leaves (the questions of ways of whole cases, each asked once on a
    /// way) are decided afresh (`Evaluator::walk_leaf`).
    pub(super) fn walk(
        &self,
        ev: &mut Evaluator<'a, '_>,
        values: &mut Vec<(OutcomeId, Value)>,
    ) -> Walked<L> {
        self.follow(ev, values, None, Leaves::Decide)
    }

    /// `walk`, keeping in `trail` the truth of each leaf it decides, in
    /// order, for `replay` to give again if the case walks off the ways.
    pub(super) fn walk_keeping(
        &self,
        ev: &mut Evaluator<'a, '_>,
        values: &mut Vec<(OutcomeId, Value)>,
        trail: &mut Vec<Option<Truth>>,
    ) -> Walked<L> {
        self.follow(ev, values, None, Leaves::Keep(trail))
    }

    /// What a case that walked off these ways (`walk`) was asked on the
    /// way, in order, as a learning evaluator records it: the part of
    /// its whole way already known. Its leaves are answered from the
    /// case's cache by now (a failed one is run again); its values are
    /// computed again.
    ///
    /// The walk itself records nothing: all but a few cases in a run end
    /// at a leaf, and recording every step of theirs only to throw it
    /// away cost some 250 instructions a case (docs/performance.md,
    /// issue 14, eighth round).
    ///
    /// `trail` holds the truths the walk kept (`walk_keeping`): each leaf
    /// is then given its truth and kept in the case's cache, not decided
    /// again, which cost a case that walked off some 8,000 instructions
    /// (docs/performance.md, issue 14, twelfth round). Without `record`
    /// the replay only fills the cache: the outcomes' ways, asked next,
    /// then find the leaves decided.
    pub(super) fn replay(
        &self,
        ev: &mut Evaluator<'a, '_>,
        trail: &[Option<Truth>],
        record: Option<&mut Vec<Seen<'a>>>,
    ) {
        self.follow(ev, &mut Vec::new(), record, Leaves::Given(trail, 0));
    }

    /// `walk`, recording each step's question and answer in `record` if
    /// given, its leaves' truths found as `leaves` says.
    #[inline]
    fn follow(
        &self,
        ev: &mut Evaluator<'a, '_>,
        values: &mut Vec<(OutcomeId, Value)>,
        mut record: Option<&mut Vec<Seen<'a>>>,
        mut leaves: Leaves<'_>,
    ) -> Walked<L> {
        let mut at = 0usize;
        loop {
            let (step, next) = match self.nodes.get(at) {
                Some(Node::Leaf(leaf)) => return Walked::Leaf(Arc::clone(leaf)),
                Some(Node::Ask(step, next)) => (step, next),
                _ => return Walked::Off,
            };
            let found = match step {
                Step::Cond(c) => {
                    let t = match ev.ask(c) {
                        Ok(t) => t,
                        Err(_) => return Walked::Off,
                    };
                    if let Some(record) = record.as_deref_mut() {
                        record.push(Seen::Cond(c, truth_key(t, &ev.needs)));
                    }
                    next.by_truth(t, &ev.needs)
                }
                Step::Leaf(leaf) => {
                    let t = match &mut leaves {
                        Leaves::Decide => ev.walk_leaf(leaf),
                        Leaves::Keep(trail) => {
                            let t = ev.walk_leaf(leaf);
                            trail.push(t);
                            t
                        }
                        Leaves::Given(trail, next) => {
                            let t = match trail.get(*next) {
                                Some(&t) => ev.given_leaf(leaf, t),
                                // Never: the walk kept every leaf it
                                // decided, and this replay goes its way.
                                None => ev.ask_leaf(leaf),
                            };
                            *next += 1;
                            t
                        }
                    };
                    if let Some(record) = record.as_deref_mut() {
                        let key = match t {
                            Some(t) => truth_key(t, &ev.needs),
                            None => Key::Failed,
                        };
                        record.push(Seen::Leaf(leaf, key));
                    }
                    match t {
                        Some(t) => next.by_truth(t, &ev.needs),
                        None => next.by_key(&Key::Failed),
                    }
                }
                Step::Value(value) => {
                    let (step, literals) = &**value;
                    let got = Got::from(ev.computed(*step));
                    let earlier = values
                        .iter()
                        .filter(|(o, _)| *o == step.oid)
                        .map(|(_, v)| v);
                    let key = value_key(step, literals, &got, earlier);
                    let found = next.by_key(&key);
                    match record.as_deref_mut() {
                        Some(record) => {
                            if let Got::Value(v) = &got {
                                values.push((step.oid, v.clone()));
                            }
                            record.push(Seen::Value(*step, got));
                        }
                        None => {
                            if let Got::Value(v) = got {
                                values.push((step.oid, v));
                            }
                        }
                    }
                    found
                }
            };
            match found {
                Some(n) => at = n as usize,
                None => return Walked::Off,
            }
        }
    }

    /// Adds a way ending in `leaf`: the leaf at its end, and how many
    /// nodes the way added if its leaf is new (none if this thread learnt
    /// the way before); none at all if the way disagrees with what is
    /// known. Ways share their beginnings: most new ones add a few nodes
    /// for their last steps, not one for each step.
    pub(super) fn add(
        &mut self,
        way: Vec<(Step<'a>, Key)>,
        leaf: L,
    ) -> Option<(Arc<L>, Option<usize>)> {
        let before = self.nodes.len();
        let mut at = 0usize;
        for (step, key) in way {
            let fresh = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
            let node = self.nodes.get_mut(at)?;
            let next = match node {
                Node::Open => {
                    *node = Node::Ask(step, Edges::default());
                    match node {
                        Node::Ask(_, next) => next,
                        _ => return None,
                    }
                }
                Node::Ask(known, next) if known.same(&step) => next,
                // Determinism says this cannot happen; refuse rather than
                // answer from a disagreeing way.
                _ => return None,
            };
            at = match next.by_key(&key) {
                Some(n) => n as usize,
                None => {
                    next.add(key, fresh);
                    self.nodes.push(Node::Open);
                    fresh as usize
                }
            };
        }
        match self.nodes.get_mut(at)? {
            node @ Node::Open => {
                let leaf = Arc::new(leaf);
                *node = Node::Leaf(Arc::clone(&leaf));
                Some((leaf, Some(self.nodes.len().saturating_sub(before))))
            }
            Node::Leaf(known) => Some((Arc::clone(known), None)),
            Node::Ask(..) => None,
        }
    }
}

/// How many leaves some ways have.
pub(super) fn leaves<L>(ways: &[Ways<'_, L>]) -> usize {
    ways.iter()
        .map(|w| {
            w.nodes
                .iter()
                .filter(|n| matches!(n, Node::Leaf(_)))
                .count()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::shipped;

    #[test]
    fn true_and_false_lead_from_a_node_in_place_and_other_answers_from_its_list() {
        let mut edges = Edges::default();
        assert_eq!(edges.by_key(&Key::True), None);
        edges.add(Key::True, 3);
        edges.add(Key::Failed, 5);
        edges.add(Key::Same(1), 6);
        let needs = NeedsArena::default();
        assert_eq!(edges.by_truth(Truth::True, &needs), Some(3));
        assert_eq!(edges.by_truth(Truth::False, &needs), None);
        edges.add(Key::False, 4);
        assert_eq!(edges.by_truth(Truth::False, &needs), Some(4));
        assert_eq!(edges.by_key(&Key::False), Some(4));
        assert_eq!(edges.by_key(&Key::Failed), Some(5));
        assert_eq!(edges.by_key(&Key::Same(1)), Some(6));
        assert_eq!(edges.by_key(&Key::Same(0)), None);
        assert_eq!(edges.other.len(), 2, "true and false are not listed");
    }

    #[test]
    fn a_new_way_counts_only_the_nodes_it_adds_and_a_known_one_none() {
        let tree = shipped();
        let leaves: Vec<&Leaf> = tree
            .rule_sets
            .iter()
            .flat_map(|s| &s.versions)
            .flat_map(|v| v.rules.iter().filter_map(|r| r.when.as_ref()))
            .flat_map(|c| c.cond.leaves())
            .collect();
        let a = leaves[0];
        let b = *leaves.iter().find(|l| l.id != a.id).unwrap();
        let way = |x: Key, y: Key| vec![(Step::Leaf(a), x), (Step::Leaf(b), y)];
        let mut ways: Ways<'_, u8> = Ways::default();
        let (_, nodes) = ways.add(way(Key::True, Key::True), 1).unwrap();
        assert_eq!(nodes, Some(2));
        // It shares its first question and answer with the first way.
        let (_, nodes) = ways.add(way(Key::True, Key::False), 2).unwrap();
        assert_eq!(nodes, Some(1));
        let (leaf, nodes) = ways.add(way(Key::True, Key::False), 3).unwrap();
        assert_eq!((*leaf, nodes), (2, None));
        let (_, nodes) = ways.add(way(Key::False, Key::False), 4).unwrap();
        assert_eq!(nodes, Some(2));
        // A way asking another question where one is known is refused.
        assert!(ways.add(vec![(Step::Leaf(b), Key::True)], 5).is_none());
    }
}
