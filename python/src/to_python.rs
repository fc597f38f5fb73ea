//! Results handed to Python as the plain data of their JSON (dicts, lists,
//! text, numbers): written by the same serialisation `inforce eval
//! --format json` prints, and read back by Python's own `json`, so the
//! dict equals the CLI's output key for key and in the same order. Not
//! here: the result's shape (the engine's).

use pyo3::prelude::*;
use serde::Serialize;

/// `value` as the Python data of its JSON.
pub fn json_to_python<'py, T: Serialize>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value).map_err(|e| {
        pyo3::exceptions::PyRuntimeError::new_err(format!("cannot write the result: {e}"))
    })?;
    py.import("json")?.call_method1("loads", (text,))
}
