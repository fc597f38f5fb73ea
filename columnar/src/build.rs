//! Building the result columns: rows of `Result<EvalResult, String>`
//! appended to typed Arrow builders, finished as a record batch of
//! `result_schema`. Meant to be cheap per row (no text formatted but the
//! rule ids, no lookups by name), so that one builder per worker and chunk
//! costs well under the evaluation it follows. Not here: evaluation,
//! writing a file.

use std::fmt::Write as _;
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Date32Builder, Int8Builder, Int64Builder, ListBuilder,
    StringBuilder, UInt64Builder,
};
use arrow_array::types::Int8Type;
use arrow_array::{ArrayRef, DictionaryArray, RecordBatch, StringArray};
use arrow_schema::SchemaRef;
use chrono::NaiveDate;
use inforce_engine::lines::OutcomeSelection;
use inforce_engine::model::ValueType;
use inforce_engine::{EvalResult, OutcomeResult, RuleTree, Status, Value};

use crate::schema::{STATUSES, kept, result_schema};

/// Rows of results, built column by column into one record batch of
/// [`result_schema`]: append rows, then [`ResultBuilder::finish`]. A row
/// that is an error has its line and message, and nulls elsewhere.
pub struct ResultBuilder {
    schema: SchemaRef,
    digest: Arc<StringArray>,
    line: UInt64Builder,
    case: StringBuilder,
    date: Date32Builder,
    digest_keys: Int8Builder,
    outcomes: Vec<Outcome>,
    /// Every declared outcome's name, in order.
    declared: Vec<String>,
    /// For each declared outcome, its place in `outcomes` if kept.
    slot: Vec<Option<usize>>,
    error: StringBuilder,
    errors: u64,
}

/// One kept outcome's builders.
struct Outcome {
    status: Int8Builder,
    value: Values,
    by: ListBuilder<StringBuilder>,
    needs: ListBuilder<StringBuilder>,
    reason: ListBuilder<StringBuilder>,
}

enum Values {
    Bool(BooleanBuilder),
    Int(Int64Builder),
    Date(Date32Builder),
    Str(StringBuilder),
    List(ListBuilder<StringBuilder>),
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
        let list = || ListBuilder::with_capacity(StringBuilder::new(), rows);
        let outcomes = kept(tree, selection)
            .into_iter()
            .map(|(_, ty)| Outcome {
                status: Int8Builder::with_capacity(rows),
                value: match ty {
                    ValueType::Bool => Values::Bool(BooleanBuilder::with_capacity(rows)),
                    ValueType::Int => Values::Int(Int64Builder::with_capacity(rows)),
                    ValueType::Date => Values::Date(Date32Builder::with_capacity(rows)),
                    ValueType::String => Values::Str(StringBuilder::with_capacity(rows, rows * 8)),
                    ValueType::List => Values::List(list()),
                },
                by: list(),
                needs: list(),
                reason: list(),
            })
            .collect();
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
        ResultBuilder {
            schema: result_schema(tree, selection),
            declared: tree.outcomes.keys().cloned().collect(),
            slot,
            digest: Arc::new(StringArray::from(vec![tree.digest.as_str()])),
            line: UInt64Builder::with_capacity(rows),
            case: StringBuilder::with_capacity(rows, rows * 12),
            date: Date32Builder::with_capacity(rows),
            digest_keys: Int8Builder::with_capacity(rows),
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
        self.line.len()
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
        self.line.append_value(line);
        match row {
            Ok(result) => self.append_result(result),
            Err(message) => self.append_error(message),
        }
    }

