//! One line of JSON Lines in, one line out: the contract `batch` and the
//! server's `/v1/batch` share (cli.md, "The JSON result"): a case line
//! becomes its result, a line that has none becomes `{"line": N,
//! "error": "..."}`. Not here: splitting the input into lines, the
//! limit on a line's length, parallelism, or catching panics (each
//! caller guards its own workers).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Serialize;

use crate::case::{Case, CaseError};
use crate::eval::memo::Memo;
use crate::eval::{evaluate, evaluate_verdict};
use crate::result::EvalResult;
use crate::result::verdict_json;
use crate::rules::tree::RuleTree;

/// Appends line `n`'s result JSON and its line ending to `out`, or returns
/// the message of its error line. `date` overrides each case's own date,
/// as `--date` does. On an error `out` may hold part of a result: the
/// caller cuts it off before writing the error line.
pub fn evaluate_line(
    tree: &RuleTree,
    date: Option<NaiveDate>,
    n: u64,
    bytes: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), String> {
    evaluate_line_as(tree, date, n, bytes, &LineFormat::default(), out)
}

/// [`evaluate_line`], written in `format`: full or compact, all outcomes
/// or some.
pub fn evaluate_line_as(
    tree: &RuleTree,
    date: Option<NaiveDate>,
    n: u64,
    bytes: &[u8],
    format: &LineFormat,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    // Decided to a verdict and written from the tree's prepared texts:
    // the same bytes as building the result and writing it, without
    // building it (`result::verdict_json`).
    let (case, date) = read_case_line(tree, date, n, bytes)?;
    evaluate_case_as(tree, &case, date, format, out)
}

/// `case` evaluated on `date` and appended to `out` as [`evaluate_line_as`]
/// writes a line's result, line ending included: for cases read from
/// columns. On an error `out` may hold part of a result, as there.
pub fn evaluate_case_as(
    tree: &RuleTree,
    case: &Case,
    date: NaiveDate,
    format: &LineFormat,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let keep = format.outcomes.as_ref();
    // Outcomes not kept are not decided at all.
    let verdict = evaluate_verdict(tree, case, date, keep).map_err(|e| e.one_line())?;
    let fragments = tree.fragments();
    match format.shape {
        Shape::Full => {
            verdict_json::write_full(fragments, &case.id, date, &verdict, out);
        }
        Shape::Compact => {
            verdict_json::write_compact(fragments, &case.id, date, &verdict, out);
        }
    }
    out.push(b'\n');
    Ok(())
}

/// [`evaluate_line_as`] for a run holding a [`Memo`]: cases that go a way
/// the memo knows are answered without resolving their outcomes again
/// (the same bytes). The memo decides which outcomes are kept (the one
/// it was made with), `shape` how the line is written.
pub fn evaluate_line_memo(
    memo: &Memo<'_>,
    date: Option<NaiveDate>,
    n: u64,
    bytes: &[u8],
    shape: Shape,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let (case, date) = read_case_line(memo.tree(), date, n, bytes)?;
    evaluate_case_memo(memo, &case, date, shape, out)
}

/// [`evaluate_case_as`] for a run holding a [`Memo`], as
/// [`evaluate_line_memo`].
pub fn evaluate_case_memo(
    memo: &Memo<'_>,
    case: &Case,
    date: NaiveDate,
    shape: Shape,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let answer = memo.answer(case, date).map_err(|e| e.one_line())?;
    let fragments = memo.tree().fragments();
    match shape {
        Shape::Compact => {
            verdict_json::write_compact_answer(fragments, &case.id, date, &answer, out);
        }
        Shape::Full => {
            let verdict = answer.into_verdict();
            verdict_json::write_full(fragments, &case.id, date, &verdict, out);
        }
    }
    out.push(b'\n');
    Ok(())
}

/// Line `n` read as a case and evaluated, or the message of its error
/// line: for writers of other formats than JSON Lines (Parquet, CSV).
pub fn evaluate_case_line(
    tree: &RuleTree,
    date: Option<NaiveDate>,
    n: u64,
    bytes: &[u8],
) -> Result<EvalResult, String> {
    let (case, date) = read_case_line(tree, date, n, bytes)?;
    evaluate(tree, &case, date, false).map_err(|e| e.one_line())
}

