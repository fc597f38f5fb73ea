//! A case: the facts about one person and trip, read from YAML or JSON and
//! checked against the facts a rules tree declares, laid out by the tree's
//! fact numbers so evaluation reads them by position. A case remembers the
//! tree it was read against: evaluating it with another tree is refused,
//! not answered with facts in the wrong places. Not here: evaluation.

mod convert;
mod error;
/// Generated cases for the scanner's tests (the same generator as the
/// benchmarks').
#[cfg(test)]
#[path = "../../../tools/gen-cases/src/generator.rs"]
pub(crate) mod generator;
mod json;
mod json_scan;
mod values;
mod yaml;

use chrono::NaiveDate;

pub use error::CaseError;
pub(crate) use json_scan::JsonKeys;
pub use values::{CaseRow, Converted, FactValue};
pub(crate) use yaml::from_node;

use crate::rules::model::Value;
use crate::rules::tree::{RuleTree, TreeStamp};

/// A case ready to evaluate, valid for the rules tree it was read against.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// `id:` of the case, or the file name (or the fallback given).
    pub id: String,
    /// `date:` of the case, if given.
    pub date: Option<NaiveDate>,
    /// By fact number: `None` for a fact the case leaves out (or gives as
    /// a `null` that means unknown), `Some(Value::Null)` for a `null` that
    /// means none.
    values: Vec<Option<Value>>,
    /// The tree whose numbering `values` follows.
    tree: TreeStamp,
}

impl Case {
    /// Reads and validates a YAML (or JSON) case file's text. `name`
    /// labels the case in messages, and is its id when it has none. Every
    /// problem is returned, each with its place in the text.
    pub fn from_yaml(tree: &RuleTree, name: &str, text: &str) -> Result<Case, Vec<CaseError>> {
        yaml::read(tree, name, text)
    }

    /// Reads and validates one JSON case (one line of JSON Lines).
    /// `fallback_id` is its id when it has none. Every problem is returned;
    /// a line of JSON has no source to point into, so the errors carry no
    /// position (`CaseError::one_line` is their one-line form).
    pub fn from_json(
        tree: &RuleTree,
        text: &str,
        fallback_id: &str,
    ) -> Result<Case, Vec<CaseError>> {
        json::read(tree, text, || fallback_id.to_string())
    }

    /// `from_json` with the fallback id made only if the case has no id
    /// (most lines of an archive have one).
    pub(crate) fn from_json_line(
        tree: &RuleTree,
        text: &str,
        fallback_id: impl FnOnce() -> String,
    ) -> Result<Case, Vec<CaseError>> {
        json::read(tree, text, fallback_id)
    }

    /// A valid case read straight from a line's bytes, not yet known to
    /// be UTF-8: `None` for any line the quickest reader does not take (a
    /// line that is not UTF-8, has a byte-order mark, or is not a valid
    /// case among them), which `from_json_line` then reads, or says what
    /// is wrong with. A case given here is the one `from_json_line` gives.
    pub(crate) fn from_json_bytes(
        tree: &RuleTree,
        bytes: &[u8],
        fallback_id: impl FnOnce() -> String,
    ) -> Option<Case> {
        json::read_bytes(tree, bytes, fallback_id)
    }

    /// Validates a case already parsed as JSON (a golden test's case, a
    /// request body): the same decisions and messages as `from_json`.
    pub fn from_json_value(
        tree: &RuleTree,
        value: &serde_json::Value,
        fallback_id: &str,
    ) -> Result<Case, Vec<CaseError>> {
        json::from_value(tree, value, fallback_id)
    }

    /// Validates a case whose facts come already typed, one slot per
    /// declared fact in the order of `tree.facts` (by name), `None` for a
    /// fact the case leaves unknown: for readers of typed columns (Arrow,
    /// Parquet). The same checks and messages as `from_json`: a value of
    /// another type than declared, one not allowed, a date outside
    /// 0000-9999 and a failed check across facts are refused, every
    /// problem at once. More slots than declared facts are refused too. A
    /// slot cannot say `null` (none) for a fact declared `null_means:
    /// none`: `None` is unknown.
    pub fn from_values(
        tree: &RuleTree,
        id: String,
        date: Option<NaiveDate>,
        facts: Vec<Option<FactValue<'_>>>,
    ) -> Result<Case, Vec<CaseError>> {
        values::read(tree, id, date, facts)
    }

