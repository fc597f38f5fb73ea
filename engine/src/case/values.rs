//! A case from values already typed (a row of Arrow columns): the same
//! conversion, allowed values and checks as the JSON reader, without text
//! to parse. A reader of columns builds each row with a `CaseRow`, giving
//! each fact's value as it comes (`give`) or converted once for every row
//! that holds it (`Converted`, for a column's dictionary of values): a
//! dictionary's value is then checked against its declaration once, not
//! on every row. Not here: reading columns (the `inforce-columnar`
//! crate), or any wording of its own: refusals are `convert`'s, so a bad
//! value is described alike whichever reader met it.

use chrono::NaiveDate;

use super::Case;
use super::convert::{Given, Refusal, convert_raw};
use crate::diagnostics::CaseError;
use crate::rules::model::{FactDef, Value};
use crate::rules::tree::{RuleTree, TreeStamp};

/// A fact's value as a typed source gives it: for `Case::from_values`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactValue<'a> {
    /// True or false.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A date.
    Date(NaiveDate),
    /// Text: a code, a name or one of the declared values.
    Str(&'a str),
    /// A list of names.
    List(Vec<&'a str>),
}

impl FactValue<'_> {
    fn given(&self) -> Given<'_> {
        match self {
            FactValue::Bool(b) => Given::Bool(*b),
            FactValue::Int(i) => Given::Int(Some(*i)),
            FactValue::Date(d) => Given::Date(*d),
            FactValue::Str(s) => Given::Str(s),
            FactValue::List(items) => Given::List(items.iter().copied().map(Some).collect()),
        }
    }

    /// The value as messages show it, as the JSON reader shows its values.
    fn found(&self) -> String {
        match self {
            FactValue::Bool(b) => format!("`{b}`"),
            FactValue::Int(i) => format!("`{i}`"),
            FactValue::Date(d) => format!("`{d}`"),
            FactValue::Str(s) => format!("`{s}`"),
            FactValue::List(_) => "a list".to_string(),
        }
    }
}

/// One fact's value converted to its declared type and checked against
/// its allowed values once (`Case::convert`), to be given to every row
/// that holds it (`CaseRow::give_converted`): a value, or its refusal,
/// which each such row then reports as its own. Valid for the tree it
/// was made with only.
#[derive(Debug, Clone)]
pub struct Converted {
    number: usize,
    tree: TreeStamp,
    value: Result<Value, Box<(Refusal, String)>>,
}

impl Converted {
    /// Whether the value was refused (each row holding it is then an
    /// error row).
    pub fn is_refused(&self) -> bool {
        self.value.is_err()
    }
}

/// Fact `number`'s value `given` converted (or refused) as `read` would.
pub(super) fn convert(tree: &RuleTree, number: usize, given: &FactValue<'_>) -> Converted {
    let value = match tree.fact_defs.get(number) {
        Some(def) => match convert_raw(given.given(), def, LIST_EXAMPLE) {
            Ok(Some(v)) => Ok(v),
            // A typed value is never `null`: this is not reached.
            Ok(None) => Ok(Value::Null),
            Err(refusal) => Err(Box::new((refusal, given.found()))),
        },
        // A number past the declared facts: `give_converted` reports it
        // as `give` does (`CaseRow::place`), before this refusal is read.
        None => Err(Box::new((
            Refusal::Type {
                expected: "a declared fact".to_string(),
                help: format!("the rules declare {} facts", tree.fact_names.len()),
            },
            given.found(),
        ))),
    };
    Converted {
        number,
        tree: tree.stamp,
        value,
    }
}

/// A list as a case's syntax writes it, for messages.
const LIST_EXAMPLE: &str = "[\"questionnaire\"]";

/// A case being built from a row of typed values, fact by fact: every
/// refusal is kept, and `finish` makes the checks across facts.
pub struct CaseRow<'t> {
    tree: &'t RuleTree,
    values: Vec<Option<Value>>,
    errors: Vec<CaseError>,
}

