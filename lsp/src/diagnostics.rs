//! The engine's problems as protocol diagnostics: each rule problem (or
//! case problem) placed in the file its span points into, with its message,
//! label, help line, code and severity, exactly as `inforce check` reports
//! them. Not here: finding the problems (the engine's `load` and case
//! reader do that) or sending them (`server`).

use std::collections::BTreeMap;

use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Range,
};

use crate::text::LineIndex;

/// Diagnostics by file path (as the engine names the file).
pub type ByFile = BTreeMap<String, Vec<Diagnostic>>;

/// Places every problem in its file. `texts` gives each file's text by
/// path; `fallback` names the file a problem without a place goes to
/// (none: it is returned apart, for the client's log).
pub fn place_all<'a, P: miette::Diagnostic + 'a>(
    problems: impl IntoIterator<Item = (&'a P, bool)>,
    texts: &dyn Fn(&str) -> Option<&'a str>,
    fallback: Option<&str>,
) -> (ByFile, Vec<String>) {
    let mut by_file = ByFile::new();
    let mut unplaced = Vec::new();
    for (p, is_error) in problems {
        let placed = place(p, is_error, texts)
            .or_else(|| fallback.map(|f| (f.to_string(), whole_file_diagnostic(p, is_error))));
        match placed {
            Some((file, d)) => by_file.entry(file).or_default().push(d),
            None => unplaced.push(text_of(p)),
        }
    }
    (by_file, unplaced)
}

/// One problem's file and diagnostic, if it points into a file whose text
/// is known.
fn place<'a>(
    p: &dyn miette::Diagnostic,
    is_error: bool,
    texts: &dyn Fn(&str) -> Option<&'a str>,
) -> Option<(String, Diagnostic)> {
    let src = p.source_code()?;
    let labels: Vec<miette::LabeledSpan> = p.labels().map(Iterator::collect).unwrap_or_default();
    let primary = labels
        .iter()
        .find(|l| l.primary())
        .or_else(|| labels.first())
        .cloned()
        .unwrap_or_else(|| miette::LabeledSpan::new(None, 0, 0));
    let contents = src.read_span(primary.inner(), 0, 0).ok()?;
    let file = contents.name()?.to_string();
    let text = texts(&file)?;
    let ix = LineIndex::new(text);
    let range = ix.range(primary.offset(), primary.len());
    let mut message = p.to_string();
    if let Some(label) = primary.label().filter(|l| !l.is_empty() && *l != "here") {
        message.push_str(&format!(" ({label})"));
    }
    if let Some(help) = p.help() {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let mut d = diagnostic(p, is_error, range, message);
    // The other places the problem names (the other version of an
    // overlap, say), in the same file.
    let uri = lsp_types::Url::from_file_path(&file).ok();
    let related: Vec<DiagnosticRelatedInformation> = labels
        .iter()
        .filter(|l| l.offset() != primary.offset() || l.len() != primary.len())
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri: uri.clone()?,
                    range: ix.range(l.offset(), l.len()),
                },
                message: l.label().unwrap_or("here").to_string(),
            })
        })
        .collect();
    if !related.is_empty() {
        d.related_information = Some(related);
    }
    Some((file, d))
}

fn whole_file_diagnostic(p: &dyn miette::Diagnostic, is_error: bool) -> Diagnostic {
    diagnostic(p, is_error, Range::default(), text_of(p))
}

fn diagnostic(
    p: &dyn miette::Diagnostic,
    is_error: bool,
    range: Range,
    message: String,
) -> Diagnostic {
    Diagnostic {
        range,
        severity: Some(if is_error {
            DiagnosticSeverity::ERROR
        } else {
            DiagnosticSeverity::WARNING
        }),
        code: p.code().map(|c| NumberOrString::String(c.to_string())),
        source: Some("inforce".to_string()),
        message,
        ..Diagnostic::default()
    }
}

/// The file a problem points into, if it does.
pub fn file_of(p: &dyn miette::Diagnostic) -> Option<String> {
    let span = p
        .labels()
        .and_then(|mut l| l.next())
        .map_or(miette::SourceSpan::new(0.into(), 0), |l| *l.inner());
    let contents = p.source_code()?.read_span(&span, 0, 0).ok()?;
    contents.name().map(str::to_string)
}

/// A problem in one line of words: message, then help.
pub fn text_of(p: &dyn miette::Diagnostic) -> String {
    match p.help() {
        Some(help) => format!("{p}\nhelp: {help}"),
        None => p.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inforce_engine::{SourceFile, load};

    #[test]
    fn a_misspelt_key_is_placed_on_the_key_with_its_help() {
        let text = "facts:\n  person.age: {type: int, descriptoin: age}\n";
        let files = vec![SourceFile {
            path: "r/facts.yaml".into(),
            text: text.into(),
        }];
        let loaded = load(files, "r");
        let texts = |p: &str| (p == "r/facts.yaml").then_some(text);
        let (by_file, unplaced) = place_all(
            loaded.problems.iter().map(|p| (p, p.is_error())),
            &texts,
            None,
        );
        assert!(unplaced.is_empty(), "{unplaced:?}");
        let d = by_file
            .get("r/facts.yaml")
            .and_then(|d| d.first())
            .cloned()
            .unwrap_or_default();
        assert_eq!(d.range.start, lsp_types::Position::new(1, 26));
        assert!(
            d.message.contains("did you mean `description`?"),
            "{}",
            d.message
        );
    }
}
