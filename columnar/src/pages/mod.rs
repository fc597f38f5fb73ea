//! Result rows encoded straight into Parquet data pages, one page per
//! column for a group of rows, without Arrow arrays in between: what a
//! `batch` worker makes of its rows, in parallel with the others, so that
//! the writer only splices pages into row groups (`result_file`).
//!
//! Texts that come from the rules (statuses, the digest, rule ids, fact
//! names, reason codes) are keys into dictionaries fixed when the layout
//! is made, from the tree: every rule's key, every fact's name, every
//! reason's code. Pages written by different workers then share one
//! dictionary per column, written once per row group, and a row holds per
//! outcome only the number of its shape (`shapes`) and its value, not a
//! hash of each text, which is what the arrow-rs writer spent most of a
//! row on (docs/performance.md, issue 14, seventh round). Values, ids, dates and errors are PLAIN. The file is
//! the same to a reader as the one `ParquetOut` writes from record
//! batches (the same Arrow schema, stored with it); the tests read both
//! back and compare them.
//!
//! Not here: the layout's names and types (`schema`), the columns' kinds
//! and dictionaries (`layout`), shapes (`shapes`), statistics (`stats`),
//! row groups and the footer (`result_file`), the encodings' bytes
//! (`hybrid`).

mod layout;
mod shapes;
mod stats;

use std::sync::Arc;

use bytes::Bytes;
use inforce_engine::model::ValueType;
use inforce_engine::verdict::{CaseVerdict, OutcomeView};
use inforce_engine::{Status, Value};
use parquet::basic::Encoding;

pub use layout::PageLayout;
pub(crate) use layout::{Dict, Kind};
use shapes::{NO_OUTCOME, PAGE_SHAPES, Shape, Shapes, WAYS_TABLED};
pub(crate) use stats::{Range, Stats};

use crate::build::date32;
use crate::hybrid::{Booleans, delta_rising_by_one, encode_hybrid};

/// A group's rows being encoded: append rows, then
/// [`ResultPages::finish`] gives one data page per column.
///
/// A row is held as little as it can be: per outcome the number of its
/// *shape* (status, rules, needed facts and reasons: what the way a memo
/// answered it by fixes, `OutcomeView::way`) and its value; the case's id,
/// date and error. Each column is then encoded in one pass over the rows
/// at `finish`, its encoder's state in registers. Encoding every column's
/// levels and keys as each row came (hundreds of streams a row) cost a
/// Parquet row a third of its time, mostly in cache misses
/// (docs/performance.md, issue 14, seventh round).
pub struct ResultPages {
    layout: Arc<PageLayout>,
    lines: Vec<u64>,
    /// Per row: 1 if it has a result, 0 for an error row: the definition
    /// levels of `case`, `date` and `digest`.
    answered: Vec<u8>,
    /// Answered rows' ids, PLAIN.
    cases: Vec<u8>,
    /// Answered rows' dates, days since 1970.
    dates: Vec<i32>,
    /// Error rows' messages, PLAIN.
    messages: Vec<u8>,
    /// Per row, per kept outcome, its shape's number (`NO_OUTCOME` for a
    /// row without it): a row's shapes side by side, so that a row laid
    /// out is one copy, not a store into each outcome's own buffer (whose
    /// places the evaluation between two rows had pushed out of the cache).
    shapes: Vec<u32>,
    /// Per kept outcome, its values.
    values: Vec<Values>,
    /// Shapes: those of ways, kept from page to page, then (from
    /// `PAGE_SHAPES` on) those of outcomes evaluated in full, this page's.
    known: Shapes,
    page: Shapes,
    /// By way number (below `WAYS_TABLED`): its shape's number plus one,
    /// or 0 for a way not seen yet.
    ways: Vec<u32>,
    /// By number of a way of whole cases (`CaseVerdict::whole_way`, below
    /// `WAYS_TABLED`): its row's place in `rows_laid_out` plus one,
    /// `MET_ONCE`, or 0 for one not met yet (or whose row cannot be
    /// kept).
    whole_ways: Vec<u32>,
    /// Rows laid out once per way of whole cases, kept from page to page.
    rows_laid_out: Vec<RowLayout>,
    rows: usize,
    errors: u64,
    /// Buffers a page is built in, kept from page to page: allocating
    /// (and for snappy's table, zeroing) them afresh for each of a
    /// group's hundred-odd pages cost some 1,500 of a Parquet row's
    /// 32,000 instructions (docs/performance.md, issue 14, eighth round).
    scratch: Scratch,
}