impl<'t> CaseRow<'t> {
    /// A row with no fact given yet (each unknown).
    pub fn new(tree: &'t RuleTree) -> CaseRow<'t> {
        CaseRow {
            tree,
            values: vec![None; tree.fact_names.len()],
            errors: Vec::new(),
        }
    }

    /// Gives fact `number` (its place in `tree.facts`) the value `given`,
    /// converted and checked; a refusal is kept for `finish`.
    pub fn give(&mut self, number: usize, given: &FactValue<'_>) {
        let Some((slot, def)) = self.place(number) else {
            return;
        };
        match convert_raw(given.given(), def, LIST_EXAMPLE) {
            Ok(v) => *slot = v,
            Err(refusal) => {
                let error = refusal.error(&def.name, given.found(), None);
                self.errors.push(error);
            }
        }
    }

    /// Gives a fact the value `converted` (made for this tree with
    /// `Case::convert`): a copy of the value, or its refusal, kept for
    /// `finish`. One converted for another tree is refused.
    #[inline]
    pub fn give_converted(&mut self, converted: &Converted) {
        // The way of nearly every cell: a value for this tree's fact.
        if converted.tree == self.tree.stamp
            && let Ok(value) = &converted.value
            && let Some(slot) = self.values.get_mut(converted.number)
        {
            *slot = Some(value.clone());
            return;
        }
        self.give_converted_rarely(converted);
    }

    /// `give_converted` for a refusal, a value for another tree, or a
    /// number past the declared facts: each kept as an error.
    #[cold]
    fn give_converted_rarely(&mut self, converted: &Converted) {
        if converted.tree != self.tree.stamp {
            self.errors.push(CaseError::UnknownField {
                field: format!("#{}", converted.number + 1),
                src: None,
                span: None,
                help: "the value was converted for other rules".to_string(),
            });
            return;
        }
        let Some((_, def)) = self.place(converted.number) else {
            return;
        };
        if let Err(refused) = &converted.value {
            let (refusal, found) = refused.as_ref();
            let error = refusal.clone().error(&def.name, found.clone(), None);
            self.errors.push(error);
        }
    }

    /// The slot and declaration of fact `number`; a number past the
    /// declared facts is kept as an error.
    fn place(&mut self, number: usize) -> Option<(&mut Option<Value>, &'t FactDef)> {
        let tree = self.tree;
        match (self.values.get_mut(number), tree.fact_defs.get(number)) {
            (Some(slot), Some(def)) => Some((slot, def)),
            _ => {
                self.errors.push(CaseError::UnknownField {
                    field: format!("#{}", number + 1),
                    src: None,
                    span: None,
                    help: format!("the rules declare {} facts", tree.fact_names.len()),
                });
                None
            }
        }
    }

    /// The case, or every problem: the refusals in the order the values
    /// were given, else the checks across facts it fails.
    pub fn finish(self, id: String, date: Option<NaiveDate>) -> Result<Case, Vec<CaseError>> {
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        let case = Case::numbered(self.tree, id, date, self.values);
        if !crate::eval::passes_checks(self.tree, &case.values) {
            // The long way, which says which checks fail.
            case.check(self.tree)?;
        }
        Ok(case)
    }
}

pub(super) fn read(
    tree: &RuleTree,
    id: String,
    date: Option<NaiveDate>,
    facts: Vec<Option<FactValue<'_>>>,
) -> Result<Case, Vec<CaseError>> {
    let mut row = CaseRow::new(tree);
    for (number, given) in facts.iter().enumerate() {
        if let Some(given) = given {
            row.give(number, given);
            if number >= tree.fact_names.len() {
                // More slots than facts: one error says so.
                break;
            }
        }
    }
    row.finish(id, date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load::load_with;
    use crate::rules::source::read_dir;

    fn shipped() -> RuleTree {
        let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
        let (files, _) = read_dir(&rules);
        load_with(files, "rules", crate::Golden::Skip).tree.unwrap()
    }

    /// Slots for `tree` with the named facts set.
    fn slots<'a>(tree: &RuleTree, given: Vec<(&str, FactValue<'a>)>) -> Vec<Option<FactValue<'a>>> {
        let mut out: Vec<Option<FactValue>> = vec![None; tree.facts.len()];
        for (name, v) in given {
            let i = tree.fact_number(name).unwrap();
            out[i] = Some(v);
        }
        out
    }

    fn messages(errors: Vec<CaseError>) -> Vec<String> {
        errors.iter().map(CaseError::one_line).collect()
    }

    #[test]
    fn typed_values_make_the_same_case_as_the_same_facts_in_json() {
        let tree = shipped();
        let json = r#"{"id": "c1", "date": "2010-08-01", "person": {"citizenship": "KZ", "birth_date": "1990-05-01", "married": false}}"#;
        let from_json = Case::from_json(&tree, json, "line-1").unwrap();
        let d = |s| crate::parse_date(s).unwrap();
        let from_values = Case::from_values(
            &tree,
            "c1".to_string(),
            Some(d("2010-08-01")),
            slots(
                &tree,
                vec![
                    ("person.citizenship", FactValue::Str("KZ")),
                    ("person.birth_date", FactValue::Date(d("1990-05-01"))),
                    ("person.married", FactValue::Bool(false)),
                ],
            ),
        )
        .unwrap();
        assert_eq!(from_values, from_json);
    }

    #[test]
    fn a_value_refused_in_json_is_refused_with_the_same_message() {
        let tree = shipped();
        let json = r#"{"person": {"citizenship": "Kazakh", "birth_date": true}}"#;
        let from_json = messages(Case::from_json(&tree, json, "x").unwrap_err());
        let from_values = messages(
            Case::from_values(
                &tree,
                "x".to_string(),
                None,
                slots(
                    &tree,
                    vec![
                        ("person.citizenship", FactValue::Str("Kazakh")),
                        ("person.birth_date", FactValue::Bool(true)),
                    ],
                ),
            )
            .unwrap_err(),
        );
        assert_eq!(from_values.len(), 2, "{from_values:?}");
        let mut sorted_json = from_json.clone();
        sorted_json.sort();
        let mut sorted_values = from_values.clone();
        sorted_values.sort();
        assert_eq!(sorted_values, sorted_json);
    }

    #[test]
    fn a_list_item_outside_the_declared_values_is_refused() {
        let tree = shipped();
        let (name, def) = tree
            .facts
            .iter()
            .find(|(_, d)| d.ty == crate::rules::format::ValueType::List && d.values.is_some())
            .unwrap();
        let good = def.values.as_ref().unwrap()[0].as_str();
        let ok = Case::from_values(
            &tree,
            "x".into(),
            None,
            slots(&tree, vec![(name, FactValue::List(vec![good]))]),
        );
        assert!(ok.is_ok());
        let errors = messages(
            Case::from_values(
                &tree,
                "x".into(),
                None,
                slots(
                    &tree,
                    vec![(name, FactValue::List(vec![good, "no-such-item"]))],
                ),
            )
            .unwrap_err(),
        );
        assert!(errors[0].contains("`no-such-item`"), "{errors:?}");
        assert!(errors[0].contains(name.as_str()), "{errors:?}");
    }

    #[test]
    fn a_date_past_year_9999_is_refused_as_text_would_be() {
        let tree = shipped();
        let far = NaiveDate::from_ymd_opt(12345, 1, 1).unwrap();
        let errors = messages(
            Case::from_values(
                &tree,
                "x".into(),
                None,
                slots(&tree, vec![("person.birth_date", FactValue::Date(far))]),
            )
            .unwrap_err(),
        );
        assert!(
            errors[0].starts_with("`person.birth_date` should be a date"),
            "{errors:?}"
        );
        assert!(errors[0].contains("9999-12-31"), "{errors:?}");
    }

    #[test]
    fn a_failed_check_across_facts_is_refused_as_in_json() {
        let tree = shipped();
        let json = r#"{"date": "2010-01-01", "trip": {"entry_date": "1990-01-01", "exit_date": "1980-01-01"}}"#;
        let json_errors = messages(Case::from_json(&tree, json, "x").unwrap_err());
        let d = |s| crate::parse_date(s).unwrap();
        let given = vec![
            ("trip.entry_date", FactValue::Date(d("1990-01-01"))),
            ("trip.exit_date", FactValue::Date(d("1980-01-01"))),
        ];
        let value_errors = messages(
            Case::from_values(
                &tree,
                "x".into(),
                Some(d("2010-01-01")),
                slots(&tree, given),
            )
            .unwrap_err(),
        );
        assert!(
            value_errors[0].contains("exit-not-before-entry"),
            "{value_errors:?}"
        );
        assert_eq!(value_errors, json_errors);
    }

    #[test]
    fn values_converted_once_make_the_same_case_as_values_given_row_by_row() {
        let tree = shipped();
        let d = |s| crate::parse_date(s).unwrap();
        let given = vec![
            ("person.citizenship", FactValue::Str("KZ")),
            ("person.birth_date", FactValue::Date(d("1990-05-01"))),
            ("person.married", FactValue::Bool(false)),
        ];
        let mut by_row = CaseRow::new(&tree);
        let mut once = CaseRow::new(&tree);
        for (name, value) in &given {
            let number = tree.fact_number(name).unwrap();
            by_row.give(number, value);
            let converted = Case::convert(&tree, number, value);
            assert!(!converted.is_refused());
            once.give_converted(&converted);
        }
        let by_row = by_row.finish("c1".into(), None).unwrap();
        assert_eq!(once.finish("c1".into(), None).unwrap(), by_row);
        assert_eq!(
            by_row,
            Case::from_values(&tree, "c1".into(), None, slots(&tree, given)).unwrap()
        );
    }

    #[test]
    fn a_value_refused_once_is_refused_for_every_row_given_it_in_the_same_words() {
        let tree = shipped();
        let number = tree.fact_number("person.citizenship").unwrap();
        let converted = Case::convert(&tree, number, &FactValue::Str("Atlantis"));
        assert!(converted.is_refused());
        let mut given = CaseRow::new(&tree);
        given.give(number, &FactValue::Str("Atlantis"));
        let expected = messages(given.finish("x".into(), None).unwrap_err());
        for _ in 0..2 {
            let mut row = CaseRow::new(&tree);
            row.give_converted(&converted);
            assert_eq!(
                messages(row.finish("x".into(), None).unwrap_err()),
                expected
            );
        }
    }

    #[test]
    fn a_value_converted_for_other_rules_is_refused() {
        let tree = shipped();
        let other = shipped();
        let number = tree.fact_number("person.married").unwrap();
        let converted = Case::convert(&other, number, &FactValue::Bool(true));
        let mut row = CaseRow::new(&tree);
        row.give_converted(&converted);
        let errors = messages(row.finish("x".into(), None).unwrap_err());
        assert!(errors[0].contains("other rules"), "{errors:?}");
    }

    #[test]
    fn more_slots_than_declared_facts_are_refused() {
        let tree = shipped();
        let mut facts: Vec<Option<FactValue>> = vec![None; tree.facts.len()];
        facts.push(Some(FactValue::Bool(true)));
        assert!(Case::from_values(&tree, "x".into(), None, facts).is_err());
    }
}
