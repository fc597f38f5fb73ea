//! A case from values already typed (a row of Arrow columns): the same
//! conversion, allowed values and checks as the JSON reader, without text
//! to parse. Not here: reading columns (the `inforce-columnar` crate), or
//! any wording of its own: refusals are `convert`'s, so a bad value is
//! described alike whichever reader met it.

use chrono::NaiveDate;

use super::Case;
use super::convert::{Given, convert_raw};
use crate::diagnostics::CaseError;
use crate::rules::model::Value;
use crate::rules::tree::RuleTree;

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

pub(super) fn read(
    tree: &RuleTree,
    id: String,
    date: Option<NaiveDate>,
    facts: Vec<Option<FactValue<'_>>>,
) -> Result<Case, Vec<CaseError>> {
    let mut errors = Vec::new();
    let mut values: Vec<Option<Value>> = vec![None; tree.fact_names.len()];
    for (number, given) in facts.into_iter().enumerate() {
        let Some(given) = given else { continue };
        let (Some(slot), Some(def)) = (values.get_mut(number), tree.fact_defs.get(number)) else {
            errors.push(CaseError::UnknownField {
                field: format!("#{}", number + 1),
                src: None,
                span: None,
                help: format!("the rules declare {} facts", tree.fact_names.len()),
            });
            break;
        };
        match convert_raw(given.given(), def, "[\"questionnaire\"]") {
            Ok(v) => *slot = v,
            Err(refusal) => errors.push(refusal.error(&def.name, given.found(), None)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let case = Case::numbered(tree, id, date, values);
    case.check(tree)?;
    Ok(case)
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
    fn more_slots_than_declared_facts_are_refused() {
        let tree = shipped();
        let mut facts: Vec<Option<FactValue>> = vec![None; tree.facts.len()];
        facts.push(Some(FactValue::Bool(true)));
        assert!(Case::from_values(&tree, "x".into(), None, facts).is_err());
    }
}
