//! Building the result columns: rows appended, from a verdict by number
//! (what `batch` builds) or from an `EvalResult`, and finished as a record
//! batch of `result_schema`. Meant to be cheap per row (no text formatted,
//! no lookups by name, each row a few pushes onto plain vectors), so that
//! one builder per worker costs well under the evaluation it follows. The
//! builder keeps the sizes of its last batch and makes room for as much
//! in the next, so a reused builder does not grow its buffers row by row.
//! Not here: evaluation, writing a file.

use std::fmt::Write as _;
use std::sync::Arc;

use arrow_array::builder::{ArrayBuilder, Date32Builder, StringBuilder, UInt64Builder};
use arrow_array::types::Int8Type;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, Int8Array, Int64Array, ListArray,
    RecordBatch, StringArray,
};
use arrow_buffer::{BooleanBuffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, FieldRef, SchemaRef};
use chrono::NaiveDate;
use inforce_engine::lines::OutcomeSelection;
use inforce_engine::model::ValueType;
use inforce_engine::verdict::{CaseVerdict, OutcomeView};
use inforce_engine::{EvalResult, OutcomeResult, RuleTree, Status, Value};

use crate::schema::{STATUSES, kept, result_schema, slots};

/// Rows of results, built column by column into one record batch of
/// [`result_schema`]: append rows, then [`ResultBuilder::finish`]. A row
/// that is an error has its line and message, and nulls elsewhere.
pub struct ResultBuilder {
    schema: SchemaRef,
    digest: ArrayRef,
    statuses: ArrayRef,
    item: FieldRef,
    line: UInt64Builder,
    case: StringBuilder,
    date: Date32Builder,
    /// Whether each row has a result (else it is an error row): the
    /// validity of `digest`.
    answered: Vec<bool>,
    outcomes: Vec<Outcome>,
    /// Every declared outcome's name, in order.
    declared: Vec<String>,
    /// For each declared outcome, its place in `outcomes` if kept.
    slot: Vec<Option<usize>>,
    error: StringBuilder,
    errors: u64,
}

/// One kept outcome's columns. Its status and its three lists are null
/// together (a row without the outcome), so they share one validity.
struct Outcome {
    present: Vec<bool>,
    /// Keys into [`STATUSES`].
    status: Vec<i8>,
    value: Values,
    by: TextLists,
    needs: TextLists,
    reason: TextLists,
}

/// An outcome's values, each beside its validity (null unless decided).
struct Values {
    valid: Vec<bool>,
    of: ValuesOf,
}

/// The values of one type; a null row holds a default.
enum ValuesOf {
    Bool(Vec<bool>),
    Int(Vec<i64>),
    /// Days since 1970-01-01.
    Date(Vec<i32>),
    Str(StringBuilder),
    List(TextLists),
}

/// A column of lists of texts, built by hand: the lists' offsets into
/// one column of items. Whether a list is null is kept by the caller.
struct TextLists {
    offsets: Vec<i32>,
    items: StringBuilder,
}

impl TextLists {
    fn with_capacity(rows: usize, items: usize, bytes: usize) -> TextLists {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        TextLists {
            offsets,
            items: StringBuilder::with_capacity(items, bytes),
        }
    }

    /// Ends the list of the items appended since the last one ended.
    #[inline]
    fn close(&mut self) {
        // A batch's items number some thousands; were they ever past
        // `i32::MAX` (the items' own byte offsets, also `i32`, would be
        // first), the offsets would stop growing rather than wrap.
        self.offsets
            .push(i32::try_from(self.items.len()).unwrap_or(i32::MAX));
    }

    #[inline]
    fn push<'a>(&mut self, items: impl Iterator<Item = &'a str>) {
        for item in items {
            self.items.append_value(item);
        }
        self.close();
    }

    /// The lists so far as a column, with `nulls`; the lists are then
    /// empty, with room for as many as there were.
    fn finish(&mut self, item: &FieldRef, nulls: Option<NullBuffer>) -> Result<ArrayRef, String> {
        let rows = self.offsets.len();
        let mut offsets = Vec::with_capacity(rows);
        offsets.push(0);
        let offsets = std::mem::replace(&mut self.offsets, offsets);
        let room = StringBuilder::with_capacity(self.items.len(), self.items.values_slice().len());
        let items = std::mem::replace(&mut self.items, room).finish();
        // The offsets only ever grow (`close`).
        ListArray::try_new(
            Arc::clone(item),
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            Arc::new(items),
            nulls,
        )
        .map(|a| Arc::new(a) as ArrayRef)
        .map_err(|e| format!("cannot build a list column: {e}"))
    }
}

