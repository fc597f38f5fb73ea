//! `inforce.Rules`: a loaded rules tree and what Python asks of it. Rules
//! are found as the CLI finds them (`inforce-discovery`); results are the
//! engine's, handed over as the JSON the CLI prints. Not here: Arrow
//! batches (`arrow.rs`), exceptions (`errors.rs`).

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_pyarrow::PyArrowType;
use arrow_schema::Schema;
use inforce_discovery::{Chosen, RuleFiles};
use inforce_engine::{Case, Golden, RuleTree, evaluate, history, timeline};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::errors::{case_error, case_value_error, evaluation_error, rules_error};
use crate::from_python::{date_arg, to_json};
use crate::to_python::json_to_python;

/// A rules tree, loaded and checked: the law to evaluate cases against.
///
/// Load it with `Rules.load(path=None)`. A `Rules` is immutable and can be
/// shared by threads; evaluation releases the GIL.
#[pyclass(module = "inforce", frozen)]
pub struct Rules {
    pub(crate) tree: Arc<RuleTree>,
}

#[pymethods]
impl Rules {
    /// Loads a rules tree, found as the `inforce` CLI finds it: `path` if
    /// given, else the directory in `$INFORCE_RULES`, else `./rules`, else
    /// the shipped rules embedded in the module. Rules that do not load
    /// raise `RulesError`, whose `diagnostics` list every problem (code,
    /// message, help, file, line, column).
    #[staticmethod]
    #[pyo3(signature = (path=None))]
    fn load(py: Python<'_>, path: Option<PathBuf>) -> PyResult<Rules> {
        let files = match inforce_discovery::choose_here(path.as_deref(), true) {
            Chosen::Dir(dir) => RuleFiles::from_dir(&dir),
            Chosen::Embedded => RuleFiles::embedded(),
            // Never with the embedded rules, which this module carries.
            Chosen::Nowhere => RuleFiles::embedded(),
        };
        let label = files.label.clone();
        if let Some(p) = files.refused_root() {
            return Err(rules_error(py, &label, std::slice::from_ref(p)));
        }
        let loaded = py.detach(|| files.load(Golden::Skip));
        match loaded.tree {
            Some(tree) => Ok(Rules {
                tree: Arc::new(tree),
            }),
            None => Err(rules_error(py, &label, &loaded.problems)),
        }
    }

    /// The rules' digest: a hash of every rule file, the same as the CLI's
    /// results and `inforce check` show. Pin a revision of the law by it.
    #[getter]
    fn digest(&self) -> &str {
        &self.tree.digest
    }

    /// Where the rules were read: the directory, or `embedded`.
    #[getter]
    fn source(&self) -> &str {
        &self.tree.source
    }

    /// The declared outcomes' names, in order.
    #[getter]
    fn outcomes(&self) -> Vec<String> {
        self.tree.outcomes.keys().map(|k| k.to_string()).collect()
    }