/// A row as a way of whole cases lays it out: each kept outcome's shape,
/// and which column each answered outcome's value goes to. Most rows of
/// an archive go a way of whole cases, and such a row is then its shapes
/// copied and its values appended, rather than a view made of every
/// outcome and its column and shape looked up (docs/performance.md,
/// issue 14, twelfth round). A way is laid out the second time a page
/// meets it: most ways a run learns are gone by a case or two, and laying
/// each out cost a million rows some 25 MB.
struct RowLayout {
    /// In one allocation: by kept outcome its shape (`NO_OUTCOME` where
    /// the way answers it not; never one of `PAGE_SHAPES`), then by
    /// answered outcome in the verdict's order its column (`NOT_KEPT` for
    /// an outcome not kept), then the columns the way answers not.
    cells: Box<[u32]>,
    /// How many outcomes the way answers.
    answered: u32,
}

/// A whole way's answered outcome that is not kept (`RowLayout::cells`).
const NOT_KEPT: u32 = u32::MAX;

/// A way of whole cases met once and not laid out yet (`whole_ways`).
const MET_ONCE: u32 = u32::MAX;

/// The buffers `finish` builds pages in, reused.
#[derive(Default)]
struct Scratch {
    /// A column's keys gathered: status, rules, needs, reasons.
    keys: [Keys; 4],
    /// Pages' bytes before compression.
    spare: Vec<Vec<u8>>,
    /// Snappy's encoder (its hash table) and its output.
    snappy: Snappy,
}

/// Snappy's encoder and an output buffer of the largest size it needs:
/// how every page is compressed (the layout's dictionary pages, once, with
/// a fresh one).
pub(super) struct Snappy {
    encoder: snap::raw::Encoder,
    out: Vec<u8>,
}

impl Default for Snappy {
    fn default() -> Self {
        Snappy {
            encoder: snap::raw::Encoder::new(),
            out: Vec::new(),
        }
    }
}

impl Snappy {
    /// `data` compressed, as the file's column chunks say they are.
    pub(super) fn compress(&mut self, data: &[u8]) -> Result<Bytes, String> {
        let room = snap::raw::max_compress_len(data.len());
        if self.out.len() < room {
            self.out.resize(room, 0);
        }
        let n = self
            .encoder
            .compress(data, &mut self.out)
            .map_err(|e| format!("cannot compress a page: {e}"))?;
        Ok(Bytes::copy_from_slice(
            self.out.get(..n).unwrap_or_default(),
        ))
    }
}

/// One kept outcome's values: levels (as bytes, encoded at `finish`) and
/// PLAIN values, with their statistics.
#[derive(Default)]
struct Values {
    def: Vec<u8>,
    rep: Vec<u8>,
    plain: Vec<u8>,
    bools: Booleans,
    /// Nulls, and the range of texts (`Range::bytes`).
    stats: Stats,
    /// The lowest and highest integer or date, and the lowest and highest
    /// truth (`false` < `true`): kept in plain fields and made a `Range`
    /// at `finish`, rather than the range rewritten for every value.
    ints: Option<(i64, i64)>,
    truths: Option<(bool, bool)>,
}

impl Values {
    #[inline]
    fn int(&mut self, v: i64) {
        self.ints = Some(match self.ints {
            Some((lo, hi)) => (lo.min(v), hi.max(v)),
            None => (v, v),
        });
    }

    /// The statistics of the values so far.
    fn stats(&self) -> Stats {
        let mut stats = self.stats.clone();
        if let Some((lo, hi)) = self.ints {
            stats.range = Range::Int(lo, hi);
        }
        if let Some((lo, hi)) = self.truths {
            stats.range = Range::Bool(lo, hi);
        }
        stats
    }

    #[inline]
    fn null(&mut self, list: bool) {
        self.def.push(0);
        if list {
            self.rep.push(0);
        }
        self.stats.nulls += 1;
    }

