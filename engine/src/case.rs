//! Reads a case (YAML or JSON) and checks it against the facts the rules
//! tree declares: unknown fields, wrong types, impossible dates and values
//! outside the allowed set are reported with their line, all at once. A
//! fact left out stays unknown; a fact given as `null` is known to be absent.
//! Not here: evaluation.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::diagnostics::{CaseError, Src, source, suggest};
use crate::format::ValueType;
use crate::model::{Val, type_words};
use crate::script::dates;
use crate::tree::RuleTree;
use crate::yaml::{self, Node, Value, key_text};

/// A case ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// `id:` of the case, or the file name.
    pub id: String,
    /// `date:` of the case, if given.
    pub date: Option<NaiveDate>,
    /// Facts present in the case (a `null` is present, as `Val::Null`).
    pub facts: BTreeMap<String, Val>,
}

/// Parses and validates a case from text. `name` labels the case in
/// messages and is its id when it has none.
pub fn parse_case(tree: &RuleTree, name: &str, text: &str) -> Result<Case, Vec<CaseError>> {
    let src = source(name, text);
    let root = yaml::parse(text).map_err(|e| {
        if yaml::is_empty_file(&e) {
            return vec![CaseError::Empty {
                path: name.to_string(),
            }];
        }
        vec![CaseError::Syntax {
            message: e.message,
            src: src.clone(),
            span: e.span,
        }]
    })?;
    from_node(tree, name, &root, &src)
}

