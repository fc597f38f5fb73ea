//! Results as CSV for spreadsheets: one header row with the names of
//! `result_schema`, then one row per result. Dates are written
//! `YYYY-MM-DD`, true and false as `true` and `false`, a list as a JSON
//! array (`["police","hotel"]`), a null as an empty cell. Two writers of
//! the same bytes: `CsvWriter` writes record batches, `CsvRows` writes
//! rows straight from verdicts (what `batch` does, in its workers, with no
//! record batch between). Not here: which columns there are (`schema`),
//! or the file written whole or not at all (the caller's writer).

use std::io::Write;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int8Type, Int64Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema};
use chrono::NaiveDate;
use inforce_engine::RuleTree;
use inforce_engine::Value;
use inforce_engine::lines::OutcomeSelection;
use inforce_engine::model::ValueType;
use inforce_engine::verdict::{CaseVerdict, OutcomeView};

use crate::read::day;
use crate::schema::{kept, result_schema};

/// Writes record batches of results as CSV rows under one header row.
pub struct CsvWriter<W: Write> {
    out: csv::Writer<W>,
    /// A list's JSON text, reused from cell to cell.
    text: Vec<u8>,
}

impl<W: Write> CsvWriter<W> {
    /// Writes the header row of `schema` to `out`.
    pub fn new(out: W, schema: &Schema) -> std::io::Result<CsvWriter<W>> {
        let mut out = writer(out);
        write_header(&mut out, schema)?;
        Ok(CsvWriter {
            out,
            text: Vec::new(),
        })
    }

    /// Writes every row of `batch`, a batch of `result_schema`'s columns.
    pub fn write(&mut self, batch: &RecordBatch) -> std::io::Result<()> {
        for row in 0..batch.num_rows() {
            for column in batch.columns() {
                self.text.clear();
                cell(column.as_ref(), row, &mut self.text)?;
                self.out.write_field(&self.text).map_err(into_io)?;
            }
            self.out.write_record(None::<&[u8]>).map_err(into_io)?;
        }
        Ok(())
    }

    /// Flushes what is buffered and gives the writer back.
    pub fn finish(self) -> std::io::Result<W> {
        self.out
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

/// The one configuration of the CSV writer, so both writers quote alike.
fn writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .buffer_capacity(1 << 16)
        .from_writer(out)
}

fn write_header<W: Write>(out: &mut csv::Writer<W>, schema: &Schema) -> std::io::Result<()> {
    out.write_record(schema.fields().iter().map(|f| f.name().as_str()))
        .map_err(into_io)
}

/// Rows of results written as CSV straight from verdicts by number, the
/// same bytes as [`CsvWriter`] writes for the record batch a
/// [`ResultBuilder`](crate::ResultBuilder) builds of them: append rows,
/// then [`CsvRows::finish`] for their bytes. Without the header row
/// ([`CsvRows::header`]), so that rows made in pieces, in parallel, can
/// follow one header.
///
/// The rows are written here rather than through the `csv` crate, whose
/// state machine costs some 200 instructions a cell (a row has about 130),
/// by the rule that crate's writer follows in its default configuration
/// (`QuoteStyle::Necessary`): fields joined by `,`, a record ended by
/// `\n`, a field quoted when it holds `,`, `"`, `\r` or `\n`, with each
/// `"` doubled. (It also quotes a record of one empty field, which a row
/// of results never is.) The tests hold the two writers to the same bytes.
pub struct CsvRows {
    out: Vec<u8>,
    /// A cell's text, reused from cell to cell.
    text: Vec<u8>,
    /// `,DIGEST` ready to copy (a hex digest needs no quotes).
    digest: Vec<u8>,
    /// For each declared outcome (by number), its place among the kept
    /// ones and its type, if kept.
    slot: Vec<Option<(usize, ValueType)>>,
    kept: usize,
    errors: u64,
}

impl CsvRows {
    /// Rows of results of `tree`, keeping the outcomes `selection` names
    /// (all when `None`), with room for `bytes` bytes of text.
    pub fn new(tree: &RuleTree, selection: Option<&OutcomeSelection>, bytes: usize) -> CsvRows {
        let mut kept_so_far = 0;
        let slot = tree
            .outcomes
            .iter()
            .map(|(name, def)| {
                selection.is_none_or(|s| s.keeps(name)).then(|| {
                    kept_so_far += 1;
                    (kept_so_far - 1, def.ty)
                })
            })
            .collect();
        let mut digest = vec![b','];
        field(&mut digest, tree.digest.as_bytes());
        CsvRows {
            out: Vec::with_capacity(bytes),
            text: Vec::new(),
            digest,
            slot,
            kept: kept(tree, selection).len(),
            errors: 0,
        }
    }

