//! Shapes: what a memo's way fixes of an outcome (its status and the
//! keys of its rules, needed facts and reasons), numbered, in tables whose
//! keys sit in one list. A page's rows hold shape numbers; its columns are
//! encoded from the tables. Not here: the rows (`pages`).

use inforce_engine::verdict::OutcomeView;

use super::layout::{Dict, PageLayout};
use super::status_key;

/// A row without the outcome.
pub(super) const NO_OUTCOME: u32 = 0;
/// Shape numbers from here on are the page's own.
pub(super) const PAGE_SHAPES: u32 = 1 << 31;
/// Ways numbered past this (a long-lived process that made many memos)
/// get their shapes as outcomes evaluated in full do: slower, the same.
pub(super) const WAYS_TABLED: usize = 1 << 22;

/// What a way fixes of an outcome: its status's key and where the keys
/// of its rules, needed facts and reasons are among its table's items.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Shape {
    pub(super) status: u32,
    by: (u32, u32),
    needs: (u32, u32),
    reason: (u32, u32),
}

/// A table of shapes, their keys in one list: going over a page's rows,
/// column by column, reads them from a few small arrays, not a list on
/// the heap per shape.
#[derive(Debug, Clone, Default)]
pub(super) struct Shapes {
    pub(super) shapes: Vec<Shape>,
    pub(super) items: Vec<u32>,
}

impl Shapes {
    /// Adds `o`'s shape; its number in the table.
    pub(super) fn add(&mut self, o: &OutcomeView<'_, '_>, layout: &PageLayout) -> usize {
        let mut keys = |items: &mut dyn Iterator<Item = usize>, d| {
            let entries = layout.dictionary(d).map_or(0, |d| d.entries);
            let start = self.items.len();
            // A number past its dictionary, which no tree's numbering
            // gives, is left out rather than written as another text.
            self.items
                .extend(items.filter_map(|k| u32::try_from(k).ok().filter(|&k| k < entries)));
            let span = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            (span(start), span(self.items.len() - start))
        };
        let shape = Shape {
            status: status_key(o.status()),
            by: keys(&mut o.by_numbers(), Dict::Rule),
            needs: keys(&mut o.need_numbers(), Dict::Fact),
            reason: keys(&mut o.reason_numbers(), Dict::Reason),
        };
        self.shapes.push(shape);
        self.shapes.len() - 1
    }

    /// Shape `n`'s keys of `part`.
    #[inline]
    pub(super) fn keys(&self, shape: &Shape, part: Dict) -> &[u32] {
        let (start, len) = match part {
            Dict::Rule => shape.by,
            Dict::Fact => shape.needs,
            _ => shape.reason,
        };
        let start = start as usize;
        self.items
            .get(start..start + len as usize)
            .unwrap_or_default()
    }

    pub(super) fn clear(&mut self) {
        self.shapes.clear();
        self.items.clear();
    }
}
