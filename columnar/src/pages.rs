//! Result rows encoded straight into Parquet data pages, one page per
//! column for a group of rows, without Arrow arrays in between: what a
//! `batch` worker makes of its rows, in parallel with the others, so that
//! the writer only splices pages into row groups (`result_file`).
//!
//! Texts that come from the rules (statuses, the digest, rule ids, fact
//! names, reason codes) are keys into dictionaries fixed when the layout
//! is made, from the tree: every rule's key, every fact's name, every
//! reason's code. Pages written by different workers then share one
//! dictionary per column, written once per row group, and a row costs a
//! few pushes of small numbers, not a hash of each text, which is what the
//! arrow-rs writer spent most of a row on (docs/performance.md, issue 14,
//! seventh round). Values, ids, dates and errors are PLAIN. The file is
//! the same to a reader as the one `ParquetOut` writes from record
//! batches (the same Arrow schema, stored with it); the tests read both
//! back and compare them.
//!
//! Not here: the layout's names and types (`schema`), row groups and the
//! footer (`result_file`), the encodings' bytes (`hybrid`).

use std::sync::Arc;

use bytes::Bytes;
use inforce_engine::RuleTree;
use inforce_engine::lines::OutcomeSelection;
use inforce_engine::model::ValueType;
use inforce_engine::verdict::{CaseVerdict, OutcomeView, reason_codes, rule_keys};
use inforce_engine::{Status, Value};
use parquet::arrow::ArrowSchemaConverter;
use parquet::basic::Encoding;
use parquet::schema::types::SchemaDescriptor;

use crate::build::date32;
use crate::hybrid::{bit_width, delta_rising_by_one, encode_hybrid, plain_booleans};
use crate::schema::{STATUSES, kept, result_schema};

/// What one column of the layout holds, in the order of `result_schema`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    /// `line`: required, rising by one within a page.
    Line,
    /// `case`, `error`: optional texts.
    Text,
    /// `date`: optional, days since 1970.
    Date,
    /// `digest`, `<o>.status`: a key into a dictionary.
    Key(Dict),
    /// `<o>.value`: optional, of the outcome's type.
    Value(ValueType),
    /// `<o>.by`, `<o>.needs`, `<o>.reason`: lists of keys.
    Keys(Dict),
}

/// The dictionaries a layout's keys point into.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Dict {
    Digest,
    Status,
    Rule,
    Fact,
    Reason,
}

const DICTS: usize = 5;

impl Dict {
    fn index(self) -> usize {
        self as usize
    }
}

/// A run's result columns: their kinds, the Parquet schema they make, and
/// the dictionaries, each one PLAIN-encoded and compressed once.
pub struct PageLayout {
    pub(crate) kinds: Vec<Kind>,
    pub(crate) schema: SchemaDescriptor,
    pub(crate) arrow: arrow_schema::SchemaRef,
    pub(crate) dictionaries: [Dictionary; DICTS],
    /// For each declared outcome, its place among the kept ones.
    slot: Vec<Option<usize>>,
    /// Each kept outcome's type, in their order.
    types: Vec<ValueType>,
}

/// One dictionary: its entries' count, the bits a key takes, and its page.
pub(crate) struct Dictionary {
    pub(crate) entries: u32,
    pub(crate) width: u8,
    /// Its entries PLAIN-encoded, then compressed.
    pub(crate) page: Bytes,
    pub(crate) uncompressed: usize,
    /// Each entry's text, for statistics.
    pub(crate) texts: Vec<Vec<u8>>,
}

impl Dictionary {
    fn of<'t>(texts: impl IntoIterator<Item = &'t str>) -> Result<Dictionary, String> {
        let texts: Vec<Vec<u8>> = texts.into_iter().map(|t| t.as_bytes().to_vec()).collect();
        let mut plain = Vec::new();
        for t in &texts {
            put_bytes(&mut plain, t);
        }
        let entries = u32::try_from(texts.len())
            .map_err(|_| "too many texts for a dictionary".to_string())?;
        Ok(Dictionary {
            entries,
            // At least one bit: a width of 0 is valid, but not every
            // reader takes it.
            width: bit_width(entries.saturating_sub(1)).max(1),
            uncompressed: plain.len(),
            page: compress(&plain)?,
            texts,
        })
    }
}