    /// Fact `number`'s value (its place in `tree.facts`) converted to
    /// its declared type and checked once, for every row of typed columns
    /// that holds it (`CaseRow::give_converted`): a column's dictionary
    /// of values is converted value by value, not row by row. A refusal is
    /// kept, and reported by each row given it.
    pub fn convert(tree: &RuleTree, number: usize, value: &FactValue<'_>) -> Converted {
        values::convert(tree, number, value)
    }

    /// An empty case (no facts known) for `tree`: for tools that build
    /// cases fact by fact with `set`.
    pub fn empty(tree: &RuleTree, id: &str, date: Option<NaiveDate>) -> Case {
        Case {
            id: id.to_string(),
            date,
            values: vec![None; tree.fact_names.len()],
            tree: tree.stamp,
        }
    }

    /// The date to evaluate the case on: `given` (a `--date`, a test's
    /// date) overrides the case's own `date`. The one place this rule is
    /// written.
    pub fn date_on(&self, given: Option<NaiveDate>) -> Result<NaiveDate, Box<CaseError>> {
        given
            .or(self.date)
            .ok_or_else(|| Box::new(CaseError::NoDate))
    }

    /// The value the case gives fact `name`, if any.
    pub fn fact(&self, tree: &RuleTree, name: &str) -> Option<&Value> {
        self.values.get(tree.fact_number(name)?)?.as_ref()
    }

    /// Every fact the case gives, by name in order.
    pub fn facts<'a>(&'a self, tree: &'a RuleTree) -> impl Iterator<Item = (&'a str, &'a Value)> {
        tree.fact_names
            .iter()
            .zip(&self.values)
            .filter_map(|(name, v)| Some((name.as_str(), v.as_ref()?)))
    }

    /// Gives fact `name` the value `value` (`None`: unknown), unchecked
    /// against its declaration. Returns `false`, changing nothing, when the
    /// tree declares no such fact or the case was read against another tree.
    pub fn set(&mut self, tree: &RuleTree, name: &str, value: Option<Value>) -> bool {
        if self.tree != tree.stamp {
            return false;
        }
        match tree.fact_number(name).and_then(|i| self.values.get_mut(i)) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// The declared checks across facts the case fails, for a case built
    /// with `set` (the readers make them already). A check reading a fact
    /// the case leaves unknown cannot fail.
    pub fn check(&self, tree: &RuleTree) -> Result<(), Vec<CaseError>> {
        let errors: Vec<CaseError> = crate::eval::failed_checks(tree, self)
            .into_iter()
            .map(|failed| CaseError::FailedCheck {
                check: failed.check.id.clone(),
                message: failed.message(),
                src: None,
                labels: Vec::new(),
                help: failed.help(),
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Whether the case was read against `tree`.
    pub(crate) fn is_of(&self, tree: &RuleTree) -> bool {
        self.tree == tree.stamp
    }

    /// The facts by number, as evaluation reads them.
    pub(crate) fn slots(&self) -> Vec<Option<&Value>> {
        self.values.iter().map(Option::as_ref).collect()
    }

    /// A case from facts already laid out by number for `tree`.
    pub(crate) fn numbered(
        tree: &RuleTree,
        id: String,
        date: Option<NaiveDate>,
        values: Vec<Option<Value>>,
    ) -> Case {
        Case {
            id,
            date,
            values,
            tree: tree.stamp,
        }
    }
}

/// A fact group to show in an example of a case's shape: the tree's
/// first, so that the example is one the rules would accept.
fn example_group(tree: &RuleTree) -> &str {
    tree.groups.first().map_or("group", String::as_str)
}
