//! A diagnostic as JSON: what `check` or a case reader reports, with the
//! file, line and column its first label points at, for `/v1/health` and
//! error bodies. The words are the diagnostics' own, the same the CLI
//! prints. Not here: choosing a status code (`error`).

use miette::Diagnostic;
use serde::Serialize;

/// One problem with where it is.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// The diagnostic's code, e.g. `inforce::case::unknown_field`.
    pub code: Option<String>,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// What is wrong, as the CLI says it.
    pub message: String,
    /// What to do.
    pub help: Option<String>,
    /// The file (a rule file, or the request body) it points into.
    pub file: Option<String>,
    /// 1-based line of the first label.
    pub line: Option<usize>,
    /// 1-based column of the first label.
    pub column: Option<usize>,
    /// The field of the case it concerns (`person.citizenship`).
    pub path: Option<String>,
}

impl Problem {
    /// A problem without a place.
    pub fn message(code: &str, message: String, help: Option<String>) -> Problem {
        Problem {
            code: Some(code.to_string()),
            severity: "error",
            message,
            help,
            file: None,
            line: None,
            column: None,
            path: None,
        }
    }

    /// `d` with the place its first label points at.
    pub fn of(d: &dyn Diagnostic) -> Problem {
        let severity = match d.severity() {
            Some(miette::Severity::Warning | miette::Severity::Advice) => "warning",
            _ => "error",
        };
        let mut p = Problem {
            code: d.code().map(|c| c.to_string()),
            severity,
            message: d.to_string(),
            help: d.help().map(|h| h.to_string()),
            file: None,
            line: None,
            column: None,
            path: None,
        };
        let label = d.labels().and_then(|mut l| l.next());
        if let (Some(src), Some(label)) = (d.source_code(), label) {
            // Zero lines of context: the contents start at the label's own
            // line, whose number and column are what we want.
            if let Ok(contents) = src.read_span(label.inner(), 0, 0) {
                p.file = contents.name().map(str::to_string);
                p.line = Some(contents.line() + 1);
                p.column = Some(contents.column() + 1);
            }
        }
        p
    }

    /// With the case field it concerns.
    pub fn at_path(mut self, path: Option<String>) -> Problem {
        self.path = path;
        self
    }

    /// With the name of the file it points into.
    pub fn in_file(mut self, file: &str) -> Problem {
        if self.file.is_none() {
            self.file = Some(file.to_string());
        }
        self
    }
}