    /// A value of type `ty` (null when it is none, or of another type).
    #[inline]
    fn append(&mut self, ty: ValueType, value: Option<&Value>) {
        match (ty, value) {
            (ValueType::Bool, Some(Value::Bool(b))) => {
                self.def.push(1);
                self.bools.push(*b);
                self.truths = Some(match self.truths {
                    Some((lo, hi)) => (lo & *b, hi | *b),
                    None => (*b, *b),
                });
            }
            (ValueType::Int, Some(Value::Int(v))) => {
                self.def.push(1);
                self.plain.extend_from_slice(&v.to_le_bytes());
                self.int(*v);
            }
            (ValueType::Date, Some(Value::Date(d))) => {
                let d = date32(*d);
                self.def.push(1);
                self.plain.extend_from_slice(&d.to_le_bytes());
                self.int(i64::from(d));
            }
            (ValueType::String, Some(Value::Str(s))) => {
                self.def.push(1);
                put_bytes(&mut self.plain, s.as_bytes());
                self.stats.range.bytes(s.as_bytes());
            }
            (ValueType::List, Some(Value::List(items))) => {
                if items.is_empty() {
                    self.rep.push(0);
                    self.def.push(1);
                }
                for (i, item) in items.iter().enumerate() {
                    self.rep.push(u8::from(i > 0));
                    self.def.push(3);
                    put_bytes(&mut self.plain, item.as_bytes());
                }
            }
            (ty, _) => self.null(ty == ValueType::List),
        }
    }
}

/// A group's pages, one per column of the layout, in its order.
pub struct PageGroup {
    pub(crate) rows: usize,
    pub(crate) pages: Vec<EncodedPage>,
}

impl PageGroup {
    /// How many rows its pages hold.
    pub fn rows(&self) -> usize {
        self.rows
    }
}

/// One data page, compressed, as a writer puts it in a column chunk.
pub(crate) struct EncodedPage {
    pub(crate) data: Bytes,
    pub(crate) uncompressed: usize,
    /// Levels written (rows, or for lists their items and empty lists).
    pub(crate) values: u32,
    pub(crate) encoding: Encoding,
    pub(crate) stats: Stats,
}

/// A page's bytes before compression, and what it holds.
struct Page {
    bytes: Vec<u8>,
    values: usize,
    encoding: Encoding,
    stats: Stats,
}

impl ResultPages {
    /// An empty group of rows of `layout`.
    pub fn new(layout: &Arc<PageLayout>) -> ResultPages {
        ResultPages::with_capacity(layout, 0)
    }

    /// [`ResultPages::new`], with room for `rows` rows before anything
    /// grows.
    pub fn with_capacity(layout: &Arc<PageLayout>, rows: usize) -> ResultPages {
        let kept = layout.types.len();
        ResultPages {
            lines: Vec::with_capacity(rows),
            answered: Vec::with_capacity(rows),
            cases: Vec::with_capacity(rows.saturating_mul(16)),
            dates: Vec::with_capacity(rows),
            messages: Vec::new(),
            shapes: Vec::with_capacity(rows.saturating_mul(kept)),
            values: (0..kept).map(|_| Values::default()).collect(),
            // Shape 0 is a row without the outcome.
            known: Shapes {
                shapes: vec![Shape::default()],
                items: Vec::new(),
            },
            page: Shapes::default(),
            ways: Vec::new(),
            whole_ways: Vec::new(),
            rows_laid_out: Vec::new(),
            rows: 0,
            errors: 0,
            scratch: Scratch::default(),
            layout: Arc::clone(layout),
        }
    }

    /// Rows appended since the last `finish`.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no row was appended since the last `finish`.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Error rows appended since the group was made.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Appends the row of input line (or row) `line`, counted from 1, from
    /// a verdict by number: the row `ResultBuilder::append_verdict` makes.
    pub fn append_verdict(&mut self, line: u64, verdict: &CaseVerdict<'_>) {
        self.rows += 1;
        self.lines.push(line);
        self.answered.push(1);
        put_bytes(&mut self.cases, verdict.case().as_bytes());
        self.dates.push(date32(verdict.date()));
        if let Some(way) = verdict.whole_way().filter(|&w| w < WAYS_TABLED) {
            let known = match self.whole_ways.get(way) {
                Some(&MET_ONCE) => self.lay_out(way, verdict),
                Some(&n) if n > 0 => Some(n as usize - 1),
                _ => {
                    self.set_whole_way(way, MET_ONCE);
                    None
                }
            };
            if let Some(at) = known {
                self.append_laid_out(at, verdict);
                return;
            }
        }
        let row = self.shapes.len();
        self.no_outcomes();
        let mut next = 0;
        for o in verdict.outcomes() {
            let Some(&Some(k)) = self.layout.slot.get(o.number()) else {
                continue;
            };
            for skipped in next..k {
                self.no_value(skipped);
            }
            let shape = self.shape(&o);
            let ty = self.layout.types.get(k).copied();
            if let (Some(cell), Some(values), Some(ty)) =
                (self.shapes.get_mut(row + k), self.values.get_mut(k), ty)
            {
                *cell = shape;
                values.append(ty, o.value());
            }
            next = k + 1;
        }
        for rest in next..self.layout.types.len() {
            self.no_value(rest);
        }
    }

