//! What a page, then a column chunk, says of its values: nulls, least
//! and greatest. Merged page by page by the writer (`result_file`). Not
//! here: which columns keep them (`result_file::statistics`).

/// What a page (and then a column chunk) says of its values: how many are
/// null, and the least and greatest, for the columns one filters on.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Stats {
    pub(crate) nulls: u64,
    pub(crate) range: Range,
}

/// The least and greatest value of a column so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum Range {
    /// None yet, or a column without statistics.
    #[default]
    Empty,
    Int(i64, i64),
    Bool(bool, bool),
    Bytes(Vec<u8>, Vec<u8>),
    /// Dictionary keys used (a bit each): statuses.
    Keys(u64),
}

impl Range {
    pub(super) fn int(&mut self, v: i64) {
        *self = match *self {
            Range::Int(lo, hi) => Range::Int(lo.min(v), hi.max(v)),
            _ => Range::Int(v, v),
        };
    }

    pub(super) fn bool(&mut self, v: bool) {
        *self = match *self {
            Range::Bool(lo, hi) => Range::Bool(lo & v, hi | v),
            _ => Range::Bool(v, v),
        };
    }

    pub(super) fn bytes(&mut self, v: &[u8]) {
        match self {
            Range::Bytes(lo, hi) => {
                if v < lo.as_slice() {
                    *lo = v.to_vec();
                }
                if v > hi.as_slice() {
                    *hi = v.to_vec();
                }
            }
            _ => *self = Range::Bytes(v.to_vec(), v.to_vec()),
        }
    }

    /// Both ranges in one.
    pub(crate) fn merge(&mut self, other: &Range) {
        match other {
            Range::Empty => {}
            Range::Int(lo, hi) => {
                self.int(*lo);
                self.int(*hi);
            }
            Range::Bool(lo, hi) => {
                self.bool(*lo);
                self.bool(*hi);
            }
            Range::Bytes(lo, hi) => {
                self.bytes(lo);
                self.bytes(hi);
            }
            Range::Keys(used) => {
                *self = match *self {
                    Range::Keys(mine) => Range::Keys(mine | used),
                    _ => Range::Keys(*used),
                };
            }
        }
    }
}