impl PageLayout {
    /// The layout of results of `tree`, keeping the outcomes `selection`
    /// names (all when `None`): the columns of `result_schema`.
    pub fn new(
        tree: &RuleTree,
        selection: Option<&OutcomeSelection>,
    ) -> Result<Arc<PageLayout>, String> {
        let arrow = result_schema(tree, selection);
        let schema = ArrowSchemaConverter::new()
            .convert(&arrow)
            .map_err(|e| format!("cannot lay the results out as Parquet: {e}"))?;
        let mut kinds = vec![Kind::Line, Kind::Text, Kind::Date, Kind::Key(Dict::Digest)];
        let outcomes = kept(tree, selection);
        for (_, ty) in &outcomes {
            kinds.push(Kind::Key(Dict::Status));
            kinds.push(Kind::Value(*ty));
            kinds.push(Kind::Keys(Dict::Rule));
            kinds.push(Kind::Keys(Dict::Fact));
            kinds.push(Kind::Keys(Dict::Reason));
        }
        kinds.push(Kind::Text);
        // The kinds must be the schema's columns, one for one, with the
        // levels each kind writes: checked once here rather than trusted.
        if kinds.len() != schema.num_columns() {
            return Err(format!(
                "the result layout has {} columns, its Parquet schema {}",
                kinds.len(),
                schema.num_columns()
            ));
        }
        for (i, kind) in kinds.iter().enumerate() {
            let c = schema.column(i);
            if (c.max_def_level(), c.max_rep_level()) != kind.levels() {
                return Err(format!(
                    "column `{}` has levels ({}, {}), not those of its kind",
                    c.path(),
                    c.max_def_level(),
                    c.max_rep_level()
                ));
            }
        }
        let mut kept_so_far = 0;
        let slot = tree
            .outcomes
            .keys()
            .map(|name| {
                selection.is_none_or(|s| s.keeps(name)).then(|| {
                    kept_so_far += 1;
                    kept_so_far - 1
                })
            })
            .collect();
        let dictionaries = [
            Dictionary::of([tree.digest.as_str()])?,
            Dictionary::of(STATUSES)?,
            Dictionary::of(rule_keys(tree))?,
            Dictionary::of(tree.facts.keys().map(String::as_str))?,
            Dictionary::of(reason_codes(tree))?,
        ];
        Ok(Arc::new(PageLayout {
            kinds,
            schema,
            arrow,
            dictionaries,
            slot,
            types: outcomes.iter().map(|(_, ty)| *ty).collect(),
        }))
    }

    pub(crate) fn dictionary(&self, d: Dict) -> Option<&Dictionary> {
        self.dictionaries.get(d.index())
    }
}

impl Kind {
    /// The highest definition and repetition levels of its column.
    fn levels(self) -> (i16, i16) {
        match self {
            Kind::Line => (0, 0),
            Kind::Text | Kind::Date | Kind::Key(_) => (1, 0),
            Kind::Value(ValueType::List) | Kind::Keys(_) => (3, 1),
            Kind::Value(_) => (1, 0),
        }
    }

    /// The encoding of its values in a data page.
    pub(crate) fn encoding(self) -> Encoding {
        match self {
            Kind::Line => Encoding::DELTA_BINARY_PACKED,
            Kind::Key(_) | Kind::Keys(_) => Encoding::RLE_DICTIONARY,
            Kind::Text | Kind::Date | Kind::Value(_) => Encoding::PLAIN,
        }
    }

    /// Its dictionary, if its values are keys.
    pub(crate) fn dict(self) -> Option<Dict> {
        match self {
            Kind::Key(d) | Kind::Keys(d) => Some(d),
            _ => None,
        }
    }
}