    /// The row that `verdict`, answered by way of whole cases `way`, lays
    /// out, kept and given its place; none if one of its outcomes has a
    /// shape of this page only (a way numbered past `WAYS_TABLED`).
    fn lay_out(&mut self, way: usize, verdict: &CaseVerdict<'_>) -> Option<usize> {
        let kept = self.layout.types.len();
        let answered = verdict.outcomes().len();
        let mut cells = vec![NO_OUTCOME; kept];
        cells.reserve_exact(answered + kept);
        for o in verdict.outcomes() {
            let Some(&Some(k)) = self.layout.slot.get(o.number()) else {
                cells.push(NOT_KEPT);
                continue;
            };
            let shape = self.shape(&o);
            if shape & PAGE_SHAPES != 0 {
                return None;
            }
            *cells.get_mut(k)? = shape;
            cells.push(u32::try_from(k).ok()?);
        }
        let columns = cells.get(kept..)?;
        let absent: Vec<u32> = (0..kept)
            .filter_map(|k| u32::try_from(k).ok())
            .filter(|k| !columns.contains(k))
            .collect();
        cells.extend_from_slice(&absent);
        let at = self.rows_laid_out.len();
        self.rows_laid_out.push(RowLayout {
            cells: cells.into_boxed_slice(),
            answered: u32::try_from(answered).ok()?,
        });
        self.set_whole_way(way, u32::try_from(at + 1).ok()?);
        Some(at)
    }

    /// Sets what `whole_ways` holds for way of whole cases `way`.
    fn set_whole_way(&mut self, way: usize, to: u32) {
        if self.whole_ways.len() <= way {
            self.whole_ways.resize(way + 1, 0);
        }
        if let Some(slot) = self.whole_ways.get_mut(way) {
            *slot = to;
        }
    }

    /// Appends the outcomes of a row laid out (`lay_out`) as its place
    /// `at` says, with `verdict`'s values. Every kept outcome's column
    /// gets one shape and one value (null where there is none).
    #[inline]
    fn append_laid_out(&mut self, at: usize, verdict: &CaseVerdict<'_>) {
        let ResultPages {
            rows_laid_out,
            shapes,
            values,
            layout,
            ..
        } = self;
        let Some(row) = rows_laid_out.get(at) else {
            return;
        };
        let kept = layout.types.len();
        let (row_shapes, rest) = row.cells.split_at(kept.min(row.cells.len()));
        let (columns, absent) = rest.split_at((row.answered as usize).min(rest.len()));
        shapes.extend_from_slice(row_shapes);
        let mut got = verdict.values();
        for &k in columns {
            let value = got.next().flatten();
            if let (Some(column), Some(&ty)) =
                (values.get_mut(k as usize), layout.types.get(k as usize))
            {
                column.append(ty, value);
            }
        }
        for &k in absent {
            let list = layout.types.get(k as usize) == Some(&ValueType::List);
            if let Some(column) = values.get_mut(k as usize) {
                column.null(list);
            }
        }
    }

    /// A new row's shapes, every outcome left out until it is given.
    #[inline]
    fn no_outcomes(&mut self) {
        let kept = self.layout.types.len();
        self.shapes.resize(self.shapes.len() + kept, NO_OUTCOME);
    }

    /// Outcome `k`'s value left out of the last row.
    #[inline]
    fn no_value(&mut self, k: usize) {
        let list = self.layout.types.get(k) == Some(&ValueType::List);
        if let Some(values) = self.values.get_mut(k) {
            values.null(list);
        }
    }