    /// Evaluates one case on `date` (a `datetime.date` or `YYYY-MM-DD`;
    /// default: the case's own `date`). `case` is a dict of fact groups as
    /// a case file writes them (`{"person": {"citizenship": "KZ"}, ...}`),
    /// or the text of a case file (YAML or JSON). Returns the result as
    /// `inforce eval --format json` prints it, with every rule considered
    /// when `explain`. A case that does not fit the declared facts raises
    /// `CaseError`, naming each field.
    #[pyo3(signature = (case, date=None, explain=false, *, name="case"))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        case: &Bound<'py, PyAny>,
        date: Option<&Bound<'py, PyAny>>,
        explain: bool,
        name: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let date = date_arg(date, "date")?;
        let case = self.case(py, case, name)?;
        let on = case.date_on(date).map_err(|e| case_error(py, &[*e]))?;
        let tree = &self.tree;
        let result = py
            .detach(|| evaluate(tree, &case, on, explain))
            .map_err(|e| evaluation_error(py, &e))?;
        json_to_python(py, &result)
    }

    /// Follows a case through time: the periods between `start` and `end`
    /// (both included; default: the first day any version takes effect,
    /// and today) over which its outcomes stay the same, as `inforce
    /// history --format json` prints them.
    #[pyo3(signature = (case, start=None, end=None, *, name="case"))]
    fn history<'py>(
        &self,
        py: Python<'py>,
        case: &Bound<'py, PyAny>,
        start: Option<&Bound<'py, PyAny>>,
        end: Option<&Bound<'py, PyAny>>,
        name: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let start = date_arg(start, "start")?;
        let end = date_arg(end, "end")?;
        let case = self.case(py, case, name)?;
        let Some(from) = start.or_else(|| self.tree.earliest()) else {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "the rules have no version to start from; give `start`",
            ));
        };
        let to = match end {
            Some(d) => d,
            None => today(py)?,
        };
        if to < from {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "`end` ({to}) is before `start` ({from}); the range is empty"
            )));
        }
        let tree = &self.tree;
        let h = py
            .detach(|| history(tree, &case, from, to))
            .map_err(|e| evaluation_error(py, &e))?;
        json_to_python(py, &h)
    }

    /// Which version of each rule set is in force over which interval,
    /// repeals and gaps included, with the legend of the ids results use:
    /// as `inforce timeline --format json` prints it.
    fn timeline<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let legend = inforce_engine::lines::Legend::of(&self.tree);
        let out = serde_json::json!({
            "rules": {"source": self.tree.source, "digest": self.tree.digest},
            "rule_sets": timeline(&self.tree),
            "legend": legend,
        });
        json_to_python(py, &out)
    }

    /// The Arrow schema of cases `evaluate_arrow` reads: `id`, `date`,
    /// then one column per declared fact named by its path, each in its
    /// natural type (see docs/columnar.md for the near types accepted).
    fn case_schema(&self) -> PyArrowType<Schema> {
        crate::arrow::case_schema_of(&self.tree)
    }

    /// The Arrow schema of the batches `evaluate_arrow` returns: the
    /// layout of `inforce batch`'s Parquet output (`line`, `case`,
    /// `date`, `digest`, five columns per outcome, `error`), and with
    /// `explain` an `explain` column of the full results as JSON.
    #[pyo3(signature = (explain=false))]
    fn result_schema(&self, explain: bool) -> PyArrowType<Schema> {
        crate::arrow::result_schema_of(&self.tree, explain)
    }

    /// Evaluates every row of `batch` (a `pyarrow.RecordBatch` of cases,
    /// a column per fact as `case_schema()` gives) and returns a
    /// `pyarrow.RecordBatch` of results, one row per case in order, as
    /// `inforce batch` writes Parquet. `date` overrides each case's date.
    /// Rows are numbered from `first_line` in the `line` column. A row
    /// that is not a valid case, or cannot be evaluated, has its message
    /// in the `error` column and the others go on; a column that is not
    /// a declared fact, or of a type its fact cannot take, raises
    /// `CaseError`. With `explain`, an `explain` column holds each row's
    /// full result as JSON (as `inforce eval --format json --explain`).
    /// The arrays are shared with Arrow, not copied, and the GIL is
    /// released while the rows are evaluated.
    #[pyo3(signature = (batch, date=None, explain=false, first_line=1))]
    fn evaluate_arrow(
        &self,
        py: Python<'_>,
        batch: PyArrowType<RecordBatch>,
        date: Option<&Bound<'_, PyAny>>,
        explain: bool,
        first_line: u64,
    ) -> PyResult<PyArrowType<RecordBatch>> {
        crate::arrow::evaluate_arrow(py, &self.tree, batch, date, explain, first_line)
    }

    fn __repr__(&self) -> String {
        format!(
            "<inforce.Rules source={:?} digest={}>",
            self.tree.source,
            self.tree.digest.get(..12).unwrap_or("")
        )
    }
}

impl Rules {
    /// `obj` (a dict, or a case file's text) read and checked as a case.
    fn case(&self, py: Python<'_>, obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Case> {
        if let Ok(text) = obj.cast::<PyString>() {
            let text: String = text.extract()?;
            return Case::from_yaml(&self.tree, name, &text).map_err(|e| case_error(py, &e));
        }
        let value =
            to_json(obj).map_err(|(field, message)| case_value_error(py, &field, message))?;
        Case::from_json_value(&self.tree, &value, name).map_err(|e| case_error(py, &e))
    }
}

/// Today's date on this machine, as Python sees it (the CLI's default end
/// of a history).
fn today(py: Python<'_>) -> PyResult<chrono::NaiveDate> {
    let iso: String = py
        .import("datetime")?
        .getattr("date")?
        .call_method0("today")?
        .call_method0("isoformat")?
        .extract()?;
    inforce_engine::parse_date(&iso)
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("cannot read today's date"))
}
