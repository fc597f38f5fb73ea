//! Arrow record batches in and out of `Rules`: cases in the columnar
//! layout `inforce batch` reads (a column per fact), results in the layout
//! of its Parquet output (typed columns per outcome), both through the
//! Arrow C Data Interface (arrow-pyarrow), so the arrays cross without a
//! copy. Rows are evaluated with the GIL released; a row that cannot be
//! read or evaluated is an error row, never the batch's failure. Not here:
//! the layouts themselves (`inforce-columnar`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_pyarrow::PyArrowType;
use arrow_schema::{DataType, Field, Schema};
use inforce_columnar::{BatchCases, CaseReader, ResultBuilder, case_schema, result_schema};
use inforce_engine::verdict::verdict_of;
use inforce_engine::{Case, EvalResult, RuleTree, evaluate};
use pyo3::prelude::*;

use crate::errors::CaseError;
use crate::from_python::date_arg;

/// The column `explain=True` adds: the full result as JSON text.
const EXPLAIN_COLUMN: &str = "explain";

/// `Rules.case_schema`.
pub fn case_schema_of(tree: &RuleTree) -> PyArrowType<Schema> {
    PyArrowType(case_schema(tree).as_ref().clone())
}

/// `Rules.result_schema`.
pub fn result_schema_of(tree: &RuleTree, explain: bool) -> PyArrowType<Schema> {
    PyArrowType(with_explain(result_schema(tree, None).as_ref(), explain))
}

/// `Rules.evaluate_arrow`.
pub fn evaluate_arrow(
    py: Python<'_>,
    tree: &Arc<RuleTree>,
    batch: PyArrowType<RecordBatch>,
    date: Option<&Bound<'_, PyAny>>,
    explain: bool,
    first_line: u64,
) -> PyResult<PyArrowType<RecordBatch>> {
    let date = date_arg(date, "date")?;
    let batch = batch.0;
    let out = py.detach(|| evaluate_batch(tree, &batch, date, explain, first_line));
    match out {
        Ok(b) => Ok(PyArrowType(b)),
        Err(Refused::Columns(message)) => Err(CaseError::new_err(message)),
        Err(Refused::Internal(message)) => Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "cannot build the results: {message}; please report it"
        ))),
    }
}

/// Why a whole batch has no results.
enum Refused {
    /// Its columns do not fit the declared facts.
    Columns(String),
    /// The results could not be put together (a bug).
    Internal(String),
}

fn evaluate_batch(
    tree: &Arc<RuleTree>,
    batch: &RecordBatch,
    date: Option<chrono::NaiveDate>,
    explain: bool,
    first_line: u64,
) -> Result<RecordBatch, Refused> {
    let reader = CaseReader::new(tree, &batch.schema()).map_err(Refused::Columns)?;
    let cases = reader.batch(batch).map_err(Refused::Columns)?;
    let mut out = ResultBuilder::with_capacity(tree, None, cases.len());
    let mut explained: Vec<Option<String>> = Vec::new();
    for row in 0..cases.len() {
        let n = first_line.saturating_add(row as u64);
        if explain {
            let result = guarded(|| row_result(tree, &cases, row, n, date));
            explained.push(
                result
                    .as_ref()
                    .ok()
                    .and_then(|r| serde_json::to_string(r).ok()),
            );
            out.append(n, &result);
            continue;
        }
        // Without the explanation, the row is built from the verdict by
        // number, as `inforce batch` builds it: no `EvalResult` is made.
        // The case outlives its verdict, which borrows it; the row is
        // appended outside the guards, so a panic leaves no row half
        // appended.
        let message = match guarded(|| row_case(&cases, row, n, date)) {
            Ok((case, on)) => match guarded(|| verdict_of(tree, &case, on, None)) {
                Ok(verdict) => {
                    out.append_verdict(n, &verdict);
                    continue;
                }
                Err(message) => message,
            },
            Err(message) => message,
        };
        out.append_error_row(n, &message);
    }
    let results = out.finish().map_err(Refused::Internal)?;
    if !explain {
        return Ok(results);
    }
    let schema = Arc::new(with_explain(&results.schema(), true));
    let mut columns: Vec<ArrayRef> = results.columns().to_vec();
    columns.push(Arc::new(StringArray::from(explained)));
    RecordBatch::try_new(schema, columns).map_err(|e| Refused::Internal(e.to_string()))
}

/// Row `row` of the batch, input row `n`, as a case with the date to
/// evaluate it on, as `inforce batch` reads a Parquet row.
fn row_case(
    cases: &BatchCases<'_>,
    row: usize,
    n: u64,
    date: Option<chrono::NaiveDate>,
) -> Result<(Case, chrono::NaiveDate), String> {
    let case = cases.case_or(row, || format!("line-{n}"))?;
    let on = case.date_on(date).map_err(|e| e.one_line())?;
    Ok((case, on))
}

/// Row `row` of the batch, input row `n`, evaluated with its full result
/// (for the `explain` column).
fn row_result(
    tree: &RuleTree,
    cases: &BatchCases<'_>,
    row: usize,
    n: u64,
    date: Option<chrono::NaiveDate>,
) -> Result<EvalResult, String> {
    let (case, on) = row_case(cases, row, n, date)?;
    evaluate(tree, &case, on, true).map_err(|e| e.one_line())
}

/// A row's reading or evaluation, with a panic (a bug) made that row's
/// error as `inforce batch` makes it, not the batch's failure.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_string());
            Err(format!(
                "internal error while evaluating this line: {what}; please report it"
            ))
        }
    }
}

/// `schema`, with the `explain` column when `explain`.
fn with_explain(schema: &Schema, explain: bool) -> Schema {
    if !explain {
        return schema.clone();
    }
    let mut fields: Vec<Arc<Field>> = schema.fields().iter().cloned().collect();
    fields.push(Arc::new(Field::new(EXPLAIN_COLUMN, DataType::Utf8, true)));
    Schema::new_with_metadata(fields, schema.metadata().clone())
}