    /// The number of `o`'s shape: its way's, made on the way's first
    /// row, or a new one of this page for an outcome evaluated in full.
    #[inline]
    fn shape(&mut self, o: &OutcomeView<'_, '_>) -> u32 {
        let Some(way) = o.way().filter(|&w| w < WAYS_TABLED) else {
            let n = self.page.add(o, &self.layout);
            return PAGE_SHAPES | u32::try_from(n).unwrap_or(0);
        };
        if let Some(&known) = self.ways.get(way)
            && known > 0
        {
            return known - 1;
        }
        let number = u32::try_from(self.known.add(o, &self.layout)).unwrap_or(u32::MAX);
        if self.ways.len() <= way {
            self.ways.resize(way + 1, 0);
        }
        if let Some(slot) = self.ways.get_mut(way) {
            *slot = number.saturating_add(1);
        }
        number
    }

    /// Appends the error row of input line (or row) `line`, counted from
    /// 1: its line and `message`, nulls elsewhere.
    pub fn append_error_row(&mut self, line: u64, message: &str) {
        self.errors += 1;
        self.rows += 1;
        self.lines.push(line);
        self.answered.push(0);
        put_bytes(&mut self.messages, message.as_bytes());
        self.no_outcomes();
        for k in 0..self.layout.types.len() {
            self.no_value(k);
        }
    }

    /// Shape number `n`, with the table of its keys.
    #[inline]
    fn shape_of(&self, n: u32) -> Option<(&Shape, &Shapes)> {
        let (table, at) = if n & PAGE_SHAPES != 0 {
            (&self.page, n & !PAGE_SHAPES)
        } else {
            (&self.known, n)
        };
        table.shapes.get(at as usize).map(|s| (s, table))
    }

    /// The rows so far as one compressed data page per column; the group
    /// is then empty, keeping its buffers' room and the shapes of ways.
    pub fn finish(&mut self) -> Result<PageGroup, String> {
        let layout = Arc::clone(&self.layout);
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut pages = Vec::with_capacity(layout.kinds.len());
        let mut push = |page: Page, scratch: &mut Scratch| -> Result<(), String> {
            pages.push(EncodedPage {
                data: scratch.snappy.compress(&page.bytes)?,
                uncompressed: page.bytes.len(),
                values: u32::try_from(page.values)
                    .map_err(|_| "a page of too many values".to_string())?,
                encoding: page.encoding,
                stats: page.stats,
            });
            let mut bytes = page.bytes;
            bytes.clear();
            scratch.spare.push(bytes);
            Ok(())
        };
        let page = self.line_page(scratch.bytes());
        push(page, &mut scratch)?;
        let page = self.texts_page(&self.answered, &self.cases, scratch.bytes());
        push(page, &mut scratch)?;
        let page = self.date_page(scratch.bytes());
        push(page, &mut scratch)?;
        let page = self.digest_page(&mut scratch);
        push(page, &mut scratch)?;
        let kept = layout.types.len();
        for k in 0..kept {
            let shapes = self
                .shapes
                .get(k..)
                .unwrap_or_default()
                .iter()
                .step_by(kept.max(1));
            let [status, by, needs, reason] = self.outcome_pages(shapes, &mut scratch);
            push(status, &mut scratch)?;
            if let (Some(values), Some(&ty)) = (self.values.get(k), layout.types.get(k)) {
                let page = value_page(values, ty, scratch.bytes());
                push(page, &mut scratch)?;
            }
            push(by, &mut scratch)?;
            push(needs, &mut scratch)?;
            push(reason, &mut scratch)?;
        }
        let errors: Vec<u8> = self.answered.iter().map(|&a| 1 - a).collect();
        let page = self.texts_page(&errors, &self.messages, scratch.bytes());
        push(page, &mut scratch)?;
        self.scratch = scratch;
        let rows = std::mem::take(&mut self.rows);
        self.lines.clear();
        self.answered.clear();
        self.cases.clear();
        self.dates.clear();
        self.messages.clear();
        self.shapes.clear();
        for values in &mut self.values {
            values.def.clear();
            values.rep.clear();
            values.plain.clear();
            values.bools.clear();
            values.stats = Stats::default();
            values.ints = None;
            values.truths = None;
        }
        self.page.clear();
        Ok(PageGroup { rows, pages })
    }

