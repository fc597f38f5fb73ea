//! Three-valued (Kleene) truth: true, false, or unknown with the facts
//! that would settle it. Not here: running scripts (`bridge`).

use super::*;

/// A three-valued truth: unknown names the facts (by number) that would
/// settle it, kept in the case's `NeedsArena`. Small and `Copy`: truths
/// are passed, cached and combined for every condition of every case, and
/// a truth carrying its own set of facts cost a copy and a drop each time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Truth {
    True,
    False,
    Unknown(Needs),
}

/// The facts an unknown truth needs: a place in the case's `NeedsArena`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Needs(u32);

impl Needs {
    /// The needs at place `n` of the arena (as the condition cache keeps it).
    #[inline]
    pub(super) fn at(n: u32) -> Needs {
        Needs(n)
    }
    /// Its place in the arena.
    #[inline]
    pub(super) fn index(self) -> u32 {
        self.0
    }
}

/// The sets of facts the unknown truths of one case need, by `Needs`.
/// A case makes a handful; they go when the case's evaluator does.
#[derive(Debug, Default)]
pub(super) struct NeedsArena(Vec<FactSet>);

impl NeedsArena {
    /// An unknown truth needing `facts`.
    pub(super) fn unknown(&mut self, facts: FactSet) -> Truth {
        let n = Needs(u32::try_from(self.0.len()).unwrap_or(u32::MAX));
        self.0.push(facts);
        Truth::Unknown(n)
    }

    /// The facts `n` names.
    #[inline]
    pub(super) fn get(&self, n: Needs) -> &FactSet {
        self.0.get(n.0 as usize).unwrap_or(&FactSet::EMPTY)
    }

    /// Kleene `and`: false wins, true gives way, two unknowns need the
    /// facts of both.
    #[inline]
    pub(super) fn and(&mut self, a: Truth, b: Truth) -> Truth {
        match (a, b) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, x) | (x, Truth::True) => x,
            (Truth::Unknown(x), Truth::Unknown(y)) if x == y => a,
            (Truth::Unknown(x), Truth::Unknown(y)) => {
                let mut both = self.get(x).clone();
                both.extend(self.get(y));
                self.unknown(both)
            }
        }
    }

    /// The names of the facts an unknown truth needs, sorted.
    pub(super) fn names(&self, tree: &RuleTree, t: Truth) -> Vec<String> {
        match t {
            Truth::Unknown(n) => names(tree, self.get(n)),
            _ => Vec::new(),
        }
    }
}

impl Truth {
    /// Equal for `True` and `False`; any two unknowns alike.
    #[inline]
    pub(super) fn same_kind(&self, other: &Truth) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }

    pub(super) fn word(&self) -> &'static str {
        match self {
            Truth::True => "held",
            Truth::False => "false",
            Truth::Unknown(_) => "unknown",
        }
    }
}

/// The names of numbered facts, sorted.
pub(super) fn names(tree: &RuleTree, set: &FactSet) -> Vec<String> {
    set.iter()
        .filter_map(|id| tree.fact_names.get(id).cloned())
        .collect()
}