/// A validity as Arrow keeps it: none when every row is valid.
fn validity(valid: &mut Vec<bool>) -> Option<NullBuffer> {
    let rows = valid.len();
    let nulls = NullBuffer::from(std::mem::replace(valid, Vec::with_capacity(rows)));
    (nulls.null_count() > 0).then_some(nulls)
}

impl ResultBuilder {
    /// A builder for results of `tree`, keeping the outcomes `selection`
    /// names (all when `None`).
    pub fn new(tree: &RuleTree, selection: Option<&OutcomeSelection>) -> ResultBuilder {
        ResultBuilder::with_capacity(tree, selection, 1024)
    }

    /// [`ResultBuilder::new`], with room for `rows` rows before any
    /// builder grows.
    pub fn with_capacity(
        tree: &RuleTree,
        selection: Option<&OutcomeSelection>,
        rows: usize,
    ) -> ResultBuilder {
        // Room for a rule's id in every `by`, and a few short texts in
        // the other lists, before the first batch tells better.
        let outcomes = kept(tree, selection)
            .into_iter()
            .map(|(_, ty)| Outcome {
                present: Vec::with_capacity(rows),
                status: Vec::with_capacity(rows),
                value: Values {
                    valid: Vec::with_capacity(rows),
                    of: match ty {
                        ValueType::Bool => ValuesOf::Bool(Vec::with_capacity(rows)),
                        ValueType::Int => ValuesOf::Int(Vec::with_capacity(rows)),
                        ValueType::Date => ValuesOf::Date(Vec::with_capacity(rows)),
                        ValueType::String => {
                            ValuesOf::Str(StringBuilder::with_capacity(rows, rows * 8))
                        }
                        ValueType::List => {
                            ValuesOf::List(TextLists::with_capacity(rows, rows, rows * 8))
                        }
                    },
                },
                by: TextLists::with_capacity(rows, rows, rows * 64),
                needs: TextLists::with_capacity(rows, rows / 4, rows * 4),
                reason: TextLists::with_capacity(rows, rows / 4, rows * 8),
            })
            .collect();
        let slot = slots(tree, selection);
        ResultBuilder {
            schema: result_schema(tree, selection),
            declared: tree.outcomes.keys().cloned().collect(),
            slot,
            digest: Arc::new(StringArray::from(vec![tree.digest.as_str()])),
            statuses: Arc::new(StringArray::from(STATUSES.to_vec())),
            item: Arc::new(Field::new_list_field(DataType::Utf8, true)),
            line: UInt64Builder::with_capacity(rows),
            case: StringBuilder::with_capacity(rows, rows * 12),
            date: Date32Builder::with_capacity(rows),
            answered: Vec::with_capacity(rows),
            outcomes,
            error: StringBuilder::with_capacity(rows, 0),
            errors: 0,
        }
    }

    /// The schema of the batches this builder makes.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Rows appended since the last `finish`.
    pub fn len(&self) -> usize {
        self.answered.len()
    }

    /// Whether no row was appended since the last `finish`.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Error rows appended since the builder was made.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Appends the row of input line (or row) `line`, counted from 1: a
    /// result, or the message of an error row. A result's outcomes that
    /// the builder does not keep are skipped; a kept one the result lacks
    /// is null.
    pub fn append(&mut self, line: u64, row: &Result<EvalResult, String>) {
        match row {
            Ok(result) => self.append_result(line, result),
            Err(message) => self.append_error_row(line, message),
        }
    }

    fn append_result(&mut self, line: u64, result: &EvalResult) {
        self.start_result(line, &result.case, result.date);
        // Both are in name order: walk them together rather than look
        // each kept outcome up by name. Names are matched by equality
        // (most differ in length, which is checked first), not ordered.
        let mut declared = 0;
        let mut next = 0;
        for (name, o) in &result.outcomes {
            while self
                .declared
                .get(declared)
                .is_some_and(|d| d.as_str() != name.as_str())
            {
                declared += 1;
            }
            let Some(Some(k)) = self.slot.get(declared) else {
                continue;
            };
            for skipped in self.outcomes.get_mut(next..*k).into_iter().flatten() {
                skipped.append_null();
            }
            if let Some(outcome) = self.outcomes.get_mut(*k) {
                outcome.append(o);
            }
            next = k + 1;
        }
        for rest in self.outcomes.get_mut(next..).into_iter().flatten() {
            rest.append_null();
        }
    }