    /// `line`: rising by one (DELTA_BINARY_PACKED), else PLAIN.
    fn line_page(&self, mut bytes: Vec<u8>) -> Page {
        let first = self.lines.first().copied().unwrap_or(1);
        let rising = self
            .lines
            .iter()
            .zip(first..)
            .all(|(&line, want)| line == want);
        let encoding = if rising {
            delta_rising_by_one(
                i64::try_from(first).unwrap_or(i64::MAX),
                self.lines.len(),
                &mut bytes,
            );
            Encoding::DELTA_BINARY_PACKED
        } else {
            // Only a caller numbering rows out of order.
            for line in &self.lines {
                bytes.extend_from_slice(&line.to_le_bytes());
            }
            Encoding::PLAIN
        };
        let mut stats = Stats::default();
        if let (Some(&lo), Some(&hi)) = (self.lines.iter().min(), self.lines.iter().max()) {
            stats.range = Range::Int(
                i64::try_from(lo).unwrap_or(i64::MAX),
                i64::try_from(hi).unwrap_or(i64::MAX),
            );
        }
        Page {
            bytes,
            values: self.lines.len(),
            encoding,
            stats,
        }
    }

    /// PLAIN texts on the rows whose definition level `def` is 1: the
    /// answered rows' ids, the error rows' messages.
    fn texts_page(&self, def: &[u8], plain: &[u8], mut bytes: Vec<u8>) -> Page {
        levels(def, 1, &mut bytes);
        bytes.extend_from_slice(plain);
        Page {
            bytes,
            values: def.len(),
            encoding: Encoding::PLAIN,
            stats: Stats {
                nulls: nulls(def),
                range: Range::Empty,
            },
        }
    }

    fn date_page(&self, mut bytes: Vec<u8>) -> Page {
        let mut stats = Stats {
            nulls: nulls(&self.answered),
            range: Range::Empty,
        };
        levels(&self.answered, 1, &mut bytes);
        for &d in &self.dates {
            bytes.extend_from_slice(&d.to_le_bytes());
            stats.range.int(i64::from(d));
        }
        Page {
            bytes,
            values: self.answered.len(),
            encoding: Encoding::PLAIN,
            stats,
        }
    }

    fn digest_page(&self, scratch: &mut Scratch) -> Page {
        let answered = self.answered.len() as u64 - nulls(&self.answered);
        let [column, ..] = &mut scratch.keys;
        column.reset(1, false);
        column.def.extend_from_slice(&self.answered);
        column
            .keys
            .resize(usize::try_from(answered).unwrap_or(0), 0);
        column.stats.nulls = nulls(&self.answered);
        let bytes = scratch.bytes();
        let [column, ..] = &scratch.keys;
        self.dictionary_page(column, Dict::Digest, bytes)
    }

    fn width(&self, d: Dict) -> u8 {
        self.layout.dictionary(d).map_or(1, |d| d.width)
    }

    /// An outcome's status, rules, needed facts and reasons pages, from
    /// its rows' shapes, in one pass over them (each shape read once).
    fn outcome_pages<'s>(
        &self,
        shapes: impl Iterator<Item = &'s u32>,
        scratch: &mut Scratch,
    ) -> [Page; 4] {
        let parts = [Dict::Rule, Dict::Fact, Dict::Reason];
        let [status, lists @ ..] = &mut scratch.keys;
        status.reset(1, false);
        for list in lists.iter_mut() {
            list.reset(3, true);
        }
        // The statuses used, as `Range::Keys` holds them: kept in a
        // register and stored once, not the range rewritten every row.
        let mut used = 0u64;
        for &n in shapes {
            let shape = if n == NO_OUTCOME {
                None
            } else {
                self.shape_of(n)
            };
            let Some((shape, table)) = shape else {
                status.null();
                for list in lists.iter_mut() {
                    list.null();
                }
                continue;
            };
            status.def.push(1);
            status.keys.push(shape.status);
            used |= 1u64.checked_shl(shape.status).unwrap_or(0);
            for (list, part) in lists.iter_mut().zip(parts) {
                list.list(table.keys(shape, part));
            }
        }
        if used != 0 {
            status.stats.range = Range::Keys(used);
        }
        let bytes = [(); 4].map(|()| scratch.bytes());
        let [b0, b1, b2, b3] = bytes;
        let [status, by, needs, reason] = &scratch.keys;
        [
            self.dictionary_page(status, Dict::Status, b0),
            self.dictionary_page(by, Dict::Rule, b1),
            self.dictionary_page(needs, Dict::Fact, b2),
            self.dictionary_page(reason, Dict::Reason, b3),
        ]
    }

    /// A page of keys into dictionary `d`: repetition levels (for lists),
    /// definition levels, then the keys.
    fn dictionary_page(&self, column: &Keys, d: Dict, mut bytes: Vec<u8>) -> Page {
        let values = column.def.len();
        if let Some(rep) = &column.rep {
            levels(rep, 1, &mut bytes);
        }
        levels(&column.def, column.max_def, &mut bytes);
        let width = self.width(d);
        bytes.push(width);
        encode_hybrid(&column.keys, width, &mut bytes);
        Page {
            bytes,
            values,
            encoding: Encoding::RLE_DICTIONARY,
            stats: column.stats.clone(),
        }
    }
}