/// Line `n` read as a case and evaluated for a run that keeps only the
/// outcomes `keep` keeps (the others are not decided at all, as in
/// [`evaluate_line_as`]), with the words (full JSON) or only the codes
/// (compact and columnar outputs): the rows other formats than JSON
/// Lines write, decided exactly as those lines are.
pub fn evaluate_case_line_selected(
    tree: &RuleTree,
    date: Option<NaiveDate>,
    n: u64,
    bytes: &[u8],
    words: bool,
    keep: Option<&OutcomeSelection>,
) -> Result<EvalResult, String> {
    let (case, date) = read_case_line(tree, date, n, bytes)?;
    evaluate_selected(tree, &case, date, words, keep)
}

/// `case` evaluated on `date` as [`evaluate_case_line_selected`] does,
/// for cases read from columns.
pub fn evaluate_selected(
    tree: &RuleTree,
    case: &Case,
    date: NaiveDate,
    words: bool,
    keep: Option<&OutcomeSelection>,
) -> Result<EvalResult, String> {
    crate::eval::evaluate_selected(tree, case, date, words, keep).map_err(|e| e.one_line())
}

/// [`evaluate_case_line`] without the words: no explanation lines and no
/// reason texts, only the reason codes, for writers that name texts by
/// id (compact lines, columnar files). Cheaper by the sentences it does
/// not build.
pub fn evaluate_case_line_codes(
    tree: &RuleTree,
    date: Option<NaiveDate>,
    n: u64,
    bytes: &[u8],
) -> Result<EvalResult, String> {
    let (case, date) = read_case_line(tree, date, n, bytes)?;
    evaluate_codes(tree, &case, date)
}

/// `case` evaluated on `date` without the words (see
/// [`evaluate_case_line_codes`]), for cases read from columns.
pub fn evaluate_codes(tree: &RuleTree, case: &Case, date: NaiveDate) -> Result<EvalResult, String> {
    evaluate_selected(tree, case, date, false, None)
}

/// Line `n` read as a case, with the date to evaluate it on (`date`
/// overrides the case's own, as `--date` does), or the message of its
/// error line: the first half of evaluating a line, for callers that keep
/// the case while they read its verdict (`verdict::verdict_of`, which
/// borrows it).
pub fn read_case_line(
    tree: &RuleTree,
    date: Option<NaiveDate>,
    n: u64,
    bytes: &[u8],
) -> Result<(Case, NaiveDate), String> {
    // Most lines are valid cases, read without checking the whole line is
    // UTF-8 first (the reader checks what it reads).
    let case = match Case::from_json_bytes(tree, bytes, || format!("line-{n}")) {
        Some(case) => case,
        None => read_case_text(tree, n, bytes)?,
    };
    let date = case.date_on(date).map_err(|e| e.one_line())?;
    Ok((case, date))
}

