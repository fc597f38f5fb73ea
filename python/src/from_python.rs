//! A case given as Python data (a dict of fact groups, as a case file
//! writes it) turned into JSON for the engine's reader, so a dict is
//! checked exactly as a JSON case is. `datetime.date` becomes
//! `YYYY-MM-DD`; a value no fact can hold (a float, a set, a datetime
//! with a time) is refused naming its field. Not here: whether the
//! fields are declared facts and the values allowed (the engine).

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDate, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Value};

/// Nested deeper than this, a case is surely not one (a dict that holds
/// itself would recurse forever).
const MAX_DEPTH: usize = 16;

/// `obj` as JSON, or `(field, message)` for the first value that cannot be.
pub fn to_json(obj: &Bound<'_, PyAny>) -> Result<Value, (String, String)> {
    convert(obj, "", 0)
}

fn convert(obj: &Bound<'_, PyAny>, field: &str, depth: usize) -> Result<Value, (String, String)> {
    let refuse = |what: String| {
        let name = if field.is_empty() { "the case" } else { field };
        (field.to_string(), format!("`{name}` {what}"))
    };
    if depth > MAX_DEPTH {
        return Err(refuse(format!(
            "is nested deeper than {MAX_DEPTH} levels; a case is groups of facts"
        )));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: Python's bool is an int.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.cast::<PyInt>().is_ok() {
        return match obj.extract::<i64>() {
            Ok(i) => Ok(Value::from(i)),
            Err(_) => Err(refuse(
                "is an integer too large for a fact (at most 64 bits)".to_string(),
            )),
        };
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s
            .extract::<String>()
            .map(Value::String)
            .map_err(|_| refuse("is not valid text".to_string()));
    }
    if obj.cast::<PyDateTime>().is_ok() {
        return Err(refuse(
            "is a datetime; give a datetime.date (or `YYYY-MM-DD`) for a date fact".to_string(),
        ));
    }
    if obj.cast::<PyDate>().is_ok() {
        let text = obj
            .call_method0("isoformat")
            .and_then(|s| s.extract::<String>())
            .map_err(|_| refuse("is a date that cannot be written".to_string()))?;
        return Ok(Value::String(text));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut out = Map::new();
        for (k, v) in d.iter() {
            let Ok(key) = k.extract::<String>() else {
                return Err(refuse(format!(
                    "has a key `{}` that is not text",
                    k.repr().map(|r| r.to_string()).unwrap_or_default()
                )));
            };
            let inner = if field.is_empty() {
                key.clone()
            } else {
                format!("{field}.{key}")
            };
            out.insert(key, convert(&v, &inner, depth + 1)?);
        }
        return Ok(Value::Object(out));
    }
    if obj.cast::<PyList>().is_ok() || obj.cast::<PyTuple>().is_ok() {
        let mut out = Vec::new();
        let items = obj
            .try_iter()
            .map_err(|_| refuse("cannot be read as a list".to_string()))?;
        for (i, item) in items.enumerate() {
            let item = item.map_err(|_| refuse("cannot be read as a list".to_string()))?;
            out.push(convert(&item, &format!("{field}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    if obj.cast::<PyFloat>().is_ok() {
        return Err(refuse(
            "is a float; facts are integers, text, dates, booleans or lists of text".to_string(),
        ));
    }
    let kind = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_string());
    Err(refuse(format!("is a Python `{kind}`, which no fact holds")))
}

/// A date argument: `None`, a `datetime.date` or text `YYYY-MM-DD`.
pub fn date_arg(obj: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<Option<chrono::NaiveDate>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    let text: String = if obj.cast::<PyDateTime>().is_ok() {
        return Err(PyTypeError::new_err(format!(
            "`{name}` should be a datetime.date or text `YYYY-MM-DD`, not a datetime"
        )));
    } else if obj.cast::<PyDate>().is_ok() {
        obj.call_method0("isoformat")?.extract()?
    } else if let Ok(s) = obj.cast::<PyString>() {
        s.extract()?
    } else {
        return Err(PyTypeError::new_err(format!(
            "`{name}` should be a datetime.date or text `YYYY-MM-DD`"
        )));
    };
    inforce_engine::parse_date(&text).map(Some).ok_or_else(|| {
        pyo3::exceptions::PyValueError::new_err(format!(
            "`{text}` is not a date; write YYYY-MM-DD (`{name}`)"
        ))
    })
}
