//! The Python module `inforce._inforce`, re-exported by `inforce`: a rules
//! tree loaded as the CLI finds it, and evaluation of dict cases (results
//! equal to `inforce eval --format json`), histories, the timeline, and
//! Arrow record batches in the columnar layout of `inforce batch`. Not
//! here: the law, evaluation or the columnar layout themselves (the
//! engine and `inforce-columnar`), nor Spark (`inforce/spark.py`).

mod arrow;
mod errors;
mod from_python;
mod rules;
mod to_python;

use pyo3::prelude::*;

/// inforce's native module; use it through `import inforce`.
#[pymodule]
fn _inforce(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<rules::Rules>()?;
    m.add("RulesError", py.get_type::<errors::RulesError>())?;
    m.add("CaseError", py.get_type::<errors::CaseError>())?;
    m.add("EvaluationError", py.get_type::<errors::EvaluationError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
