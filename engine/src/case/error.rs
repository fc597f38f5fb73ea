//! Why a case cannot be used: one type for both readers (YAML with a
//! place to underline, a line of JSON without one) and for reading the
//! file. Not here: problems of rule files (`diagnostics`), evaluation.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use crate::diagnostics::Src;

/// A case that cannot be used: exit code 2 in the CLI.
#[derive(Debug, Error, Diagnostic)]
pub enum CaseError {
    /// The case file could not be read.
    #[error("cannot read the case `{path}`: {reason}")]
    #[diagnostic(
        code(inforce::case::io),
        help("check the path, or pass `-` to read the case from standard input")
    )]
    Io {
        /// The case file, as the user named it.
        path: String,
        /// Why not, as the system said.
        reason: String,
    },

    /// The case file is larger than a case may be; it was not read.
    #[error("the case `{path}` is larger than {limit}, the most a case may hold")]
    #[diagnostic(
        code(inforce::case::too_large),
        help(
            "a case is a few kilobytes: check that you named the right file; for an archive of many cases, give `inforce batch` one case a line"
        )
    )]
    TooLarge {
        /// The case file, as the user named it.
        path: String,
        /// The most a case may hold, in words.
        limit: String,
    },

    /// The case file is not UTF-8 text.
    #[error("the case `{path}` is not UTF-8 text (first bad byte at offset {offset})")]
    #[diagnostic(
        code(inforce::case::encoding),
        help(
            "save the case as UTF-8 (most editors offer it under 'encoding'), or convert it with `iconv -t UTF-8`"
        )
    )]
    NotUtf8 {
        /// The case file, as the user named it.
        path: String,
        /// Byte offset of the first byte that is not UTF-8.
        offset: usize,
    },

    /// The case file holds nothing.
    #[error("the case `{path}` is empty")]
    #[diagnostic(
        code(inforce::case::empty),
        help("write the case's facts, e.g. `date: 2005-06-10` and `person: {{citizenship: KZ}}`")
    )]
    Empty {
        /// The case file, as the user named it.
        path: String,
    },

    /// The case is neither valid YAML nor valid JSON.
    #[error("the case is not valid YAML or JSON: {message}")]
    #[diagnostic(
        code(inforce::case::syntax),
        help("fix the syntax at the marked place")
    )]
    Syntax {
        /// What the reader said is wrong.
        message: String,
        /// The case's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where in the case the reader stopped.
        #[label("here")]
        span: SourceSpan,
    },

    /// The case gives a field that is not a declared fact.
    #[error("unknown field `{field}` in the case")]
    #[diagnostic(code(inforce::case::unknown_field))]
    UnknownField {
        /// The field as the case writes it, `group.name`.
        field: String,
        /// The case's text, when it was read from YAML (a JSON line has none).
        #[source_code]
        src: Option<Src>,
        /// Where in the case the field is written, when known.
        #[label("not a declared fact")]
        span: Option<SourceSpan>,
        /// What to do about it, e.g. the declared fact of a near name.
        #[help]
        help: String,
    },

    /// A fact's value is of another type than the fact's declaration says.
    #[error("`{field}` should be {expected}, not {found}")]
    #[diagnostic(code(inforce::case::wrong_type))]
    WrongType {
        /// The fact, `group.name`.
        field: String,
        /// The declared type, in words: "an integer".
        expected: String,
        /// What the case gives instead, in words.
        found: String,
        /// The case's text, when it was read from YAML (a JSON line has none).
        #[source_code]
        src: Option<Src>,
        /// Where in the case the value is written, when known.
        #[label("expected {expected}")]
        span: Option<SourceSpan>,
        /// What to do about it.
        #[help]
        help: String,
    },

    /// A fact's value is not one the fact may take.
    #[error("`{value}` is not an allowed value of `{field}`")]
    #[diagnostic(code(inforce::case::value_not_allowed))]
    NotAllowed {
        /// The fact, `group.name`.
        field: String,
        /// The value the case gives.
        value: String,
        /// What the fact takes, in words.
        expected: String,
        /// The case's text, when it was read from YAML (a JSON line has none).
        #[source_code]
        src: Option<Src>,
        /// Where in the case the value is written, when known.
        #[label("expected {expected}")]
        span: Option<SourceSpan>,
        /// What to do about it, e.g. the allowed value of a near spelling.
        #[help]
        help: String,
    },

    /// The case fails a check across facts that the declarations set (`checks:`).
    #[error("the case fails the check `{check}`: {message}")]
    #[diagnostic(code(inforce::case::check))]
    FailedCheck {
        /// The check's id, as declared.
        check: String,
        /// What is wrong with the case, as the check's `message` says.
        message: String,
        /// The case's text, when it was read from YAML (a JSON line has none).
        #[source_code]
        src: Option<Src>,
        /// The facts the check reads, each marked where the case gives it.
        #[label(collection)]
        labels: Vec<miette::LabeledSpan>,
        /// What to do about it.
        #[help]
        help: String,
    },

    /// The case is not a mapping of fact groups (a list, a number, a string).
    #[error("the case should be an object of fact groups, not {found}")]
    #[diagnostic(code(inforce::case::not_an_object))]
    NotAnObject {
        /// What the case is instead, in words.
        found: String,
        /// What to do about it.
        #[help]
        help: String,
    },

    /// A line given as a JSON case is not one JSON object, or no case can be it.
    #[error("{}", not_json_words(message, *column, *data))]
    #[diagnostic(
        code(inforce::case::not_json),
        help("write each case as one JSON object on one line")
    )]
    NotJson {
        /// What the JSON reader said, without its position.
        message: String,
        /// Column of the line where the JSON reader stopped, from 1.
        column: usize,
        /// Well-formed JSON that no case can be (a key given twice).
        data: bool,
    },

    /// Neither the case nor the caller gives a date to evaluate the case on.
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
