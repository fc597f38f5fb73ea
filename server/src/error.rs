//! Errors as clients get them: a status code and a JSON body with the
//! same words as the CLI (message, help), and every problem with its
//! field path and, where the input has them, line and column. Not here:
//! the words themselves (the engine's diagnostics).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::problem::Problem;

/// An error response.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The first problem's code, or the error's own.
    pub code: String,
    /// The message (the first problem's, when there are several).
    pub message: String,
    /// What to do.
    pub help: Option<String>,
    /// Every problem found.
    pub problems: Vec<Problem>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    status: u16,
    code: &'a str,
    message: &'a str,
    help: Option<&'a str>,
    problems: &'a [Problem],
}

impl ApiError {
    /// An error without a place.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>, help: &str) -> ApiError {
        let message = message.into();
        let help = (!help.is_empty()).then(|| help.to_string());
        ApiError {
            status,
            code: code.to_string(),
            problems: vec![Problem::message(code, message.clone(), help.clone())],
            message,
            help,
        }
    }

    /// An error made of `problems` (at least one).
    pub fn of(status: StatusCode, problems: Vec<Problem>) -> ApiError {
        let first = problems.first();
        ApiError {
            status,
            code: first
                .and_then(|p| p.code.clone())
                .unwrap_or_else(|| "inforce::serve::error".to_string()),
            message: first
                .map(|p| p.message.clone())
                .unwrap_or_else(|| "the request failed".to_string()),
            help: first.and_then(|p| p.help.clone()),
            problems,
        }
    }

    /// 404 for a path or thing that is not there.
    pub fn not_found(what: String) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "inforce::serve::not_found",
            what,
            "see `GET /openapi.json` for the paths this server answers",
        )
    }

    /// The JSON body.
    pub fn body(&self) -> Vec<u8> {
        let body = Body {
            error: Inner {
                status: self.status.as_u16(),
                code: &self.code,
                message: &self.message,
                help: self.help.as_deref(),
                problems: &self.problems,
            },
        };
        serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"error\":{}}".to_vec())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            self.body(),
        )
            .into_response()
    }
}
