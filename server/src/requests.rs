//! A case from a request body: JSON (the default) or YAML
//! (`content-type: application/yaml`), read by the engine's own readers,
//! so the server accepts and refuses exactly what `eval` does. A body that
//! is not JSON or YAML at all is 400; a case that does not fit the
//! declared facts is 422. Not here: evaluating it (the routes).

use axum::http::{HeaderMap, StatusCode, header};
use inforce_engine::{Case, CaseError, RuleTree};

use crate::error::ApiError;
use crate::problem::Problem;

/// The name diagnostics give the body.
const BODY: &str = "request body";

/// Which reader a body needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `application/json`, or no content type.
    Json,
    /// `application/yaml` (also `text/yaml`, `application/x-yaml`).
    Yaml,
}

/// The body's syntax from its content type; another type is 415.
pub fn syntax(headers: &HeaderMap) -> Result<Syntax, ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(Syntax::Json);
    };
    let text = value.to_str().unwrap_or("");
    let mime = text
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "" | "application/json" => Ok(Syntax::Json),
        "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml" => Ok(Syntax::Yaml),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "inforce::serve::media_type",
            format!("a case cannot be read from `{}`", text.trim()),
            "send the case with `content-type: application/json` (curl: `-H 'content-type: application/json'`) or `application/yaml`",
        )),
    }
}

/// The case in `body`, read against `tree`.
pub fn case(tree: &RuleTree, syntax: Syntax, body: &[u8]) -> Result<Case, ApiError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "inforce::case::encoding",
            format!(
                "the request body is not UTF-8 text (first bad byte at byte {})",
                e.valid_up_to() + 1
            ),
            "send the case as UTF-8 text",
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "inforce::case::empty",
            "the request body is empty",
            "send a case: its facts as JSON, e.g. `{\"date\": \"2005-06-10\", \"person\": {...}}`",
        ));
    }
    match syntax {
        Syntax::Yaml => Case::from_yaml(tree, BODY, text).map_err(|errors| refused(&errors)),
        Syntax::Json => {
            let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                let mut p = Problem::message(
                    "inforce::case::syntax",
                    format!("the request body is not JSON: {}", without_position(&e)),
                    Some("fix the JSON at the line and column given".to_string()),
                );
                p.file = Some(BODY.to_string());
                p.line = Some(e.line());
                p.column = Some(e.column());
                ApiError::of(StatusCode::BAD_REQUEST, vec![p])
            })?;
            Case::from_json_value(tree, &value, "case").map_err(|errors| {
                let mut error = refused(&errors);
                locate_in_json(tree, text, &mut error.problems);
                error
            })
        }
    }
}

/// The status and problems of a case that was refused.
fn refused(errors: &[CaseError]) -> ApiError {
    let syntax = errors.iter().any(|e| {
        matches!(
            e,
            CaseError::Syntax { .. } | CaseError::NotJson { .. } | CaseError::Empty { .. }
        )
    });
    let status = if syntax {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let problems = errors
        .iter()
        .map(|e| Problem::of(e).at_path(field(e)))
        .collect();
    ApiError::of(status, problems)
}

/// The case field an error concerns.
fn field(e: &CaseError) -> Option<String> {
    match e {
        CaseError::UnknownField { field, .. }
        | CaseError::WrongType { field, .. }
        | CaseError::NotAllowed { field, .. } => Some(field.clone()),
        _ => None,
    }
}

/// The JSON reader knows no positions; the YAML reader reads the same
/// JSON text with them. Only the place is taken from it, and only for a
/// problem about the same field: the words stay the JSON reader's.
fn locate_in_json(tree: &RuleTree, text: &str, problems: &mut [Problem]) {
    let Err(located) = Case::from_yaml(tree, BODY, text) else {
        return;
    };
    for p in problems.iter_mut().filter(|p| p.line.is_none()) {
        let Some(path) = &p.path else { continue };
        if let Some(found) = located
            .iter()
            .filter(|e| field(e).as_ref() == Some(path))
            .map(|e| Problem::of(e))
            .find(|q| q.line.is_some())
        {
            p.file = found.file;
            p.line = found.line;
            p.column = found.column;
        }
    }
}

fn without_position(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&position).unwrap_or(&full).to_string()
}