    fn append_result(&mut self, result: &EvalResult) {
        self.case.append_value(&result.case);
        self.date.append_value(date32(result.date));
        self.digest_keys.append_value(0);
        self.error.append_null();
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

    fn append_error(&mut self, message: &str) {
        self.errors += 1;
        self.case.append_null();
        self.date.append_null();
        self.digest_keys.append_null();
        for outcome in &mut self.outcomes {
            outcome.append_null();
        }
        self.error.append_value(message);
    }

    /// The rows appended so far as one record batch; the builder is then
    /// empty, ready for more rows.
    pub fn finish(&mut self) -> Result<RecordBatch, String> {
        let statuses: ArrayRef = Arc::new(StringArray::from(STATUSES.to_vec()));
        let dict = |keys: &mut Int8Builder, values: &ArrayRef| -> Result<ArrayRef, String> {
            DictionaryArray::<Int8Type>::try_new(keys.finish(), values.clone())
                .map(|d| Arc::new(d) as ArrayRef)
                .map_err(|e| format!("cannot build a dictionary column: {e}"))
        };
        let digest: ArrayRef = self.digest.clone();
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.line.finish()),
            Arc::new(self.case.finish()),
            Arc::new(self.date.finish()),
            dict(&mut self.digest_keys, &digest)?,
        ];
        for o in &mut self.outcomes {
            columns.push(dict(&mut o.status, &statuses)?);
            columns.push(match &mut o.value {
                Values::Bool(b) => Arc::new(b.finish()),
                Values::Int(b) => Arc::new(b.finish()),
                Values::Date(b) => Arc::new(b.finish()),
                Values::Str(b) => Arc::new(b.finish()),
                Values::List(b) => Arc::new(b.finish()),
            });
            columns.push(Arc::new(o.by.finish()));
            columns.push(Arc::new(o.needs.finish()));
            columns.push(Arc::new(o.reason.finish()));
        }
        columns.push(Arc::new(self.error.finish()));
        RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| format!("cannot build the result columns: {e}"))
    }
}

impl Outcome {
    fn append(&mut self, o: &OutcomeResult) {
        self.status.append_value(match o.status {
            Status::Decided => 0,
            Status::Undetermined => 1,
            Status::MissingFacts => 2,
            Status::Conflict => 3,
        });
        // Only a decided outcome has a value; a decided `null` (a date
        // not due) is a null cell beside `decided`.
        let value = if o.status == Status::Decided {
            o.value.as_ref()
        } else {
            None
        };
        match (&mut self.value, value) {
            (Values::Bool(b), Some(Value::Bool(v))) => b.append_value(*v),
            (Values::Int(b), Some(Value::Int(v))) => b.append_value(*v),
            (Values::Date(b), Some(Value::Date(v))) => b.append_value(date32(*v)),
            (Values::Str(b), Some(Value::Str(v))) => b.append_value(v),
            (Values::List(b), Some(Value::List(items))) => {
                for item in items {
                    b.values().append_value(item);
                }
                b.append(true);
            }
            (values, _) => values.append_null(),
        }
        for by in &o.by {
            let ids = self.by.values();
            // Written straight into the builder's text buffer, then closed
            // as one value: no string made per rule.
            for part in [&*by.rule_set, "@", &*by.version, "#", &*by.rule] {
                let _ = ids.write_str(part);
            }
            ids.append_value("");
        }
        self.by.append(true);
        for need in &o.needs {
            self.needs.values().append_value(need);
        }
        self.needs.append(true);
        for code in &o.reason_codes {
            self.reason.values().append_value(code);
        }
        self.reason.append(true);
    }

    fn append_null(&mut self) {
        self.status.append_null();
        self.value.append_null();
        self.by.append_null();
        self.needs.append_null();
        self.reason.append_null();
    }
}

impl Values {
    fn append_null(&mut self) {
        match self {
            Values::Bool(b) => b.append_null(),
            Values::Int(b) => b.append_null(),
            Values::Date(b) => b.append_null(),
            Values::Str(b) => b.append_null(),
            Values::List(b) => b.append_null(),
        }
    }
}

/// A date as Arrow's Date32 counts it: days since 1970-01-01.
pub(crate) fn date32(d: NaiveDate) -> i32 {
    use chrono::Datelike;
    d.num_days_from_ce() - 719_163
}