    /// Appends the row of input line (or row) `line`, counted from 1, from
    /// a verdict by number: the same row [`ResultBuilder::append`] makes
    /// of the `EvalResult` of the same evaluation, without that result
    /// being built. Its outcomes that the builder does not keep are
    /// skipped; a kept one it lacks is null.
    pub fn append_verdict(&mut self, line: u64, verdict: &CaseVerdict<'_>) {
        self.start_result(line, verdict.case(), verdict.date());
        // Both are in the order of outcome numbers: one walk, each kept
        // outcome's place found by number.
        let mut next = 0;
        for o in verdict.outcomes() {
            let Some(Some(k)) = self.slot.get(o.number()) else {
                continue;
            };
            for skipped in self.outcomes.get_mut(next..*k).into_iter().flatten() {
                skipped.append_null();
            }
            if let Some(outcome) = self.outcomes.get_mut(*k) {
                outcome.append_view(&o);
            }
            next = k + 1;
        }
        for rest in self.outcomes.get_mut(next..).into_iter().flatten() {
            rest.append_null();
        }
    }

    fn start_result(&mut self, line: u64, case: &str, date: NaiveDate) {
        self.line.append_value(line);
        self.case.append_value(case);
        self.date.append_value(date32(date));
        self.answered.push(true);
        self.error.append_null();
    }

    /// Appends the error row of input line (or row) `line`: its line and
    /// `message`, nulls elsewhere.
    pub fn append_error_row(&mut self, line: u64, message: &str) {
        self.errors += 1;
        self.line.append_value(line);
        self.case.append_null();
        self.date.append_null();
        self.answered.push(false);
        for outcome in &mut self.outcomes {
            outcome.append_null();
        }
        self.error.append_value(message);
    }

    /// The rows appended so far as one record batch; the builder is then
    /// empty, ready for more rows, with room for as many as this batch
    /// had.
    pub fn finish(&mut self) -> Result<RecordBatch, String> {
        // Each builder is finished and replaced by one with room for as
        // many rows (Arrow's own builders start again from nothing).
        let rows = self.answered.len();
        let answered = validity(&mut self.answered);
        let case_bytes = self.case.values_slice().len();
        let error_bytes = self.error.values_slice().len();
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(
                std::mem::replace(&mut self.line, UInt64Builder::with_capacity(rows)).finish(),
            ),
            Arc::new(
                std::mem::replace(
                    &mut self.case,
                    StringBuilder::with_capacity(rows, case_bytes),
                )
                .finish(),
            ),
            Arc::new(
                std::mem::replace(&mut self.date, Date32Builder::with_capacity(rows)).finish(),
            ),
            dictionary(vec![0; rows], answered, &self.digest)?,
        ];
        for o in &mut self.outcomes {
            let present = validity(&mut o.present);
            let status = std::mem::replace(&mut o.status, Vec::with_capacity(rows));
            columns.push(dictionary(status, present.clone(), &self.statuses)?);
            columns.push(o.value.finish(&self.item, rows)?);
            columns.push(o.by.finish(&self.item, present.clone())?);
            columns.push(o.needs.finish(&self.item, present.clone())?);
            columns.push(o.reason.finish(&self.item, present)?);
        }
        columns.push(Arc::new(
            std::mem::replace(
                &mut self.error,
                StringBuilder::with_capacity(rows, error_bytes),
            )
            .finish(),
        ));
        RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| format!("cannot build the result columns: {e}"))
    }
}

/// A column of keys into `values`, with `nulls`.
fn dictionary(
    keys: Vec<i8>,
    nulls: Option<NullBuffer>,
    values: &ArrayRef,
) -> Result<ArrayRef, String> {
    let keys = Int8Array::new(ScalarBuffer::from(keys), nulls);
    DictionaryArray::<Int8Type>::try_new(keys, Arc::clone(values))
        .map(|d| Arc::new(d) as ArrayRef)
        .map_err(|e| format!("cannot build a dictionary column: {e}"))
}