    /// The header row of the results of `tree` keeping the outcomes
    /// `selection` names: the names of [`result_schema`]'s columns.
    pub fn header(
        tree: &RuleTree,
        selection: Option<&OutcomeSelection>,
    ) -> std::io::Result<Vec<u8>> {
        let mut out = writer(Vec::new());
        write_header(&mut out, &result_schema(tree, selection))?;
        out.into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }

    /// Error rows appended since the rows were made.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Appends the row of input line (or row) `line`, counted from 1, of
    /// a verdict.
    pub fn append_verdict(&mut self, line: u64, verdict: &CaseVerdict<'_>) {
        push_u64(&mut self.out, line);
        self.out.push(b',');
        field(&mut self.out, verdict.case().as_bytes());
        self.out.push(b',');
        push_date(&mut self.out, verdict.date());
        self.out.extend_from_slice(&self.digest);
        let mut next = 0;
        for o in verdict.outcomes() {
            let Some(&Some((k, ty))) = self.slot.get(o.number()) else {
                continue;
            };
            for _ in next..k {
                self.out.extend_from_slice(b",,,,,");
            }
            self.outcome(&o, ty);
            next = k + 1;
        }
        for _ in next..self.kept {
            self.out.extend_from_slice(b",,,,,");
        }
        // The error cell, empty, and the end of the record.
        self.out.extend_from_slice(b",\n");
    }

    /// Appends the error row of input line (or row) `line`: its line and
    /// `message`, empty cells elsewhere.
    pub fn append_error_row(&mut self, line: u64, message: &str) {
        self.errors += 1;
        push_u64(&mut self.out, line);
        // The empty cells of `case`, `date`, `digest` and every outcome's
        // five, then the message.
        for _ in 0..3 + 5 * self.kept {
            self.out.push(b',');
        }
        self.out.push(b',');
        field(&mut self.out, message.as_bytes());
        self.out.push(b'\n');
    }

    /// The rows' bytes.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }

    /// An outcome's five cells, each after its `,`.
    fn outcome(&mut self, o: &OutcomeView<'_, '_>, ty: ValueType) {
        // The texts of the status dictionary (`STATUSES`): no quotes.
        self.out.push(b',');
        self.out.extend_from_slice(o.status().as_str().as_bytes());
        self.out.push(b',');
        // A value is written where the column of its declared type holds
        // it (`ResultBuilder`): a decided `null`, and every other status,
        // is an empty cell.
        match (ty, o.value()) {
            (ValueType::Bool, Some(Value::Bool(b))) => {
                self.out
                    .extend_from_slice(if *b { b"true" } else { b"false" });
            }
            (ValueType::Int, Some(Value::Int(i))) => push_i64(&mut self.out, *i),
            (ValueType::Date, Some(Value::Date(d))) => push_date(&mut self.out, *d),
            (ValueType::String, Some(Value::Str(s))) => field(&mut self.out, s.as_bytes()),
            (ValueType::List, Some(Value::List(items))) => {
                list(
                    &mut self.out,
                    &mut self.text,
                    items.iter().map(String::as_str),
                );
            }
            _ => {}
        }
        self.out.push(b',');
        list(&mut self.out, &mut self.text, o.by());
        self.out.push(b',');
        list(&mut self.out, &mut self.text, o.needs());
        self.out.push(b',');
        list(&mut self.out, &mut self.text, o.reason_codes());
    }
}

/// Appends `text` as one CSV field: as it is, or quoted with each `"`
/// doubled where it holds a byte the `csv` crate's writer quotes.
fn field(out: &mut Vec<u8>, text: &[u8]) {
    if text
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        quoted(out, text);
    } else {
        out.extend_from_slice(text);
    }
}

