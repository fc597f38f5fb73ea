//! Reads a case (YAML or JSON) and checks it against the facts the rules
//! tree declares: unknown fields, wrong types, impossible dates and values
//! outside the allowed set are reported with their line, all at once; then
//! the checks across facts the tree declares. A fact left out stays
//! unknown; a fact given as `null` is unknown too, unless its declaration
//! says `null_means: none` (the event has not happened). Not here:
//! evaluation.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::diagnostics::{CaseError, Src, source, suggest};
use crate::format::{NullMeans, ValueType};
use crate::model::{FactDef, Val, type_words};
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
    /// Facts known in the case (a `null` that means none is present, as
    /// `Val::Null`; a `null` that means unknown is left out).
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
    // Where each fact was written, to point at them when a check fails.
    let mut spans: Vec<(String, miette::SourceSpan)> = Vec::new();
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
                            Some(def) => match convert(fv, def) {
                                Ok(Some(val)) => {
                                    spans.push((field.clone(), fv.span));
                                    case.facts.insert(field, val);
                                }
                                // `null` meaning unknown: as if left out.
                                Ok(None) => {}
                                Err(Refusal::Type { expected, help }) => {
                                    errors.push(wrong(src, &field, &expected, fv, &help))
                                }
                                Err(Refusal::NotAllowed {
                                    value,
                                    expected,
                                    help,
                                }) => errors.push(CaseError::NotAllowed {
                                    field: field.clone(),
                                    // In a list, the item refused.
                                    span: match &fv.value {
                                        Value::Seq(items) => items
                                            .iter()
                                            .find(|i| i.as_str() == Some(value.as_str()))
                                            .map_or(fv.span, |i| i.span),
                                        _ => fv.span,
                                    },
                                    value,
                                    expected,
                                    src: src.clone(),
                                    help,
                                }),
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
        // Checks across facts only once every fact reads well: a check on
        // a mistyped value would only repeat the mistake.
        for failed in crate::eval::failed_checks(tree, &case) {
            let labels = spans
                .iter()
                .filter(|(f, _)| failed.check.reads.contains(f))
                .map(|(f, span)| miette::LabeledSpan::new_with_span(Some(format!("`{f}`")), *span))
                .collect();
            errors.push(CaseError::FailedCheck {
                check: failed.check.id.clone(),
                message: failed.message(),
                src: src.clone(),
                labels,
                help: failed.help(),
            });
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

fn convert(node: &Node, def: &FactDef) -> Result<Option<Val>, Refusal> {
    let raw = match &node.value {
        Value::Null => Raw::Null,
        Value::Bool(b) => Raw::Bool(*b),
        Value::Int(i) => Raw::Int(Some(*i)),
        Value::Str(s) => Raw::Str(s),
        Value::Seq(items) => Raw::List(items.iter().map(Node::as_str).collect()),
        _ => Raw::Other,
    };
    convert_raw(raw, def, "[questionnaire]")
}

/// Why a fact's value was refused.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// Not of the declared type: what was expected and what to do.
    Type { expected: String, help: String },
    /// Of the right type but not an allowed value: the value, what is
    /// allowed and the closest allowed value.
    NotAllowed {
        value: String,
        expected: String,
        help: String,
    },
}

impl Refusal {
    /// The refusal as one line, for JSON cases.
    pub(crate) fn line(&self, field: &str, found: &str) -> String {
        match self {
            Refusal::Type { expected, help } => {
                format!("`{field}` should be {expected}, not {found} ({help})")
            }
            Refusal::NotAllowed {
                value,
                expected,
                help,
            } => format!("`{field}` should be {expected}, not `{value}` ({help})"),
        }
    }
}

/// Converts a fact's value to its declared type, or says what was expected
/// and what to do. `Ok(None)` is an explicit `null` that means unknown: the
/// fact is then treated as left out. `list_example` shows a list as the
/// case's syntax writes it.
pub(crate) fn convert_raw(
    raw: Raw,
    def: &FactDef,
    list_example: &str,
) -> Result<Option<Val>, Refusal> {
    let ty = def.ty;
    let expected = || type_words(ty).to_string();
    let mismatch = || Refusal::Type {
        expected: expected(),
        help: format!(
            "write {} here, or leave the fact out if it is unknown",
            expected()
        ),
    };
    let not_allowed = |v: &str| Refusal::NotAllowed {
        value: v.to_string(),
        expected: def.allowed_words(),
        help: def.suggestion(v),
    };
    match (raw, ty) {
        (Raw::Null, _) => Ok(match def.null_means {
            NullMeans::None => Some(Val::Null),
            NullMeans::Unknown => None,
        }),
        (Raw::Bool(b), ValueType::Bool) => Ok(Some(Val::Bool(b))),
        (Raw::Int(i), ValueType::Int) => i.map(|i| Some(Val::Int(i))).ok_or_else(mismatch),
        (Raw::Str(s), ValueType::Date) => {
            date_text(Some(s))
                .map(|d| Some(Val::Date(d)))
                .map_err(|why| Refusal::Type {
                    expected: expected(),
                    help: why,
                })
        }
        (Raw::Str(s), ValueType::String) => {
            if def.allows(s) {
                Ok(Some(Val::Str(s.to_string())))
            } else {
                Err(not_allowed(s))
            }
        }
        (Raw::List(items), ValueType::List) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let Some(s) = item else {
                    return Err(Refusal::Type {
                        expected: "a list of names".to_string(),
                        help: format!("write each item as a name, e.g. `{list_example}`"),
                    });
                };
                if !def.allows(s) {
                    return Err(not_allowed(s));
                }
                out.push(s.to_string());
            }
            Ok(Some(Val::List(out)))
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