/// Line `n` read as a case from its text, or the message of its error
/// line.
fn read_case_text(tree: &RuleTree, n: u64, bytes: &[u8]) -> Result<Case, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "the line is not UTF-8 text (first bad byte at column {})",
            e.valid_up_to() + 1
        )
    })?;
    // Editors on some systems start a file with a byte-order mark.
    let text = if n == 1 {
        text.strip_prefix('\u{feff}').unwrap_or(text)
    } else {
        text
    };
    if text.trim().is_empty() {
        return Err("the line is empty".to_string());
    }
    Case::from_json_line(tree, text, || format!("line-{n}")).map_err(|errors| {
        errors
            .iter()
            .map(CaseError::one_line)
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// How result lines are written.
#[derive(Debug, Clone, Default)]
pub struct LineFormat {
    /// Full results, or compact ones.
    pub shape: Shape,
    /// Only these outcomes; `None`: every outcome.
    pub outcomes: Option<OutcomeSelection>,
}

/// The shape of a result line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shape {
    /// The result `eval --format json` gives, on one line.
    #[default]
    Full,
    /// Ids and codes in place of texts; the legend gives the texts
    /// (`Legend`).
    Compact,
}

/// Outcomes a run keeps, checked against the declared ones.
#[derive(Debug, Clone)]
pub struct OutcomeSelection {
    names: BTreeSet<String>,
    /// Whether each outcome of the tree it was made for is kept, by
    /// outcome number: evaluation skips the others altogether.
    numbers: Vec<bool>,
}

impl OutcomeSelection {
    /// The outcomes named, each of which `tree` must declare; an unknown
    /// name is refused with the closest declared one.
    pub fn new<S: AsRef<str>>(tree: &RuleTree, names: &[S]) -> Result<Self, String> {
        let mut out = BTreeSet::new();
        for name in names {
            let name = name.as_ref().trim();
            if name.is_empty() {
                continue;
            }
            if !tree.outcomes.contains_key(name) {
                return Err(format!(
                    "no outcome `{name}` is declared: {}",
                    crate::diagnostics::suggest(name, tree.outcomes.keys().map(String::as_str))
                ));
            }
            out.insert(name.to_string());
        }
        if out.is_empty() {
            return Err("no outcome named: give one or more, separated by commas".to_string());
        }
        let numbers = tree.outcome_names.iter().map(|n| out.contains(n)).collect();
        Ok(OutcomeSelection {
            names: out,
            numbers,
        })
    }

    /// Whether outcome number `oid` of the tree the selection was made
    /// for is kept.
    pub(crate) fn keeps_number(&self, oid: usize) -> bool {
        self.numbers.get(oid).copied().unwrap_or(false)
    }

    /// The outcomes kept, by name.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Whether `name` is kept.
    pub fn keeps(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// Drops from `result` every outcome not kept, with its explanation
    /// line.
    pub fn apply(&self, result: &mut EvalResult) {
        // The explanation has one line per outcome, in the outcomes'
        // order, then any notes (which stay).
        let count = result.outcomes.len();
        if result.explanation.len() >= count {
            let mut keep = result.outcomes.keys().map(|name| self.keeps(name));
            let mut i = 0;
            result.explanation.retain(|_| {
                i += 1;
                i > count || keep.next().unwrap_or(true)
            });
        }
        result.outcomes.retain(|name, _| self.keeps(name));
    }
}

/// An error line of the output.
#[derive(Serialize)]
struct ErrorLine<'a> {
    line: u64,
    error: &'a str,
}

/// Appends the error line of line `n`, line ending included, to `out`.
pub fn error_line(n: u64, message: &str, out: &mut Vec<u8>) {
    let start = out.len();
    let error = ErrorLine {
        line: n,
        error: message,
    };
    // Serialising a number and a string cannot fail; should it ever, the
    // line still says which line it is.
    if serde_json::to_writer(&mut *out, &error).is_err() {
        out.truncate(start);
        out.extend_from_slice(format!("{{\"line\":{n},\"error\":\"internal error\"}}").as_bytes());
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::{read_case_line, read_case_text};
    use crate::case::generator;
    use crate::rules::tree::RuleTree;

    fn shipped() -> RuleTree {
        let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
        let (files, _) = crate::rules::source::read_dir(&rules);
        crate::rules::load::load_with(files, "rules", crate::Golden::Skip)
            .tree
            .unwrap()
    }

    /// Line `n` read from its text alone, as every line was before the
    /// direct reader took bytes.
    fn from_text(
        tree: &RuleTree,
        n: u64,
        bytes: &[u8],
    ) -> Result<(crate::case::Case, NaiveDate), String> {
        let case = read_case_text(tree, n, bytes)?;
        let date = case.date_on(None).map_err(|e| e.one_line())?;
        Ok((case, date))
    }

    #[test]
    fn a_line_read_from_its_bytes_is_read_as_from_its_text() {
        let tree = shipped();
        let mut lines: Vec<Vec<u8>> = generator::json_lines(300, 3)
            .into_iter()
            .map(String::into_bytes)
            .collect();
        let good = r#"{"id":"a","date":"2005-06-10","person":{"citizenship":"KZ"}}"#;
        for special in [
            format!("\u{feff}{good}"),
            good.replace(r#""id":"a","#, ""),
            good.replace(r#""date":"2005-06-10","#, ""),
            good.replace('a', "é"),
            r#"{"date":"2005-06-10","trip":{"entry_date":"2005-06-10","exit_date":"2005-06-01"}}"#
                .to_string(),
            String::new(),
            " \t".to_string(),
        ] {
            lines.push(special.into_bytes());
        }
        let mut cut = good.replace('a', "é").into_bytes();
        cut.remove(8);
        lines.push(cut);
        lines.push(b"{\"id\":\"\xff\"}".to_vec());
        // The first line may start with a byte-order mark, no other.
        for n in [1, 2] {
            for line in &lines {
                assert_eq!(
                    read_case_line(&tree, None, n, line),
                    from_text(&tree, n, line),
                    "line {n}: {}",
                    String::from_utf8_lossy(line)
                );
            }
        }
    }
}