/// Validates a case already parsed into a tree (e.g. one golden test's case).
pub fn from_node(
    tree: &RuleTree,
    name: &str,
    root: &Node,
    src: &Src,
) -> Result<Case, Vec<CaseError>> {
    let mut errors = Vec::new();
    let mut case = Case {
        id: default_id(name),
        date: None,
        facts: BTreeMap::new(),
    };
    let Some(entries) = root.as_map() else {
        return Err(vec![CaseError::WrongType {
            field: "the case".to_string(),
            expected: "a mapping of fact groups".to_string(),
            found: root.value.kind().to_string(),
            src: src.clone(),
            span: root.span,
            help: format!(
                "a case looks like `{{id: ..., date: YYYY-MM-DD, {}: {{...}}}}`",
                tree.groups.first().map(String::as_str).unwrap_or("person")
            ),
        }]);
    };
    let top_level: Vec<&str> = ["id", "date"]
        .into_iter()
        .chain(tree.groups.iter().map(String::as_str))
        .collect();
    for (k, v) in entries {
        let key = key_text(k);
        match key.as_str() {
            "id" => match &v.value {
                Value::Str(s) => case.id = s.clone(),
                Value::Int(i) => case.id = i.to_string(),
                _ => errors.push(wrong(
                    src,
                    "id",
                    "a string",
                    v,
                    "give the case a short name, e.g. `id: case-17`",
                )),
            },
            "date" => match date_of(v) {
                Ok(d) => case.date = Some(d),
                Err(why) => errors.push(wrong(src, "date", "a date (YYYY-MM-DD)", v, &why)),
            },
            group if tree.groups.iter().any(|g| g == group) => match &v.value {
                Value::Map(fields) => {
                    for (fk, fv) in fields {
                        let field = format!("{group}.{}", key_text(fk));
                        match tree.facts.get(&field) {
                            Some(def) => match convert(fv, def.ty, def.values.as_deref()) {
                                Ok(val) => {
                                    case.facts.insert(field, val);
                                }
                                Err((expected, help)) => {
                                    errors.push(wrong(src, &field, &expected, fv, &help))
                                }
                            },
                            None => errors.push(CaseError::UnknownField {
                                help: suggest(&field, tree.facts.keys().map(String::as_str)),
                                field,
                                src: src.clone(),
                                span: fk.span,
                            }),
                        }
                    }
                }
                Value::Null => {}
                _ => errors.push(wrong(
                    src,
                    group,
                    "a mapping of facts",
                    v,
                    &format!("write `{group}: {{name: value, ...}}`"),
                )),
            },
            _ => {
                // A fact written without its group is a common slip.
                let dotted: Vec<&str> = tree.facts.keys().map(String::as_str).collect();
                let grouped = dotted
                    .iter()
                    .find(|f| f.split_once('.').is_some_and(|(_, n)| n == key));
                let help = match grouped {
                    Some(f) => format!("did you mean `{f}`? facts sit under their group"),
                    None => suggest(&key, top_level.iter().copied()),
                };
                errors.push(CaseError::UnknownField {
                    field: key,
                    src: src.clone(),
                    span: k.span,
                    help,
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(case)
    } else {
        Err(errors)
    }
}

fn default_id(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.strip_suffix(".yaml")
        .or_else(|| base.strip_suffix(".yml"))
        .or_else(|| base.strip_suffix(".json"))
        .unwrap_or(base)
        .to_string()
}

fn wrong(src: &Src, field: &str, expected: &str, node: &Node, help: &str) -> CaseError {
    CaseError::WrongType {
        field: field.to_string(),
        expected: expected.to_string(),
        found: match &node.value {
            Value::Str(s) => format!("`{s}`"),
            Value::Int(i) => format!("`{i}`"),
            Value::Number(n) => format!("`{n}`"),
            Value::Bool(b) => format!("`{b}`"),
            other => other.kind().to_string(),
        },
        src: src.clone(),
        span: node.span,
        help: help.to_string(),
    }
}

fn date_of(node: &Node) -> Result<NaiveDate, String> {
    date_text(node.as_str())
}

/// A `YYYY-MM-DD` date, or what is wrong with the text (`None`: not text).
pub(crate) fn date_text(s: Option<&str>) -> Result<NaiveDate, String> {
    match s {
        Some(s) => dates::parse_date(s).ok_or_else(|| {
            if s.len() == 10 && s.chars().filter(|c| *c == '-').count() == 2 {
                format!("`{s}` is not a day of the calendar")
            } else {
                "write dates as `YYYY-MM-DD`".to_string()
            }
        }),
        None => Err("write dates as `YYYY-MM-DD`".to_string()),
    }
}

/// A fact's value as either case reader (YAML tree, JSON) sees it, so that
/// both convert and check it in one place.
pub(crate) enum Raw<'a> {
    Null,
    Bool(bool),
    /// An integer, or `None` for a number that is not one (JSON `1.5`).
    Int(Option<i64>),
    Str(&'a str),
    /// Each item's text, or `None` for an item that is not text.
    List(Vec<Option<&'a str>>),
    Other,
}

fn convert(
    node: &Node,
    ty: ValueType,
    allowed: Option<&[String]>,
) -> Result<Val, (String, String)> {
    let raw = match &node.value {
        Value::Null => Raw::Null,
        Value::Bool(b) => Raw::Bool(*b),
        Value::Int(i) => Raw::Int(Some(*i)),
        Value::Str(s) => Raw::Str(s),
        Value::Seq(items) => Raw::List(items.iter().map(Node::as_str).collect()),
        _ => Raw::Other,
    };
    convert_raw(raw, ty, allowed, "[questionnaire]")
}

/// Converts a fact's value to its declared type, or says what was expected
/// and what to do. `list_example` shows a list as the case's syntax writes it.
pub(crate) fn convert_raw(
    raw: Raw,
    ty: ValueType,
    allowed: Option<&[String]>,
    list_example: &str,
) -> Result<Val, (String, String)> {
    let expected = || type_words(ty).to_string();
    let mismatch = || {
        (
            expected(),
            format!(
                "write {} here, or leave the fact out if it is unknown",
                expected()
            ),
        )
    };
    let not_allowed = |v: &str| {
        let list = allowed.unwrap_or_default();
        (
            format!(
                "one of {}",
                list.iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            suggest(v, list.iter().map(String::as_str)),
        )
    };
    match (raw, ty) {
        (Raw::Null, _) => Ok(Val::Null),
        (Raw::Bool(b), ValueType::Bool) => Ok(Val::Bool(b)),
        (Raw::Int(i), ValueType::Int) => i.map(Val::Int).ok_or_else(mismatch),
        (Raw::Str(s), ValueType::Date) => date_text(Some(s))
            .map(Val::Date)
            .map_err(|why| (expected(), why)),
        (Raw::Str(s), ValueType::String) => match allowed {
            Some(list) if !list.iter().any(|a| a == s) => Err(not_allowed(s)),
            _ => Ok(Val::Str(s.to_string())),
        },
        (Raw::List(items), ValueType::List) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let Some(s) = item else {
                    return Err((
                        "a list of names".to_string(),
                        format!("write each item as a name, e.g. `{list_example}`"),
                    ));
                };
                if let Some(list) = allowed
                    && !list.iter().any(|a| a == s)
                {
                    return Err(not_allowed(s));
                }
                out.push(s.to_string());
            }
            Ok(Val::List(out))
        }
        _ => Err(mismatch()),
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    #[test]
    fn the_id_defaults_to_the_file_name_without_extension() {
        assert_eq!(default_id("cases/a-b.yaml"), "a-b");
        assert_eq!(default_id("-"), "-");
    }
}
