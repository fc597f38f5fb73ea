//! Reads a case (YAML or JSON) and checks it against the facts the rules
//! tree declares: unknown fields, wrong types, impossible dates and values
//! outside the allowed set are reported with their line, all at once; then
//! the checks across facts the tree declares. A fact left out stays
//! unknown; a fact given as `null` is unknown too, unless its declaration
//! says `null_means: none` (the event has not happened). Not here:
//! evaluation.

use chrono::NaiveDate;

use super::Case;
use super::convert::{Given, Refusal, convert_raw, date_text};
use crate::diagnostics::{CaseError, Src, source, suggest};
use crate::rules::model::{FactDef, Value};
use crate::rules::tree::RuleTree;
use crate::rules::yaml::{self, Content, Node, key_text};

/// Parses and validates a case from text (`Case::from_yaml`).
pub(super) fn read(tree: &RuleTree, name: &str, text: &str) -> Result<Case, Vec<CaseError>> {
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
pub(crate) fn from_node(
    tree: &RuleTree,
    name: &str,
    root: &Node,
    src: &Src,
) -> Result<Case, Vec<CaseError>> {
    let mut errors = Vec::new();
    // Where each fact was written, to point at them when a check fails.
    let mut spans: Vec<(String, miette::SourceSpan)> = Vec::new();
    let mut case = Case::empty(tree, &default_id(name), None);
    let Some(entries) = root.as_map() else {
        return Err(vec![CaseError::WrongType {
            field: "the case".to_string(),
            expected: "a mapping of fact groups".to_string(),
            found: root.value.kind().to_string(),
            src: Some(src.clone()),
            span: Some(root.span),
            help: format!(
                "a case looks like `{{id: ..., date: YYYY-MM-DD, {}: {{...}}}}`",
                super::example_group(tree)
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
                Content::Str(s) => case.id = s.clone(),
                Content::Int(i) => case.id = i.to_string(),
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
                Content::Map(fields) => {
                    for (fk, fv) in fields {
                        let field = format!("{group}.{}", key_text(fk));
                        let declared = tree.declared_fact(&field);
                        match declared {
                            Some((number, def)) => match convert(fv, def) {
                                Ok(Some(val)) => {
                                    spans.push((field.clone(), fv.span));
                                    if let Some(slot) = case.values.get_mut(number) {
                                        *slot = Some(val);
                                    }
                                }
                                // `null` meaning unknown: as if left out.
                                Ok(None) => {}
                                Err(refusal) => {
                                    // In a list, the item refused.
                                    let span = match (&refusal, &fv.value) {
                                        (
                                            Refusal::NotAllowed { value, .. },
                                            Content::Seq(items),
                                        ) => items
                                            .iter()
                                            .find(|i| i.as_str() == Some(value.as_str()))
                                            .map_or(fv.span, |i| i.span),
                                        _ => fv.span,
                                    };
                                    errors.push(refusal.error(&field, found(fv), Some((src, span))))
                                }
                            },
                            None => errors.push(CaseError::UnknownField {
                                help: suggest(&field, tree.facts.keys().map(String::as_str)),
                                field,
                                src: Some(src.clone()),
                                span: Some(fk.span),
                            }),
                        }
                    }
                }
                Content::Null => {}
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
                    src: Some(src.clone()),
                    span: Some(k.span),
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
                src: Some(src.clone()),
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
        found: found(node),
        src: Some(src.clone()),
        span: Some(node.span),
        help: help.to_string(),
    }
}

/// A value as messages show it.
fn found(node: &Node) -> String {
    match &node.value {
        Content::Str(s) => format!("`{s}`"),
        Content::Int(i) => format!("`{i}`"),
        Content::Number(n) => format!("`{n}`"),
        Content::Bool(b) => format!("`{b}`"),
        other => other.kind().to_string(),
    }
}

fn date_of(node: &Node) -> Result<NaiveDate, String> {
    date_text(node.as_str())
}

fn convert(node: &Node, def: &FactDef) -> Result<Option<Value>, Refusal> {
    let raw = match &node.value {
        Content::Null => Given::Null,
        Content::Bool(b) => Given::Bool(*b),
        Content::Int(i) => Given::Int(Some(*i)),
        Content::Str(s) => Given::Str(s),
        Content::Seq(items) => Given::List(items.iter().map(Node::as_str).collect()),
        _ => Given::Other,
    };
    convert_raw(raw, def, "[questionnaire]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_defaults_to_the_file_name_without_extension() {
        assert_eq!(default_id("cases/a-b.yaml"), "a-b");
        assert_eq!(default_id("-"), "-");
    }
}
