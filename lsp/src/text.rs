//! Positions in a document: byte offsets (what the engine's spans hold)
//! to and from the protocol's line and UTF-16 column. Not here: what is at
//! a position (`context`).

use lsp_types::{Position, Range};

/// The start of each line of a text, to convert positions quickly.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text`'s lines.
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The protocol position of byte `offset` (clamped to the text).
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column: usize = self
            .text
            .get(start..offset)
            .unwrap_or("")
            .chars()
            .map(char::len_utf16)
            .sum();
        Position::new(to_u32(line), to_u32(column))
    }

    /// The protocol range of `len` bytes from `offset`.
    pub fn range(&self, offset: usize, len: usize) -> Range {
        Range::new(self.position(offset), self.position(offset + len))
    }

    /// The byte offset of a protocol position (clamped to its line).
    pub fn offset(&self, p: Position) -> usize {
        let Some(&start) = self.starts.get(p.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(p.line as usize + 1)
            .map_or(self.text.len(), |e| e - 1);
        let line = self.text.get(start..end).unwrap_or("");
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units >= p.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_positions_round_trip_through_utf16_columns() {
        let text = "a: 1\nb: «é» x\n";
        let ix = LineIndex::new(text);
        let x = text.find('x').unwrap_or(0);
        let p = ix.position(x);
        assert_eq!(p, Position::new(1, 7));
        assert_eq!(ix.offset(p), x);
    }

    #[test]
    fn a_position_past_the_end_of_its_line_is_the_line_end() {
        let ix = LineIndex::new("ab\ncd\n");
        assert_eq!(ix.offset(Position::new(0, 40)), 2);
        assert_eq!(ix.offset(Position::new(9, 0)), 6);
    }
}
