//! A set of facts by number, for the facts an unknown condition part needs:
//! evaluation builds and merges many of these per case, so the first 128
//! facts are bits in a word and only a tree with more ever allocates.
//! Not here: what the numbers mean (a fact's place in the tree's sorted declarations, `rules::load::declarations`).

use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FactSet {
    low: u128,
    high: Option<BTreeSet<usize>>,
}

impl FactSet {
    /// No facts.
    pub(crate) const EMPTY: FactSet = FactSet { low: 0, high: None };

    #[inline]
    pub(crate) fn insert(&mut self, id: crate::rules::model::FactId) {
        let id = id.index();
        if id < 128 {
            self.low |= 1u128 << id;
        } else {
            self.high.get_or_insert_with(Default::default).insert(id);
        }
    }

    #[inline]
    pub(crate) fn contains(&self, id: usize) -> bool {
        if id < 128 {
            self.low & (1u128 << id) != 0
        } else {
            self.high.as_ref().is_some_and(|h| h.contains(&id))
        }
    }

    #[inline]
    pub(crate) fn extend(&mut self, other: &FactSet) {
        self.low |= other.low;
        if let Some(h) = &other.high {
            self.high
                .get_or_insert_with(Default::default)
                .extend(h.iter().copied());
        }
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.low == 0 && self.high.as_ref().is_none_or(|h| h.is_empty())
    }

    /// The numbers, ascending: names come out sorted, as facts are
    /// numbered in the order of their names.
    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        let mut low = self.low;
        std::iter::from_fn(move || {
            if low == 0 {
                return None;
            }
            let i = low.trailing_zeros() as usize;
            low &= low - 1;
            Some(i)
        })
        .chain(self.high.iter().flat_map(|h| h.iter().copied()))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn a_fact_set_holds_exactly_what_was_put_in_it_in_ascending_order(
            a in proptest::collection::btree_set(0usize..400, 0..30),
            b in proptest::collection::btree_set(0usize..400, 0..30),
        ) {
            let mut x = FactSet::default();
            for i in &a { x.insert(crate::rules::model::FactId::new(*i)); }
            let mut y = FactSet::default();
            for i in &b { y.insert(crate::rules::model::FactId::new(*i)); }
            prop_assert_eq!(x.iter().collect::<Vec<_>>(), a.iter().copied().collect::<Vec<_>>());
            for i in 0..400 {
                prop_assert_eq!(x.contains(i), a.contains(&i));
            }
            x.extend(&y);
            let union: Vec<usize> = a.union(&b).copied().collect();
            prop_assert_eq!(x.iter().collect::<Vec<_>>(), union);
            prop_assert_eq!(x.is_empty(), a.is_empty() && b.is_empty());
        }
    }
}