/// Appends `text` quoted, each `"` doubled.
fn quoted(out: &mut Vec<u8>, text: &[u8]) {
    out.push(b'"');
    for part in text.split_inclusive(|&b| b == b'"') {
        out.extend_from_slice(part);
        if part.last() == Some(&b'"') {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

/// Appends texts as the CSV field of a JSON array, as `CsvWriter` writes
/// a list cell: `[]`, or the array quoted (its items are in quotes).
/// `text` is scratch space.
fn list<'a>(out: &mut Vec<u8>, text: &mut Vec<u8>, items: impl Iterator<Item = &'a str>) {
    text.clear();
    json_list(text, items);
    field(out, text);
}

/// Texts as a JSON array, as `CsvWriter` writes a list cell.
fn json_list<'a>(out: &mut Vec<u8>, items: impl Iterator<Item = &'a str>) {
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Into memory: cannot fail.
        let _ = serde_json::to_writer(&mut *out, item);
    }
    out.push(b']');
}

/// Appends `v` in decimal, as `Display` writes it.
fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        if let Some(d) = digits.get_mut(at) {
            *d = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 || at == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(at..).unwrap_or_default());
}

/// Appends `v` in decimal, as `Display` writes it.
fn push_i64(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    push_u64(out, v.unsigned_abs());
}

/// Appends `d` as `YYYY-MM-DD`, as `Display` writes a date of years 0 to
/// 9999 (others through `Display` itself, with their sign).
fn push_date(out: &mut Vec<u8>, d: NaiveDate) {
    use chrono::Datelike;
    let year = d.year();
    if !(0..=9999).contains(&year) {
        let _ = write!(out, "{d}");
        return;
    }
    let two = |v: u32| [b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8];
    let year = year.unsigned_abs();
    out.extend_from_slice(&two(year / 100));
    out.extend_from_slice(&two(year % 100));
    out.push(b'-');
    out.extend_from_slice(&two(d.month()));
    out.push(b'-');
    out.extend_from_slice(&two(d.day()));
}

fn into_io(e: csv::Error) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// Writes the text of one cell to `out`: nothing for a null.
fn cell(a: &dyn Array, row: usize, out: &mut Vec<u8>) -> std::io::Result<()> {
    if row >= a.len() || a.is_null(row) {
        return Ok(());
    }
    match a.data_type() {
        DataType::UInt64 => write!(out, "{}", a.as_primitive::<UInt64Type>().value(row)),
        DataType::Int64 => write!(out, "{}", a.as_primitive::<Int64Type>().value(row)),
        DataType::Boolean => {
            out.extend_from_slice(if a.as_boolean().value(row) {
                b"true"
            } else {
                b"false"
            });
            Ok(())
        }
        DataType::Date32 => {
            let days = a.as_primitive::<Date32Type>().value(row);
            match day(i64::from(days)) {
                Some(d) => write!(out, "{d}"),
                None => Ok(()),
            }
        }
        DataType::Utf8 => {
            out.extend_from_slice(a.as_string::<i32>().value(row).as_bytes());
            Ok(())
        }
        DataType::Dictionary(..) => {
            let dict = a.as_dictionary::<Int8Type>();
            let key = dict.keys().value(row);
            let values = dict.values();
            match usize::try_from(key) {
                Ok(k) => cell(values.as_ref(), k, out),
                Err(_) => Ok(()),
            }
        }
        DataType::List(_) => {
            let list = a.as_list::<i32>().value(row);
            let items = list.as_string::<i32>();
            let texts: Vec<Option<&str>> = items.iter().collect();
            serde_json::to_writer(&mut *out, &texts).map_err(std::io::Error::other)
        }
        other => Err(std::io::Error::other(format!(
            "a column of type {other} cannot be written as CSV"
        ))),
    }
}