impl Outcome {
    fn append(&mut self, o: &OutcomeResult) {
        self.present.push(true);
        self.status.push(status_key(o.status));
        // Only a decided outcome has a value; a decided `null` (a date
        // not due) is a null cell beside `decided`.
        let value = if o.status == Status::Decided {
            o.value.as_ref()
        } else {
            None
        };
        self.value.append(value);
        for by in &o.by {
            let ids = &mut self.by.items;
            // Written straight into the builder's text buffer, then closed
            // as one value: no string made per rule.
            for part in [&*by.rule_set, "@", &*by.version, "#", &*by.rule] {
                let _ = ids.write_str(part);
            }
            ids.append_value("");
        }
        self.by.close();
        self.needs.push(o.needs.iter().map(String::as_str));
        self.reason.push(o.reason_codes.iter().map(|c| &**c));
    }

    /// [`Outcome::append`] from a verdict by number.
    #[inline]
    fn append_view(&mut self, o: &OutcomeView<'_, '_>) {
        self.present.push(true);
        self.status.push(status_key(o.status()));
        self.value.append(o.value());
        self.by.push(o.by());
        self.needs.push(o.needs());
        self.reason.push(o.reason_codes());
    }

    fn append_null(&mut self) {
        self.present.push(false);
        self.status.push(0);
        self.value.append(None);
        self.by.close();
        self.needs.close();
        self.reason.close();
    }
}

impl Values {
    /// The values so far as a column; the builder is then empty, with
    /// room for `rows` rows.
    fn finish(&mut self, item: &FieldRef, rows: usize) -> Result<ArrayRef, String> {
        let nulls = validity(&mut self.valid);
        Ok(match &mut self.of {
            ValuesOf::Bool(v) => {
                let v = std::mem::replace(v, Vec::with_capacity(rows));
                Arc::new(BooleanArray::new(BooleanBuffer::from(v), nulls))
            }
            ValuesOf::Int(v) => {
                let v = std::mem::replace(v, Vec::with_capacity(rows));
                Arc::new(Int64Array::new(ScalarBuffer::from(v), nulls))
            }
            ValuesOf::Date(v) => {
                let v = std::mem::replace(v, Vec::with_capacity(rows));
                Arc::new(Date32Array::new(ScalarBuffer::from(v), nulls))
            }
            ValuesOf::Str(b) => {
                // Nulls were appended as empty texts: the validity says
                // which.
                let bytes = b.values_slice().len();
                let texts =
                    std::mem::replace(b, StringBuilder::with_capacity(rows, bytes)).finish();
                let (offsets, values, _) = texts.into_parts();
                Arc::new(
                    StringArray::try_new(offsets, values, nulls)
                        .map_err(|e| format!("cannot build a text column: {e}"))?,
                )
            }
            ValuesOf::List(b) => b.finish(item, nulls)?,
        })
    }

    /// Appends `value` where it is of the column's type, else a null.
    #[inline]
    fn append(&mut self, value: Option<&Value>) {
        let valid = match (&mut self.of, value) {
            (ValuesOf::Bool(b), Some(Value::Bool(v))) => {
                b.push(*v);
                true
            }
            (ValuesOf::Int(b), Some(Value::Int(v))) => {
                b.push(*v);
                true
            }
            (ValuesOf::Date(b), Some(Value::Date(v))) => {
                b.push(date32(*v));
                true
            }
            (ValuesOf::Str(b), Some(Value::Str(v))) => {
                b.append_value(v);
                true
            }
            (ValuesOf::List(b), Some(Value::List(items))) => {
                b.push(items.iter().map(String::as_str));
                true
            }
            (of, _) => {
                of.push_default();
                false
            }
        };
        self.valid.push(valid);
    }
}

impl ValuesOf {
    /// A null row's place.
    #[inline]
    fn push_default(&mut self) {
        match self {
            ValuesOf::Bool(b) => b.push(false),
            ValuesOf::Int(b) => b.push(0),
            ValuesOf::Date(b) => b.push(0),
            ValuesOf::Str(b) => b.append_value(""),
            ValuesOf::List(b) => b.close(),
        }
    }
}

/// A status's key into [`STATUSES`].
fn status_key(status: Status) -> i8 {
    match status {
        Status::Decided => 0,
        Status::Undetermined => 1,
        Status::MissingFacts => 2,
        Status::Conflict => 3,
    }
}

/// A date as Arrow's Date32 counts it: days since 1970-01-01.
pub(crate) fn date32(d: NaiveDate) -> i32 {
    use chrono::Datelike;
    d.num_days_from_ce() - 719_163
}
