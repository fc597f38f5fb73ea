//! Completion: what may be written at the cursor, from the last tree that
//! loaded. Fact paths, the date functions and `date` inside scripts; an
//! enumerated fact's values after `==` or `!=`; outcome names under
//! `then:`, `scope:`, `silent_on:` and a golden test's `expect:`; rule-set
//! ids and outcomes in precedence declarations; rule ids in
//! `exception_to:`; groups, fields and values in cases. Not here: where the
//! cursor is (`context`).

use inforce_engine::RuleTree;
use inforce_engine::model::FactDef;
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, MarkupContent,
    MarkupKind, Range, TextEdit,
};

use crate::context::{self, Context};
use crate::functions::FUNCTIONS;
use crate::text::LineIndex;

/// The kind of document being completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// A file of the rules tree.
    Rule,
    /// A case, outside the tree.
    Case,
}

/// Keys whose values are scripts.
const SCRIPT_KEYS: &[&str] = &["when", "applies_when", "holds", "expr"];

/// Completions at byte `offset` of `text`.
pub fn complete(tree: &RuleTree, text: &str, offset: usize, kind: DocKind) -> Vec<CompletionItem> {
    let c = context::at(text, offset);
    let ix = LineIndex::new(text);
    let word_len = |chars: &dyn Fn(char) -> bool| {
        c.before
            .chars()
            .rev()
            .take_while(|ch| chars(*ch))
            .map(char::len_utf8)
            .sum::<usize>()
    };
    let edit_range = |len: usize| ix.range(offset.saturating_sub(len), len);
    match kind {
        DocKind::Case => case_items(tree, &c, &c.path, &edit_range, &word_len),
        DocKind::Rule => rule_items(tree, text, &c, &edit_range, &word_len),
    }
}

type EditRange<'a> = dyn Fn(usize) -> Range + 'a;
type WordLen<'a> = dyn Fn(&dyn Fn(char) -> bool) -> usize + 'a;

fn is_script_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.'
}

fn is_id_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-')
}

fn rule_items(
    tree: &RuleTree,
    text: &str,
    c: &Context,
    edit_range: &EditRange<'_>,
    word_len: &WordLen<'_>,
) -> Vec<CompletionItem> {
    let last = c.last().unwrap_or("");
    let script = !c.at_key
        && (SCRIPT_KEYS.contains(&last)
            || (c.path.len() >= 2 && c.path.iter().rev().nth(1).is_some_and(|k| k == "scope")));
    if script {
        return script_items(tree, c, edit_range, word_len);
    }
    let id_range = || edit_range(word_len(&is_id_char));
    if c.within("tests") {
        if let Some(i) = c.path.iter().position(|k| k == "case") {
            let below = c.path.get(i + 1..).unwrap_or_default();
            return case_items(tree, c, below, edit_range, word_len);
        }
        if c.at_key && last == "expect" {
            return outcome_items(tree, id_range());
        }
        return Vec::new();
    }
    if c.at_key && matches!(last, "then" | "scope" | "silent_on") {
        return outcome_items(tree, id_range());
    }
    if !c.at_key && c.within("then") && last != "then" {
        // A literal under `then: {outcome: ...}`: the outcome's values.
        if let Some(o) = tree.outcomes.get(last) {
            let values: Vec<&str> = o.values.iter().flatten().map(String::as_str).collect();
            return values
                .into_iter()
                .map(|v| {
                    item(
                        v,
                        CompletionItemKind::ENUM_MEMBER,
                        None,
                        v.to_string(),
                        id_range(),
                    )
                })
                .collect();
        }
    }
    if c.within("more_specific_than") && !c.at_key {
        if last == "rule_set" {
            return tree
                .rule_sets
                .iter()
                .map(|s| {
                    let title = s.versions.last().map(|v| v.title.clone());
                    item(
                        &s.id,
                        CompletionItemKind::MODULE,
                        title,
                        s.id.clone(),
                        id_range(),
                    )
                })
                .collect();
        }
        if last == "outcomes" {
            return outcome_items(tree, id_range());
        }
    }
    if last == "exception_to" && !c.at_key {
        // Rules of the same version: the ids written in this file.
        let ids = inforce_engine::outline::outline(text)
            .map(|o| o.rules.into_iter().map(|r| r.id.name).collect::<Vec<_>>())
            .unwrap_or_else(|| ids_written(text));
        return ids
            .into_iter()
            .map(|id| {
                item(
                    &id,
                    CompletionItemKind::REFERENCE,
                    None,
                    id.clone(),
                    id_range(),
                )
            })
            .collect();
    }
    Vec::new()
}

/// Rule ids written as `- id: ...` lines, for a file that does not parse.
fn ids_written(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix("- id:"))
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
        .collect()
}

