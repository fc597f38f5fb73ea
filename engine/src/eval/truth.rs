//! Three-valued (Kleene) truth: true, false, or unknown with the facts
//! that would settle it. Not here: running scripts (`bridge`).

use super::*;

/// A three-valued truth: unknown carries the facts (by number) that would
/// settle it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Truth {
    True,
    False,
    Unknown(FactSet),
}

impl Truth {
    // Inlined: called for every rule considered, and a call passes two
    // truths of some fifty bytes each through memory.
    #[inline]
    pub(super) fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, x) | (x, Truth::True) => x,
            (Truth::Unknown(mut a), Truth::Unknown(b)) => {
                a.extend(&b);
                Truth::Unknown(a)
            }
        }
    }
    /// Equal for `True` and `False`; any two unknowns alike. Cheaper than
    /// `==`, which compares the facts an unknown needs.
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
    pub(super) fn needs(&self, tree: &RuleTree) -> Vec<String> {
        match self {
            Truth::Unknown(n) => names(tree, n),
            _ => Vec::new(),
        }
    }
}

/// The names of numbered facts, sorted.
pub(super) fn names(tree: &RuleTree, set: &FactSet) -> Vec<String> {
    set.iter()
        .filter_map(|id| tree.fact_names.get(id).cloned())
        .collect()
}