impl Scratch {
    /// An empty buffer for a page, with the room of an earlier page's.
    fn bytes(&mut self) -> Vec<u8> {
        self.spare.pop().unwrap_or_default()
    }
}

/// A column of keys gathered for its page: its levels, its keys and its
/// statistics, encoded whole at the end (`dictionary_page`).
#[derive(Default)]
struct Keys {
    def: Vec<u8>,
    max_def: u8,
    rep: Option<Vec<u8>>,
    keys: Vec<u32>,
    stats: Stats,
}

impl Keys {
    /// Emptied for a column whose definition levels go up to `max_def`,
    /// with repetition levels if `list`; its buffers keep their room.
    fn reset(&mut self, max_def: u8, list: bool) {
        self.def.clear();
        self.max_def = max_def;
        match (&mut self.rep, list) {
            (Some(rep), true) => rep.clear(),
            (rep, true) => *rep = Some(Vec::new()),
            (rep, false) => *rep = None,
        }
        self.keys.clear();
        self.stats = Stats::default();
    }

    /// A row without the outcome.
    #[inline]
    fn null(&mut self) {
        self.def.push(0);
        if let Some(rep) = &mut self.rep {
            rep.push(0);
        }
        self.stats.nulls += 1;
    }

    /// A row's list of keys (empty, or its items).
    #[inline]
    fn list(&mut self, items: &[u32]) {
        let Some(rep) = &mut self.rep else {
            return;
        };
        if items.is_empty() {
            self.def.push(1);
            rep.push(0);
        }
        for (i, &k) in items.iter().enumerate() {
            rep.push(u8::from(i > 0));
            self.def.push(3);
            self.keys.push(k);
        }
    }
}

/// An outcome's values as a page.
fn value_page(values: &Values, ty: ValueType, mut bytes: Vec<u8>) -> Page {
    if ty == ValueType::List {
        levels(&values.rep, 1, &mut bytes);
    }
    let max = if ty == ValueType::List { 3 } else { 1 };
    levels(&values.def, max, &mut bytes);
    if ty == ValueType::Bool {
        bytes.extend_from_slice(values.bools.bytes());
    } else {
        bytes.extend_from_slice(&values.plain);
    }
    Page {
        bytes,
        values: values.def.len(),
        encoding: Encoding::PLAIN,
        stats: values.stats(),
    }
}

/// How many of `def` (definition levels of a column without lists) are
/// nulls.
fn nulls(def: &[u8]) -> u64 {
    def.iter().filter(|&&d| d == 0).count() as u64
}

/// Levels up to `max`, as a data page (v1) holds them: their length in
/// four bytes, then their encoding.
fn levels(levels: &[u8], max: u8, page: &mut Vec<u8>) {
    let at = page.len();
    page.extend_from_slice(&[0; 4]);
    encode_hybrid(levels, crate::hybrid::bit_width(u32::from(max)), page);
    let len = u32::try_from(page.len() - at - 4).unwrap_or(u32::MAX);
    if let Some(prefix) = page.get_mut(at..at + 4) {
        prefix.copy_from_slice(&len.to_le_bytes());
    }
}

/// A PLAIN byte array: its length in four bytes, then the bytes.
pub(super) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// A status's key into [`STATUSES`].
pub(super) fn status_key(status: Status) -> u32 {
    match status {
        Status::Decided => 0,
        Status::Undetermined => 1,
        Status::MissingFacts => 2,
        Status::Conflict => 3,
    }
}