fn script_items(
    tree: &RuleTree,
    c: &Context,
    edit_range: &EditRange<'_>,
    word_len: &WordLen<'_>,
) -> Vec<CompletionItem> {
    // After `fact ==` or `fact !=`, optionally an opened quote: the values.
    if let Some((fact, typed)) = compared_fact(&c.before)
        && let Some(def) = tree.facts.get(fact)
        && def.is_restricted()
    {
        let range = edit_range(typed.len());
        return value_items(def)
            .into_iter()
            .map(|(v, detail)| {
                // The range covers any quote typed: values are strings.
                let insert = format!("\"{v}\"");
                item(&v, CompletionItemKind::ENUM_MEMBER, detail, insert, range)
            })
            .collect();
    }
    let range = edit_range(word_len(&is_script_char));
    let mut out: Vec<CompletionItem> = tree
        .facts
        .iter()
        .map(|(name, def)| {
            let mut i = item(
                name,
                CompletionItemKind::FIELD,
                Some(type_name(def.ty).to_string()),
                name.clone(),
                range,
            );
            i.documentation = Some(markdown(crate::hover::fact_text(name, def)));
            i
        })
        .collect();
    out.push(item(
        "date",
        CompletionItemKind::VARIABLE,
        Some("date".to_string()),
        "date".to_string(),
        range,
    ));
    for f in FUNCTIONS {
        let mut i = item(
            f.name,
            CompletionItemKind::FUNCTION,
            Some(f.signature.to_string()),
            f.name.to_string(),
            range,
        );
        i.documentation = Some(markdown(format!("`{}`\n\n{}", f.signature, f.doc)));
        out.push(i);
    }
    out
}

/// The fact compared by `==` or `!=` right before the cursor, and the text
/// of the value typed so far.
fn compared_fact(before: &str) -> Option<(&str, &str)> {
    let op = before.rfind("==").or_else(|| before.rfind("!="))?;
    let typed = before.get(op + 2..)?.trim_start();
    if typed.chars().any(|c| c.is_whitespace() || c == ')') {
        return None;
    }
    let left = before.get(..op)?.trim_end();
    let start = left
        .rfind(|c: char| !is_script_char(c))
        .map_or(0, |i| i + 1);
    Some((left.get(start..)?, typed))
}

fn value_items(def: &FactDef) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = def
        .values
        .iter()
        .flatten()
        .map(|v| (v.clone(), None))
        .collect();
    if let Some(list) = &def.code_list {
        out.extend(list.codes.iter().map(|(c, n)| (c.clone(), Some(n.clone()))));
    }
    out
}

fn outcome_items(tree: &RuleTree, range: Range) -> Vec<CompletionItem> {
    tree.outcomes
        .iter()
        .map(|(name, o)| {
            let mut i = item(
                name,
                CompletionItemKind::PROPERTY,
                Some(type_name(o.ty).to_string()),
                name.clone(),
                range,
            );
            i.documentation = Some(markdown(o.description.clone()));
            i
        })
        .collect()
}

/// In a case (or a golden test's `case:`), `below` being the keys from the
/// case's top down to the cursor: groups, then fields, then values.
fn case_items(
    tree: &RuleTree,
    c: &Context,
    below: &[String],
    edit_range: &EditRange<'_>,
    word_len: &WordLen<'_>,
) -> Vec<CompletionItem> {
    let range = edit_range(word_len(&is_id_char));
    match (below, c.at_key) {
        ([], true) => {
            let mut out: Vec<CompletionItem> = tree
                .groups
                .iter()
                .map(|g| item(g, CompletionItemKind::MODULE, None, g.clone(), range))
                .collect();
            for k in ["id", "date"] {
                out.push(item(
                    k,
                    CompletionItemKind::KEYWORD,
                    None,
                    k.to_string(),
                    range,
                ));
            }
            out
        }
        ([group], true) => tree
            .facts
            .iter()
            .filter_map(|(name, def)| {
                let field = name.strip_prefix(group.as_str())?.strip_prefix('.')?;
                let mut i = item(
                    field,
                    CompletionItemKind::FIELD,
                    Some(type_name(def.ty).to_string()),
                    field.to_string(),
                    range,
                );
                i.documentation = Some(markdown(crate::hover::fact_text(name, def)));
                Some(i)
            })
            .collect(),
        ([group, field], false) => {
            let Some(def) = tree.facts.get(&format!("{group}.{field}")) else {
                return Vec::new();
            };
            value_items(def)
                .into_iter()
                .map(|(v, detail)| {
                    item(
                        &v,
                        CompletionItemKind::ENUM_MEMBER,
                        detail,
                        v.clone(),
                        range,
                    )
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// A declared type as the rule files write it.
pub fn type_name(ty: inforce_engine::model::ValueType) -> &'static str {
    use inforce_engine::model::ValueType;
    match ty {
        ValueType::Bool => "bool",
        ValueType::Int => "int",
        ValueType::Date => "date",
        ValueType::String => "string",
        ValueType::List => "list",
    }
}

fn item(
    label: &str,
    kind: CompletionItemKind,
    detail: Option<String>,
    insert: String,
    range: Range,
) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        filter_text: Some(insert.clone()),
        text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(range, insert))),
        ..CompletionItem::default()
    }
}

fn markdown(value: String) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fact_compared_is_found_before_the_operator() {
        assert_eq!(
            compared_fact(" person.citizenship == \"K"),
            Some(("person.citizenship", "\"K"))
        );
        assert_eq!(
            compared_fact("trip.purpose != "),
            Some(("trip.purpose", ""))
        );
        assert_eq!(compared_fact("a == b && c"), None);
    }
}
