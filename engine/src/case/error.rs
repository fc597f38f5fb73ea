//! Why a case cannot be used: one type for both readers (YAML with a
//! place to underline, a line of JSON without one) and for reading the
//! file. Not here: problems of rule files (`diagnostics`), evaluation.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use crate::diagnostics::Src;

/// A case that cannot be used: exit code 2 in the CLI.
#[derive(Debug, Error, Diagnostic)]
pub enum CaseError {
    #[error("cannot read the case `{path}`: {reason}")]
    #[diagnostic(
        code(inforce::case::io),
        help("check the path, or pass `-` to read the case from standard input")
    )]
    Io { path: String, reason: String },

    #[error("the case `{path}` is larger than {limit}, the most a case may hold")]
    #[diagnostic(
        code(inforce::case::too_large),
        help(
            "a case is a few kilobytes: check that you named the right file; for an archive of many cases, give `inforce batch` one case a line"
        )
    )]
    TooLarge { path: String, limit: String },

    #[error("the case `{path}` is not UTF-8 text (first bad byte at offset {offset})")]
    #[diagnostic(
        code(inforce::case::encoding),
        help(
            "save the case as UTF-8 (most editors offer it under 'encoding'), or convert it with `iconv -t UTF-8`"
        )
    )]
    NotUtf8 { path: String, offset: usize },

    #[error("the case `{path}` is empty")]
    #[diagnostic(
        code(inforce::case::empty),
        help("write the case's facts, e.g. `date: 2005-06-10` and `person: {{citizenship: KZ}}`")
    )]
    Empty { path: String },

    #[error("the case is not valid YAML or JSON: {message}")]
    #[diagnostic(
        code(inforce::case::syntax),
        help("fix the syntax at the marked place")
    )]
    Syntax {
        message: String,
        #[source_code]
        src: Src,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("unknown field `{field}` in the case")]
    #[diagnostic(code(inforce::case::unknown_field))]
    UnknownField {
        field: String,
        #[source_code]
        src: Option<Src>,
        #[label("not a declared fact")]
        span: Option<SourceSpan>,
        #[help]
        help: String,
    },

    #[error("`{field}` should be {expected}, not {found}")]
    #[diagnostic(code(inforce::case::wrong_type))]
    WrongType {
        field: String,
        expected: String,
        found: String,
        #[source_code]
        src: Option<Src>,
        #[label("expected {expected}")]
        span: Option<SourceSpan>,
        #[help]
        help: String,
    },

    #[error("`{value}` is not an allowed value of `{field}`")]
    #[diagnostic(code(inforce::case::value_not_allowed))]
    NotAllowed {
        field: String,
        value: String,
        /// What the fact takes, in words.
        expected: String,
        #[source_code]
        src: Option<Src>,
        #[label("expected {expected}")]
        span: Option<SourceSpan>,
        #[help]
        help: String,
    },

    #[error("the case fails the check `{check}`: {message}")]
    #[diagnostic(code(inforce::case::check))]
    FailedCheck {
        check: String,
        message: String,
        #[source_code]
        src: Option<Src>,
        #[label(collection)]
        labels: Vec<miette::LabeledSpan>,
        #[help]
        help: String,
    },

    #[error("the case should be an object of fact groups, not {found}")]
    #[diagnostic(code(inforce::case::not_an_object))]
    NotAnObject {
        found: String,
        #[help]
        help: String,
    },

    #[error("{}", not_json_words(message, *column, *data))]
    #[diagnostic(
        code(inforce::case::not_json),
        help("write each case as one JSON object on one line")
    )]
    NotJson {
        /// What the JSON reader said, without its position.
        message: String,
        column: usize,
        /// Well-formed JSON that no case can be (a key given twice).
        data: bool,
    },

    #[error("no date to evaluate the case on")]
    #[diagnostic(
        code(inforce::case::no_date),
        help("give the case a `date: YYYY-MM-DD` field, or pass `--date YYYY-MM-DD`")
    )]
    NoDate,
}


impl CaseError {
    /// The error as one line, as `batch` writes it: the message and what
    /// to do, in parentheses.
    pub fn one_line(&self) -> String {
        match self {
            CaseError::UnknownField { field, help, .. } => {
                format!("unknown field `{field}` ({help})")
            }
            CaseError::NotAllowed {
                field,
                value,
                expected,
                help,
                ..
            } => format!("`{field}` should be {expected}, not `{value}` ({help})"),
            CaseError::NotJson { .. } => self.to_string(),
            CaseError::NoDate => "no date to evaluate the case on (give the case a `date` field, YYYY-MM-DD, or pass `--date`)".to_string(),
            _ => match self.help() {
                Some(help) => format!("{self} ({help})"),
                None => self.to_string(),
            },
        }
    }

    /// A JSON reader's error as a case error.
    pub(crate) fn not_json(e: &serde_json::Error) -> CaseError {
        let full = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        CaseError::NotJson {
            message: full.strip_suffix(&position).unwrap_or(&full).to_string(),
            column: e.column(),
            data: e.is_data(),
        }
    }
}

fn not_json_words(message: &str, column: usize, data: bool) -> String {
    if data {
        format!("the line is not a valid case: {message} (column {column})")
    } else {
        format!("the line is not JSON: {message} at column {column}")
    }
}