/// One column's page being built: its levels and values so far.
#[derive(Default)]
struct Column {
    def: Vec<u32>,
    rep: Vec<u32>,
    /// Dictionary keys.
    keys: Vec<u32>,
    /// PLAIN values (numbers and texts).
    plain: Vec<u8>,
    bools: Vec<bool>,
    stats: Stats,
}

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
    fn int(&mut self, v: i64) {
        *self = match *self {
            Range::Int(lo, hi) => Range::Int(lo.min(v), hi.max(v)),
            _ => Range::Int(v, v),
        };
    }

    fn bool(&mut self, v: bool) {
        *self = match *self {
            Range::Bool(lo, hi) => Range::Bool(lo & v, hi | v),
            _ => Range::Bool(v, v),
        };
    }

    fn bytes(&mut self, v: &[u8]) {
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

    fn key(&mut self, k: u32) {
        let bit = 1u64.checked_shl(k).unwrap_or(0);
        *self = match *self {
            Range::Keys(used) => Range::Keys(used | bit),
            _ => Range::Keys(bit),
        };
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

impl Column {
    #[inline]
    fn null(&mut self, list: bool) {
        self.def.push(0);
        if list {
            self.rep.push(0);
        }
        self.stats.nulls += 1;
    }

    #[inline]
    fn key(&mut self, k: u32) {
        self.def.push(1);
        self.keys.push(k);
    }

    /// A list of keys: empty, or its items (each a key below `entries`;
    /// any other is left out, which no tree's numbering gives).
    #[inline]
    fn keys(&mut self, items: impl Iterator<Item = usize>, entries: u32) {
        let mut first = true;
        for k in items {
            let Some(k) = u32::try_from(k).ok().filter(|&k| k < entries) else {
                continue;
            };
            self.rep.push(u32::from(!first));
            self.def.push(3);
            self.keys.push(k);
            first = false;
        }
        if first {
            self.rep.push(0);
            self.def.push(1);
        }
    }

    /// A list of texts, as a list value is.
    fn texts<'a>(&mut self, items: impl Iterator<Item = &'a str>) {
        let mut first = true;
        for t in items {
            self.rep.push(u32::from(!first));
            self.def.push(3);
            put_bytes(&mut self.plain, t.as_bytes());
            first = false;
        }
        if first {
            self.rep.push(0);
            self.def.push(1);
        }
    }
}

/// A group's rows being encoded, column by column: append rows, then
/// [`ResultPages::finish`] gives one data page per column.
pub struct ResultPages {
    layout: Arc<PageLayout>,
    columns: Vec<Column>,
    lines: Vec<u64>,
    rows: usize,
    errors: u64,
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

/// The index of the first outcome column (after `line`, `case`, `date`,
/// `digest`).
const FIRST_OUTCOME: usize = 4;
/// Columns per outcome: status, value, by, needs, reason.
const PER_OUTCOME: usize = 5;

impl ResultPages {
    /// An empty group of rows of `layout`.
    pub fn new(layout: &Arc<PageLayout>) -> ResultPages {
        ResultPages {
            columns: layout.kinds.iter().map(|_| Column::default()).collect(),
            layout: Arc::clone(layout),
            lines: Vec::new(),
            rows: 0,
            errors: 0,
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

    fn start(&mut self, line: u64) -> &mut [Column] {
        self.rows += 1;
        self.lines.push(line);
        &mut self.columns
    }

    /// Appends the row of input line (or row) `line`, counted from 1, from
    /// a verdict by number: the row `ResultBuilder::append_verdict` makes.
    pub fn append_verdict(&mut self, line: u64, verdict: &CaseVerdict<'_>) {
        let layout = Arc::clone(&self.layout);
        let columns = self.start(line);
        if let [_, case, date, digest, ..] = columns {
            case.def.push(1);
            put_bytes(&mut case.plain, verdict.case().as_bytes());
            let d = date32(verdict.date());
            date.def.push(1);
            date.plain.extend_from_slice(&d.to_le_bytes());
            date.stats.range.int(i64::from(d));
            digest.key(0);
        }
        let outcomes = columns.get_mut(FIRST_OUTCOME..).unwrap_or_default();
        let mut next = 0;
        for o in verdict.outcomes() {
            let Some(Some(k)) = layout.slot.get(o.number()) else {
                continue;
            };
            for skipped in next..*k {
                null_outcome(outcomes, skipped, &layout.types);
            }
            append_outcome(outcomes, *k, &o, &layout);
            next = k + 1;
        }
        for rest in next..layout.types.len() {
            null_outcome(outcomes, rest, &layout.types);
        }
        if let Some(error) = columns.last_mut() {
            error.null(false);
        }
    }

    /// Appends the error row of input line (or row) `line`, counted from
    /// 1: its line and `message`, nulls elsewhere.
    pub fn append_error_row(&mut self, line: u64, message: &str) {
        self.errors += 1;
        let layout = Arc::clone(&self.layout);
        let columns = self.start(line);
        let last = columns.len().saturating_sub(1);
        for (i, (c, kind)) in columns.iter_mut().zip(&layout.kinds).enumerate() {
            if i == 0 {
                continue;
            }
            if i == last {
                c.def.push(1);
                put_bytes(&mut c.plain, message.as_bytes());
            } else {
                c.null(kind.levels().1 > 0);
            }
        }
    }

    /// The rows so far as one compressed data page per column; the group
    /// is then empty, keeping its buffers' room.
    pub fn finish(&mut self) -> Result<PageGroup, String> {
        let mut pages = Vec::with_capacity(self.columns.len());
        let mut page = Vec::new();
        for (c, kind) in self.columns.iter_mut().zip(&self.layout.kinds) {
            page.clear();
            let (max_def, max_rep) = kind.levels();
            let values = if max_def > 0 {
                c.def.len()
            } else {
                self.lines.len()
            };
            if max_rep > 0 {
                levels(&c.rep, max_rep, &mut page);
            }
            if max_def > 0 {
                levels(&c.def, max_def, &mut page);
            }
            let mut encoding = kind.encoding();
            match kind {
                Kind::Line => {
                    let first = self.lines.first().copied().unwrap_or(1);
                    let rising = self
                        .lines
                        .iter()
                        .zip(first..)
                        .all(|(&line, want)| line == want);
                    if rising {
                        delta_rising_by_one(
                            i64::try_from(first).unwrap_or(i64::MAX),
                            self.lines.len(),
                            &mut page,
                        );
                    } else {
                        // Only a caller numbering rows out of order: PLAIN.
                        encoding = Encoding::PLAIN;
                        for line in &self.lines {
                            page.extend_from_slice(&line.to_le_bytes());
                        }
                    }
                    if let (Some(&lo), Some(&hi)) =
                        (self.lines.iter().min(), self.lines.iter().max())
                    {
                        c.stats.range = Range::Int(
                            i64::try_from(lo).unwrap_or(i64::MAX),
                            i64::try_from(hi).unwrap_or(i64::MAX),
                        );
                    }
                }
                Kind::Key(d) | Kind::Keys(d) => {
                    let width = self.layout.dictionary(*d).map_or(1, |d| d.width);
                    page.push(width);
                    encode_hybrid(&c.keys, width, &mut page);
                }
                Kind::Value(ValueType::Bool) => plain_booleans(&c.bools, &mut page),
                Kind::Text | Kind::Date | Kind::Value(_) => page.extend_from_slice(&c.plain),
            }
            let values =
                u32::try_from(values).map_err(|_| "a page of too many values".to_string())?;
            pages.push(EncodedPage {
                data: compress(&page)?,
                uncompressed: page.len(),
                values,
                encoding,
                stats: std::mem::take(&mut c.stats),
            });
            c.def.clear();
            c.rep.clear();
            c.keys.clear();
            c.plain.clear();
            c.bools.clear();
        }
        let rows = std::mem::take(&mut self.rows);
        self.lines.clear();
        Ok(PageGroup { rows, pages })
    }
}

/// Outcome `k`'s five columns for a row without it: all null.
#[inline]
fn null_outcome(outcomes: &mut [Column], k: usize, types: &[ValueType]) {
    let Some([status, value, by, needs, reason]) = five(outcomes, k) else {
        return;
    };
    status.null(false);
    value.null(types.get(k) == Some(&ValueType::List));
    by.null(true);
    needs.null(true);
    reason.null(true);
}

/// Outcome `k`'s five columns.
#[inline]
fn five(outcomes: &mut [Column], k: usize) -> Option<&mut [Column; PER_OUTCOME]> {
    let at = k * PER_OUTCOME;
    outcomes
        .get_mut(at..at + PER_OUTCOME)
        .and_then(|s| <&mut [Column; PER_OUTCOME]>::try_from(s).ok())
}

/// Outcome `k`'s five columns for a row that has it, as `o`.
fn append_outcome(outcomes: &mut [Column], k: usize, o: &OutcomeView<'_, '_>, layout: &PageLayout) {
    let Some([status, value, by, needs, reason]) = five(outcomes, k) else {
        return;
    };
    let key = status_key(o.status());
    status.key(key);
    status.stats.range.key(key);
    let ty = layout.types.get(k).copied().unwrap_or(ValueType::Bool);
    append_value(value, ty, o.value());
    let entries = |d| layout.dictionary(d).map_or(0, |d| d.entries);
    by.keys(o.by_numbers(), entries(Dict::Rule));
    needs.keys(o.need_numbers(), entries(Dict::Fact));
    reason.keys(o.reason_numbers(), entries(Dict::Reason));
}

/// A value of type `ty` (null when it is none, or of another type).
#[inline]
fn append_value(c: &mut Column, ty: ValueType, value: Option<&Value>) {
    match (ty, value) {
        (ValueType::Bool, Some(Value::Bool(b))) => {
            c.def.push(1);
            c.bools.push(*b);
            c.stats.range.bool(*b);
        }
        (ValueType::Int, Some(Value::Int(v))) => {
            c.def.push(1);
            c.plain.extend_from_slice(&v.to_le_bytes());
            c.stats.range.int(*v);
        }
        (ValueType::Date, Some(Value::Date(d))) => {
            let d = date32(*d);
            c.def.push(1);
            c.plain.extend_from_slice(&d.to_le_bytes());
            c.stats.range.int(i64::from(d));
        }
        (ValueType::String, Some(Value::Str(s))) => {
            c.def.push(1);
            put_bytes(&mut c.plain, s.as_bytes());
            c.stats.range.bytes(s.as_bytes());
        }
        (ValueType::List, Some(Value::List(items))) => c.texts(items.iter().map(String::as_str)),
        (ty, _) => c.null(ty == ValueType::List),
    }
}

/// Levels up to `max`, as a data page (v1) holds them: their length in
/// four bytes, then the hybrid encoding.
fn levels(levels: &[u32], max: i16, page: &mut Vec<u8>) {
    let at = page.len();
    page.extend_from_slice(&[0; 4]);
    encode_hybrid(levels, bit_width(u32::try_from(max).unwrap_or(0)), page);
    let len = u32::try_from(page.len() - at - 4).unwrap_or(u32::MAX);
    if let Some(prefix) = page.get_mut(at..at + 4) {
        prefix.copy_from_slice(&len.to_le_bytes());
    }
}

/// A PLAIN byte array: its length in four bytes, then the bytes.
fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// Snappy, as the file's column chunks say they are compressed.
fn compress(data: &[u8]) -> Result<Bytes, String> {
    snap::raw::Encoder::new()
        .compress_vec(data)
        .map(Bytes::from)
        .map_err(|e| format!("cannot compress a page: {e}"))
}

/// A status's key into [`STATUSES`].
fn status_key(status: Status) -> u32 {
    match status {
        Status::Decided => 0,
        Status::Undetermined => 1,
        Status::MissingFacts => 2,
        Status::Conflict => 3,
    }
}
