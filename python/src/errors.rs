//! The module's exceptions and how the engine's diagnostics become them:
//! `RulesError` (rules that do not load), `CaseError` (a case that does not
//! fit the declared facts) and `EvaluationError` (a rule's script failed),
//! each carrying every diagnostic as a dict (code, message, help, file,
//! line, column, and for a case the field). Not here: the messages'
//! words, which are the engine's.

use inforce_engine::RuleProblem;
use miette::Diagnostic;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

pyo3::create_exception!(
    inforce,
    RulesError,
    PyValueError,
    "The rules do not load: `diagnostics` holds every problem found."
);
pyo3::create_exception!(
    inforce,
    CaseError,
    PyValueError,
    "A case does not fit the facts the rules declare: `diagnostics` holds every problem, each with its `field`."
);
pyo3::create_exception!(
    inforce,
    EvaluationError,
    PyValueError,
    "A rule could not be evaluated on the case (a script failed): `diagnostics` holds the problem."
);

/// Where a diagnostic points: its file, and its first label's line and
/// column, both from 1.
struct Place {
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
}

fn place(d: &dyn Diagnostic) -> Place {
    let span = d.labels().and_then(|mut l| l.next());
    let contents = match (d.source_code(), span) {
        (Some(src), Some(span)) => src.read_span(span.inner(), 0, 0).ok(),
        _ => None,
    };
    match contents {
        Some(c) => Place {
            file: c.name().map(str::to_string),
            line: Some(c.line() + 1),
            column: Some(c.column() + 1),
        },
        None => Place {
            file: None,
            line: None,
            column: None,
        },
    }
}

/// One diagnostic as a dict; `field` is the case's field it is about.
fn as_dict<'py>(
    py: Python<'py>,
    d: &dyn Diagnostic,
    field: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let at = place(d);
    let out = PyDict::new(py);
    out.set_item("code", d.code().map(|c| c.to_string()))?;
    out.set_item("message", d.to_string())?;
    out.set_item("help", d.help().map(|h| h.to_string()))?;
    out.set_item("file", at.file)?;
    out.set_item("line", at.line)?;
    out.set_item("column", at.column)?;
    if let Some(field) = field {
        out.set_item("field", field)?;
    }
    Ok(out)
}

/// `err` with its `diagnostics` attribute set to `diagnostics`.
fn raise<'py>(
    py: Python<'py>,
    err: PyErr,
    diagnostics: Vec<Bound<'py, PyDict>>,
) -> PyResult<PyErr> {
    err.value(py)
        .setattr("diagnostics", PyList::new(py, diagnostics)?)?;
    Ok(err)
}

/// Every problem of rules that do not load, as one `RulesError`.
pub fn rules_error(py: Python<'_>, source: &str, problems: &[RuleProblem]) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let errors: Vec<&RuleProblem> = problems.iter().filter(|p| p.is_error()).collect();
        let first = errors
            .first()
            .map(|p| one_line(p))
            .unwrap_or_else(|| "no rule set could be loaded".to_string());
        let more = match errors.len() {
            0 | 1 => String::new(),
            n => format!(" (and {} more; see `diagnostics`)", n - 1),
        };
        let message = format!("the rules `{source}` do not load: {first}{more}");
        let list = problems
            .iter()
            .map(|p| as_dict(py, p, None))
            .collect::<PyResult<Vec<_>>>()?;
        raise(py, RulesError::new_err(message), list)
    };
    build().unwrap_or_else(|e| e)
}

/// Every problem of a case, as one `CaseError`.
pub fn case_error(py: Python<'_>, problems: &[inforce_engine::CaseError]) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let message = problems
            .iter()
            .map(inforce_engine::CaseError::one_line)
            .collect::<Vec<_>>()
            .join("; ");
        let list = problems
            .iter()
            .map(|p| as_dict(py, p, field_of(p)))
            .collect::<PyResult<Vec<_>>>()?;
        raise(py, CaseError::new_err(message), list)
    };
    build().unwrap_or_else(|e| e)
}

/// A case's problem found before the engine read it (a value no JSON can
/// hold), as a `CaseError` about `field`.
pub fn case_value_error(py: Python<'_>, field: &str, message: String) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let one = PyDict::new(py);
        one.set_item("code", "inforce::case::wrong_type")?;
        one.set_item("message", &message)?;
        one.set_item(
            "help",
            "give facts as str, int, bool, None, datetime.date or a list of str",
        )?;
        one.set_item("file", py.None())?;
        one.set_item("line", py.None())?;
        one.set_item("column", py.None())?;
        one.set_item("field", field)?;
        raise(py, CaseError::new_err(message), vec![one])
    };
    build().unwrap_or_else(|e| e)
}

/// A rule that could not be evaluated, as an `EvaluationError`.
pub fn evaluation_error(py: Python<'_>, error: &inforce_engine::EvalError) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let list = vec![as_dict(py, error, None)?];
        raise(py, EvaluationError::new_err(error.one_line()), list)
    };
    build().unwrap_or_else(|e| e)
}

/// The field a case's problem is about, where it names one.
fn field_of(e: &inforce_engine::CaseError) -> Option<&str> {
    use inforce_engine::CaseError as E;
    match e {
        E::UnknownField { field, .. }
        | E::WrongType { field, .. }
        | E::NotAllowed { field, .. } => Some(field),
        E::NoDate => Some("date"),
        _ => None,
    }
}

/// A rule problem on one line: its message and, where it has one, the
/// place it points to.
fn one_line(p: &RuleProblem) -> String {
    let at = place(p);
    match (at.file, at.line, at.column) {
        (Some(f), Some(l), Some(c)) => format!("{p} (at {f}:{l}:{c})"),
        _ => p.to_string(),
    }
}
